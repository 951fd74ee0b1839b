"""The lists of the two-step review and of SIPTL: the approval queue, the decision
letters, one letter with its decisions, the reconciliation of BPK's outcomes with the
Inspektorat's, and what a recommendation's page shows of its proposals and SIPTL
submissions. Each page's queries are here, a fixed number whatever the data size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from tracker.extensions import db
from tracker.listing import Listing, ListSpec, int_arg
from tracker.models import Opd
from tracker.models.finding import (
    Finding,
    FollowUp,
    Outcome,
    ProposalStatus,
    Recommendation,
    RecommendationReview,
    Report,
    ReportKind,
    ReviewProposal,
    SiptlSubmission,
)
from tracker.models.letter import Letter
from tracker.models.reference import LetterKind
from tracker.permissions import scope_recommendations
from tracker.services import findings as svc
from tracker.services import siptl

# --- the approval queue -------------------------------------------------------------------

QUEUE_SPEC = ListSpec(
    sorts={
        "proposed": ReviewProposal.proposed_at,
        "report": [Report.year, Report.number, func.length(Finding.number), Finding.number],
        "opd": [Opd.sort_order, Opd.code],
        "period": ReviewProposal.period,
    },
    default_sort="proposed",
    search=[
        Recommendation.text,
        Recommendation.number,
        Finding.title,
        Report.number,
        Opd.code,
        Opd.name,
        ReviewProposal.note,
    ],
    tiebreak=ReviewProposal.id,
)


@dataclass(frozen=True)
class QueueFilters:
    opd_id: int | None = None
    report_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilters:
        return cls(opd_id=int_arg("opd", args), report_id=int_arg("report", args))

    def as_args(self) -> dict[str, Any]:
        return {"opd": self.opd_id, "report": self.report_id}


@dataclass
class QueuePage:
    listing: Listing
    #: recommendation id → the OPD's latest follow-up (with its author and evidence)
    latest: dict[int, FollowUp] = field(default_factory=dict)


def _with_recommendation(stmt: Any, entity: Any) -> Any:
    """Join a select over ``entity`` (which has a ``recommendation``) to the
    recommendation, its finding, report and OPD, loaded with it."""
    rec_path = contains_eager(entity.recommendation)
    return (
        stmt.join(entity.recommendation)
        .join(Recommendation.finding)
        .join(Finding.report)
        .join(Recommendation.opd)
        .options(
            rec_path.contains_eager(Recommendation.finding).contains_eager(Finding.report),
            contains_eager(entity.recommendation).contains_eager(Recommendation.opd),
        )
    )


def queue(filters: QueueFilters, args: Mapping[str, str]) -> QueuePage:
    """The proposals awaiting approval, oldest first."""
    stmt = _with_recommendation(select(ReviewProposal), ReviewProposal)
    stmt = stmt.where(ReviewProposal.status == ProposalStatus.PENDING).options(
        joinedload(ReviewProposal.proposed_by)
    )
    if filters.opd_id is not None:
        stmt = stmt.where(Recommendation.opd_id == filters.opd_id)
    if filters.report_id is not None:
        stmt = stmt.where(Finding.report_id == filters.report_id)
    listing = Listing(scope_recommendations(stmt), QUEUE_SPEC, args)
    ids = [p.recommendation_id for p in listing.items]
    return QueuePage(listing=listing, latest=latest_follow_ups(ids))


def latest_follow_ups(rec_ids: Sequence[int]) -> dict[int, FollowUp]:
    """Each recommendation's latest follow-up, in one query (and one for the evidence)."""
    if not rec_ids:
        return {}
    newest = (
        select(FollowUp.recommendation_id, func.max(FollowUp.id).label("id"))
        .where(FollowUp.recommendation_id.in_(sorted(set(rec_ids))))
        .group_by(FollowUp.recommendation_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(FollowUp)
        .join(newest, FollowUp.id == newest.c.id)
        .options(joinedload(FollowUp.author), selectinload(FollowUp.evidence))
    )
    return {f.recommendation_id: f for f in rows}


def queue_reports() -> list[Report]:
    """The reports with a proposal awaiting approval (the queue's report filter)."""
    pending = (
        select(Finding.report_id)
        .join(Recommendation, Recommendation.finding_id == Finding.id)
        .join(ReviewProposal, ReviewProposal.recommendation_id == Recommendation.id)
        .where(ReviewProposal.status == ProposalStatus.PENDING)
    )
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.id.in_(pending))
            .order_by(Report.year.desc(), Report.kind, Report.number)
        )
    )


def opds() -> list[Opd]:
    return list(db.session.scalars(select(Opd).order_by(Opd.sort_order, Opd.name)))


# --- decision letters ---------------------------------------------------------------------

LETTER_SPEC = ListSpec(
    sorts={
        "issued": [Letter.issued_on, Letter.year, Letter.seq],
        "number": [Letter.year, Letter.seq],
        "signer": Letter.signer_name,
    },
    default_sort="issued",
    default_direction="desc",
    search=[Letter.number, Letter.signer_name],
    tiebreak=Letter.id,
)


@dataclass
class LetterPage:
    listing: Listing
    #: letter id → how many decisions it lists
    counts: dict[int, int]


def letters(args: Mapping[str, str], year: int | None = None) -> LetterPage:
    stmt = (
        select(Letter)
        .where(Letter.kind == LetterKind.DECISION)
        .options(joinedload(Letter.issued_by))
    )
    if year is not None:
        stmt = stmt.where(Letter.year == year)
    listing = Listing(stmt, LETTER_SPEC, args)
    ids = [letter.id for letter in listing.items]
    counts = dict.fromkeys(ids, 0)
    if ids:
        rows = db.session.execute(
            select(ReviewProposal.letter_id, func.count())
            .where(ReviewProposal.letter_id.in_(ids))
            .group_by(ReviewProposal.letter_id)
        )
        counts.update({int(letter_id): int(n) for letter_id, n in rows.all()})
    return LetterPage(listing=listing, counts=counts)


def letter_years() -> list[int]:
    return list(
        db.session.scalars(
            select(Letter.year)
            .where(Letter.kind == LetterKind.DECISION)
            .distinct()
            .order_by(Letter.year.desc())
        )
    )


def letter(letter_id: int) -> Letter | None:
    """A decision letter with its decisions, each with its recommendation, finding, report
    and OPD (three queries)."""
    rec = joinedload(ReviewProposal.recommendation)
    return db.session.scalars(
        select(Letter)
        .where(Letter.id == letter_id, Letter.kind == LetterKind.DECISION)
        .options(
            joinedload(Letter.issued_by),
            selectinload(Letter.decisions).options(
                joinedload(ReviewProposal.proposed_by),
                rec.joinedload(Recommendation.opd),
                rec.joinedload(Recommendation.finding).joinedload(Finding.report),
            ),
        )
    ).first()


# --- reconciliation with BPK ----------------------------------------------------------------

RECONCILIATION_SPEC = ListSpec(
    sorts={
        "period": SiptlSubmission.period,
        "report": [Report.year, Report.number, func.length(Finding.number), Finding.number],
        "opd": [Opd.sort_order, Opd.code],
        "submitted": SiptlSubmission.submitted_on,
    },
    default_sort="period",
    default_direction="desc",
    search=[
        Recommendation.text,
        Finding.title,
        Report.number,
        SiptlSubmission.receipt_number,
        Opd.code,
        Opd.name,
    ],
    tiebreak=SiptlSubmission.id,
)


@dataclass(frozen=True)
class ReconciliationFilters:
    period: str = ""
    opd_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ReconciliationFilters:
        raw = args.get("semester", "").strip()
        return cls(
            period=raw if svc.PERIOD_RE.fullmatch(raw) else "",
            opd_id=int_arg("opd", args),
        )

    def as_args(self) -> dict[str, Any]:
        return {"semester": self.period, "opd": self.opd_id}


def _differs_clause() -> Any:
    """BPK's outcome is known and is not the Inspektorat's of that semester (none: 3)."""
    review = aliased(RecommendationReview)
    same = and_(
        review.recommendation_id == SiptlSubmission.recommendation_id,
        review.period == SiptlSubmission.period,
    )
    reviewed = select(review.id).where(same).exists()
    agrees = select(review.id).where(same, review.outcome == SiptlSubmission.bpk_outcome).exists()
    return and_(
        SiptlSubmission.bpk_outcome.is_not(None),
        or_(
            and_(~reviewed, SiptlSubmission.bpk_outcome != Outcome.BELUM_DITINDAKLANJUTI),
            and_(reviewed, ~agrees),
        ),
    )


def reconciliation(filters: ReconciliationFilters, args: Mapping[str, str]) -> Listing:
    """The SIPTL submissions whose BPK outcome differs from the Inspektorat's."""
    stmt = _with_recommendation(select(SiptlSubmission), SiptlSubmission)
    stmt = stmt.where(_differs_clause()).options(
        contains_eager(SiptlSubmission.recommendation).selectinload(Recommendation.reviews)
    )
    if filters.period:
        stmt = stmt.where(SiptlSubmission.period == filters.period)
    if filters.opd_id is not None:
        stmt = stmt.where(Recommendation.opd_id == filters.opd_id)
    return Listing(scope_recommendations(stmt), RECONCILIATION_SPEC, args)


def siptl_periods() -> list[str]:
    return list(
        db.session.scalars(
            select(SiptlSubmission.period).distinct().order_by(SiptlSubmission.period.desc())
        )
    )


# --- a recommendation's page ------------------------------------------------------------------


@dataclass
class Panel:
    """What a recommendation's page shows of the two-step review and of SIPTL."""

    pending: ReviewProposal | None = None
    #: decided proposals, newest first
    history: list[ReviewProposal] = field(default_factory=list)
    #: SIPTL applies (a recommendation of an LHP BPK)
    siptl: bool = False
    submissions: list[SiptlSubmission] = field(default_factory=list)
    #: the submissions whose BPK outcome differs from the Inspektorat's
    flagged: list[SiptlSubmission] = field(default_factory=list)

    def inspektorat_outcome(self, rec: Recommendation, submission: SiptlSubmission) -> Outcome:
        return siptl.inspektorat_outcome(rec.reviews, submission.period)


def panels(recs: Sequence[Recommendation]) -> dict[int, Panel]:
    """The panels of ``recs`` (loaded with their finding, report and reviews), in two
    queries whatever their number."""
    out = {rec.id: Panel(siptl=rec.finding.report.kind is ReportKind.LHP_BPK) for rec in recs}
    if not out:
        return out
    ids = sorted(out)
    proposals = db.session.scalars(
        select(ReviewProposal)
        .where(ReviewProposal.recommendation_id.in_(ids))
        .options(
            joinedload(ReviewProposal.proposed_by),
            joinedload(ReviewProposal.decided_by),
            joinedload(ReviewProposal.letter),
        )
        .order_by(ReviewProposal.id.desc())
    )
    for proposal in proposals:
        panel = out[proposal.recommendation_id]
        if proposal.status is ProposalStatus.PENDING:
            panel.pending = proposal
        else:
            panel.history.append(proposal)
    submissions = db.session.scalars(
        select(SiptlSubmission)
        .where(SiptlSubmission.recommendation_id.in_(ids))
        .options(joinedload(SiptlSubmission.recorded_by))
        .order_by(SiptlSubmission.period.desc())
    )
    by_id = {rec.id: rec for rec in recs}
    for submission in submissions:
        panel = out[submission.recommendation_id]
        panel.submissions.append(submission)
        if siptl.differs(submission, by_id[submission.recommendation_id].reviews):
            panel.flagged.append(submission)
    return out


def pending_by_recommendation(recs: Sequence[Recommendation]) -> dict[int, ReviewProposal]:
    """The proposal awaiting approval of each of ``recs`` that has one (one query)."""
    ids = sorted({rec.id for rec in recs})
    if not ids:
        return {}
    found = db.session.scalars(
        select(ReviewProposal)
        .where(
            ReviewProposal.recommendation_id.in_(ids),
            ReviewProposal.status == ProposalStatus.PENDING,
        )
        .options(joinedload(ReviewProposal.proposed_by))
    )
    return {proposal.recommendation_id: proposal for proposal in found}


__all__ = [
    "LetterPage",
    "Panel",
    "QueueFilters",
    "QueuePage",
    "ReconciliationFilters",
    "latest_follow_ups",
    "letter",
    "letter_years",
    "letters",
    "opds",
    "panels",
    "queue",
    "queue_reports",
    "reconciliation",
    "siptl_periods",
]
