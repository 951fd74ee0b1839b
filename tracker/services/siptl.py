"""SIPTL: what the city sent BPK through BPK's follow-up system (Sistem Informasi
Pemantauan Tindak Lanjut) for a recommendation of an LHP BPK, per semester, and BPK's own
outcome for that semester once BPK has reviewed it.

Rules:

* Only recommendations of an LHP BPK carry SIPTL submissions; the Inspektorat records
  them (``MANAGE_FINDINGS``), one per recommendation and semester, from the semester the
  report was received up to the current one.
* A submission has the date it was sent through SIPTL (not before the report was
  received, not in the future) and the receipt number (nomor tanda terima); BPK's outcome
  is added later, when BPK has reviewed the semester.
* Reconciliation: where BPK's outcome differs from the Inspektorat's for the same
  semester (its review of that period; none counts as 3, as in the matrix), the
  recommendation is flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.extensions import db
from tracker.models.finding import (
    Outcome,
    Recommendation,
    RecommendationReview,
    ReportKind,
    SiptlSubmission,
)
from tracker.permissions import P, has_permission
from tracker.services import findings as svc
from tracker.services.errors import DomainError, NotAllowed
from tracker.services.records import apply_changes, optional_text, required_text
from tracker.services.records import flush as _flush

RECEIPT_MAX = 100
NOTE_MAX = 2_000
FIELDS = ("period", "submitted_on", "receipt_number", "bpk_outcome", "note")


def applies_to(rec: Recommendation) -> bool:
    """SIPTL is BPK's system: only recommendations of an LHP BPK."""
    return rec.finding.report.kind is ReportKind.LHP_BPK


def inspektorat_outcome(reviews: Iterable[RecommendationReview], period: str) -> Outcome:
    """The Inspektorat's outcome of a semester: its review of that period, else 3."""
    for review in reviews:
        if review.period == period:
            return review.outcome
    return Outcome.BELUM_DITINDAKLANJUTI


def differs(submission: SiptlSubmission, reviews: Iterable[RecommendationReview]) -> bool:
    """BPK's outcome is known and is not the Inspektorat's for the same semester."""
    if submission.bpk_outcome is None:
        return False
    return submission.bpk_outcome is not inspektorat_outcome(reviews, submission.period)


def _require_manager(actor: Any) -> None:
    if not has_permission(actor, P.MANAGE_FINDINGS):
        raise NotAllowed(_("Only the Inspektorat records SIPTL submissions."))


def _values(
    rec: Recommendation,
    *,
    period: str | None,
    submitted_on: dt.date | None,
    receipt_number: str | None,
    bpk_outcome: Outcome | str | None,
    note: str | None,
    today: dt.date,
) -> dict[str, Any]:
    period = svc.parse_period(period)
    if period not in svc.review_periods(rec, today):
        raise DomainError(
            _("Choose a semester from the one the report was received up to the current one."),
            field="period",
        )
    if submitted_on is None:
        raise DomainError(_("This field is required."), field="submitted_on")
    if submitted_on > today:
        raise DomainError(_("The date sent cannot be in the future."), field="submitted_on")
    if submitted_on < rec.finding.report.received_on:
        raise DomainError(
            _("The date sent cannot be before the report was received."), field="submitted_on"
        )
    outcome = None
    if bpk_outcome:
        try:
            outcome = Outcome(bpk_outcome)
        except ValueError:
            raise DomainError(_("Choose one of the four outcomes."), field="bpk_outcome") from None
    return {
        "period": period,
        "submitted_on": submitted_on,
        "receipt_number": required_text(receipt_number, "receipt_number", RECEIPT_MAX),
        "bpk_outcome": outcome,
        "note": optional_text(note, "note", NOTE_MAX),
    }


def _check_unique(rec: Recommendation, period: str, exclude_id: int | None) -> None:
    stmt = select(SiptlSubmission.id).where(
        SiptlSubmission.recommendation_id == rec.id, SiptlSubmission.period == period
    )
    if exclude_id is not None:
        stmt = stmt.where(SiptlSubmission.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            _(
                "The SIPTL submission of %(period)s is already recorded for this "
                "recommendation; edit that one.",
                period=svc.period_label(period),
            ),
            field="period",
        )


def _require_bpk(rec: Recommendation) -> None:
    if not applies_to(rec):
        raise DomainError(_("SIPTL submissions are recorded only for findings of an LHP BPK."))


def record(actor: Any, rec: Recommendation, *, now: dt.datetime, **fields: Any) -> SiptlSubmission:
    """Record what was sent through SIPTL for ``rec`` in a semester."""
    _require_manager(actor)
    _require_bpk(rec)
    values = _values(rec, **fields, today=svc.today_of(now))
    _check_unique(rec, values["period"], None)
    submission = SiptlSubmission(recommendation_id=rec.id, recorded_by_id=actor.id, **values)
    db.session.add(submission)
    _flush()
    return submission


def update(
    actor: Any,
    submission: SiptlSubmission,
    *,
    now: dt.datetime,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, tuple[Any, Any]]:
    """Correct a submission or add BPK's outcome (refused when it changed meanwhile)."""
    _require_manager(actor)
    rec = submission.recommendation
    if expected_version is not None and submission.version != expected_version:
        apply_changes(
            submission,
            {k: fields.get(k) for k in FIELDS},
            expected_version=expected_version,
            original=original,
        )
    values = _values(rec, **fields, today=svc.today_of(now))
    _check_unique(rec, values["period"], submission.id)
    changed = apply_changes(
        submission, values, expected_version=expected_version, original=original
    )
    _flush()
    return changed


__all__ = ["applies_to", "differs", "inspektorat_outcome", "record", "update"]
