"""The semester review: the outcomes of many recommendations proposed on one screen, saved
at once, each as a proposed review of that semester awaiting the Inspektur's approval
(:func:`tracker.services.reviews.propose`, checked by the same rules as the review itself):
every row is checked, and either all are saved or none. Only the approval sets the outcome.

A row carries the version of its recommendation when the screen was opened; a
recommendation changed meanwhile (reviewed by someone else, or followed up again) is
reported on its row and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import SQLAlchemyError

from tracker.models.account import User
from tracker.models.finding import Recommendation, ReviewProposal
from tracker.permissions import P, has_permission
from tracker.services import findings as svc
from tracker.services import reviews
from tracker.services.errors import ConflictError, DomainError, NotAllowed


@dataclass(frozen=True)
class RowReview:
    """One row of the screen as sent: ``rec`` is None when it is not (or no longer) a
    recommendation the user may see; ``outcome`` is empty when the row was left unset."""

    index: int
    rec: Recommendation | None
    version: int | None
    outcome: str | None = None
    reason: str | None = None
    new_due_on: dt.date | None = None
    note: str | None = None

    @property
    def is_set(self) -> bool:
        return bool(self.outcome)

    @property
    def has_details(self) -> bool:
        return bool(self.reason or self.new_due_on or (self.note or "").strip())


class InvalidRows(DomainError):
    """Some rows are refused: ``rows`` maps a row's index to its problems. Nothing saved."""

    def __init__(self, message: str, rows: Mapping[int, Sequence[DomainError]]) -> None:
        super().__init__(message)
        self.rows = {index: list(errors) for index, errors in rows.items()}


class StaleRows(ConflictError):
    """Some recommendations changed since the screen was opened (and perhaps other rows
    are refused too): ``rows`` as in :class:`InvalidRows`. Nothing saved."""

    def __init__(self, message: str, rows: Mapping[int, Sequence[DomainError]]) -> None:
        super().__init__(message)
        self.rows = {index: list(errors) for index, errors in rows.items()}


def changed_meanwhile(rec: Recommendation) -> ConflictError:
    return ConflictError(
        _(
            "Recommendation %(number)s was changed by someone else since this screen was "
            "opened (reviewed or followed up again); its current outcome is shown. Check it "
            "and save again.",
            number=rec.number,
        )
    )


def _rows_message(count: int) -> str:
    return ngettext(
        "%(num)d row has errors; nothing was saved.",
        "%(num)d rows have errors; nothing was saved.",
        count,
    )


def _broken_session(exc: DomainError) -> bool:
    """A refusal raised by the database at a flush (a race): the transaction is over."""
    return isinstance(exc.__cause__, SQLAlchemyError)


def review_semester(
    actor: User, period: str, rows: Sequence[RowReview], *, now: dt.datetime
) -> list[ReviewProposal]:
    """Propose the review of every row that was set, for ``period``: all, or none when a
    row is refused (its errors are attached to it)."""
    if not has_permission(actor, P.MANAGE_FINDINGS):
        raise NotAllowed(_("Only the Inspektorat proposes the outcome of a recommendation."))
    period = svc.parse_period(period, field="semester")
    problems: dict[int, list[DomainError]] = {}
    stale = False
    chosen: list[RowReview] = []
    seen: set[int] = set()
    for row in rows:
        if row.rec is None:
            if row.is_set or row.has_details:
                problems[row.index] = [
                    DomainError(_("This recommendation cannot be found (any more)."))
                ]
            continue
        if row.rec.id in seen:
            problems[row.index] = [DomainError(_("This recommendation is listed twice."))]
            continue
        seen.add(row.rec.id)
        if not row.is_set:
            if row.has_details:
                problems[row.index] = [
                    DomainError(
                        _("Choose an outcome for this row, or clear its other fields."),
                        field="outcome",
                    )
                ]
            continue
        if row.version != row.rec.version:
            problems[row.index] = [changed_meanwhile(row.rec)]
            stale = True
            continue
        chosen.append(row)
    if not chosen and not problems:
        raise DomainError(_("Set the outcome of at least one recommendation; nothing was saved."))

    proposals: list[ReviewProposal] = []
    for row in chosen:
        assert row.rec is not None
        rec = row.rec
        try:
            proposals.append(
                reviews.propose(
                    actor,
                    rec,
                    period=period,
                    outcome=row.outcome or "",
                    reason=row.reason or None,
                    new_due_on=row.new_due_on,
                    note=row.note,
                    now=now,
                )
            )
        except ConflictError:
            # Changed by someone else between loading and saving: the flush found the
            # version gone. The transaction is over; the other rows are not tried.
            problems[row.index] = [changed_meanwhile(rec)]
            stale = True
            break
        except DomainError as exc:
            problems[row.index] = [exc]
            if _broken_session(exc):
                break
    if problems:
        error = StaleRows if stale else InvalidRows
        raise error(_rows_message(len(problems)), problems)
    return proposals
