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

from sqlalchemy import Select, and_, func, select, union
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import Opd, Person
from tracker.models.commitment import Commitment, ProgressUpdate, UpdateKind
from tracker.models.finding import Finding, Recommendation, Report, ReportKind
from tracker.services.commitments import OVERDUE_STATUSES
from tracker.services.findings import open_clause as findings_open_clause
from tracker.services.organisation import opd_officials
from tracker.services.reminders import OpenItem, Recipient, recipient_for


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.astimezone(WIB).date() if value is not None else None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:159] + "…"


class Recipients:
    """Each person's :class:`Recipient`, worked out once per person (not per item), from
    people loaded with their logins in one query."""

    def __init__(self, people: dict[int, Person]) -> None:
        self.people = people
        self._known: dict[int | None, Recipient | None] = {None: None}

    def of(self, person_id: int | None) -> Recipient | None:
        if person_id not in self._known:
            self._known[person_id] = recipient_for(self.people.get(person_id))  # type: ignore[arg-type]
        return self._known[person_id]

    def pick(self, person_id: int | None, fallback_id: int | None) -> Recipient | None:
        return self.of(person_id) or self.of(fallback_id)


def _people(ids: Select[tuple[int | None]]) -> dict[int, Person]:
    """The people whose ids ``ids`` selects, with their logins: one query."""
    rows = db.session.scalars(
        select(Person).where(Person.id.in_(ids)).options(joinedload(Person.user))
    ).unique()
    return {person.id: person for person in rows}


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


def _officials() -> tuple[dict[int, int], dict[int, int], dict[int, Person]]:
    """Each OPD's head and secretary as person ids, and those people with their logins."""
    heads, secretaries = opd_officials()
    people = {p.id: p for p in (*heads.values(), *secretaries.values())}
    return (
        {opd_id: p.id for opd_id, p in heads.items()},
        {opd_id: p.id for opd_id, p in secretaries.items()},
        people,
    )


def commitment_items(today: dt.date) -> Iterator[OpenItem]:
    """The open commitments, in a constant number of queries (officials, returns, the
    people the commitments name, the rows as plain columns)."""
    heads, secretaries, officials = _officials()
    returned = returned_notes()
    open_ = and_(Commitment.status.in_(OVERDUE_STATUSES), Opd.active.is_(True))
    named = union(
        select(Commitment.carried_out_by_id).join(Commitment.opd).where(open_),
        select(Commitment.made_by_id).join(Commitment.opd).where(open_),
    ).subquery()
    people = Recipients({**officials, **_people(select(named.c[0]))})
    rows = db.session.execute(
        select(
            Commitment.id,
            Commitment.statement,
            Commitment.opd_id,
            Opd.name,
            Commitment.due_on,
            func.coalesce(Commitment.last_progress_at, Commitment.created_at),
            Commitment.carried_out_by_id,
            Commitment.made_by_id,
        )
        .join(Commitment.opd)
        .where(open_)
        .order_by(Commitment.id)
    )
    for cid, statement, opd_id, opd_name, due_on, progress_at, by_id, made_id in rows:
        yield OpenItem(
            item_type="commitment",
            item_id=cid,
            title=_short(statement),
            opd_id=opd_id,
            opd_name=opd_name,
            due_on=due_on,
            last_progress_on=_date(progress_at),
            url_path=f"/commitments/{cid}",
            executor=people.pick(by_id, secretaries.get(opd_id)),
            head=people.pick(made_id, heads.get(opd_id)),
            returned_note=returned.get(cid),
        )


def recommendation_items(today: dt.date) -> Iterator[OpenItem]:
    """The open recommendations, in a constant number of queries."""
    heads, secretaries, officials = _officials()
    people = Recipients(officials)
    labels: dict[ReportKind, str] = {}
    rows = db.session.execute(
        select(
            Recommendation.id,
            Recommendation.text,
            Recommendation.opd_id,
            Opd.name,
            Recommendation.due_on,
            func.coalesce(Recommendation.last_follow_up_at, Recommendation.created_at),
            Recommendation.finding_id,
            Report.kind,
            Report.year,
        )
        .join(Recommendation.opd)
        .join(Finding, Finding.id == Recommendation.finding_id)
        .join(Report, Report.id == Finding.report_id)
        .where(findings_open_clause(), Opd.active.is_(True))
        .order_by(Recommendation.id)
    )
    for rid, text, opd_id, opd_name, due_on, progress_at, finding_id, kind, year in rows:
        label = labels.get(kind)
        if label is None:
            label = labels[kind] = str(kind.label)
        yield OpenItem(
            item_type="recommendation",
            item_id=rid,
            title=_short(f"{label} {year} · {' '.join(text.split())}"),
            opd_id=opd_id,
            opd_name=opd_name,
            due_on=due_on,
            last_progress_on=_date(progress_at),
            url_path=f"/findings/{finding_id}#rec-{rid}",
            executor=people.of(secretaries.get(opd_id)),
            head=people.of(heads.get(opd_id)),
        )
