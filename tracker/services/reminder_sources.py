"""Where reminders come from: open commitments and open recommendations.

An open commitment is one the OPD still has to carry out (``active``: drafts are not yet
the OPD's, and an item reported done waits for the Inspektorat). An open recommendation
is one whose current outcome is none yet, 2 (belum sesuai: its new deadline applies) or
3 (belum ditindaklanjuti). The executor is the commitment's secretary (or the OPD's
secretary), the head the commitment's head (or the OPD's head).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import Opd, Person
from tracker.models.commitment import Commitment, ProgressUpdate, UpdateKind
from tracker.models.finding import Finding, Recommendation
from tracker.services.commitments import OVERDUE_STATUSES
from tracker.services.findings import open_clause as findings_open_clause
from tracker.services.organisation import opd_officials
from tracker.services.reminders import OpenItem, Recipient, recipient_for


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.astimezone(WIB).date() if value is not None else None


def _pick(person: Person | None, fallback: Person | None) -> Recipient | None:
    return recipient_for(person) or recipient_for(fallback)


def returned_notes() -> dict[int, str]:
    """The Inspektorat's note on each commitment whose latest status change was a return
    (sent back, not yet reported done again): one query for all of them."""
    latest = (
        select(func.max(ProgressUpdate.id))
        .where(ProgressUpdate.status_to.is_not(None))
        .group_by(ProgressUpdate.commitment_id)
    )
    rows = db.session.execute(
        select(ProgressUpdate.commitment_id, ProgressUpdate.note)
        .join(Commitment, Commitment.id == ProgressUpdate.commitment_id)
        .where(
            ProgressUpdate.id.in_(latest),
            ProgressUpdate.kind == UpdateKind.RETURN,
            Commitment.status.in_(OVERDUE_STATUSES),
        )
    )
    return {commitment_id: " ".join((note or "").split()) for commitment_id, note in rows}


def commitment_items(today: dt.date) -> Iterator[OpenItem]:
    heads, secretaries = opd_officials()
    returned = returned_notes()
    rows = db.session.scalars(
        select(Commitment)
        .join(Commitment.opd)
        .where(Commitment.status.in_(OVERDUE_STATUSES), Opd.active.is_(True))
        .options(
            joinedload(Commitment.opd),
            joinedload(Commitment.carried_out_by).selectinload(Person.user),
            joinedload(Commitment.made_by).selectinload(Person.user),
        )
        .order_by(Commitment.id)
    ).unique()
    for commitment in rows:
        statement = " ".join(commitment.statement.split())
        yield OpenItem(
            item_type="commitment",
            item_id=commitment.id,
            title=statement if len(statement) <= 160 else statement[:159] + "…",
            opd_id=commitment.opd_id,
            opd_name=commitment.opd.name,
            due_on=commitment.due_on,
            last_progress_on=_date(commitment.last_progress_at or commitment.created_at),
            url_path=f"/commitments/{commitment.id}",
            executor=_pick(commitment.carried_out_by, secretaries.get(commitment.opd_id)),
            head=_pick(commitment.made_by, heads.get(commitment.opd_id)),
            returned_note=returned.get(commitment.id),
        )


def recommendation_items(today: dt.date) -> Iterator[OpenItem]:
    heads, secretaries = opd_officials()
    rows = db.session.scalars(
        select(Recommendation)
        .join(Recommendation.opd)
        .where(
            findings_open_clause(),
            Opd.active.is_(True),
        )
        .options(
            joinedload(Recommendation.opd),
            joinedload(Recommendation.finding).joinedload(Finding.report),
        )
        .order_by(Recommendation.id)
    ).unique()
    for rec in rows:
        finding = rec.finding
        text = " ".join(rec.text.split())
        title = f"{finding.report.kind.label} {finding.report.year} · {text}"
        yield OpenItem(
            item_type="recommendation",
            item_id=rec.id,
            title=title if len(title) <= 160 else title[:159] + "…",
            opd_id=rec.opd_id,
            opd_name=rec.opd.name,
            due_on=rec.due_on,
            last_progress_on=_date(rec.last_follow_up_at or rec.created_at),
            url_path=f"/findings/{rec.finding_id}#rec-{rec.id}",
            executor=recipient_for(secretaries.get(rec.opd_id)),
            head=recipient_for(heads.get(rec.opd_id)),
        )
