"""The semester monitoring's figures, counted in the database.

BPK's semester monitoring (the TLHP matrix, :func:`tracker.services.tlhp_matrix.build_matrix`)
states where every recommendation stood at the end of a semester. The matrix builds that
from loaded records, row by row; the dashboard needs only the counts, for every OPD at once,
in a constant number of queries whatever the number of recommendations. This module counts
them with the matrix's rule, in SQL:

* the recommendations of the reports received by the end of the semester;
* each with the outcome of its review in force at the end of the semester: its latest review
  for a semester up to this one (none yet: *not reviewed*, which the matrix reports as 3);
* its deadline then: the new deadline of its latest outcome 2 review up to this semester, else
  its first deadline;
* overdue: that deadline is before the *as-of* date (the end of the semester, or today for the
  current one) and the outcome is not closed (neither 1 nor 4);
* amounts: the financial findings (with a value to recover) that have a recommendation
  counted; their value, and the repayments made up to the end of the semester;
* findings by code: the findings with a recommendation counted, grouped by the sub-group of
  their BPK finding code (``1.01`` … ``3.03``, or none), with their recommendations, value
  (nilai temuan) and the recommendations still open (not reviewed, 2 or 3).

``tests/dashboard/test_monitoring.py`` checks these counts against ``build_matrix`` on the
same data, semester by semester.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.models.finding import (
    Finding,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
)
from tracker.models.reference import AuditCode, CodeKind
from tracker.services.findings import OPEN_OUTCOMES, period_bounds

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OutcomeCount:
    """How many recommendations of an OPD stood at an outcome (None: not reviewed yet) at
    the end of the semester, and how many of them were overdue then."""

    opd_id: int
    outcome: Outcome | None
    count: int
    overdue: int


@dataclass(frozen=True)
class Amounts:
    findings: int
    value: Decimal
    paid: Decimal


def as_of(semester: str, today: dt.date) -> dt.date:
    """The date the semester's figures describe: its last day, or today while it runs."""
    return min(period_bounds(semester)[1], today)


def _counted(semester: str, opd_id: int | None) -> list[Any]:
    """Conditions on Recommendation joined to its Finding and Report: counted in ``semester``."""
    conds: list[Any] = [Report.received_on <= period_bounds(semester)[1]]
    if opd_id is not None:
        conds.append(Recommendation.opd_id == opd_id)
    return conds


def outcome_counts(
    semester: str, *, today: dt.date, opd_id: int | None = None
) -> list[OutcomeCount]:
    """Per OPD and outcome at the end of ``semester``: the recommendations and the overdue
    ones (one query)."""
    review = RecommendationReview
    current, in_force = _current_review(semester)
    extended = (
        select(review.recommendation_id.label("rid"), func.max(review.period).label("period"))
        .where(
            review.period <= semester,
            review.outcome == Outcome.BELUM_SESUAI,
            review.new_due_on.is_not(None),
        )
        .group_by(review.recommendation_id)
        .subquery("extended")
    )
    extension = aliased(review, name="extension_review")
    deadline = func.coalesce(extension.new_due_on, Recommendation.original_due_on)
    still_open = or_(current.outcome.is_(None), current.outcome.in_(OPEN_OUTCOMES))
    overdue = and_(deadline < as_of(semester, today), still_open)
    stmt = (
        _with_current_review(
            select(
                Recommendation.opd_id,
                current.outcome,
                func.count(),
                func.count().filter(overdue),
            ),
            current,
            in_force,
        )
        .outerjoin(extended, extended.c.rid == Recommendation.id)
        .outerjoin(
            extension,
            and_(
                extension.recommendation_id == Recommendation.id,
                extension.period == extended.c.period,
            ),
        )
        .where(*_counted(semester, opd_id))
        .group_by(Recommendation.opd_id, current.outcome)
    )
    return [
        OutcomeCount(
            opd_id=int(opd),
            outcome=Outcome(outcome) if outcome is not None else None,
            count=int(count),
            overdue=int(late or 0),
        )
        for opd, outcome, count, late in db.session.execute(stmt)
    ]


@dataclass(frozen=True)
class CodeGroup:
    """The findings of one finding-code sub-group (``1.01`` … ``3.03``; ``None``: no code)
    counted in a semester: how many, their recommendations, their value (nilai temuan) and
    the recommendations still open at the end of the semester (not reviewed, 2 or 3)."""

    code: str | None
    name: str | None
    findings: int
    recommendations: int
    value: Decimal
    open: int


#: The length of a sub-group code ("1.01"): a finding's code cut to it gives its sub-group.
GROUP_CODE_LENGTH = 4


def code_groups(semester: str, *, opd_id: int | None = None) -> list[CodeGroup]:
    """The findings with a recommendation counted in ``semester`` (of ``opd_id`` when
    given), grouped by the sub-group of their finding code, in code order with "no code"
    last (one query). A finding coded with a group only ("1") stands under that group."""
    current, in_force = _current_review(semester)
    still_open = or_(current.outcome.is_(None), current.outcome.in_(OPEN_OUTCOMES))
    per_finding = (
        _with_current_review(
            select(
                Recommendation.finding_id.label("fid"),
                func.count().label("recs"),
                func.count().filter(still_open).label("open"),
            ),
            current,
            in_force,
        )
        .where(*_counted(semester, opd_id))
        .group_by(Recommendation.finding_id)
        .subquery("per_finding")
    )
    code = aliased(AuditCode, name="finding_code")
    keyed = (
        select(
            per_finding.c.recs,
            per_finding.c.open,
            Finding.value.label("value"),
            func.substr(code.code, 1, GROUP_CODE_LENGTH).label("grp"),
        )
        .select_from(per_finding)
        .join(Finding, Finding.id == per_finding.c.fid)
        .outerjoin(code, code.id == Finding.finding_code_id)
        .subquery("keyed")
    )
    group = aliased(AuditCode, name="group_code")
    stmt = (
        select(
            keyed.c.grp,
            group.name,
            func.count(),
            func.coalesce(func.sum(keyed.c.recs), 0),
            func.coalesce(func.sum(keyed.c.value), 0),
            func.coalesce(func.sum(keyed.c.open), 0),
        )
        .select_from(keyed)
        .outerjoin(group, and_(group.kind == CodeKind.FINDING, group.code == keyed.c.grp))
        .group_by(keyed.c.grp, group.name)
    )
    rows = [
        CodeGroup(
            code=grp,
            name=name,
            findings=int(found),
            recommendations=int(recs),
            value=_money(value),
            open=int(still),
        )
        for grp, name, found, recs, value, still in db.session.execute(stmt)
    ]
    return sorted(rows, key=lambda g: (g.code is None, g.code or ""))


def _current_review(semester: str) -> tuple[Any, Any]:
    """The review in force at the end of ``semester`` (an alias of RecommendationReview) and
    the subquery that picks its period per recommendation (``rid``, ``period``)."""
    review = RecommendationReview
    in_force = (
        select(review.recommendation_id.label("rid"), func.max(review.period).label("period"))
        .where(review.period <= semester)
        .group_by(review.recommendation_id)
        .subquery("in_force")
    )
    return aliased(review, name="current_review"), in_force


def _with_current_review(stmt: Any, current: Any, in_force: Any) -> Any:
    """``stmt`` over the recommendations with their finding, report and the review in
    force (see :func:`_current_review`; none: not reviewed yet)."""
    return (
        stmt.select_from(Recommendation)
        .join(Finding, Recommendation.finding_id == Finding.id)
        .join(Report, Finding.report_id == Report.id)
        .outerjoin(in_force, in_force.c.rid == Recommendation.id)
        .outerjoin(
            current,
            and_(
                current.recommendation_id == Recommendation.id,
                current.period == in_force.c.period,
            ),
        )
    )


def amounts(semester: str, *, opd_id: int | None = None) -> Amounts:
    """The financial findings with a recommendation counted in ``semester`` (of ``opd_id``
    when given): how many, their value to recover and the repayments made up to the end of
    the semester (one query)."""
    _start, end = period_bounds(semester)
    counted = (
        select(Recommendation.finding_id)
        .join(Finding, Recommendation.finding_id == Finding.id)
        .join(Report, Finding.report_id == Report.id)
        .where(*_counted(semester, opd_id))
    )
    financial = select(Finding.id).where(
        Finding.is_financial.is_(True),
        Finding.amount_to_recover.is_not(None),
        Finding.id.in_(counted),
    )
    count = select(func.count()).where(Finding.id.in_(financial)).scalar_subquery()
    value = (
        select(func.coalesce(func.sum(Finding.amount_to_recover), 0))
        .where(Finding.id.in_(financial))
        .scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(Repayment.amount), 0))
        .where(Repayment.finding_id.in_(financial), Repayment.paid_on <= end)
        .scalar_subquery()
    )
    found, total, repaid = db.session.execute(select(count, value, paid)).one()
    return Amounts(findings=int(found or 0), value=_money(total), paid=_money(repaid))


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_UP)


__all__ = [
    "Amounts",
    "CodeGroup",
    "OutcomeCount",
    "amounts",
    "as_of",
    "code_groups",
    "outcome_counts",
]
