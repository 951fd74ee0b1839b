"""The findings lists: the findings with their recommendations (who sees which, the
filters, search, sort, count and paging, and the count per outcome under the same
filters) and the register of reports. The pages read their rows only from here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_login import current_user
from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from tracker.extensions import db
from tracker.listing import Listing, ListSpec, escape_like, int_arg
from tracker.models import Opd
from tracker.models.finding import (
    Finding,
    FindingEvidence,
    FollowUp,
    Outcome,
    Recommendation,
    Report,
    ReportKind,
)
from tracker.models.reference import AuditCode, CodeKind
from tracker.permissions import scope_findings, scope_opd_ids
from tracker.services import codes
from tracker.services import findings as svc
from tracker.services.errors import DomainError

#: the outcome filter for recommendations no review has judged yet
NOT_REVIEWED = "none"
MAX_QUERY_LENGTH = 100

FINDING_SPEC = ListSpec(
    sorts={
        "report": [0 - Report.year, Report.kind, Report.number, func.length(Finding.number)],
        "number": [func.length(Finding.number), Finding.number],
        "title": Finding.title,
        "received": Report.received_on,
    },
    default_sort="report",
    tiebreak=Finding.id,
)


def scope_condition() -> Any:
    """The condition on Recommendation for the current user (None: every OPD)."""
    allowed = scope_opd_ids(current_user)
    if allowed is None:
        return None
    return Recommendation.opd_id.in_(sorted(allowed)) if allowed else Recommendation.id.is_(None)


def awaiting_condition() -> Any:
    """A follow-up was sent after the last review (or there was no review yet)."""
    return and_(
        Recommendation.last_follow_up_at.is_not(None),
        or_(
            Recommendation.last_reviewed_at.is_(None),
            Recommendation.last_follow_up_at > Recommendation.last_reviewed_at,
        ),
    )


@dataclass(frozen=True)
class Filters:
    report_id: int | None = None
    year: int | None = None
    #: a ReportKind value, or ""
    kind: str = ""
    #: only for a reader of every OPD
    opd_id: int | None = None
    #: an Outcome value, NOT_REVIEWED, or ""
    outcome: str = ""
    overdue: bool = False
    awaiting: bool = False
    q: str = ""
    #: a finding code or group ("1.01" matches 1.01 and every code below it), or ""
    finding_code: str = ""
    cause_code: str = ""
    #: a recommendation code ("01"-"14"), or ""
    rec_code: str = ""
    #: only findings without a finding code
    no_code: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, sees_all: bool) -> Filters:
        kind = args.get("kind", "")
        outcome = args.get("outcome", "")
        return cls(
            finding_code=_code_arg(args, "finding_code", CodeKind.FINDING),
            cause_code=_code_arg(args, "cause_code", CodeKind.CAUSE),
            rec_code=_code_arg(args, "rec_code", CodeKind.RECOMMENDATION),
            no_code=args.get("no_code") == "1",
            report_id=int_arg("report", args),
            year=int_arg("year", args),
            kind=kind if kind in {k.value for k in ReportKind} else "",
            opd_id=int_arg("opd", args) if sees_all else None,
            outcome=outcome if outcome in {o.value for o in Outcome} | {NOT_REVIEWED} else "",
            overdue=args.get("overdue") == "1",
            awaiting=args.get("awaiting") == "1",
            q=args.get("q", "").strip()[:MAX_QUERY_LENGTH],
        )

    def as_args(self) -> dict[str, Any]:
        """The filters as the page's filter form shows them."""
        return {
            "report": self.report_id,
            "year": self.year,
            "kind": self.kind,
            "opd": self.opd_id,
            "outcome": self.outcome,
            "overdue": self.overdue,
            "awaiting": self.awaiting,
            "finding_code": self.finding_code,
            "cause_code": self.cause_code,
            "rec_code": self.rec_code,
            "no_code": self.no_code,
        }


def _code_arg(args: Mapping[str, str], name: str, kind: CodeKind) -> str:
    """A code from the query string when it has the format of its kind, else ""."""
    raw = args.get(name, "").strip()[:20]
    try:
        return codes.check_code(kind, raw) if raw else ""
    except DomainError:
        return ""


def _code_match(kind: CodeKind, code: str) -> Any:
    """The ids of the codes of ``kind`` equal to ``code`` or below it (a prefix match)."""
    return select(AuditCode.id).where(
        AuditCode.kind == kind,
        or_(AuditCode.code == code, AuditCode.code.like(escape_like(code) + ".%", escape="\\")),
    )


@dataclass
class Page:
    listing: Listing
    #: finding id → its recommendations the user may see that match the filters
    recs: dict[int, list[Recommendation]] = field(default_factory=dict)
    #: recommendations per outcome value (NOT_REVIEWED for none) under the other filters
    counts: dict[str, int] = field(default_factory=dict)
    #: recommendation id → documents (evidence files and links) its follow-ups carry
    documents: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def page(filters: Filters, today: dt.date, args: Mapping[str, str]) -> Page:
    finding_conds: list[Any] = []
    rec_conds: list[Any] = []
    scope = scope_condition()
    if scope is not None:
        rec_conds.append(scope)
    if filters.report_id is not None:
        finding_conds.append(Finding.report_id == filters.report_id)
    if filters.year is not None:
        finding_conds.append(Report.year == filters.year)
    if filters.kind:
        finding_conds.append(Report.kind == ReportKind(filters.kind))
    if filters.opd_id is not None:
        rec_conds.append(Recommendation.opd_id == filters.opd_id)
    if filters.overdue:
        rec_conds.append(svc.overdue_clause(today))
    if filters.awaiting:
        rec_conds.append(awaiting_condition())
    if filters.q:
        finding_conds.append(_search(filters.q))
    if filters.finding_code:
        finding_conds.append(
            Finding.finding_code_id.in_(_code_match(CodeKind.FINDING, filters.finding_code))
        )
    if filters.cause_code:
        finding_conds.append(
            Finding.cause_code_id.in_(_code_match(CodeKind.CAUSE, filters.cause_code))
        )
    if filters.no_code:
        finding_conds.append(Finding.finding_code_id.is_(None))
    if filters.rec_code:
        rec_conds.append(
            Recommendation.code_id.in_(_code_match(CodeKind.RECOMMENDATION, filters.rec_code))
        )
    # The summary counts every outcome under the other filters.
    counted_conds = list(rec_conds)
    if filters.outcome == NOT_REVIEWED:
        rec_conds.append(Recommendation.outcome.is_(None))
    elif filters.outcome:
        rec_conds.append(Recommendation.outcome == Outcome(filters.outcome))

    stmt = (
        select(Finding)
        .join(Finding.report)
        .options(
            contains_eager(Finding.report),
            selectinload(Finding.opds),
            joinedload(Finding.finding_code),
        )
        .where(*finding_conds)
    )
    stmt = scope_findings(stmt)
    if rec_conds:
        stmt = stmt.where(
            select(Recommendation.id)
            .where(Recommendation.finding_id == Finding.id, *rec_conds)
            .exists()
        )
    # ``q`` is applied above (it looks into recommendations too): FINDING_SPEC searches nothing.
    listing = Listing(stmt, FINDING_SPEC, args)
    recs = _recommendations([f.id for f in listing.items], rec_conds)
    return Page(
        listing=listing,
        recs=recs,
        counts=_outcome_counts(finding_conds, counted_conds),
        documents=documents_of([r.id for rows in recs.values() for r in rows]),
    )


def _search(q: str) -> Any:
    pattern = f"%{escape_like(q)}%"
    other = aliased(Recommendation)  # not correlated with an outer Recommendation
    rec_text = select(other.id).where(
        other.finding_id == Finding.id, other.text.ilike(pattern, escape="\\")
    )
    allowed = scope_opd_ids(current_user)
    if allowed is not None:
        rec_text = rec_text.where(other.opd_id.in_(sorted(allowed)))
    return or_(
        Finding.title.ilike(pattern, escape="\\"),
        Finding.number.ilike(pattern, escape="\\"),
        Finding.condition.ilike(pattern, escape="\\"),
        Report.number.ilike(pattern, escape="\\"),
        cast(Report.year, String).ilike(pattern, escape="\\"),
        rec_text.exists(),
    )


def _recommendations(ids: list[int], conds: list[Any]) -> dict[int, list[Recommendation]]:
    recs: dict[int, list[Recommendation]] = defaultdict(list)
    if not ids:
        return recs
    rows = db.session.scalars(
        select(Recommendation)
        .where(Recommendation.finding_id.in_(ids), *conds)
        .options(joinedload(Recommendation.opd), joinedload(Recommendation.code))
        .order_by(func.length(Recommendation.number), Recommendation.number, Recommendation.id)
    )
    for rec in rows:
        recs[rec.finding_id].append(rec)
    return recs


def _outcome_counts(finding_conds: list[Any], rec_conds: list[Any]) -> dict[str, int]:
    stmt = (
        select(Recommendation.outcome, func.count())
        .join(Finding, Recommendation.finding_id == Finding.id)
        .join(Report, Finding.report_id == Report.id)
        .where(*finding_conds, *rec_conds)
        .group_by(Recommendation.outcome)
    )
    return {(row[0].value if row[0] else NOT_REVIEWED): row[1] for row in db.session.execute(stmt)}


def documents_of(rec_ids: list[int]) -> dict[int, int]:
    """Documents (evidence files and links) attached to each recommendation's follow-ups,
    in one query."""
    if not rec_ids:
        return {}
    rows = db.session.execute(
        select(FollowUp.recommendation_id, func.count(FindingEvidence.id))
        .join(FindingEvidence, FindingEvidence.follow_up_id == FollowUp.id)
        .where(FollowUp.recommendation_id.in_(rec_ids))
        .group_by(FollowUp.recommendation_id)
    )
    return {rec_id: int(n) for rec_id, n in rows}


# --- what the filters offer ----------------------------------------------------------------


def code_options() -> dict[str, list[tuple[str, str]]]:
    """The code filters' options per kind value (one query)."""
    return {kind.value: options for kind, options in codes.filter_options().items()}


def visible_reports() -> list[Report]:
    """The reports with a recommendation the user may see."""
    stmt = select(Report).order_by(Report.year.desc(), Report.kind, Report.number)
    condition = scope_condition()
    if condition is not None:
        stmt = stmt.where(
            exists()
            .where(Finding.report_id == Report.id, Recommendation.finding_id == Finding.id)
            .where(condition)
        )
    return list(db.session.scalars(stmt))


def report_years() -> list[int]:
    return list(db.session.scalars(select(Report.year).distinct().order_by(Report.year.desc())))


def active_opds(keep: list[int] | tuple[int, ...] = ()) -> list[Opd]:
    """Active OPDs in protocol order (and those in ``keep``, even if inactive)."""
    return list(
        db.session.scalars(
            select(Opd)
            .where(or_(Opd.active.is_(True), Opd.id.in_(list(keep))))
            .order_by(Opd.sort_order, Opd.name)
        )
    )


# --- the register of reports ---------------------------------------------------------------

REPORT_SPEC = ListSpec(
    sorts={
        "year": [Report.year, Report.kind, Report.number],
        "kind": [Report.kind, Report.year],
        "number": Report.number,
        "issuer": Report.issuer,
        "received": Report.received_on,
        "grade": Report.score,
    },
    default_sort="year",
    default_direction="desc",
    search=[Report.number, Report.title, Report.issuer],
    tiebreak=Report.id,
)


@dataclass(frozen=True)
class ReportFilters:
    kind: str = ""
    year: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ReportFilters:
        kind = args.get("kind", "")
        return cls(
            kind=kind if kind in {k.value for k in ReportKind} else "",
            year=int_arg("year", args),
        )


@dataclass
class ReportPage:
    listing: Listing
    #: report id → {"findings", "recs", "settled"}
    counts: dict[int, dict[str, int]]


def reports(filters: ReportFilters, args: Mapping[str, str]) -> ReportPage:
    stmt = select(Report)
    if filters.kind:
        stmt = stmt.where(Report.kind == ReportKind(filters.kind))
    if filters.year is not None:
        stmt = stmt.where(Report.year == filters.year)
    listing = Listing(stmt, REPORT_SPEC, args)
    return ReportPage(listing=listing, counts=report_counts([r.id for r in listing.items]))


def report_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Findings, recommendations and settled recommendations per report, in one query."""
    counts: dict[int, dict[str, int]] = {i: {"findings": 0, "recs": 0, "settled": 0} for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(
            Finding.report_id,
            func.count(func.distinct(Finding.id)),
            func.count(Recommendation.id),
            func.count(Recommendation.id).filter(Recommendation.outcome == Outcome.SESUAI),
        )
        .outerjoin(Recommendation, Recommendation.finding_id == Finding.id)
        .where(Finding.report_id.in_(ids))
        .group_by(Finding.report_id)
    )
    for report_id, findings_n, recs_n, settled_n in rows:
        counts[report_id] = {"findings": findings_n, "recs": recs_n, "settled": settled_n}
    return counts
