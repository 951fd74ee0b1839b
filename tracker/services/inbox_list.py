"""The Inspektorat's work queue: what waits for a verification or a review, the evidence
added since the last look, the counts shown in the navigation, and the recommendations
due for review in a semester. The inbox pages read their rows only from here.

* *To verify*: commitments the OPD reported done (``reported_done``), oldest report first.
* *To review*: recommendations whose last follow-up is newer than their last review (or
  that were never reviewed), oldest follow-up first.
* *New evidence*: files and links attached to a commitment's history or to a follow-up
  after a moment (the user's previous visit), oldest first.
* *Due for review in a semester*: recommendations not settled (current outcome not 1,
  ``sesuai``) of reports received by the end of that semester.

Every list is scoped like the areas' own lists (an Inspektorat reader sees every OPD).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker.extensions import db
from tracker.guards import DB_INT_MAX
from tracker.listing import Listing, ListSpec, int_arg
from tracker.models import Opd
from tracker.models.account import InboxSeen, User
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    ProgressUpdate,
)
from tracker.models.finding import (
    Finding,
    FindingEvidence,
    FollowUp,
    Outcome,
    Recommendation,
    RecommendationReview,
    Report,
)
from tracker.permissions import scope_commitments, scope_recommendations
from tracker.services import findings as findings_svc
from tracker.services.finding_list import awaiting_condition

#: rows per page in each section of the inbox
INBOX_PER_PAGE = 10
#: rows per page of the semester review (each row is a small form: a request of more
#: rows would pass the form-parts limit of the web server)
SEMESTER_PER_PAGE = 50
SEMESTER_MAX_PER_PAGE = 100

#: the query-string argument of each section's page number
PAGE_ARGS = {"verify": "vpage", "review": "rpage", "evidence": "epage"}


def _page_args(args: Mapping[str, str], section: str) -> dict[str, str]:
    """The arguments one section's Listing reads (its own page number, nothing else)."""
    return {"page": args.get(PAGE_ARGS[section], "")}


# --- the counts in the navigation -------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    verify: int
    review: int

    @property
    def total(self) -> int:
        return self.verify + self.review


def _to_verify(user: Any) -> Any:
    return scope_commitments(
        select(func.count())
        .select_from(Commitment)
        .where(Commitment.status == CommitmentStatus.REPORTED_DONE),
        user,
    )


def _to_review(user: Any) -> Any:
    return scope_recommendations(
        select(func.count()).select_from(Recommendation).where(awaiting_condition()), user
    )


def counts(user: Any) -> Counts:
    """What waits for ``user``'s action, in one query (the navigation shows it on every
    page of an Inspektorat user)."""
    verify, review = db.session.execute(
        select(_to_verify(user).scalar_subquery(), _to_review(user).scalar_subquery())
    ).one()
    return Counts(verify=int(verify or 0), review=int(review or 0))


# --- the inbox ----------------------------------------------------------------------------

VERIFY_SPEC = ListSpec(
    sorts={"reported": func.coalesce(Commitment.reported_done_at, Commitment.updated_at)},
    default_sort="reported",
    tiebreak=Commitment.id,
)
REVIEW_SPEC = ListSpec(
    sorts={"follow_up": Recommendation.last_follow_up_at},
    default_sort="follow_up",
    tiebreak=Recommendation.id,
)


def last_seen(user: User) -> dt.datetime | None:
    """When ``user`` last opened the inbox (None: never)."""
    seen = db.session.get(InboxSeen, user.id)
    return seen.seen_at if seen is not None else None


def to_verify(args: Mapping[str, str], user: Any = None) -> Listing:
    """Commitments reported done, awaiting the Inspektorat's verification."""
    stmt = (
        select(Commitment)
        .join(Commitment.opd)
        .options(contains_eager(Commitment.opd))
        .where(Commitment.status == CommitmentStatus.REPORTED_DONE)
    )
    return Listing(
        scope_commitments(stmt, user),
        VERIFY_SPEC,
        _page_args(args, "verify"),
        per_page=INBOX_PER_PAGE,
    )


def _recommendations() -> Select[Any]:
    """Recommendations with their finding, report and OPD loaded (what a row shows)."""
    return (
        select(Recommendation)
        .join(Recommendation.finding)
        .join(Finding.report)
        .join(Recommendation.opd)
        .options(
            contains_eager(Recommendation.finding).contains_eager(Finding.report),
            contains_eager(Recommendation.opd),
        )
    )


def to_review(args: Mapping[str, str], user: Any = None) -> Listing:
    """Recommendations with a follow-up newer than their last review."""
    stmt = _recommendations().where(awaiting_condition())
    return Listing(
        scope_recommendations(stmt, user),
        REVIEW_SPEC,
        _page_args(args, "review"),
        per_page=INBOX_PER_PAGE,
    )


def latest_follow_ups(rec_ids: Sequence[int]) -> dict[int, FollowUp]:
    """The latest follow-up of each recommendation (with its evidence), in two queries."""
    if not rec_ids:
        return {}
    ranked = (
        select(
            FollowUp.id.label("id"),
            func.row_number()
            .over(
                partition_by=FollowUp.recommendation_id,
                order_by=(FollowUp.submitted_at.desc(), FollowUp.id.desc()),
            )
            .label("rank"),
        )
        .where(FollowUp.recommendation_id.in_(list(rec_ids)))
        .subquery()
    )
    rows = db.session.scalars(
        select(FollowUp)
        .join(ranked, ranked.c.id == FollowUp.id)
        .where(ranked.c.rank == 1)
        .options(selectinload(FollowUp.evidence))
    )
    return {f.recommendation_id: f for f in rows}


# Commitment evidence and follow-up evidence are listed together: one integer key per row
# (even: a commitment's, odd: a follow-up's), ordered by when it was added.
_COMMITMENT, _FOLLOW_UP = 0, 1


@dataclass(frozen=True)
class EvidenceRow:
    """One piece of evidence in the inbox, with what it supports."""

    key: int
    added_at: dt.datetime
    name: str
    is_file: bool
    #: the file's download address inside the application, or the link itself
    href: str
    refers_to_on: dt.date | None
    added_by: str
    opd: Opd
    #: "commitment" or "follow_up"
    kind: str
    #: the commitment or the recommendation it supports
    subject: Commitment | Recommendation


@dataclass
class EvidencePage:
    listing: Listing
    rows: list[EvidenceRow]


def new_evidence(
    since: dt.datetime | None, args: Mapping[str, str], user: Any = None
) -> EvidencePage:
    """Evidence added after ``since`` (everything when None), oldest first, one page."""
    commitment_part = scope_commitments(
        select(
            (CommitmentEvidence.id * 2 + _COMMITMENT).label("key"),
            CommitmentEvidence.uploaded_at.label("at"),
        ).join(Commitment, CommitmentEvidence.commitment_id == Commitment.id),
        user,
    )
    follow_up_part = scope_recommendations(
        select(
            (FindingEvidence.id * 2 + _FOLLOW_UP).label("key"),
            FindingEvidence.created_at.label("at"),
        )
        .join(FollowUp, FindingEvidence.follow_up_id == FollowUp.id)
        .join(Recommendation, FollowUp.recommendation_id == Recommendation.id),
        user,
    )
    if since is not None:
        commitment_part = commitment_part.where(CommitmentEvidence.uploaded_at > since)
        follow_up_part = follow_up_part.where(FindingEvidence.created_at > since)
    both = union_all(commitment_part, follow_up_part).subquery()
    spec = ListSpec(sorts={"added": both.c.at}, default_sort="added", tiebreak=both.c.key)
    listing = Listing(
        select(both.c.key), spec, _page_args(args, "evidence"), per_page=INBOX_PER_PAGE
    )
    keys = [int(k) for k in listing.page.items]
    commitment_ids = [k // 2 for k in keys if k % 2 == _COMMITMENT]
    follow_up_ids = [k // 2 for k in keys if k % 2 == _FOLLOW_UP]
    found: dict[int, EvidenceRow] = {}
    if commitment_ids:
        for item in db.session.scalars(
            select(CommitmentEvidence)
            .where(CommitmentEvidence.id.in_(commitment_ids))
            .options(
                joinedload(CommitmentEvidence.commitment).joinedload(Commitment.opd),
                joinedload(CommitmentEvidence.progress_update).joinedload(ProgressUpdate.author),
            )
        ):
            update = item.progress_update
            is_file = item.stored_name is not None
            found[item.id * 2 + _COMMITMENT] = EvidenceRow(
                key=item.id * 2 + _COMMITMENT,
                added_at=item.uploaded_at,
                name=item.original_name or item.url or "",
                is_file=is_file,
                href=url_for(
                    "commitments.evidence",
                    commitment_id=item.commitment_id,
                    evidence_id=item.id,
                )
                if is_file
                else (item.url or ""),
                refers_to_on=item.refers_to_on,
                added_by=update.author.name if update.author else update.author_label,
                opd=item.commitment.opd,
                kind="commitment",
                subject=item.commitment,
            )
    if follow_up_ids:
        for evidence in db.session.scalars(
            select(FindingEvidence)
            .where(FindingEvidence.id.in_(follow_up_ids))
            .options(
                joinedload(FindingEvidence.follow_up).joinedload(FollowUp.author),
                joinedload(FindingEvidence.follow_up)
                .joinedload(FollowUp.recommendation)
                .joinedload(Recommendation.opd),
                joinedload(FindingEvidence.follow_up)
                .joinedload(FollowUp.recommendation)
                .joinedload(Recommendation.finding),
            )
        ):
            follow_up = evidence.follow_up
            assert follow_up is not None
            is_file = evidence.kind.value == "file"
            found[evidence.id * 2 + _FOLLOW_UP] = EvidenceRow(
                key=evidence.id * 2 + _FOLLOW_UP,
                added_at=evidence.created_at,
                name=evidence.display_name,
                is_file=is_file,
                href=url_for("findings.evidence", evidence_id=evidence.id)
                if is_file
                else (evidence.url or ""),
                refers_to_on=evidence.refers_to_on,
                added_by=follow_up.author.name,
                opd=follow_up.recommendation.opd,
                kind="follow_up",
                subject=follow_up.recommendation,
            )
    return EvidencePage(listing=listing, rows=[found[k] for k in keys if k in found])


@dataclass
class Inbox:
    verify: Listing
    review: Listing
    #: recommendation id → its latest follow-up (for the "to review" rows)
    follow_ups: dict[int, FollowUp]
    evidence: EvidencePage
    #: the evidence shown is what was added after this moment (None: all of it)
    since: dt.datetime | None


def inbox(since: dt.datetime | None, args: Mapping[str, str], user: Any = None) -> Inbox:
    review = to_review(args, user)
    return Inbox(
        verify=to_verify(args, user),
        review=review,
        follow_ups=latest_follow_ups([rec.id for rec in review.items]),
        evidence=new_evidence(since, args, user),
        since=since,
    )


# --- the semester review -----------------------------------------------------------------

SEMESTER_SPEC = ListSpec(
    sorts={
        "report": [
            Report.year,
            Report.kind,
            Report.number,
            func.length(Finding.number),
            Finding.number,
            func.length(Recommendation.number),
            Recommendation.number,
        ],
        "opd": [Opd.sort_order, Opd.code, Report.year, Finding.number, Recommendation.number],
        "follow_up": [Recommendation.last_follow_up_at],
    },
    default_sort="report",
    search=[Finding.title, Finding.number, Recommendation.text, Report.number, Opd.code],
    tiebreak=Recommendation.id,
)


def semester_periods(today: dt.date) -> list[str]:
    """The semesters one may review, newest first: from the first report received up to
    the current one (the monitoring matrix offers the same)."""
    first_received = db.session.scalar(select(func.min(Report.received_on)))
    current = findings_svc.period_of(today)
    first = findings_svc.period_of(first_received) if first_received else current
    return findings_svc.periods_between(min(first, current), current)


@dataclass(frozen=True)
class SemesterFilters:
    opd_id: int | None = None
    #: only the recommendations without a review for this semester yet
    pending: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SemesterFilters:
        return cls(opd_id=int_arg("opd", args), pending=args.get("pending") == "1")


def _semester_args(args: Mapping[str, str]) -> dict[str, str]:
    """The list's arguments, with at most SEMESTER_MAX_PER_PAGE rows per page."""
    out = {k: args.get(k, "") for k in ("q", "sort", "dir", "page")}
    per_page = int_arg("per_page", args) or SEMESTER_PER_PAGE
    out["per_page"] = str(max(1, min(per_page, SEMESTER_MAX_PER_PAGE)))
    return out


def due_for_review(period: str, filters: SemesterFilters, args: Mapping[str, str]) -> Listing:
    """The recommendations due for review in ``period``: not settled, of a report received
    by the end of the semester, within the user's scope; one page of them."""
    _start, end = findings_svc.period_bounds(period)
    stmt = _recommendations().where(
        Report.received_on <= end,
        or_(Recommendation.outcome.is_(None), Recommendation.outcome != Outcome.SESUAI),
    )
    if filters.opd_id is not None:
        stmt = stmt.where(Recommendation.opd_id == filters.opd_id)
    if filters.pending:
        reviewed = select(RecommendationReview.id).where(
            RecommendationReview.recommendation_id == Recommendation.id,
            RecommendationReview.period == period,
        )
        stmt = stmt.where(~reviewed.exists())
    return Listing(scope_recommendations(stmt), SEMESTER_SPEC, _semester_args(args))


def reviewable(rec_ids: Sequence[int | None]) -> dict[int, Recommendation]:
    """The recommendations with these ids the user may see, loaded with what a review and
    a row of the semester table need (finding, report, OPD, reviews)."""
    ids = sorted({i for i in rec_ids if isinstance(i, int) and 0 < i <= DB_INT_MAX})
    if not ids:
        return {}
    stmt = (
        select(Recommendation)
        .where(Recommendation.id.in_(ids))
        .options(
            joinedload(Recommendation.finding).joinedload(Finding.report),
            joinedload(Recommendation.opd),
            selectinload(Recommendation.reviews),
        )
    )
    return {rec.id: rec for rec in db.session.scalars(scope_recommendations(stmt)).unique()}
