"""Last year's notes: reports, findings, recommendations, follow-ups, reviews and repayments
(the semester monitoring matrix: :mod:`tracker.services.tlhp_matrix`).

Rules (the legal facts are in DESIGN.md):

* Deadline: officials respond within 60 days of receiving the report (UU 15/2004 Pasal 20;
  Peraturan BPK 2/2017 Pasal 3), so a recommendation's default due date is the date the
  report was received + 60 calendar days. Correcting the report's date received moves the
  due dates that were still that default.
* Outcomes (Peraturan BPK 2/2017, numbered 1-4 by BPK) are set only by the Inspektorat
  (``MANAGE_FINDINGS``): 2 ``belum_sesuai`` needs a new deadline, which becomes the
  recommendation's due date; 4 ``tidak_dapat_ditindaklanjuti`` needs one of the lawful
  reasons. One review per recommendation per semester; reviewing again within the same
  semester corrects it (the audit log keeps what it said before); the current outcome is the
  review of the latest semester.
* Not reviewed yet: shown as such in the lists, and reported as 3 (belum ditindaklanjuti)
  in the monitoring matrix, which knows only BPK's four outcomes.
* Completion rate = recommendations whose outcome is 1 (sesuai) ÷ all recommendations,
  outcome 4 included in the denominator (BPK's practice).
* A follow-up is submitted by an answering user of the recommendation's OPD; none is taken
  once the outcome is 1 or 4 (the Inspektorat reopens by reviewing again).
* Repayments of a financial finding add up to ``paid``; ``balance`` = value − paid; a
  repayment above the balance is refused. A financial finding is charged to one OPD.
* BPK's codes: an LHP BPK finding carries its finding code and each of its recommendations
  its recommendation code (elsewhere they are optional); the cause code is optional. Only
  active, detailed codes are chosen (a record keeps a code deactivated since).
* A finding's value (nilai temuan) is, for a financial finding, at least the amount to
  recover (left empty: the amount to recover). The responsible parties (name, NIP of 18
  digits, position, amount) belong to a financial finding only, and their amounts add up
  to no more than the amount to recover.
* Progress: each follow-up carries the OPD's own progress (0-100 %), cached on the
  recommendation; it never changes the official outcome, which only a review sets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select
from werkzeug.datastructures import FileStorage

from tracker.extensions import db
from tracker.i18n import rupiah, to_wib
from tracker.models import Opd
from tracker.models.base import utcnow
from tracker.models.finding import (
    EvidenceKind,
    Finding,
    FindingEvidence,
    FindingParty,
    FollowUp,
    Grade,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReportKind,
    UnfollowableReason,
)
from tracker.models.reference import AuditCode, CodeKind
from tracker.permissions import P, can_answer_recommendation, has_permission
from tracker.services import codes
from tracker.services.errors import DomainError, NotAllowed
from tracker.services.grades import grade_for, to_score
from tracker.services.organisation import normalise_nip
from tracker.services.records import apply_changes
from tracker.services.records import flush as _flush
from tracker.services.records import optional_text as _optional
from tracker.services.records import required_text as _required
from tracker.uploads import delete_stored, store_upload

RESPONSE_DAYS = 60
TEXT_MAX = 10_000
TITLE_MAX = 500
NUMBER_MAX = 20
REPORT_NUMBER_MAX = 100
ISSUER_MAX = 200
REPORT_TITLE_MAX = 300
URL_MAX = 500
LABEL_MAX = 200
MAX_EVIDENCE = 10
MONEY_MAX = Decimal("9999999999999999.99")
PERIOD_RE = re.compile(r"^(\d{4})-S([12])$")
CENT = Decimal("0.01")
NIP_LENGTH = 18
PARTY_NAME_MAX = 200
PARTY_POSITION_MAX = 200
MAX_PARTIES = 50


# --- small helpers ---------------------------------------------------------------------


#: Outcomes that leave a recommendation open (with "not reviewed yet").
OPEN_OUTCOMES = tuple(o for o in Outcome if not o.closed)


def open_clause() -> ColumnElement[bool]:
    """Not reviewed yet, or outcome 2 or 3: the OPD still has to act."""
    return or_(Recommendation.outcome.is_(None), Recommendation.outcome.in_(OPEN_OUTCOMES))


def overdue_clause(today: dt.date) -> ColumnElement[bool]:
    """Open and its current deadline passed (``Recommendation.is_overdue`` in SQL)."""
    return and_(Recommendation.due_on < today, open_clause())


def due_soon_clause(today: dt.date, days: int = 7) -> ColumnElement[bool]:
    """Open and due today or within ``days`` days."""
    return and_(
        Recommendation.due_on >= today,
        Recommendation.due_on <= today + dt.timedelta(days=days),
        open_clause(),
    )


def today_of(now: dt.datetime) -> dt.date:
    """The date in WIB of a UTC moment."""
    return to_wib(now).date()


def default_due_on(received_on: dt.date) -> dt.date:
    """60 calendar days after the report was received."""
    return received_on + dt.timedelta(days=RESPONSE_DAYS)


def _number(value: str | None, field: str = "number") -> str:
    number = _required(value, field, NUMBER_MAX)
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.\-/]*", number):
        raise DomainError(
            _("Use digits, letters, dots, dashes or slashes, e.g. 1, 2.a or 3.1."), field=field
        )
    return number


def _check_version(
    record: Any,
    values: Mapping[str, Any],
    expected_version: int | None,
    original: Mapping[str, Any] | None,
) -> None:
    """Refuse a stale form first, so the user sees what changed meanwhile."""
    if expected_version is not None and record.version != expected_version:
        apply_changes(record, values, expected_version=expected_version, original=original)


def _require_manager(actor: Any) -> None:
    if not has_permission(actor, P.MANAGE_FINDINGS):
        raise NotAllowed(_("Only the Inspektorat records reports, findings and reviews."))


def parse_rupiah(text: str | int | Decimal | None) -> Decimal | None:
    """An amount of rupiah typed the Indonesian way: '12.500.000', '12.500.000,50',
    'Rp 12500000', or '12500000.50'. Empty → None; anything else raises DomainError."""
    if text is None:
        return None
    if isinstance(text, int | Decimal):
        value = Decimal(text)
    else:
        raw = re.sub(r"(?i)^\s*rp\.?\s*", "", text).replace(" ", "").replace("\u00a0", "")
        if not raw:
            return None
        if not re.fullmatch(r"[0-9.,]+", raw):
            raise DomainError(_("Enter an amount in rupiah, e.g. 12.500.000."), field="amount")
        if "," in raw and "." in raw:
            if raw.rfind(",") < raw.rfind("."):  # 12,500,000.50
                raw = raw.replace(",", "")
            else:  # 12.500.000,50
                raw = raw.replace(".", "").replace(",", ".")
        elif "," in raw:
            head, _sep, tail = raw.rpartition(",")
            if raw.count(",") == 1 and len(tail) in (1, 2):
                raw = f"{head}.{tail}"  # 1500,5
            elif re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
                raw = raw.replace(",", "")
            else:
                raise DomainError(_("Enter an amount in rupiah, e.g. 12.500.000."), field="amount")
        elif "." in raw:
            if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
                raw = raw.replace(".", "")  # 12.500.000
            elif raw.count(".") == 1 and len(raw.rpartition(".")[2]) in (1, 2):
                pass  # 1500.50
            else:
                raise DomainError(_("Enter an amount in rupiah, e.g. 12.500.000."), field="amount")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise DomainError(
                _("Enter an amount in rupiah, e.g. 12.500.000."), field="amount"
            ) from None
    if value != value.quantize(CENT):
        raise DomainError(_("Use at most two decimals."), field="amount")
    if value > MONEY_MAX:
        raise DomainError(_("The amount is too large."), field="amount")
    return value.quantize(CENT)


def completion_rate(settled: int, total: int) -> Decimal | None:
    """Percentage of recommendations with outcome 1, two decimals; None when there are none."""
    if total <= 0:
        return None
    if not 0 <= settled <= total:
        raise ValueError("settled must be between 0 and total")
    return (Decimal(settled) * 100 / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- semesters -------------------------------------------------------------------------


def period_of(day: dt.date) -> str:
    """'2023-S1' for January–June, '2023-S2' for July–December."""
    return f"{day.year:04d}-S{1 if day.month <= 6 else 2}"


def parse_period(text: str | None, field: str = "period") -> str:
    match = PERIOD_RE.match((text or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise DomainError(_("Choose a semester, e.g. 2023-S2."), field=field)
    return match.group(0)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    match = PERIOD_RE.match(period)
    if not match:
        raise ValueError(period)
    year, half = int(match.group(1)), int(match.group(2))
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


def period_label(period: str) -> str:
    """'Semester II 2023'."""
    year, half = period.split("-S")
    return _("Semester %(half)s %(year)s", half="I" if half == "1" else "II", year=year)


def previous_period(period: str) -> str:
    year, half = period.split("-S")
    return f"{year}-S1" if half == "2" else f"{int(year) - 1:04d}-S2"


def periods_between(first: str, last: str) -> list[str]:
    """Semesters from ``last`` back to ``first`` (newest first)."""
    out = []
    current = last
    while current >= first and len(out) < 400:
        out.append(current)
        current = previous_period(current)
    return out


# --- reports ---------------------------------------------------------------------------


def _report_values(
    *,
    kind: ReportKind,
    year: int,
    number: str,
    title: str | None,
    issuer: str,
    issued_on: dt.date,
    received_on: dt.date,
    grade: Grade | None,
    score: Decimal | None,
    note: str | None,
    today: dt.date,
) -> dict[str, Any]:
    kind = ReportKind(kind)
    if not 2000 <= int(year) <= 2100:
        raise DomainError(_("Enter a year between 2000 and 2100."), field="year")
    if issued_on is None:
        raise DomainError(_("This field is required."), field="issued_on")
    if received_on is None:
        raise DomainError(_("This field is required."), field="received_on")
    if received_on < issued_on:
        raise DomainError(_("The report cannot be received before its date."), field="received_on")
    if received_on > today:
        raise DomainError(_("The date received cannot be in the future."), field="received_on")
    if score is not None:
        score = to_score(score)
    if (grade is not None or score is not None) and not kind.has_grade:
        raise DomainError(
            _("Only evaluation reports (LHE) carry a grade and a score."), field="grade"
        )
    if score is not None:
        derived = grade_for(score)
        if grade is not None and Grade(grade) is not derived:
            raise DomainError(
                _(
                    "A score of %(score)s earns the grade %(grade)s; leave the grade empty "
                    "or correct the score.",
                    score=str(score).replace(".", ","),
                    grade=derived.value,
                ),
                field="grade",
            )
        grade = derived
    return {
        "kind": kind,
        "year": int(year),
        "number": _required(number, "number", REPORT_NUMBER_MAX),
        "title": _optional(title, "title", REPORT_TITLE_MAX),
        "issuer": _required(issuer, "issuer", ISSUER_MAX),
        "issued_on": issued_on,
        "received_on": received_on,
        "grade": Grade(grade) if grade else None,
        "score": score,
        "note": _optional(note, "note", TEXT_MAX),
    }


def _check_report_unique(kind: ReportKind, number: str, exclude_id: int | None) -> None:
    stmt = select(Report.id).where(Report.kind == kind, func.lower(Report.number) == number.lower())
    if exclude_id is not None:
        stmt = stmt.where(Report.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            _(
                "A %(kind)s with the number %(number)s already exists.",
                kind=kind.short,
                number=number,
            ),
            field="number",
        )


def create_report(actor: Any, *, now: dt.datetime, **fields: Any) -> Report:
    _require_manager(actor)
    values = _report_values(**fields, today=today_of(now))
    _check_report_unique(values["kind"], values["number"], None)
    report = Report(**values)
    db.session.add(report)
    _flush()
    return report


def update_report(
    actor: Any,
    report: Report,
    *,
    now: dt.datetime,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, tuple[Any, Any]]:
    _require_manager(actor)
    plain = {k: fields[k] for k in ("kind", "year", "number", "issuer", "received_on")}
    _check_version(report, plain, expected_version, original)
    values = _report_values(**fields, today=today_of(now))
    _check_report_unique(values["kind"], values["number"], report.id)
    old_default = default_due_on(report.received_on)
    changed = apply_changes(report, values, expected_version=expected_version, original=original)
    if "received_on" in changed:
        new_default = default_due_on(values["received_on"])
        for finding in report.findings:
            for rec in finding.recommendations:
                if rec.original_due_on == old_default:
                    if rec.due_on == rec.original_due_on:
                        rec.due_on = new_default
                    rec.original_due_on = new_default
    _flush()
    return changed


def delete_report(actor: Any, report: Report) -> None:
    _require_manager(actor)
    if report.findings:
        raise DomainError(_("This report has findings; delete them first or keep the report."))
    db.session.delete(report)
    _flush()


# --- findings --------------------------------------------------------------------------


def _opds(opd_ids: Iterable[int], current: Iterable[Opd] = ()) -> list[Opd]:
    ids = sorted({int(i) for i in opd_ids})
    if not ids:
        raise DomainError(_("Choose at least one responsible OPD."), field="opd_ids")
    keep = {o.id for o in current}
    opds = list(db.session.scalars(select(Opd).where(Opd.id.in_(ids)).order_by(Opd.sort_order)))
    if len(opds) != len(ids) or any(not o.active and o.id not in keep for o in opds):
        raise DomainError(_("Choose active OPDs from the list."), field="opd_ids")
    return opds


def _finding_values(
    *,
    number: str,
    title: str,
    condition: str | None,
    criteria: str | None,
    cause: str | None,
    effect: str | None,
    is_financial: bool,
    amount_to_recover: Decimal | str | None,
) -> dict[str, Any]:
    amount = None
    if is_financial:
        try:
            amount = parse_rupiah(amount_to_recover)
        except DomainError as exc:
            raise DomainError(exc.message, field="amount_to_recover") from None
        if amount is None or amount <= 0:
            raise DomainError(
                _("A financial finding needs the amount to recover."), field="amount_to_recover"
            )
    return {
        "number": _number(number),
        "title": _required(title, "title", TITLE_MAX),
        "condition": _optional(condition, "condition", TEXT_MAX),
        "criteria": _optional(criteria, "criteria", TEXT_MAX),
        "cause": _optional(cause, "cause", TEXT_MAX),
        "effect": _optional(effect, "effect", TEXT_MAX),
        "is_financial": bool(is_financial),
        "amount_to_recover": amount,
    }


def _check_finding_unique(report: Report, number: str, exclude_id: int | None) -> None:
    stmt = select(Finding.id).where(
        Finding.report_id == report.id, func.lower(Finding.number) == number.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(Finding.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            _("This report already has a finding number %(number)s.", number=number),
            field="number",
        )


def _check_financial_opds(values: Mapping[str, Any], opds: Sequence[Opd]) -> None:
    if values["is_financial"] and len(opds) != 1:
        raise DomainError(
            _(
                "A financial finding is charged to one OPD, so that its value and "
                "repayments add up per OPD. Record one finding per OPD."
            ),
            field="opd_ids",
        )


@dataclass(frozen=True)
class PartyInput:
    """One responsible party as typed on the form (strings, or already parsed values)."""

    name: str | None
    nip: str | None = None
    position: str | None = None
    amount: Decimal | str | None = None

    @property
    def blank(self) -> bool:
        return not any(
            (str(v).strip() if v is not None else "")
            for v in (self.name, self.nip, self.position, self.amount)
        )


def _row_error(n: int, message: str) -> DomainError:
    return DomainError(
        _("Responsible party %(n)d: %(message)s", n=n, message=message), field="parties"
    )


def _parties(
    rows: Sequence[PartyInput], *, is_financial: bool, amount: Decimal | None
) -> list[dict[str, Any]]:
    """The parties checked and cleaned (blank rows dropped)."""
    filled = [row for row in rows if not row.blank]
    if not filled:
        return []
    if not is_financial:
        raise DomainError(
            _("Responsible parties are recorded for a financial finding only."), field="parties"
        )
    if len(filled) > MAX_PARTIES:
        raise DomainError(_("At most %(n)d responsible parties.", n=MAX_PARTIES), field="parties")
    out = []
    for n, row in enumerate(filled, start=1):
        name = (row.name or "").strip()
        if not name:
            raise _row_error(n, _("enter the name."))
        if len(name) > PARTY_NAME_MAX:
            raise _row_error(n, _("At most %(n)d characters.", n=PARTY_NAME_MAX))
        nip = normalise_nip(row.nip)
        if nip is not None and (not nip.isdigit() or len(nip) != NIP_LENGTH):
            raise _row_error(n, _("a NIP has 18 digits (spaces are allowed)."))
        position = (row.position or "").strip() or None
        if position is not None and len(position) > PARTY_POSITION_MAX:
            raise _row_error(n, _("At most %(n)d characters.", n=PARTY_POSITION_MAX))
        try:
            value = parse_rupiah(row.amount)
        except DomainError as exc:
            raise _row_error(n, exc.message) from None
        out.append({"name": name, "nip": nip, "position": position, "amount": value})
    total = sum((p["amount"] for p in out if p["amount"] is not None), Decimal(0))
    if amount is not None and total > amount:
        raise DomainError(
            _(
                "The responsible parties' amounts add up to %(total)s, more than the amount "
                "to recover of %(amount)s.",
                total=format_rupiah(total),
                amount=format_rupiah(amount),
            ),
            field="parties",
        )
    return out


def _coded_values(
    report: Report,
    values: Mapping[str, Any],
    *,
    finding_code_id: int | str | None,
    cause_code_id: int | str | None,
    value: Decimal | str | None,
    current: Finding | None,
) -> dict[str, Any]:
    """The finding code, cause code and value, checked against the report and amount."""
    finding_code = codes.resolve(
        CodeKind.FINDING,
        finding_code_id,
        current_id=current.finding_code_id if current else None,
        field="finding_code_id",
    )
    if finding_code is None and report.kind is ReportKind.LHP_BPK:
        raise DomainError(
            _("A finding of an LHP BPK carries its BPK finding code."), field="finding_code_id"
        )
    cause_code = codes.resolve(
        CodeKind.CAUSE,
        cause_code_id,
        current_id=current.cause_code_id if current else None,
        field="cause_code_id",
    )
    try:
        amount_value = parse_rupiah(value)
    except DomainError as exc:
        raise DomainError(exc.message, field="value") from None
    amount = values["amount_to_recover"]
    if amount is not None:
        if amount_value is None:
            amount_value = amount
        elif amount_value < amount:
            raise DomainError(
                _(
                    "The value of a financial finding is at least its amount to recover "
                    "(%(amount)s).",
                    amount=format_rupiah(amount),
                ),
                field="value",
            )
    return {
        "finding_code_id": finding_code.id if finding_code else None,
        "cause_code_id": cause_code.id if cause_code else None,
        "value": amount_value,
    }


def _party_summary(rows: Iterable[Any]) -> tuple[str, ...]:
    def one(p: Any) -> str:
        get = p.get if isinstance(p, dict) else lambda k: getattr(p, k)
        amount = get("amount")
        return " / ".join(
            str(x) for x in (get("name"), get("nip"), get("position"), amount) if x is not None
        )

    return tuple(one(p) for p in rows)


def _apply_parties(finding: Finding, rows: list[dict[str, Any]]) -> bool:
    """Make the finding's parties these rows (updated in place, added, removed); True when
    anything changed."""
    before = _party_summary(finding.parties)
    existing = list(finding.parties)
    for index, row in enumerate(rows):
        if index < len(existing):
            party = existing[index]
            for key, value in row.items():
                if getattr(party, key) != value:
                    setattr(party, key, value)
            party.sort_order = index
        else:
            finding.parties.append(FindingParty(**row, sort_order=index))
    for party in existing[len(rows) :]:
        finding.parties.remove(party)
        db.session.delete(party)  # now, so the audit log sees the delete
    return _party_summary(rows) != before


def create_finding(
    actor: Any,
    report: Report,
    *,
    opd_ids: Iterable[int],
    finding_code_id: int | str | None = None,
    cause_code_id: int | str | None = None,
    value: Decimal | str | None = None,
    parties: Sequence[PartyInput] = (),
    **fields: Any,
) -> Finding:
    _require_manager(actor)
    values = _finding_values(**fields)
    opds = _opds(opd_ids)
    _check_financial_opds(values, opds)
    values.update(
        _coded_values(
            report,
            values,
            finding_code_id=finding_code_id,
            cause_code_id=cause_code_id,
            value=value,
            current=None,
        )
    )
    rows = _parties(
        parties, is_financial=values["is_financial"], amount=values["amount_to_recover"]
    )
    _check_finding_unique(report, values["number"], None)
    finding = Finding(report=report, opds=opds, **values)
    finding.parties = [FindingParty(**row, sort_order=i) for i, row in enumerate(rows)]
    db.session.add(finding)
    _flush()
    return finding


def update_finding(
    actor: Any,
    finding: Finding,
    *,
    opd_ids: Iterable[int],
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
    finding_code_id: int | str | None = None,
    cause_code_id: int | str | None = None,
    value: Decimal | str | None = None,
    parties: Sequence[PartyInput] | None = None,
    **fields: Any,
) -> dict[str, tuple[Any, Any]]:
    """Save a finding; ``parties`` None keeps its responsible parties as they are."""
    _require_manager(actor)
    plain = {k: fields[k] for k in ("number", "title", "is_financial")}
    _check_version(finding, plain, expected_version, original)
    values = _finding_values(**fields)
    opds = _opds(opd_ids, finding.opds)
    _check_financial_opds(values, opds)
    values.update(
        _coded_values(
            finding.report,
            values,
            finding_code_id=finding_code_id,
            cause_code_id=cause_code_id,
            value=value,
            current=finding,
        )
    )
    if parties is None:
        parties = [PartyInput(p.name, p.nip, p.position, p.amount) for p in finding.parties]
    rows = _parties(
        parties, is_financial=values["is_financial"], amount=values["amount_to_recover"]
    )
    _check_finding_unique(finding.report, values["number"], finding.id)
    chosen = {o.id for o in opds}
    for rec in finding.recommendations:
        if rec.opd_id not in chosen:
            raise DomainError(
                _(
                    "Recommendation %(number)s is addressed to %(opd)s; keep that OPD or "
                    "address the recommendation to another OPD first.",
                    number=rec.number,
                    opd=rec.opd.code,
                ),
                field="opd_ids",
            )
    if not values["is_financial"] and finding.repayments:
        raise DomainError(
            _("This finding has repayments; it stays a financial finding."),
            field="is_financial",
        )
    if values["amount_to_recover"] is not None and values["amount_to_recover"] < finding.paid:
        raise DomainError(
            _("The value cannot be below what has already been repaid."),
            field="amount_to_recover",
        )
    changed = apply_changes(finding, values, expected_version=expected_version, original=original)
    before_parties = _party_summary(finding.parties)
    if _apply_parties(finding, rows):
        changed["parties"] = (before_parties, _party_summary(rows))
        finding.updated_at = dt.datetime.now(dt.UTC)  # an UPDATE, so the version moves
    if {o.id for o in finding.opds} != chosen:
        finding.opds = list(opds)
        changed["opd_ids"] = ((), tuple(sorted(chosen)))
        finding.updated_at = dt.datetime.now(dt.UTC)  # an UPDATE, so the version moves
    _flush()
    return changed


def _has_history(rec: Recommendation) -> bool:
    return bool(rec.follow_ups or rec.reviews)


def delete_finding(actor: Any, finding: Finding) -> None:
    _require_manager(actor)
    if finding.repayments or any(_has_history(r) for r in finding.recommendations):
        raise DomainError(
            _(
                "This finding already has follow-ups, reviews or repayments; it is kept "
                "for the record."
            )
        )
    db.session.delete(finding)
    _flush()


# --- recommendations -------------------------------------------------------------------


def _rec_values(finding: Finding, *, number: str, text: str, opd_id: int | None) -> dict[str, Any]:
    if opd_id is None or int(opd_id) not in {o.id for o in finding.opds}:
        raise DomainError(_("Choose one of the finding's responsible OPDs."), field="opd_id")
    return {
        "number": _number(number),
        "text": _required(text, "text", TEXT_MAX),
        "opd_id": int(opd_id),
    }


def _rec_coded_values(
    finding: Finding,
    *,
    code_id: int | str | None,
    value: Decimal | str | None,
    current: Recommendation | None,
) -> dict[str, Any]:
    code: AuditCode | None = codes.resolve(
        CodeKind.RECOMMENDATION,
        code_id,
        current_id=current.code_id if current else None,
        field="code_id",
    )
    if code is None and finding.report.kind is ReportKind.LHP_BPK:
        raise DomainError(
            _("A recommendation of an LHP BPK carries its BPK recommendation code."),
            field="code_id",
        )
    try:
        amount = parse_rupiah(value)
    except DomainError as exc:
        raise DomainError(exc.message, field="value") from None
    return {"code_id": code.id if code else None, "value": amount}


def _check_rec_unique(finding: Finding, number: str, exclude_id: int | None) -> None:
    stmt = select(Recommendation.id).where(
        Recommendation.finding_id == finding.id,
        func.lower(Recommendation.number) == number.lower(),
    )
    if exclude_id is not None:
        stmt = stmt.where(Recommendation.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            _("This finding already has a recommendation number %(number)s.", number=number),
            field="number",
        )


def create_recommendation(
    actor: Any,
    finding: Finding,
    *,
    number: str,
    text: str,
    opd_id: int | None,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
    code_id: int | str | None = None,
    value: Decimal | str | None = None,
) -> Recommendation:
    """Add a recommendation; with no due date, 60 days after the report was received. The
    OPD it is assigned to is told (tracker.services.notices)."""
    _require_manager(actor)
    values = _rec_values(finding, number=number, text=text, opd_id=opd_id)
    values.update(_rec_coded_values(finding, code_id=code_id, value=value, current=None))
    _check_rec_unique(finding, values["number"], None)
    due = due_on or default_due_on(finding.report.received_on)
    if due < finding.report.received_on:
        raise DomainError(
            _("The due date cannot be before the report was received."), field="due_on"
        )
    rec = Recommendation(**values, original_due_on=due, due_on=due)
    finding.recommendations.append(rec)
    db.session.add(rec)
    _flush()
    from tracker.services import notices

    notices.recommendation_assigned(rec, actor=actor, now=now or utcnow())
    return rec


def update_recommendation(
    actor: Any,
    rec: Recommendation,
    *,
    number: str,
    text: str,
    opd_id: int | None,
    due_on: dt.date | None,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
    code_id: int | str | None = None,
    value: Decimal | str | None = None,
) -> dict[str, tuple[Any, Any]]:
    _require_manager(actor)
    _check_version(
        rec, {"number": number, "text": text, "opd_id": opd_id}, expected_version, original
    )
    finding = rec.finding
    values = _rec_values(finding, number=number, text=text, opd_id=opd_id)
    values.update(_rec_coded_values(finding, code_id=code_id, value=value, current=rec))
    _check_rec_unique(finding, values["number"], rec.id)
    due = due_on or rec.due_on
    if due < finding.report.received_on:
        raise DomainError(
            _("The due date cannot be before the report was received."), field="due_on"
        )
    values["due_on"] = due
    if rec.due_on == rec.original_due_on and not any(
        r.outcome is Outcome.BELUM_SESUAI for r in rec.reviews
    ):
        values["original_due_on"] = due
    changed = apply_changes(rec, values, expected_version=expected_version, original=original)
    _flush()
    return changed


def delete_recommendation(actor: Any, rec: Recommendation) -> None:
    _require_manager(actor)
    if _has_history(rec):
        raise DomainError(
            _("This recommendation already has follow-ups or reviews; it is kept for the record.")
        )
    # No autoflush in between: deleting cascades to the recommendation's collections (their
    # loading would flush the orphan first, and the delete would then find it gone).
    with db.session.no_autoflush:
        rec.finding.recommendations.remove(rec)
        db.session.delete(rec)
    _flush()


# --- follow-ups and evidence -----------------------------------------------------------


@dataclass(frozen=True)
class FileEvidence:
    upload: FileStorage
    refers_to_on: dt.date | None
    label: str | None = None


@dataclass(frozen=True)
class LinkEvidence:
    url: str
    refers_to_on: dt.date | None
    label: str | None = None


def check_url(url: str, field: str = "links") -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
        raise DomainError(_("Enter a web address starting with http:// or https://."), field=field)
    return url


def _evidence_date(day: dt.date | None, today: dt.date, field: str) -> dt.date:
    if day is None:
        raise DomainError(_("Enter the date the evidence refers to."), field=field)
    if day > today:
        raise DomainError(_("The evidence cannot refer to a future date."), field=field)
    if day.year < 2000:
        raise DomainError(_("Enter a date from 2000 on."), field=field)
    return day


def _store_evidence(
    files: Sequence[FileEvidence], links: Sequence[LinkEvidence], today: dt.date
) -> list[FindingEvidence]:
    """Check every item first, then keep the files; a refused file removes those kept."""
    if len(files) + len(links) > MAX_EVIDENCE:
        raise DomainError(
            _("At most %(n)d evidence items at a time.", n=MAX_EVIDENCE), field="files"
        )
    rows: list[FindingEvidence] = []
    for link in links:
        rows.append(
            FindingEvidence(
                kind=EvidenceKind.LINK,
                url=check_url(link.url),
                label=_optional(link.label, "links", LABEL_MAX),
                refers_to_on=_evidence_date(link.refers_to_on, today, "links"),
            )
        )
    dates = [_evidence_date(f.refers_to_on, today, "files") for f in files]
    kept: list[str] = []
    try:
        for item, day in zip(files, dates, strict=True):
            stored = store_upload(item.upload, today=today)
            kept.append(stored.stored_name)
            rows.append(
                FindingEvidence(
                    kind=EvidenceKind.FILE,
                    stored_name=stored.stored_name,
                    original_name=stored.original_name[:200],
                    content_type=stored.content_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    label=_optional(item.label, "files", LABEL_MAX),
                    refers_to_on=day,
                )
            )
    except DomainError:
        for name in kept:
            delete_stored(name)
        raise
    return rows


def stored_names(rows: Iterable[FindingEvidence]) -> list[str]:
    return [r.stored_name for r in rows if r.stored_name]


def check_progress(value: int | str | None, field: str = "progress") -> int | None:
    """A progress percentage, a whole number from 0 to 100 (None stays None)."""
    if value is None:
        return None
    try:
        percent = int(str(value).strip().rstrip("%").strip())
    except ValueError:
        raise DomainError(_("Enter a whole number from 0 to 100."), field=field) from None
    if not 0 <= percent <= 100:
        raise DomainError(_("Enter a whole number from 0 to 100."), field=field)
    return percent


def submit_follow_up(
    actor: Any,
    rec: Recommendation,
    *,
    description: str,
    files: Sequence[FileEvidence] = (),
    links: Sequence[LinkEvidence] = (),
    now: dt.datetime,
    progress: int | str | None = None,
) -> FollowUp:
    """The responsible OPD reports what it did, with evidence files or links, and how far
    it says it is (0-100 %; left out: the last progress given). The progress is the OPD's
    own word: the official outcome changes only by a review."""
    if not can_answer_recommendation(rec, actor):
        raise NotAllowed(_("Only the responsible OPD submits a follow-up of this recommendation."))
    if rec.outcome is not None and rec.outcome.closed:
        raise DomainError(
            _(
                "This recommendation is closed (%(outcome)s); no further follow-up is expected.",
                outcome=rec.outcome.numbered,
            )
        )
    text = _required(description, "description", TEXT_MAX)
    percent = check_progress(progress if progress not in (None, "") else rec.progress)
    today = today_of(now)
    evidence = _store_evidence(files, links, today)
    follow_up = FollowUp(
        author=actor, submitted_at=now, description=text, evidence=evidence, progress=percent
    )
    rec.follow_ups.append(follow_up)
    rec.last_follow_up_at = now
    rec.progress = percent
    try:
        _flush()
    except DomainError:
        for name in stored_names(evidence):
            delete_stored(name)
        raise
    return follow_up


# --- reviews ---------------------------------------------------------------------------


def review_periods(rec: Recommendation, today: dt.date) -> list[str]:
    """The semesters a review may be recorded for, newest first: from the semester the
    report was received up to the current one."""
    return periods_between(period_of(rec.finding.report.received_on), period_of(today))


def refresh_outcome(rec: Recommendation) -> None:
    """Recompute the cached current outcome from the reviews (the latest semester's)."""
    reviews = sorted(rec.reviews, key=lambda r: r.period)
    latest = reviews[-1] if reviews else None
    rec.outcome = latest.outcome if latest else None
    rec.outcome_period = latest.period if latest else None
    rec.last_reviewed_at = max((r.reviewed_at for r in reviews), default=None)


@dataclass(frozen=True)
class ReviewValues:
    """A review as it would be recorded: checked and normalised (no reason unless outcome
    4, no new deadline unless outcome 2)."""

    period: str
    outcome: Outcome
    reason: UnfollowableReason | None
    new_due_on: dt.date | None
    note: str | None


def review_values(
    rec: Recommendation,
    *,
    period: str,
    outcome: Outcome | str,
    reason: UnfollowableReason | str | None = None,
    new_due_on: dt.date | None = None,
    note: str | None = None,
    today: dt.date,
) -> ReviewValues:
    """Check a review of ``rec`` by BPK's rules (the semester, the new deadline of outcome
    2, the lawful reason of outcome 4) as of ``today``; the proposal and its approval both
    go through here."""
    period = parse_period(period)
    if period > period_of(today):
        raise DomainError(_("The semester cannot be in the future."), field="period")
    start, end = period_bounds(period)
    if end < rec.finding.report.received_on:
        raise DomainError(
            _("The report was received after this semester; choose a later one."),
            field="period",
        )
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise DomainError(_("Choose one of the four outcomes."), field="outcome") from None
    note = _optional(note, "note", TEXT_MAX)
    if outcome is Outcome.BELUM_SESUAI:
        if new_due_on is None:
            raise DomainError(
                _("Outcome 2 (not yet matching) needs a new deadline."), field="new_due_on"
            )
        earliest = today if period == period_of(today) else start
        if new_due_on <= earliest:
            raise DomainError(
                _("The new deadline must be after %(date)s.", date=earliest.isoformat()),
                field="new_due_on",
            )
    else:
        new_due_on = None
    checked_reason: UnfollowableReason | None = None
    if outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI:
        if not reason:
            raise DomainError(
                _("Outcome 4 (cannot be followed up) needs one of the lawful reasons."),
                field="reason",
            )
        try:
            checked_reason = UnfollowableReason(reason)
        except ValueError:
            raise DomainError(_("Choose one of the lawful reasons."), field="reason") from None
    return ReviewValues(period, outcome, checked_reason, new_due_on, note)


def record_review(
    actor: Any,
    rec: Recommendation,
    *,
    period: str,
    outcome: Outcome | str,
    reason: UnfollowableReason | str | None = None,
    new_due_on: dt.date | None = None,
    note: str | None = None,
    now: dt.datetime,
) -> RecommendationReview:
    """Set BPK's outcome of ``rec`` for a semester. Only the approval of a proposed
    review calls this (:mod:`tracker.services.reviews`), and the demo loader."""
    if not has_permission(actor, P.MANAGE_FINDINGS):
        raise NotAllowed(_("Only the Inspektorat sets the outcome of a recommendation."))
    values = review_values(
        rec,
        period=period,
        outcome=outcome,
        reason=reason,
        new_due_on=new_due_on,
        note=note,
        today=today_of(now),
    )
    period, outcome = values.period, values.outcome
    reason, new_due_on, note = values.reason, values.new_due_on, values.note

    review = next((r for r in rec.reviews if r.period == period), None)
    if review is None:
        review = RecommendationReview(period=period)
        rec.reviews.append(review)
        db.session.add(review)
    review.outcome = outcome
    review.reason = reason  # type: ignore[assignment]
    review.new_due_on = new_due_on
    review.note = note
    review.reviewer = actor
    review.reviewed_at = now
    latest = max(r.period for r in rec.reviews)
    if outcome is Outcome.BELUM_SESUAI and period == latest and new_due_on is not None:
        rec.due_on = new_due_on
    refresh_outcome(rec)
    _flush()
    from tracker.services import notices

    notices.follow_up_reviewed(rec, review, actor=actor, now=now)
    return review


# --- repayments ------------------------------------------------------------------------


def add_repayment(
    actor: Any,
    finding: Finding,
    *,
    paid_on: dt.date | None,
    amount: Decimal | str | None,
    note: str | None = None,
    evidence: FileEvidence | None = None,
    now: dt.datetime,
) -> Repayment:
    """Record a deposit (setoran) against a financial finding, up to its balance."""
    _require_manager(actor)
    if not finding.is_financial or finding.amount_to_recover is None:
        raise DomainError(_("Only a financial finding takes repayments."))
    today = today_of(now)
    if paid_on is None:
        raise DomainError(_("This field is required."), field="paid_on")
    if paid_on > today:
        raise DomainError(_("The repayment date cannot be in the future."), field="paid_on")
    value = parse_rupiah(amount)
    if value is None:
        raise DomainError(_("This field is required."), field="amount")
    if value <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    balance = finding.balance or Decimal(0)
    if value > balance:
        raise DomainError(
            _(
                "The repayment of %(amount)s exceeds the balance of %(balance)s.",
                amount=format_rupiah(value),
                balance=format_rupiah(balance),
            ),
            field="amount",
        )
    rows = []
    if evidence is not None:
        rows = _store_evidence(
            [FileEvidence(evidence.upload, evidence.refers_to_on or paid_on, evidence.label)],
            [],
            today,
        )
    repayment = Repayment(
        paid_on=paid_on,
        amount=value,
        note=_optional(note, "note", TEXT_MAX),
        recorded_by=actor,
        evidence=rows,
    )
    finding.repayments.append(repayment)
    # Touch the finding: its version check serialises concurrent repayments.
    finding.updated_at = now
    try:
        _flush()
    except DomainError:
        for name in stored_names(rows):
            delete_stored(name)
        raise
    return repayment


def delete_repayment(actor: Any, repayment: Repayment, *, now: dt.datetime) -> list[str]:
    """Remove a mistaken repayment; returns the stored files to delete after the commit."""
    _require_manager(actor)
    names = stored_names(repayment.evidence)
    finding = repayment.finding
    finding.repayments.remove(repayment)
    db.session.delete(repayment)
    finding.updated_at = now
    _flush()
    return names


def format_rupiah(value: Decimal | int | None, locale: str | None = None) -> str:
    """'Rp 12.500.000' (Indonesian grouping); cents only when there are some."""
    return rupiah(value, locale)
