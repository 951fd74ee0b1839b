"""The two-step review: an auditor proposes a recommendation's outcome, an approver (the
Inspektur, or a user given ``APPROVE_DECISIONS``) approves it or sends it back. Only
approval records the review (:func:`tracker.services.findings.record_review`, called as
the approver) and so sets the official outcome.

Rules:

* A proposal is checked by the same rules as the review it stands for (semester, the new
  deadline of outcome 2, the lawful reason of outcome 4): both go through
  :func:`tracker.services.findings.review_values`, so a proposal that could not be
  recorded is refused at once.
* One proposal awaits approval per recommendation (a partial unique index keeps it so
  even when two are sent at the same moment).
* Four eyes: nobody decides a proposal they made themselves.
* Proposals approved together are issued as one numbered decision letter
  (:func:`tracker.services.letters.issue`), all in the caller's one transaction; a
  proposal decided meanwhile (status or version changed) is reported and nothing is
  decided.
* Sending back needs a note; the proposer reads it on the recommendation's page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models.account import User
from tracker.models.enums import Role
from tracker.models.finding import (
    Finding,
    Outcome,
    ProposalStatus,
    Recommendation,
    ReviewProposal,
    UnfollowableReason,
)
from tracker.models.letter import Letter
from tracker.models.reference import LetterKind
from tracker.permissions import P, has_permission
from tracker.services import findings as svc
from tracker.services import letters, notices
from tracker.services.errors import ConflictError, DomainError, NotAllowed
from tracker.services.records import add_unless_taken, required_text
from tracker.services.records import flush as _flush

NOTE_MAX = 10_000


def _already_pending(rec: Recommendation, pending: ReviewProposal | None) -> DomainError:
    if pending is None:
        return DomainError(
            _(
                "A proposal for recommendation %(number)s is already awaiting approval; "
                "it has to be approved or sent back first.",
                number=rec.number,
            )
        )
    return DomainError(
        _(
            "A proposal for recommendation %(number)s (outcome %(outcome)s, by %(name)s) is "
            "already awaiting approval; it has to be approved or sent back first.",
            number=rec.number,
            outcome=pending.outcome.number,
            name=pending.proposed_by.name,
        )
    )


def pending_proposal(rec: Recommendation) -> ReviewProposal | None:
    return db.session.scalars(
        select(ReviewProposal)
        .where(
            ReviewProposal.recommendation_id == rec.id,
            ReviewProposal.status == ProposalStatus.PENDING,
        )
        .options(joinedload(ReviewProposal.proposed_by))
    ).first()


def _checked(
    rec: Recommendation,
    *,
    period: str,
    outcome: Outcome | str,
    reason: UnfollowableReason | str | None,
    new_due_on: dt.date | None,
    note: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The review's values as ``record_review`` would record them now, or its refusal."""
    values = svc.review_values(
        rec,
        period=period,
        outcome=outcome,
        reason=reason,
        new_due_on=new_due_on,
        note=note,
        today=svc.today_of(now),
    )
    return {
        "period": values.period,
        "outcome": values.outcome,
        "reason": values.reason,
        "new_due_on": values.new_due_on,
        "note": values.note,
    }


def propose(
    actor: Any,
    rec: Recommendation,
    *,
    period: str,
    outcome: Outcome | str,
    reason: UnfollowableReason | str | None = None,
    new_due_on: dt.date | None = None,
    note: str | None = None,
    now: dt.datetime,
) -> ReviewProposal:
    """Propose the outcome of ``rec`` for a semester; it awaits approval."""
    if not has_permission(actor, P.MANAGE_FINDINGS):
        raise NotAllowed(_("Only the Inspektorat proposes the outcome of a recommendation."))
    pending = pending_proposal(rec)
    if pending is not None:
        raise _already_pending(rec, pending)
    values = _checked(
        rec,
        period=period,
        outcome=outcome,
        reason=reason,
        new_due_on=new_due_on,
        note=note,
        now=now,
    )
    proposal = ReviewProposal(
        recommendation_id=rec.id,
        proposed_by_id=actor.id,
        proposed_at=now,
        status=ProposalStatus.PENDING,
        **values,
    )
    if not add_unless_taken(proposal):
        # another request proposed at this very moment
        raise _already_pending(rec, None)
    return proposal


# --- deciding ---------------------------------------------------------------------------


def _require_approver(actor: Any) -> None:
    if not has_permission(actor, P.APPROVE_DECISIONS):
        raise NotAllowed(_("Only the Inspektur or an appointed approver decides proposals."))


def _own(proposal: ReviewProposal) -> DomainError:
    return DomainError(
        _(
            "You proposed the outcome of recommendation %(number)s yourself; another "
            "approver decides it (four eyes).",
            number=proposal.recommendation.number,
        )
    )


def decided_meanwhile(proposals: Iterable[ReviewProposal]) -> ConflictError:
    numbers = ", ".join(p.recommendation.number for p in proposals)
    if numbers:
        message = _(
            "Someone decided or changed the proposal for recommendation %(numbers)s "
            "meanwhile; nothing was decided. Check the list and try again.",
            numbers=numbers,
        )
    else:
        message = _(
            "A proposal ticked is no longer awaiting approval; nothing was decided. Check "
            "the list and try again."
        )
    return ConflictError(message)


def _load_for_decision(ids: Sequence[int]) -> list[ReviewProposal]:
    return list(
        db.session.scalars(
            select(ReviewProposal)
            .where(ReviewProposal.id.in_(sorted(set(ids))))
            .options(
                joinedload(ReviewProposal.recommendation)
                .joinedload(Recommendation.finding)
                .joinedload(Finding.report)
            )
            .order_by(ReviewProposal.id)
            .with_for_update(of=ReviewProposal)
            .execution_options(populate_existing=True)
        )
    )


def approve(
    actor: Any,
    picks: Sequence[tuple[int, int]],
    *,
    now: dt.datetime,
) -> Letter:
    """Approve the proposals ``picks`` ((id, version seen) pairs) together: each one's
    review is recorded as the approver's, and one numbered decision letter lists them
    all. All or nothing."""
    _require_approver(actor)
    if not picks:
        raise DomainError(_("Tick at least one proposal to approve."))
    seen = dict(picks)
    proposals = _load_for_decision(list(seen))
    stale = [
        p
        for p in proposals
        if p.status is not ProposalStatus.PENDING or p.version != seen.get(p.id)
    ]
    if stale or len(proposals) != len(seen):
        raise decided_meanwhile(stale)
    for proposal in proposals:
        if proposal.proposed_by_id == actor.id:
            raise _own(proposal)
    today = svc.today_of(now)
    letter = letters.issue(actor, LetterKind.DECISION, issued_on=today, now=now)
    for proposal in proposals:
        rec = proposal.recommendation
        try:
            svc.record_review(
                actor,
                rec,
                period=proposal.period,
                outcome=proposal.outcome,
                reason=proposal.reason,
                new_due_on=proposal.new_due_on,
                note=proposal.note,
                now=now,
            )
        except ConflictError:
            raise  # changed meanwhile: the caller reports it as such
        except DomainError as exc:
            raise DomainError(
                _(
                    "Recommendation %(number)s: %(problem)s Send this proposal back, or "
                    "approve the others without it.",
                    number=rec.number,
                    problem=exc.message,
                )
            ) from exc
        proposal.status = ProposalStatus.APPROVED
        proposal.decided_by_id = actor.id
        proposal.decided_at = now
        proposal.letter = letter
    _flush(
        _(
            "Someone decided a proposal ticked meanwhile; nothing was decided. Check the "
            "list and try again."
        )
    )
    return letter


def send_back(
    actor: Any,
    proposal: ReviewProposal,
    *,
    expected_version: int | None,
    note: str | None,
    now: dt.datetime,
) -> ReviewProposal:
    """Return a proposal to its proposer with a note; the outcome stays as it was."""
    _require_approver(actor)
    if proposal.status is not ProposalStatus.PENDING or (
        expected_version is not None and proposal.version != expected_version
    ):
        raise decided_meanwhile([proposal])
    if proposal.proposed_by_id == actor.id:
        raise _own(proposal)
    text = required_text(note, "note", NOTE_MAX)
    proposal.status = ProposalStatus.RETURNED
    proposal.decided_by_id = actor.id
    proposal.decided_at = now
    proposal.decision_note = text
    _flush(
        _(
            "Someone decided this proposal meanwhile; it was not sent back. Check the list "
            "and try again."
        )
    )
    notices.proposal_returned(proposal, actor=actor, now=now)
    return proposal


# --- approvers --------------------------------------------------------------------------


def set_approver(actor: Any, user: User, approves: bool) -> None:
    """Whether an Inspektorat login approves decisions and issues letters (administrators
    always may; other roles never)."""
    if not has_permission(actor, P.MANAGE_USERS):
        raise NotAllowed(_("Only administrators manage logins."))
    approves = bool(approves)
    if approves and user.role is not Role.INSPEKTORAT:
        raise DomainError(
            _(
                "Only Inspektorat logins are given this; administrators always approve, "
                "other roles never do."
            ),
            field="approves_decisions",
        )
    if user.approves_decisions != approves:
        user.approves_decisions = approves
        _flush()


__all__ = [
    "approve",
    "decided_meanwhile",
    "pending_proposal",
    "propose",
    "send_back",
    "set_approver",
]
