"""The monitoring matrix of the follow-up of recommendations (*Matriks Pemantauan Tindak
Lanjut*, TLHP) in BPK's standard columns, per semester, and its recap.

Rules (the legal facts are in DESIGN.md; the others are in :mod:`tracker.services.findings`):

* **As of**: the end of the semester, or today while it runs. Each recommendation shows the
  outcome of its review in force then (its latest review of a semester up to this one; none
  yet: 3 *belum ditindaklanjuti*, the matrix knows only BPK's four outcomes), its deadline
  then (the new deadline of its latest outcome 2 review, else the first one), the
  follow-ups submitted up to the end of the semester and the OPD's latest progress % among
  them. Overdue: that deadline is before the as-of date and the outcome is neither 1 nor 4.
* **Scope**: the recommendations of the reports received by the end of the semester,
  optionally of one report, one OPD (the recommendation's OPD) or one report year; an OPD
  user sees only their OPD's recommendations.
* **Columns** (the standard matrix): No.; finding code and text; cause code and text; the
  finding's value (*nilai temuan*); recommendation code and text; the recommendation's value;
  follow-up; status 1–4, where the recommendation's value (or :data:`MARK` when it has none)
  stands under its outcome; balance; remarks. The finding's columns and its balance are on
  its first row only.
* **Balance** (*saldo*) of a financial finding: the amount to recover − the repayments made
  up to the as-of date.
* **Recap**: per outcome the number of recommendations and the sum of their values (Rp),
  the total, the completion rate (outcome 1 ÷ all, outcome 4 included), and for the
  financial findings the value to recover, the repayments and the balance; per OPD and for
  the whole matrix.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import Opd
from tracker.models.finding import (
    Finding,
    FollowUp,
    Outcome,
    Recommendation,
    RecommendationReview,
    Report,
    ReportKind,
)
from tracker.permissions import scope_opd_ids, scope_recommendations
from tracker.services.findings import completion_rate, period_bounds

#: What stands under the outcome of a recommendation that has no value.
MARK = "√"
ZERO = Decimal("0.00")


@dataclass
class MatrixRow:
    recommendation: Recommendation
    finding: Finding
    first_of_finding: bool
    number: str
    outcome: Outcome
    review: RecommendationReview | None
    due_on: dt.date
    overdue: bool
    follow_ups: list[FollowUp]
    #: A financial finding's amount to recover, repayments up to the as-of date and balance
    #: (on the finding's first row only).
    value: Decimal | None = None
    paid: Decimal | None = None
    balance: Decimal | None = None
    #: The OPD's latest progress % up to the end of the semester (not an outcome).
    progress: int | None = None

    @property
    def reviewed(self) -> bool:
        return self.review is not None

    @property
    def finding_value(self) -> Decimal | None:
        """The finding's value (*nilai temuan*), on its first row."""
        return self.finding.value if self.first_of_finding else None

    @property
    def recommendation_value(self) -> Decimal | None:
        return self.recommendation.value

    def status_cell(self, outcome: Outcome) -> Decimal | str | None:
        """What stands in the status column of ``outcome``: the recommendation's value
        (:data:`MARK` without one) under its own outcome, nothing elsewhere."""
        if outcome is not self.outcome:
            return None
        value = self.recommendation.value
        return MARK if value is None else value


@dataclass
class MatrixGroup:
    report: Report
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class Totals:
    opd: Opd | None
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    #: The recommendations' values per outcome (Rp).
    amounts: dict[Outcome, Decimal] = field(default_factory=lambda: dict.fromkeys(Outcome, ZERO))
    not_reviewed: int = 0
    #: The findings' values (nilai temuan), each finding once.
    finding_value: Decimal = ZERO
    #: The financial findings' amounts to recover and repayments up to the as-of date.
    value: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def recommendation_value(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.value - self.paid

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.counts[Outcome.SESUAI], self.total)

    def add(self, row: MatrixRow) -> None:
        self.counts[row.outcome] += 1
        if row.recommendation.value is not None:
            self.amounts[row.outcome] += row.recommendation.value
        if not row.reviewed:
            self.not_reviewed += 1
        if row.finding_value is not None:
            self.finding_value += row.finding_value
        if row.value is not None:
            self.value += row.value
            self.paid += row.paid or Decimal(0)


@dataclass
class Matrix:
    period: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    groups: list[MatrixGroup]
    per_opd: list[Totals]
    overall: Totals

    @property
    def row_count(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def _as_of(rec: Recommendation, end: dt.date) -> tuple[RecommendationReview | None, dt.date]:
    """The review in force at the end of a semester and the deadline then."""
    review = None
    due = rec.original_due_on
    for r in sorted(rec.reviews, key=lambda r: r.period):
        if period_bounds(r.period)[1] > end:
            break
        review = r
        if r.outcome is Outcome.BELUM_SESUAI and r.new_due_on is not None:
            due = r.new_due_on
    return review, due


def _progress(follow_ups: Sequence[FollowUp]) -> int | None:
    """The latest progress % the OPD reported among ``follow_ups``."""
    latest = None
    for follow_up in sorted(follow_ups, key=lambda f: (f.submitted_at, f.id or 0)):
        if follow_up.progress is not None:
            latest = follow_up.progress
    return latest


def build_matrix(
    recommendations: Sequence[Recommendation], period: str, *, today: dt.date
) -> Matrix:
    """The semester's monitoring matrix from recommendations loaded with their finding (and
    its codes), report, OPD, code, reviews, follow-ups and the finding's repayments (no
    queries here; :func:`load` loads them so)."""
    start, end = period_bounds(period)
    as_of = min(end, today)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=WIB)
    groups: dict[int, MatrixGroup] = {}
    per_opd: dict[int, Totals] = {}
    overall = Totals(None)
    seen_findings: set[int] = set()
    counter: dict[int, int] = defaultdict(int)
    finding_no: dict[int, int] = {}
    ordered = sorted(
        (r for r in recommendations if r.finding.report.received_on <= end),
        key=lambda r: (
            r.finding.report.year,
            list(ReportKind).index(r.finding.report.kind),
            r.finding.report.number,
            len(r.finding.number),
            r.finding.number,
            r.finding.id,
            len(r.number),
            r.number,
            r.id,
        ),
    )
    for rec in ordered:
        finding = rec.finding
        report = finding.report
        group = groups.setdefault(report.id, MatrixGroup(report))
        first = finding.id not in seen_findings
        seen_findings.add(finding.id)
        if first:
            counter[report.id] += 1
            finding_no[finding.id] = counter[report.id]
        review, due = _as_of(rec, end)
        outcome = review.outcome if review else Outcome.BELUM_DITINDAKLANJUTI
        follow_ups = [f for f in rec.follow_ups if f.submitted_at < end_at]
        row = MatrixRow(
            recommendation=rec,
            finding=finding,
            first_of_finding=first,
            number=f"{finding_no[finding.id]}.{rec.number}",
            outcome=outcome,
            review=review,
            due_on=due,
            overdue=due < as_of and not outcome.closed,
            follow_ups=follow_ups,
            progress=_progress(follow_ups),
        )
        if first and finding.is_financial and finding.amount_to_recover is not None:
            paid = sum((p.amount for p in finding.repayments if p.paid_on <= as_of), Decimal(0))
            row.value = finding.amount_to_recover
            row.paid = paid
            row.balance = finding.amount_to_recover - paid
        group.rows.append(row)
        per_opd.setdefault(rec.opd_id, Totals(rec.opd)).add(row)
        overall.add(row)
    opd_rows = sorted(per_opd.values(), key=lambda t: (t.opd.sort_order, t.opd.code))  # type: ignore[union-attr]
    return Matrix(
        period=period,
        start=start,
        end=end,
        as_of=as_of,
        groups=list(groups.values()),
        per_opd=opd_rows,
        overall=overall,
    )


# --- loading ---------------------------------------------------------------------------


def load(
    period: str,
    *,
    user: Any,
    opd: Opd | None = None,
    report: Report | None = None,
    year: int | None = None,
) -> list[Recommendation]:
    """The recommendations of the matrix of ``period`` that ``user`` may see, with all that
    :func:`build_matrix` reads (a constant number of queries: one, plus one per collection
    loaded with ``selectinload``)."""
    _start, end = period_bounds(period)
    stmt = (
        select(Recommendation)
        .join(Recommendation.finding)
        .join(Finding.report)
        .options(
            contains_eager(Recommendation.finding).contains_eager(Finding.report),
            contains_eager(Recommendation.finding).joinedload(Finding.finding_code),
            contains_eager(Recommendation.finding).joinedload(Finding.cause_code),
            contains_eager(Recommendation.finding).selectinload(Finding.repayments),
            joinedload(Recommendation.opd),
            joinedload(Recommendation.code),
            selectinload(Recommendation.reviews),
            selectinload(Recommendation.follow_ups).selectinload(FollowUp.evidence),
        )
        .where(Report.received_on <= end)
    )
    if opd is not None:
        stmt = stmt.where(Recommendation.opd_id == opd.id)
    if report is not None:
        stmt = stmt.where(Finding.report_id == report.id)
    if year is not None:
        stmt = stmt.where(Report.year == year)
    return list(db.session.scalars(scope_recommendations(stmt, user)).unique())


def visible_report(report_id: int, user: Any) -> Report | None:
    """The report ``report_id`` when ``user`` may see it (one of its recommendations)."""
    stmt = select(Report).where(Report.id == report_id)
    allowed = scope_opd_ids(user)
    if allowed is not None:
        stmt = stmt.where(
            exists().where(
                Finding.report_id == Report.id,
                Recommendation.finding_id == Finding.id,
                Recommendation.opd_id.in_(sorted(allowed)),
            )
        )
    return db.session.scalars(stmt).first()


def report_options(user: Any) -> list[Report]:
    """The reports ``user`` may choose (one query), the newest first."""
    stmt = select(Report).order_by(Report.year.desc(), Report.kind, Report.number, Report.id)
    allowed = scope_opd_ids(user)
    if allowed is not None:
        stmt = stmt.where(
            exists().where(
                Finding.report_id == Report.id,
                Recommendation.finding_id == Finding.id,
                Recommendation.opd_id.in_(sorted(allowed)),
            )
        )
    return list(db.session.scalars(stmt))


__all__ = [
    "MARK",
    "Matrix",
    "MatrixGroup",
    "MatrixRow",
    "Totals",
    "build_matrix",
    "load",
    "report_options",
    "visible_report",
]
