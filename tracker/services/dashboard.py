"""The leadership dashboard: where the city stands, computed in SQL in a constant number of
queries whatever the amount of data (GROUP BY with conditional counts; nothing loads every
commitment into Python).

Definitions (the page, the XLSX and the PDF say the same):

* **Period** (``?year=2023``, ``?period=2023``, ``?period=2023-S2`` or ``?period=all``; a
  semester is January–June or July–December, see :mod:`tracker.services.findings`). It
  selects *commitments due in the period* (``Commitment.due_on``), *workshops held in the
  period* (start date in WIB) and *the trend* (by month within a year or semester, by year
  for all time). The default is the current year (WIB) when any commitment or
  recommendation is due in it, otherwise all time. ``?period=`` wins over ``?year=``.
* **Follow-up figures of a period** are BPK's semester monitoring, the TLHP matrix's
  (:mod:`tracker.services.monitoring`): the recommendations of the reports received by the
  end of the *monitoring semester*, each with the outcome of its review in force then. The
  monitoring semester of a semester is itself, of a year its second semester (the position
  at the end of the year), of all time the current one; never later than the current
  semester (a period still running is described as of today).
* **Thematic area** (``?area=<id>``) filters the commitments only: recommendations,
  attendance and grades have no thematic area.
* **Commitments in force**: every commitment except drafts (the Inspektorat's entry in
  progress, not visible to OPDs) and cancelled ones.
* **Completion %** = verified ÷ commitments in force (i.e. all − cancelled − drafts).
* **Average progress** = the mean progress % of the commitments in force.
* **Overdue**: a commitment in progress whose due date has passed, as of today
  (:func:`tracker.services.commitments.overdue_clause`); a recommendation whose deadline had
  passed at the end of the monitoring semester (today for the current one) without outcome
  1 or 4.
* **Follow-up completion rate** = recommendations at outcome 1 (``sesuai``) ÷ all
  recommendations (not reviewed yet and outcome 4 included), BPK's rate, computed with
  :func:`tracker.services.findings.completion_rate`.
* **Attendance rate** = invitations of an OPD's officials marked ``hadir`` or ``diwakili`` ÷
  all their invitations, at workshops with status *held* in the period (the city figure
  counts every invitation, officials without an OPD included).
* **RB priority areas of a period**: the active areas marked priority for the period's
  (last) year, or for the latest earlier year that has some (priorities stay until new ones
  are set); for all time, those of the current year. A priority area counts the commitments
  of its thematic area code. Its **traffic light** and the **expected progress** are
  defined once, in :func:`traffic_light` and :func:`expected_progress`; the **change** is
  its average progress minus that of the previous period (previous year or semester), in
  points.
* **Rank**: among the OPDs with at least one commitment in force in the period: first the
  OPDs with nothing overdue (no commitment, no recommendation), then the others; within
  each group by completion % (highest first). Equal places share a rank (1, 1, 3). When no
  OPD has a verified commitment, nobody is ranked (:data:`NO_RANK_REASON`).
* **City figures** are the city as a whole (all OPDs' items together); the *average overdue
  per OPD* is the city's overdue commitments ÷ the OPDs with a commitment in force.
* **Amounts**: the financial findings with a recommendation counted in the monitoring
  semester: the value to recover, the repayments made up to its end and the balance.
* **Findings by code**: the findings with a recommendation counted in the monitoring
  semester (of the OPD, for an OPD's figures), grouped by the sub-group of their BPK finding
  code (1.01 … 3.03; a finding without a code apart): findings, recommendations, value
  (nilai temuan, each finding once) and recommendations still open (not reviewed, 2 or 3).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    cast,
    exists,
    extract,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import contains_eager, joinedload

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import Opd, Person, ThematicArea
from tracker.models.commitment import Commitment, CommitmentStatus
from tracker.models.enums import LabeledEnum
from tracker.models.finding import EvaluationResult, Finding, Outcome, Recommendation, Report
from tracker.models.workshop import AttendanceStatus, Invitation, Workshop, WorkshopStatus
from tracker.permissions import scope_commitments, scope_recommendations
from tracker.services import findings as findings_service
from tracker.services import grades as grade_svc
from tracker.services import monitoring, signatories
from tracker.services.commitments import due_soon_clause, overdue_clause
from tracker.services.errors import DomainError
from tracker.services.findings import (
    completion_rate,
    parse_period,
    period_bounds,
    period_label,
    period_of,
    previous_period,
)

S = CommitmentStatus
ALL_TIME = "all"
YEAR_RE = re.compile(r"^\d{4}$")
MIN_YEAR, MAX_YEAR = 2000, 2100
#: Statuses that are not "in force" (left out of completion and of the per-area figures).
NOT_IN_FORCE = (S.DRAFT, S.CANCELLED)
#: Outcomes after which a recommendation is still expected to be followed up.
ATTENDED = tuple(s for s in AttendanceStatus if s.attended)
#: How many due-soon / overdue items the OPD page lists per kind (the rest: a link).
ITEM_LIMIT = 15
#: Years of grades shown in the peer comparison.
GRADE_YEARS = 6
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


# --- filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """All time, a year or a semester."""

    key: str
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def all_time(cls) -> Period:
        return cls(ALL_TIME)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def semester(cls, key: str) -> Period:
        start, end = period_bounds(key)
        return cls(key, start, end)

    @property
    def is_all(self) -> bool:
        return self.start is None

    @property
    def is_semester(self) -> bool:
        return "-S" in self.key

    @property
    def label(self) -> str:
        if self.is_all:
            return _("All time")
        if self.is_semester:
            return period_label(self.key)
        return _("Year %(year)s", year=self.key)

    @property
    def years(self) -> list[int]:
        if self.start is None or self.end is None:
            return []
        return list(range(self.start.year, self.end.year + 1))

    def months(self) -> list[tuple[int, int]]:
        if self.start is None or self.end is None:
            return []
        return [(self.start.year, m) for m in range(self.start.month, self.end.month + 1)]

    def previous(self) -> Period | None:
        """The year or semester before this one (none before all time)."""
        if self.start is None:
            return None
        if self.is_semester:
            return Period.semester(previous_period(self.key))
        return Period.year(self.start.year - 1)

    def monitoring_semester(self, today: dt.date) -> str:
        """The semester whose monitoring gives this period's follow-up figures: a semester
        itself, a year its second semester, all time the current one; never later than
        the current semester."""
        current = period_of(today)
        if self.is_all:
            return current
        key = self.key if self.is_semester else f"{self.key}-S2"
        return min(key, current)

    def elapsed(self, today: dt.date) -> Decimal | None:
        """The share of the period elapsed by the end of ``today``, in percent (one
        decimal); None for all time."""
        if self.start is None or self.end is None:
            return None
        if today < self.start:
            return Decimal(0)
        if today >= self.end:
            return HUNDRED
        days = (self.end - self.start).days + 1
        done = (today - self.start).days + 1
        return (Decimal(done) * 100 / days).quantize(TENTH, ROUND_HALF_UP)

    def bounds_at(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The period as [start, end) instants in WIB."""
        if self.start is None or self.end is None:
            return None
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=WIB),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=WIB),
        )


@dataclass(frozen=True)
class Filters:
    period: Period
    area: ThematicArea | None = None
    #: True when the period was chosen by default (no valid ?period= / ?year=).
    defaulted: bool = False

    def args(self) -> dict[str, Any]:
        """The query arguments that reproduce these filters (for links and exports)."""
        args: dict[str, Any] = {"period": self.period.key}
        if self.area is not None:
            args["area"] = self.area.id
        return args


def _parse_period_arg(raw: str) -> Period:
    text = raw.strip()
    if text.lower() == ALL_TIME:
        return Period.all_time()
    if YEAR_RE.match(text) and MIN_YEAR <= int(text) <= MAX_YEAR:
        return Period.year(int(text))
    return Period.semester(parse_period(text))  # raises DomainError


def default_period(today: dt.date) -> Period:
    """The current year when anything is due in it, else all time."""
    year = Period.year(today.year)
    assert year.start is not None and year.end is not None
    commitment_due = exists().where(
        Commitment.due_on.between(year.start, year.end), Commitment.status != S.DRAFT
    )
    recommendation_due = exists().where(
        or_(
            Recommendation.original_due_on.between(year.start, year.end),
            Recommendation.due_on.between(year.start, year.end),
        )
    )
    has_data = db.session.execute(select(commitment_due, recommendation_due)).one()
    return year if any(has_data) else Period.all_time()


def resolve_filters(
    args: Mapping[str, str], *, today: dt.date, default: Period | None = None
) -> tuple[Filters, list[str]]:
    """Filters from the query string, and a message for each value that was ignored; with
    no valid period, ``default`` (else :func:`default_period`)."""
    problems: list[str] = []
    period: Period | None = None
    raw_period = (args.get("period") or "").strip()
    raw_year = (args.get("year") or "").strip()
    if raw_period:
        try:
            period = _parse_period_arg(raw_period)
        except DomainError:
            problems.append(
                _(
                    "The period “%(value)s” is not valid (use e.g. 2023 or 2023-S2); "
                    "it was ignored.",
                    value=raw_period[:20],
                )
            )
    if period is None and raw_year:
        if YEAR_RE.match(raw_year) and MIN_YEAR <= int(raw_year) <= MAX_YEAR:
            period = Period.year(int(raw_year))
        else:
            problems.append(
                _("The year “%(value)s” is not valid; it was ignored.", value=raw_year[:20])
            )
    defaulted = period is None
    if period is None:
        period = default or default_period(today)

    area = None
    raw_area = (args.get("area") or "").strip()
    if raw_area:
        if raw_area.isdigit() and len(raw_area) < 10:
            area = db.session.get(ThematicArea, int(raw_area))
        if area is None:
            problems.append(_("The thematic area filter is not valid; it was ignored."))
    return Filters(period=period, area=area, defaulted=defaulted), problems


def period_options(today: dt.date) -> list[tuple[str, str]]:
    """(value, label): all time, then each year with data (and this year), newest first,
    each followed by its two semesters."""
    bounds = db.session.execute(
        select(
            select(func.min(Commitment.due_on)).scalar_subquery(),
            select(func.max(Commitment.due_on)).scalar_subquery(),
            select(func.min(Report.received_on)).scalar_subquery(),
            select(func.max(Report.received_on)).scalar_subquery(),
        )
    ).one()
    days = [d for d in bounds if d is not None] + [today]
    first = max(min(d.year for d in days), MIN_YEAR)
    last = min(max(d.year for d in days), MAX_YEAR)
    options = [(ALL_TIME, _("All time"))]
    for year in range(last, first - 1, -1):
        options.append((f"{year:04d}", _("Year %(year)s", year=year)))
        for half in (2, 1):
            key = f"{year:04d}-S{half}"
            options.append((key, period_label(key)))
    return options


def area_options() -> list[ThematicArea]:
    """Every thematic area, newest year first, the RB priorities first within a year."""
    return list(
        db.session.scalars(
            select(ThematicArea).order_by(
                ThematicArea.year.desc(),
                ThematicArea.is_priority.desc(),
                ThematicArea.sort_order,
                ThematicArea.name,
            )
        )
    )


# --- figures ---------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` in percent with two decimals (None when ``whole`` is 0); the
    same rounding as BPK's completion rate."""
    return completion_rate(part, whole)


@dataclass
class CommitmentStats:
    by_status: dict[CommitmentStatus, int] = field(
        default_factory=lambda: dict.fromkeys(CommitmentStatus, 0)
    )
    overdue: int = 0
    #: Sum of the progress % of the commitments in force (for the average).
    progress_sum: int = 0

    def add(self, status: CommitmentStatus, count: int, overdue: int, progress: int = 0) -> None:
        self.by_status[S(status)] += int(count)
        self.overdue += int(overdue or 0)
        self.progress_sum += int(progress or 0)

    def merge(self, other: CommitmentStats) -> None:
        for status, count in other.by_status.items():
            self.by_status[status] += count
        self.overdue += other.overdue
        self.progress_sum += other.progress_sum

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def in_force(self) -> int:
        return self.total - sum(self.by_status[s] for s in NOT_IN_FORCE)

    @property
    def verified(self) -> int:
        return self.by_status[S.VERIFIED]

    @property
    def reported_done(self) -> int:
        return self.by_status[S.REPORTED_DONE]

    @property
    def in_progress(self) -> int:
        """Active and not overdue."""
        return self.by_status[S.ACTIVE] - self.overdue

    @property
    def completion(self) -> Decimal | None:
        return percent(self.verified, self.in_force)

    @property
    def average_progress(self) -> Decimal | None:
        if not self.in_force:
            return None
        return (Decimal(self.progress_sum) / self.in_force).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class FollowUpStats:
    by_outcome: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    not_reviewed: int = 0
    overdue: int = 0

    def add(self, outcome: Outcome | None, count: int, overdue: int) -> None:
        if outcome is None:
            self.not_reviewed += int(count)
        else:
            self.by_outcome[Outcome(outcome)] += int(count)
        self.overdue += int(overdue or 0)

    def merge(self, other: FollowUpStats) -> None:
        for outcome, count in other.by_outcome.items():
            self.by_outcome[outcome] += count
        self.not_reviewed += other.not_reviewed
        self.overdue += other.overdue

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values()) + self.not_reviewed

    @property
    def settled(self) -> int:
        return self.by_outcome[Outcome.SESUAI]

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.settled, self.total)


@dataclass
class Attendance:
    invited: int = 0
    attended: int = 0

    def add(self, invited: int, attended: int) -> None:
        self.invited += int(invited)
        self.attended += int(attended or 0)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.attended, self.invited)


@dataclass
class Amounts:
    findings: int = 0
    value: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")

    @property
    def balance(self) -> Decimal:
        return self.value - self.paid


@dataclass
class OpdRow:
    opd: Opd
    commitments: CommitmentStats = field(default_factory=CommitmentStats)
    follow_ups: FollowUpStats = field(default_factory=FollowUpStats)
    attendance: Attendance = field(default_factory=Attendance)
    rank: int | None = None

    @property
    def overdue_items(self) -> int:
        """Overdue commitments and recommendations together."""
        return self.commitments.overdue + self.follow_ups.overdue


@dataclass
class AreaRow:
    area: ThematicArea | None
    stats: CommitmentStats = field(default_factory=CommitmentStats)


# --- RB priority areas: the traffic light ------------------------------------------------

#: Red when more than this share of an area's commitments in force is overdue ...
RED_OVERDUE_SHARE = Decimal("0.25")
#: ... or when its average progress is more than this many points below the expected.
RED_GAP = Decimal(25)


class Light(LabeledEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "green": _l("On track"),
            "amber": _l("Needs attention"),
            "red": _l("Behind"),
            "none": _l("No commitments"),
        }


def expected_progress(period: Period, today: dt.date, in_force: int, due_by_today: int) -> Decimal:
    """The average progress an area should have reached by today: the share of the period
    elapsed; for all time (no period to elapse), the share of its commitments in force
    whose due date has passed (those should be finished)."""
    elapsed = period.elapsed(today)
    if elapsed is not None:
        return elapsed
    if not in_force:
        return Decimal(0)
    return (Decimal(due_by_today) * 100 / in_force).quantize(TENTH, ROUND_HALF_UP)


def traffic_light(stats: CommitmentStats, expected: Decimal) -> Light:
    """Green: nothing overdue and the average progress at least the expected. Red: more than
    a quarter of the commitments overdue, or the average progress more than 25 points below
    the expected. Amber: in between. None: no commitment in force."""
    average = stats.average_progress
    if average is None:
        return Light.NONE
    if stats.overdue == 0 and average >= expected:
        return Light.GREEN
    if stats.overdue > stats.in_force * RED_OVERDUE_SHARE or average < expected - RED_GAP:
        return Light.RED
    return Light.AMBER


def traffic_light_rule(period: Period) -> str:
    """The rule of :func:`traffic_light`, as the page and the report state it."""
    if period.is_all:
        expected = _(
            "the expected progress is the share of the area's commitments whose due date has passed"
        )
    else:
        expected = _("the expected progress is the share of the period elapsed")
    return _(
        "Green: nothing overdue and average progress at least the expected progress. Red: "
        "more than a quarter of the commitments overdue, or average progress more than "
        "%(gap)s points below the expected. Amber: in between. Here %(expected)s.",
        gap=int(RED_GAP),
        expected=expected,
    )


@dataclass
class PriorityRow:
    """One RB priority area of the period: its commitments now and in the previous period."""

    area: ThematicArea
    stats: CommitmentStats = field(default_factory=CommitmentStats)
    #: The same area's commitments due in the previous period (None for all time).
    previous: CommitmentStats | None = None
    #: Commitments in force whose due date has passed (for all time's expected progress).
    due_by_today: int = 0
    expected: Decimal = Decimal(0)

    @property
    def light(self) -> Light:
        return traffic_light(self.stats, self.expected)

    @property
    def change(self) -> Decimal | None:
        """Average progress minus the previous period's, in points (None: nothing to
        compare)."""
        if self.previous is None:
            return None
        now, before = self.stats.average_progress, self.previous.average_progress
        if now is None or before is None:
            return None
        return now - before


@dataclass
class TrendPoint:
    year: int
    month: int | None
    stats: CommitmentStats = field(default_factory=CommitmentStats)
    #: Commitments verified during the month (or year), whatever their due date.
    verified_during: int = 0
    #: Completion % of the commitments due up to the end of this month (or year).
    cumulative: Decimal | None = None

    @property
    def key(self) -> str:
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"


@dataclass
class Standing:
    """One OPD against the city."""

    row: OpdRow
    ranked: int
    city_completion: Decimal | None
    city_overdue_average: Decimal | None
    city_follow_up: Decimal | None
    city_attendance: Decimal | None
    #: Ranked OPDs with nothing overdue (they rank first).
    clean: int = 0
    #: Why nobody is ranked, when nobody is.
    rank_note: str | None = None

    @property
    def rank(self) -> int | None:
        return self.row.rank


@dataclass
class Overview:
    filters: Filters
    today: dt.date
    commitments: CommitmentStats
    follow_ups: FollowUpStats
    attendance: Attendance
    amounts: Amounts
    areas: list[AreaRow]
    trend: list[TrendPoint]
    ranking: list[OpdRow]
    grades: list[grade_svc.Comparison]
    #: The semester whose monitoring gives the follow-up figures (see the module's doc).
    semester: str = ""
    #: The RB priority areas of the period (the city's figures only).
    priorities: list[PriorityRow] = field(default_factory=list)
    #: The findings of the monitoring semester grouped by BPK finding code (of the OPD for
    #: an OPD's figures).
    code_groups: list[monitoring.CodeGroup] = field(default_factory=list)

    @property
    def ranked(self) -> int:
        return sum(1 for row in self.ranking if row.rank is not None)

    @property
    def rank_note(self) -> str | None:
        """Why nobody is ranked, when nobody is."""
        if self.ranked:
            return None
        if any(row.commitments.in_force for row in self.ranking):
            return str(NO_RANK_REASON)
        return _("No OPD is ranked: no commitment is in force in this period.")

    @property
    def priority_year(self) -> int | None:
        """The year the priority areas shown were set for."""
        return self.priorities[0].area.year if self.priorities else None

    @property
    def semester_label(self) -> str:
        return period_label(self.semester) if self.semester else ""

    @property
    def follow_ups_as_of(self) -> dt.date | None:
        return monitoring.as_of(self.semester, self.today) if self.semester else None

    @property
    def overdue_average(self) -> Decimal | None:
        """The city's overdue commitments ÷ the OPDs with a commitment in force."""
        opds = sum(1 for row in self.ranking if row.commitments.in_force)
        if not opds:
            return None
        return (Decimal(self.commitments.overdue) / opds).quantize(TENTH, ROUND_HALF_UP)

    def standing(self, opd_id: int) -> Standing | None:
        row = next((r for r in self.ranking if r.opd.id == opd_id), None)
        if row is None:
            return None
        return Standing(
            row=row,
            ranked=self.ranked,
            city_completion=self.commitments.completion,
            city_overdue_average=self.overdue_average,
            city_follow_up=self.follow_ups.rate,
            city_attendance=self.attendance.rate,
            clean=sum(1 for r in self.ranking if r.rank is not None and not r.overdue_items),
            rank_note=self.rank_note,
        )


@dataclass
class DueItems:
    """An OPD's commitments and recommendations overdue or due within a week (today)."""

    overdue_commitments: list[Commitment]
    due_soon_commitments: list[Commitment]
    overdue_recommendations: list[Recommendation]
    due_soon_recommendations: list[Recommendation]
    counts: dict[str, int]

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


@dataclass
class OpdOverview:
    opd: Opd
    overview: Overview
    standing: Standing
    due: DueItems

    @property
    def row(self) -> OpdRow:
        return self.standing.row

    @property
    def overdue_now(self) -> int:
        """The OPD's overdue items as of today (the list at the top of its page)."""
        counts = self.due.counts
        return counts["overdue_commitments"] + counts["overdue_recommendations"]

    @property
    def overdue_elsewhere(self) -> int:
        """Overdue items of the list that the period's figures do not count (due in
        another period): said next to the figures, so that they never look better than the
        list above them."""
        return max(self.overdue_now - self.row.overdue_items, 0)


# --- queries ---------------------------------------------------------------------------


def _commitment_conditions(filters: Filters, opd_id: int | None = None) -> list[Any]:
    conds: list[Any] = []
    period = filters.period
    if period.start is not None and period.end is not None:
        conds.append(Commitment.due_on.between(period.start, period.end))
    if filters.area is not None:
        conds.append(Commitment.thematic_area_id == filters.area.id)
    if opd_id is not None:
        conds.append(Commitment.opd_id == opd_id)
    return conds


def _in_force() -> ColumnElement[bool]:
    return Commitment.status.not_in(NOT_IN_FORCE)


def _commitments_per_opd(filters: Filters, today: dt.date) -> dict[int, CommitmentStats]:
    stmt = (
        select(
            Commitment.opd_id,
            Commitment.status,
            func.count(),
            func.count().filter(overdue_clause(today)),
            func.coalesce(func.sum(Commitment.progress).filter(_in_force()), 0),
        )
        .where(*_commitment_conditions(filters))
        .group_by(Commitment.opd_id, Commitment.status)
    )
    out: dict[int, CommitmentStats] = {}
    for opd_id, status, count, overdue, progress in db.session.execute(stmt):
        out.setdefault(opd_id, CommitmentStats()).add(status, count, overdue, progress)
    return out


def _follow_ups_per_opd(semester: str, today: dt.date) -> dict[int, FollowUpStats]:
    out: dict[int, FollowUpStats] = {}
    for row in monitoring.outcome_counts(semester, today=today):
        out.setdefault(row.opd_id, FollowUpStats()).add(row.outcome, row.count, row.overdue)
    return out


def _attendance_per_opd(filters: Filters) -> dict[int | None, Attendance]:
    stmt = (
        select(
            Person.opd_id,
            func.count(),
            func.count().filter(Invitation.status.in_(ATTENDED)),
        )
        .select_from(Invitation)
        .join(Person, Invitation.person_id == Person.id)
        .join(Workshop, Invitation.workshop_id == Workshop.id)
        .where(Workshop.status == WorkshopStatus.HELD)
        .group_by(Person.opd_id)
    )
    bounds = filters.period.bounds_at()
    if bounds is not None:
        stmt = stmt.where(Workshop.starts_at >= bounds[0], Workshop.starts_at < bounds[1])
    out: dict[int | None, Attendance] = {}
    for opd_id, invited, attended in db.session.execute(stmt):
        out.setdefault(opd_id, Attendance()).add(invited, attended)
    return out


def _amounts(semester: str, opd_id: int | None = None) -> Amounts:
    found = monitoring.amounts(semester, opd_id=opd_id)
    return Amounts(findings=found.findings, value=found.value, paid=found.paid)


def _areas(filters: Filters, opd_id: int | None, today: dt.date) -> list[AreaRow]:
    stmt = (
        select(
            Commitment.thematic_area_id,
            Commitment.status,
            func.count(),
            func.count().filter(overdue_clause(today)),
            func.coalesce(func.sum(Commitment.progress), 0),
        )
        .where(*_commitment_conditions(filters, opd_id), _in_force())
        .group_by(Commitment.thematic_area_id, Commitment.status)
    )
    stats: dict[int | None, CommitmentStats] = {}
    for area_id, status, count, overdue, progress in db.session.execute(stmt):
        stats.setdefault(area_id, CommitmentStats()).add(status, count, overdue, progress)

    # The areas with commitments, and the active areas of the period's years (even empty).
    ids = [i for i in stats if i is not None]
    wanted: list[Any] = [ThematicArea.id.in_(ids)] if ids else []
    if filters.area is not None:
        wanted = [ThematicArea.id == filters.area.id]
    elif filters.period.years:
        wanted.append(
            and_(ThematicArea.year.in_(filters.period.years), ThematicArea.active.is_(True))
        )
    areas: list[ThematicArea] = []
    if wanted:
        areas = list(
            db.session.scalars(
                select(ThematicArea)
                .where(or_(*wanted))
                .order_by(
                    ThematicArea.is_priority.desc(),
                    ThematicArea.year.desc(),
                    ThematicArea.sort_order,
                    ThematicArea.name,
                )
            )
        )
    rows = [AreaRow(area, stats.get(area.id, CommitmentStats())) for area in areas]
    if None in stats:
        rows.append(AreaRow(None, stats[None]))
    return rows


def _priority_areas(period: Period, today: dt.date) -> list[ThematicArea]:
    """The active RB priority areas set for the period's (last) year, or for the latest
    earlier year that has some; for all time, the current year's (one query)."""
    year = period.end.year if period.end is not None else today.year
    priority = (ThematicArea.is_priority.is_(True), ThematicArea.active.is_(True))
    latest = (
        select(func.max(ThematicArea.year))
        .where(*priority, ThematicArea.year <= year)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(ThematicArea)
            .where(*priority, ThematicArea.year == latest)
            .order_by(ThematicArea.sort_order, ThematicArea.name)
        )
    )


def _priorities(filters: Filters, today: dt.date) -> list[PriorityRow]:
    """The RB priority areas of the period with their commitments in force (all OPDs, the
    thematic area filter aside): due in the period and, to compare, in the previous one.
    An area counts the commitments of every thematic area with its code (one query)."""
    areas = _priority_areas(filters.period, today)
    if not areas:
        return []
    period, previous = filters.period, filters.period.previous()
    code = func.upper(ThematicArea.code)
    rows = {area.code.upper(): PriorityRow(area) for area in areas}
    conds: list[Any] = [_in_force(), code.in_(list(rows))]
    in_period: Any = None
    in_previous: Any = None
    if period.start is not None and period.end is not None:
        in_period = Commitment.due_on.between(period.start, period.end)
    if previous is not None and previous.start is not None and previous.end is not None:
        in_previous = Commitment.due_on.between(previous.start, previous.end)
        conds.append(or_(in_period, in_previous))
    elif in_period is not None:
        conds.append(in_period)

    def counted(*where: Any) -> list[Any]:
        late, passed = overdue_clause(today), Commitment.due_on < today
        if not where:
            return [
                func.count(),
                func.count().filter(late),
                func.coalesce(func.sum(Commitment.progress), 0),
                func.count().filter(passed),
            ]
        return [
            func.count().filter(*where),
            func.count().filter(and_(*where, late)),
            func.coalesce(func.sum(Commitment.progress).filter(*where), 0),
            func.count().filter(and_(*where, passed)),
        ]

    columns = counted(*([in_period] if in_period is not None else []))
    if in_previous is not None:
        columns += counted(in_previous)
    stmt = (
        select(code, Commitment.status, *columns)
        .join(ThematicArea, Commitment.thematic_area_id == ThematicArea.id)
        .where(*conds)
        .group_by(code, Commitment.status)
    )
    for row in rows.values():
        if in_previous is not None:
            row.previous = CommitmentStats()
    for area_code, status, *figures in db.session.execute(stmt):
        row = rows[area_code]
        count, late, progress, passed = figures[:4]
        row.stats.add(status, count, late, progress)
        row.due_by_today += int(passed or 0)
        if row.previous is not None:
            p_count, p_late, p_progress, _passed = figures[4:8]
            row.previous.add(status, p_count, p_late, p_progress)
    for row in rows.values():
        row.expected = expected_progress(period, today, row.stats.in_force, row.due_by_today)
    return list(rows.values())


def _date_year_month(column: Any) -> tuple[Any, Any]:
    """SQL expressions for the year and month of a date column. On SQLite (dates stored as
    'YYYY-MM-DD') a substring is several times cheaper per row than STRFTIME."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (
            cast(func.substr(column, literal_column("1"), literal_column("4")), Integer),
            cast(func.substr(column, literal_column("6"), literal_column("2")), Integer),
        )
    return extract("year", column), extract("month", column)


def _wib_start(year: int, month: int = 1) -> dt.datetime:
    return dt.datetime(year, month, 1, tzinfo=WIB)


def _trend(filters: Filters, opd_id: int | None, today: dt.date) -> list[TrendPoint]:
    """Per month of the period (per year for all time, from the first year with a due date
    to the last one or this year): the commitments in force due then and where they stand
    today, and the commitments verified during that month (in WIB)."""
    by_year = filters.period.is_all
    year_of, month_of = _date_year_month(Commitment.due_on)
    keys = [year_of] if by_year else [year_of, month_of]
    stmt = (
        select(
            *keys,
            Commitment.status,
            func.count(),
            func.count().filter(overdue_clause(today)),
            func.coalesce(func.sum(Commitment.progress), 0),
        )
        .where(*_commitment_conditions(filters, opd_id), _in_force())
        .group_by(*keys, Commitment.status)
    )
    points: dict[tuple[int, int | None], TrendPoint] = {}
    for row in db.session.execute(stmt):
        year = int(row[0])
        month = None if by_year else int(row[1])
        status, count, overdue, progress = row[-4:]
        point = points.setdefault((year, month), TrendPoint(year, month))
        point.stats.add(status, count, overdue, progress)

    if by_year:
        years = [y for y, _m in points] + [today.year]
        wanted: list[tuple[int, int | None]] = [
            (y, None) for y in range(min(years), max(years) + 1)
        ]
        starts = [_wib_start(y) for y, _m in wanted] + [_wib_start(wanted[-1][0] + 1)]
    else:
        wanted = list(filters.period.months())
        starts = [_wib_start(y, m) for y, m in wanted]
        last_year, last_month = wanted[-1]
        starts.append(
            _wib_start(last_year + 1) if last_month == 12 else _wib_start(last_year, last_month + 1)
        )

    # Verified during each month: one conditional count per month (cheap comparisons on
    # the stored UTC instant, no date function per row).
    conds = [
        Commitment.status == S.VERIFIED,
        Commitment.verified_at >= starts[0],
        Commitment.verified_at < starts[-1],
    ]
    if filters.area is not None:
        conds.append(Commitment.thematic_area_id == filters.area.id)
    if opd_id is not None:
        conds.append(Commitment.opd_id == opd_id)
    buckets = [
        func.count().filter(Commitment.verified_at >= lo, Commitment.verified_at < hi)
        for lo, hi in pairwise(starts)
    ]
    verified = db.session.execute(select(*buckets).where(*conds)).one()

    out = [points.get(k) or TrendPoint(k[0], k[1]) for k in wanted]
    verified_so_far = in_force_so_far = 0
    for point, during in zip(out, verified, strict=True):
        point.verified_during = int(during or 0)
        verified_so_far += point.stats.verified
        in_force_so_far += point.stats.in_force
        point.cumulative = percent(verified_so_far, in_force_so_far)
    return out


def _grades() -> list[grade_svc.Comparison]:
    results = list(
        db.session.scalars(
            select(EvaluationResult).order_by(
                EvaluationResult.instrument, EvaluationResult.year, EvaluationResult.region
            )
        )
    )
    home = str(current_app.config.get("FINDINGS_HOME_REGION") or grade_svc.HOME_REGION)
    comparisons = grade_svc.comparisons(results, home)
    for comparison in comparisons:
        comparison.years = comparison.years[-GRADE_YEARS:]
    return comparisons


def _opds_for_ranking(with_data: Iterable[int]) -> list[Opd]:
    """Active OPDs, and inactive ones that have figures in the selection."""
    ids = sorted(set(with_data))
    cond = Opd.active.is_(True)
    if ids:
        cond = or_(cond, Opd.id.in_(ids))
    return list(db.session.scalars(select(Opd).where(cond).order_by(Opd.sort_order, Opd.code)))


def _rank_key(row: OpdRow) -> tuple[bool, Decimal]:
    """Nothing overdue first, then the completion rate, highest first."""
    completion = row.commitments.completion
    assert completion is not None
    return (row.overdue_items > 0, -completion)


def assign_ranks(rows: Sequence[OpdRow]) -> None:
    """Competition ranks (1, 1, 3) among the rows with a commitment in force: the rows with
    nothing overdue first, then by completion rate; no rank at all when no row has a
    verified commitment (see :data:`NO_RANK_REASON`)."""
    for row in rows:
        row.rank = None
    candidates = [r for r in rows if r.commitments.completion is not None]
    if not any(r.commitments.verified for r in candidates):
        return
    ranked = sorted(candidates, key=_rank_key)
    previous: tuple[bool, Decimal] | None = None
    rank = 0
    for position, row in enumerate(ranked, start=1):
        key = _rank_key(row)
        if key != previous:
            rank = position
            previous = key
        row.rank = rank


#: Why nobody is ranked when no OPD has a verified commitment: a rank among equals at 0 %
#: ("1 of 16") would say nothing.
NO_RANK_REASON = _l(
    "No OPD is ranked: no commitment has been verified in this period yet, so every OPD would "
    "share the same place."
)


RANKING_SORTS = ("rank", "opd", "commitments", "completion", "overdue", "follow_up", "attendance")


def _sort_value(row: OpdRow, key: str) -> Any:
    return {
        "rank": row.rank,
        "opd": row.opd.code.lower(),
        "commitments": row.commitments.in_force,
        "completion": row.commitments.completion,
        "overdue": row.commitments.overdue,
        "follow_up": row.follow_ups.rate,
        "attendance": row.attendance.rate,
    }[key]


def sort_ranking(rows: Sequence[OpdRow], key: str, direction: str) -> list[OpdRow]:
    """Rows sorted by a column of :data:`RANKING_SORTS`; empty values last either way, then
    by rank and code."""
    key = key if key in RANKING_SORTS else "rank"
    descending = direction == "desc"

    def tiebreak(row: OpdRow) -> tuple[Any, ...]:
        return (row.rank is None, row.rank or 0, row.opd.sort_order, row.opd.code)

    present = sorted(
        (r for r in rows if _sort_value(r, key) is not None),
        key=tiebreak,
    )
    present.sort(key=lambda r: _sort_value(r, key), reverse=descending)
    missing = sorted((r for r in rows if _sort_value(r, key) is None), key=tiebreak)
    return present + missing


def overview(filters: Filters, *, today: dt.date, opd_id: int | None = None) -> Overview:
    """The city's figures for ``filters``; with ``opd_id`` the per-area figures, the trend
    and the amounts are those of that OPD (the ranking stays the city's)."""
    semester = filters.period.monitoring_semester(today)
    per_opd = _commitments_per_opd(filters, today)
    per_opd_follow_ups = _follow_ups_per_opd(semester, today)
    per_opd_attendance = _attendance_per_opd(filters)

    city = CommitmentStats()
    for stats in per_opd.values():
        city.merge(stats)
    city_follow_ups = FollowUpStats()
    for follow_ups in per_opd_follow_ups.values():
        city_follow_ups.merge(follow_ups)
    city_attendance = Attendance()
    for attendance in per_opd_attendance.values():
        city_attendance.add(attendance.invited, attendance.attended)

    with_data = set(per_opd) | set(per_opd_follow_ups)
    ranking = [
        OpdRow(
            opd=opd,
            commitments=per_opd.get(opd.id, CommitmentStats()),
            follow_ups=per_opd_follow_ups.get(opd.id, FollowUpStats()),
            attendance=per_opd_attendance.get(opd.id, Attendance()),
        )
        for opd in _opds_for_ranking(with_data)
    ]
    assign_ranks(ranking)
    return Overview(
        filters=filters,
        today=today,
        commitments=city,
        follow_ups=city_follow_ups,
        attendance=city_attendance,
        amounts=_amounts(semester, opd_id),
        areas=_areas(filters, opd_id, today),
        trend=_trend(filters, opd_id, today),
        ranking=sort_ranking(ranking, "rank", "asc"),
        grades=_grades() if opd_id is None else [],
        semester=semester,
        priorities=_priorities(filters, today) if opd_id is None else [],
        code_groups=monitoring.code_groups(semester, opd_id=opd_id),
    )


@dataclass
class PeriodFigures:
    """The city's commitment and follow-up figures of one period (to compare with)."""

    period: Period
    semester: str
    commitments: CommitmentStats
    follow_ups: FollowUpStats


def previous_figures(filters: Filters, *, today: dt.date) -> PeriodFigures | None:
    """The city's figures of the period before ``filters``' (the thematic area filter kept);
    None for all time (two queries)."""
    previous = filters.period.previous()
    if previous is None:
        return None
    commitments = CommitmentStats()
    for stats in _commitments_per_opd(replace(filters, period=previous), today).values():
        commitments.merge(stats)
    semester = previous.monitoring_semester(today)
    follow_ups = FollowUpStats()
    for stats in _follow_ups_per_opd(semester, today).values():
        follow_ups.merge(stats)
    return PeriodFigures(previous, semester, commitments, follow_ups)


#: How many OPDs the report names as needing attention.
ATTENTION_LIMIT = 5


def needs_attention(ranking: Sequence[OpdRow]) -> list[OpdRow]:
    """The OPDs that need attention: those with overdue items (commitments and
    recommendations), the most first, then the lowest completion rate."""
    late = [row for row in ranking if row.overdue_items]
    return sorted(
        late,
        key=lambda r: (
            -r.overdue_items,
            r.commitments.completion if r.commitments.completion is not None else HUNDRED,
            r.opd.sort_order,
            r.opd.code,
        ),
    )


def due_items(opd: Opd, *, today: dt.date, user: Any, limit: int = ITEM_LIMIT) -> DueItems:
    """The OPD's open items overdue or due within :data:`DUE_SOON_DAYS` days, as of today
    (whatever the period filter), scoped to what ``user`` may see."""

    def commitments(condition: Any) -> list[Commitment]:
        stmt = (
            select(Commitment)
            .options(joinedload(Commitment.thematic_area))
            .where(Commitment.opd_id == opd.id, condition)
            .order_by(Commitment.due_on, Commitment.id)
            .limit(limit)
        )
        return list(db.session.scalars(scope_commitments(stmt, user)))

    def recommendations(condition: Any) -> list[Recommendation]:
        stmt = (
            select(Recommendation)
            .join(Recommendation.finding)
            .join(Finding.report)
            .options(contains_eager(Recommendation.finding).contains_eager(Finding.report))
            .where(Recommendation.opd_id == opd.id, condition)
            .order_by(Recommendation.due_on, Recommendation.id)
            .limit(limit)
        )
        return list(db.session.scalars(scope_recommendations(stmt, user)))

    def count(stmt: Any) -> Any:
        return stmt.scalar_subquery()

    c_base = scope_commitments(
        select(func.count()).select_from(Commitment).where(Commitment.opd_id == opd.id), user
    )
    r_base = scope_recommendations(
        select(func.count()).select_from(Recommendation).where(Recommendation.opd_id == opd.id),
        user,
    )
    counts_row = db.session.execute(
        select(
            count(c_base.where(overdue_clause(today))),
            count(c_base.where(due_soon_clause(today))),
            count(r_base.where(findings_service.overdue_clause(today))),
            count(r_base.where(findings_service.due_soon_clause(today))),
        )
    ).one()
    return DueItems(
        overdue_commitments=commitments(overdue_clause(today)),
        due_soon_commitments=commitments(due_soon_clause(today)),
        overdue_recommendations=recommendations(findings_service.overdue_clause(today)),
        due_soon_recommendations=recommendations(findings_service.due_soon_clause(today)),
        counts={
            "overdue_commitments": int(counts_row[0]),
            "due_soon_commitments": int(counts_row[1]),
            "overdue_recommendations": int(counts_row[2]),
            "due_soon_recommendations": int(counts_row[3]),
        },
    )


def opd_overview(opd: Opd, filters: Filters, *, today: dt.date, user: Any) -> OpdOverview:
    """One OPD's whole picture: its figures, its standing in the city, its due items."""
    city = overview(filters, today=today, opd_id=opd.id)
    standing = city.standing(opd.id)
    if standing is None:  # an inactive OPD without figures: still show it
        row = OpdRow(opd=opd)
        city.ranking.append(row)
        standing = city.standing(opd.id)
        assert standing is not None
    return OpdOverview(
        opd=opd,
        overview=city,
        standing=standing,
        due=due_items(opd, today=today, user=user),
    )


def signer() -> Person | None:
    """The Inspektur from the officials list (signs the report)."""
    return signatories.inspektur()


__all__ = [
    "ALL_TIME",
    "ATTENTION_LIMIT",
    "RANKING_SORTS",
    "Amounts",
    "AreaRow",
    "Attendance",
    "CommitmentStats",
    "DueItems",
    "Filters",
    "FollowUpStats",
    "Light",
    "OpdOverview",
    "OpdRow",
    "Overview",
    "Period",
    "PeriodFigures",
    "PriorityRow",
    "Standing",
    "TrendPoint",
    "area_options",
    "assign_ranks",
    "default_period",
    "due_items",
    "expected_progress",
    "needs_attention",
    "opd_overview",
    "overview",
    "percent",
    "period_options",
    "previous_figures",
    "resolve_filters",
    "signer",
    "sort_ranking",
    "traffic_light",
    "traffic_light_rule",
]
