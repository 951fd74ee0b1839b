"""Commitments: creation (one by one and in bulk for a workshop), progress with evidence,
status changes, edits, and the derived deadline states.

Rules:

* Status changes go through :func:`change_status` only, which enforces
  ``draft → active → reported_done → verified``, ``reported_done → active`` (returned, with
  the reviewer's note), ``draft | active | reported_done → cancelled`` (with a reason) and
  ``cancelled → active`` (reopened by the Inspektorat, with a note: a cancellation made by
  mistake is undone without losing the history). ``verified`` is final.
* Every write appends a :class:`ProgressUpdate` carrying the commitment's new version, so a
  form opened at version *n* can be shown exactly what happened since (:func:`updates_since`).
* A write made on a stale version raises :class:`ConflictError` and changes nothing.
* *Overdue* means: in progress (``active``) and due before today (WIB). A commitment reported
  done is waiting for the Inspektorat, not late on the OPD's side; a draft is not in force
  yet. *Due soon*: in progress and due within :data:`DUE_SOON_DAYS` days. Both are derived,
  never stored; :func:`overdue_clause` and :func:`due_soon_clause` are the same rules in SQL.

Functions take the acting user and the time, flush, raise domain errors, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import HierarchyRole, Opd, Person, ThematicArea, User
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
    UpdateKind,
)
from tracker.models.workshop import AttendanceStatus, Invitation, Workshop
from tracker.permissions import P, can_report_on, has_permission
from tracker.services.errors import ConflictError, DomainError, NotAllowed
from tracker.services.records import flush as _records_flush
from tracker.uploads import StoredFile, UploadError, delete_stored, store_upload

S = CommitmentStatus

DUE_SOON_DAYS = 7
STALE_DAYS = 30
OVERDUE_STATUSES = (S.ACTIVE,)
OPEN_STATUSES = (S.DRAFT, S.ACTIVE, S.REPORTED_DONE)
DEFAULT_MAX_FILES = 5
MAX_LINKS = 5
STATEMENT_MAX = 2000
INDICATOR_MAX = 500
TARGET_MAX = 500
NOTE_MAX = 4000
URL_MAX = 2000
HEAD_ROLES = (HierarchyRole.KEPALA_OPD, HierarchyRole.SEKDA, HierarchyRole.INSPEKTUR)
PRESENT = (AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI)

#: (from, to) → the kind of history entry; anything else is refused.
TRANSITIONS: dict[tuple[CommitmentStatus, CommitmentStatus], UpdateKind] = {
    (S.DRAFT, S.ACTIVE): UpdateKind.ACTIVATE,
    (S.ACTIVE, S.REPORTED_DONE): UpdateKind.REPORT_DONE,
    (S.REPORTED_DONE, S.VERIFIED): UpdateKind.VERIFY,
    (S.REPORTED_DONE, S.ACTIVE): UpdateKind.RETURN,
    (S.DRAFT, S.CANCELLED): UpdateKind.CANCEL,
    (S.ACTIVE, S.CANCELLED): UpdateKind.CANCEL,
    (S.REPORTED_DONE, S.CANCELLED): UpdateKind.CANCEL,
    (S.CANCELLED, S.ACTIVE): UpdateKind.REOPEN,
}

#: Fields of a commitment a form sets (status and progress have their own paths).
FIELDS = (
    "opd_id",
    "workshop_id",
    "made_by_id",
    "carried_out_by_id",
    "thematic_area_id",
    "statement",
    "indicator",
    "target",
    "due_on",
)


class InvalidValues(DomainError):
    """Several fields are wrong at once; ``errors`` holds one DomainError per problem."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = list(errors)


class InvalidRows(DomainError):
    """Bulk entry: ``rows`` maps a row's index to its problems. Nothing was saved."""

    def __init__(self, message: str, rows: Mapping[int, Sequence[DomainError]]) -> None:
        super().__init__(message)
        self.rows = {index: list(errors) for index, errors in rows.items()}


def _conflict_message() -> str:
    return _(
        "This commitment was changed by someone else while you were working on it. "
        "Nothing of yours was saved; review what changed meanwhile and try again."
    )


# --- deadlines -------------------------------------------------------------------------


def is_overdue(commitment: Commitment, today: dt.date) -> bool:
    return commitment.status in OVERDUE_STATUSES and commitment.due_on < today


def is_due_soon(commitment: Commitment, today: dt.date, days: int = DUE_SOON_DAYS) -> bool:
    return (
        commitment.status in OVERDUE_STATUSES
        and today <= commitment.due_on <= today + dt.timedelta(days=days)
    )


def deadline_state(commitment: Commitment, today: dt.date) -> str | None:
    """``"overdue"``, ``"due_soon"`` or None."""
    if is_overdue(commitment, today):
        return "overdue"
    if is_due_soon(commitment, today):
        return "due_soon"
    return None


def days_overdue(commitment: Commitment, today: dt.date) -> int:
    return (today - commitment.due_on).days if is_overdue(commitment, today) else 0


def overdue_clause(today: dt.date) -> ColumnElement[bool]:
    return and_(Commitment.status.in_(OVERDUE_STATUSES), Commitment.due_on < today)


def due_soon_clause(today: dt.date, days: int = DUE_SOON_DAYS) -> ColumnElement[bool]:
    return and_(
        Commitment.status.in_(OVERDUE_STATUSES),
        Commitment.due_on >= today,
        Commitment.due_on <= today + dt.timedelta(days=days),
    )


def is_stale(commitment: Commitment, now: dt.datetime, days: int = STALE_DAYS) -> bool:
    """In progress with no progress reported for ``days`` days (since it was recorded)."""
    last = commitment.last_progress_at or commitment.created_at
    return commitment.status in OVERDUE_STATUSES and last < now - dt.timedelta(days=days)


def stale_clause(now: dt.datetime, days: int = STALE_DAYS) -> ColumnElement[bool]:
    limit = now - dt.timedelta(days=days)
    return and_(
        Commitment.status.in_(OVERDUE_STATUSES),
        or_(
            Commitment.last_progress_at < limit,
            and_(Commitment.last_progress_at.is_(None), Commitment.created_at < limit),
        ),
    )


# --- helpers ---------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _limited(value: Any, field: str, limit: int, errors: list[DomainError]) -> str | None:
    text = _text(value)
    if text is not None and len(text) > limit:
        errors.append(DomainError(_("At most %(n)d characters.", n=limit), field=field))
    return text


def _required(value: Any, field: str, limit: int, errors: list[DomainError]) -> str | None:
    text = _limited(value, field, limit, errors)
    if text is None:
        errors.append(DomainError(_("This field is required."), field=field))
    return text


def _flush() -> None:
    _records_flush(_conflict_message())


def check_version(commitment: Commitment, expected_version: int | None) -> None:
    """Refuse a write made on a form opened at another version of ``commitment``."""
    if expected_version is None or commitment.version != expected_version:
        raise ConflictError(_conflict_message())


def updates_since(commitment_id: int, version: int) -> list[ProgressUpdate]:
    """The history entries made after ``version`` (what a stale form missed)."""
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.commitment_id == commitment_id, ProgressUpdate.version > version)
            .options(selectinload(ProgressUpdate.evidence))
            .order_by(ProgressUpdate.version, ProgressUpdate.id)
        )
    )


def _append(
    commitment: Commitment,
    kind: UpdateKind,
    *,
    actor: User | None,
    now: dt.datetime,
    note: str | None = None,
    progress: int | None = None,
    status_from: CommitmentStatus | None = None,
    status_to: CommitmentStatus | None = None,
    changes: dict[str, Any] | None = None,
    author_label: str | None = None,
) -> ProgressUpdate:
    """Add a history entry carrying the commitment's version (flushed just before)."""
    update = ProgressUpdate(
        commitment_id=commitment.id,
        version=commitment.version,
        kind=kind,
        at=now,
        author_id=actor.id if actor is not None else None,
        author_label=(author_label or (actor.name if actor is not None else "system"))[:254],
        note=note,
        progress=progress,
        status_from=status_from,
        status_to=status_to,
        changes=changes,
    )
    db.session.add(update)
    return update


# --- values of a commitment ------------------------------------------------------------


def workshop_day(workshop: Workshop) -> dt.date:
    return workshop.starts_at.astimezone(WIB).date()


def clean_values(values: Mapping[str, Any], *, current: Commitment | None = None) -> dict[str, Any]:
    """Check a commitment's fields; raise InvalidValues listing every problem."""
    errors: list[DomainError] = []
    clean: dict[str, Any] = {
        "statement": _required(values.get("statement"), "statement", STATEMENT_MAX, errors),
        "indicator": _required(values.get("indicator"), "indicator", INDICATOR_MAX, errors),
        "target": _required(values.get("target"), "target", TARGET_MAX, errors),
    }

    opd_id = values.get("opd_id")
    opd = db.session.get(Opd, opd_id) if opd_id else None
    if opd is None or (not opd.active and (current is None or current.opd_id != opd.id)):
        errors.append(DomainError(_("Choose an active OPD."), field="opd_id"))
    clean["opd_id"] = opd.id if opd is not None else None

    workshop = None
    workshop_id = values.get("workshop_id")
    if workshop_id:
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None:
            errors.append(DomainError(_("Choose a workshop from the list."), field="workshop_id"))
    clean["workshop_id"] = workshop.id if workshop is not None else None

    area_id = values.get("thematic_area_id")
    area = None
    if area_id:
        area = db.session.get(ThematicArea, area_id)
        keeps = current is not None and current.thematic_area_id == area_id
        if area is None or (not area.active and not keeps):
            errors.append(
                DomainError(_("Choose an active thematic area."), field="thematic_area_id")
            )
            area = None
    clean["thematic_area_id"] = area.id if area is not None else None

    for field in ("made_by_id", "carried_out_by_id"):
        person_id = values.get(field)
        person = db.session.get(Person, person_id) if person_id else None
        if person_id and person is None:
            errors.append(DomainError(_("Choose an official from the list."), field=field))
        clean[field] = person.id if person is not None else None
        if (
            field == "carried_out_by_id"
            and person is not None
            and opd is not None
            and person.opd_id != opd.id
        ):
            errors.append(
                DomainError(
                    _("The official carrying it out must belong to %(opd)s.", opd=opd.code),
                    field=field,
                )
            )

    due_on = values.get("due_on")
    if not isinstance(due_on, dt.date):
        errors.append(DomainError(_("Enter the due date."), field="due_on"))
        due_on = None
    elif not 2000 <= due_on.year <= 2100:
        errors.append(DomainError(_("Enter a date between 2000 and 2100."), field="due_on"))
    elif workshop is not None and due_on < workshop_day(workshop):
        errors.append(
            DomainError(
                _(
                    "The due date is before the workshop (%(date)s).",
                    date=workshop_day(workshop).isoformat(),
                ),
                field="due_on",
            )
        )
    clean["due_on"] = due_on

    if errors:
        raise InvalidValues(errors)
    return clean


def _require(actor: User, permission: P) -> None:
    if not has_permission(actor, permission):
        raise NotAllowed(_("You do not have permission to do this."))


def create_commitment(
    values: Mapping[str, Any], *, actor: User, now: dt.datetime, activate: bool = True
) -> Commitment:
    """Record one commitment, in force at once (``active``) or as a draft."""
    _require(actor, P.MANAGE_COMMITMENTS)
    clean = clean_values(values)
    return _insert(clean, actor=actor, now=now, activate=activate)


def _insert(
    clean: Mapping[str, Any], *, actor: User, now: dt.datetime, activate: bool
) -> Commitment:
    status = S.ACTIVE if activate else S.DRAFT
    commitment = Commitment(**clean, status=status, progress=0, created_by_id=actor.id)
    db.session.add(commitment)
    _flush()
    _append(commitment, UpdateKind.CREATE, actor=actor, now=now, status_to=status, progress=0)
    _flush()
    if activate:
        _tell(commitment, UpdateKind.ACTIVATE, actor=actor, now=now)
    return commitment


def _tell(
    commitment: Commitment,
    kind: UpdateKind,
    *,
    actor: User | None,
    now: dt.datetime,
    note: str | None = None,
) -> None:
    """Tell the OPD what happened to its commitment (tracker.services.notices)."""
    from tracker.services import notices

    notices.commitment_event(commitment, kind, actor=actor, now=now, note=note)


@dataclass(frozen=True)
class BulkRow:
    """One OPD's line of the bulk entry for a workshop."""

    opd: Opd
    made_by_id: int | None
    carried_out_by_id: int | None


def bulk_rows(workshop: Workshop) -> list[BulkRow]:
    """One row per OPD with somebody present (``hadir``) or represented (``diwakili``) at
    ``workshop``, in protocol order, prefilled with the OPD's head who attended (else its
    head) and its secretary."""
    attended = db.session.execute(
        select(Person.opd_id, Person.id, Person.hierarchy_role)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(
            Invitation.workshop_id == workshop.id,
            Invitation.status.in_(PRESENT),
            Person.opd_id.is_not(None),
        )
        .order_by(Person.id)
    ).all()
    opd_ids = sorted({row.opd_id for row in attended})
    if not opd_ids:
        return []
    opds = db.session.scalars(
        select(Opd).where(Opd.id.in_(opd_ids)).order_by(Opd.sort_order, Opd.name, Opd.id)
    ).all()
    officials = db.session.execute(
        select(Person.opd_id, Person.id, Person.hierarchy_role)
        .where(
            Person.opd_id.in_(opd_ids),
            Person.active.is_(True),
            Person.hierarchy_role.in_([*HEAD_ROLES, HierarchyRole.SEKRETARIS_OPD]),
        )
        .order_by(Person.id)
    ).all()
    present_head = {}
    for row in attended:
        if row.hierarchy_role in HEAD_ROLES:
            present_head.setdefault(row.opd_id, row.id)
    head: dict[int, int] = {}
    secretary: dict[int, int] = {}
    for row in officials:
        if row.hierarchy_role in HEAD_ROLES:
            head.setdefault(row.opd_id, row.id)
        else:
            secretary.setdefault(row.opd_id, row.id)
    return [
        BulkRow(opd, present_head.get(opd.id, head.get(opd.id)), secretary.get(opd.id))
        for opd in opds
    ]


def create_commitments(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    workshop: Workshop,
    actor: User,
    now: dt.datetime,
    activate: bool = True,
) -> list[Commitment]:
    """Bulk entry for ``workshop``: every row is checked, and either all are saved or none.

    ``rows`` are (index, values) pairs of the rows that are not empty; a row's OPD must be
    one that attended the workshop.
    """
    _require(actor, P.MANAGE_COMMITMENTS)
    allowed = {row.opd.id for row in bulk_rows(workshop)}
    problems: dict[int, list[DomainError]] = {}
    cleaned: list[dict[str, Any]] = []
    for index, values in rows:
        errors: list[DomainError] = []
        try:
            clean = clean_values({**values, "workshop_id": workshop.id})
        except InvalidValues as exc:
            errors.extend(exc.errors)
            clean = {}
        if values.get("opd_id") not in allowed:
            errors.append(DomainError(_("This OPD did not attend the workshop."), field="opd_id"))
        if errors:
            problems[index] = errors
        else:
            cleaned.append(clean)
    if problems:
        raise InvalidRows(
            ngettext(
                "%(num)d row has errors; nothing was saved.",
                "%(num)d rows have errors; nothing was saved.",
                len(problems),
            ),
            problems,
        )
    if not cleaned:
        raise DomainError(_("Fill in at least one row."))
    return [_insert(clean, actor=actor, now=now, activate=activate) for clean in cleaned]


# --- edits ----------------------------------------------------------------------------


def _shown(field: str, value: Any) -> Any:
    """A field's value as people know it, for the history of edits."""
    if value is None:
        return None
    model = {
        "opd_id": Opd,
        "workshop_id": Workshop,
        "made_by_id": Person,
        "carried_out_by_id": Person,
        "thematic_area_id": ThematicArea,
    }.get(field)
    if model is not None:
        record = db.session.get(model, value)
        if record is None:
            return f"#{value}"
        if isinstance(record, Opd):
            return f"{record.code} — {record.name}"
        if isinstance(record, Workshop):
            return record.title
        return record.name  # type: ignore[union-attr]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def edit_commitment(
    commitment: Commitment,
    values: Mapping[str, Any],
    *,
    actor: User,
    now: dt.datetime,
    expected_version: int | None,
    note: str | None = None,
    progress: int | None = None,
) -> ProgressUpdate | None:
    """The Inspektorat corrects any field (status excepted: see :func:`change_status`).

    Returns the history entry, or None when nothing changed.
    """
    _require(actor, P.MANAGE_COMMITMENTS)
    check_version(commitment, expected_version)
    clean = clean_values(values, current=commitment)
    errors: list[DomainError] = []
    note = _limited(note, "note", NOTE_MAX, errors)
    if progress is not None and not 0 <= progress <= 100:
        errors.append(DomainError(_("Enter a percentage from 0 to 100."), field="progress"))
    if errors:
        raise InvalidValues(errors)
    if progress is not None:
        clean["progress"] = progress
    changes: dict[str, list[Any]] = {}
    for key, value in clean.items():
        before = getattr(commitment, key)
        if before != value:
            changes[key] = [_shown(key, before), _shown(key, value)]
            setattr(commitment, key, value)
    if not changes:
        return None
    _flush()
    update = _append(
        commitment,
        UpdateKind.EDIT,
        actor=actor,
        now=now,
        note=note,
        progress=commitment.progress if "progress" in changes else None,
        changes=changes,
    )
    _flush()
    return update


# --- status ---------------------------------------------------------------------------


def has_evidence(commitment: Commitment) -> bool:
    return (
        db.session.scalar(
            select(CommitmentEvidence.id)
            .where(CommitmentEvidence.commitment_id == commitment.id)
            .limit(1)
        )
        is not None
    )


def allowed_transitions(commitment: Commitment, user: Any) -> set[CommitmentStatus]:
    """The statuses ``user`` may move ``commitment`` to now (for showing buttons)."""
    return {
        to
        for (frm, to) in TRANSITIONS
        if frm == commitment.status and _may(commitment, TRANSITIONS[(frm, to)], user)
    }


def _may(commitment: Commitment, kind: UpdateKind, user: Any) -> bool:
    if kind is UpdateKind.REPORT_DONE:
        return can_report_on(commitment, user)
    if kind in (UpdateKind.VERIFY, UpdateKind.RETURN):
        return has_permission(user, P.VERIFY)
    return has_permission(user, P.MANAGE_COMMITMENTS)


def change_status(
    commitment: Commitment,
    to: CommitmentStatus | str,
    *,
    actor: User,
    now: dt.datetime,
    expected_version: int | None,
    note: str | None = None,
    reason: str | None = None,
    progress: int | None = None,
) -> ProgressUpdate:
    """Move ``commitment`` to ``to`` if the transition exists and ``actor`` may make it.

    ``note``: optional for most changes, required to return (what is missing) and to reopen.
    ``reason``: required to cancel. ``progress``: optionally set when returning.
    """
    to = CommitmentStatus(to)
    check_version(commitment, expected_version)
    frm = commitment.status
    kind = TRANSITIONS.get((frm, to))
    if kind is None:
        raise DomainError(
            _(
                "A commitment that is “%(current)s” cannot become “%(wanted)s”.",
                current=frm.label,
                wanted=to.label,
            )
        )
    if not _may(commitment, kind, actor):
        raise NotAllowed(_("You do not have permission to do this."))
    errors: list[DomainError] = []
    note = _limited(note, "note", NOTE_MAX, errors)
    reason = _limited(reason, "reason", NOTE_MAX, errors)
    if kind is UpdateKind.RETURN and note is None:
        errors.append(
            DomainError(_("Say what is missing before returning the commitment."), field="note")
        )
    if kind is UpdateKind.REOPEN and note is None:
        errors.append(DomainError(_("Say why the commitment is reopened."), field="note"))
    if kind is UpdateKind.CANCEL and reason is None:
        errors.append(DomainError(_("Give the reason for cancelling."), field="reason"))
    if progress is not None and not 0 <= progress <= 100:
        errors.append(DomainError(_("Enter a percentage from 0 to 100."), field="progress"))
    if kind is UpdateKind.REPORT_DONE and not has_evidence(commitment):
        errors.append(
            DomainError(
                _(
                    "Post the evidence (a file or a link) in a progress update "
                    "before reporting done."
                )
            )
        )
    if errors:
        raise InvalidValues(errors)

    commitment.status = to
    touched_progress = False
    if kind is UpdateKind.REPORT_DONE:
        commitment.progress = 100
        commitment.reported_done_at = now
        commitment.last_progress_at = now
        touched_progress = True
    elif kind is UpdateKind.VERIFY:
        commitment.verified_at = now
        commitment.verified_by_id = actor.id
    elif kind is UpdateKind.RETURN:
        commitment.reported_done_at = None
        if progress is not None:
            commitment.progress = progress
            touched_progress = True
    elif kind is UpdateKind.CANCEL:
        commitment.cancel_reason = reason
    elif kind is UpdateKind.REOPEN:
        commitment.cancel_reason = None
    _flush()
    update = _append(
        commitment,
        kind,
        actor=actor,
        now=now,
        note=reason if kind is UpdateKind.CANCEL else note,
        progress=commitment.progress if touched_progress else None,
        status_from=frm,
        status_to=to,
    )
    _flush()
    _tell(
        commitment, kind, actor=actor, now=now, note=reason if kind is UpdateKind.CANCEL else note
    )
    return update


# --- progress and evidence ------------------------------------------------------------


def max_files() -> int:
    return int(current_app.config.get("COMMITMENT_MAX_FILES", DEFAULT_MAX_FILES))


def parse_links(text: str | None) -> list[str]:
    """One http(s) link per line; raise DomainError naming a bad one."""
    links = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        raise DomainError(_("Add at most %(n)d links per update.", n=MAX_LINKS), field="links")
    for link in links:
        parts = urlsplit(link)
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.netloc
            or any(c.isspace() for c in link)
        ):
            raise DomainError(
                _("Only http:// or https:// links are allowed: %(url)s", url=link[:100]),
                field="links",
            )
        if len(link) > URL_MAX:
            raise DomainError(
                _("A link may have at most %(n)d characters.", n=URL_MAX), field="links"
            )
    return links


def post_progress(
    commitment: Commitment,
    *,
    actor: User,
    now: dt.datetime,
    today: dt.date,
    note: str | None,
    progress: int | None,
    expected_version: int | None,
    files: Sequence[FileStorage] = (),
    links: str | None = None,
    refers_to_on: dt.date | None = None,
) -> ProgressUpdate:
    """The OPD (or the Inspektorat for it) reports progress, with evidence files or links.

    Files are checked by content and kept under generated names; if anything fails, the
    files already kept for this update are removed again.
    """
    if not can_report_on(commitment, actor):
        raise NotAllowed(_("You do not have permission to do this."))
    check_version(commitment, expected_version)
    if commitment.status is not S.ACTIVE:
        raise DomainError(_("Progress can only be reported while the commitment is in progress."))
    errors: list[DomainError] = []
    note = _required(note, "note", NOTE_MAX, errors)
    if progress is None or not 0 <= progress <= 100:
        errors.append(DomainError(_("Enter a percentage from 0 to 100."), field="progress"))
    files = [f for f in files if f is not None and f.filename]
    if len(files) > max_files():
        errors.append(
            DomainError(
                ngettext(
                    "Attach at most %(num)d file per update.",
                    "Attach at most %(num)d files per update.",
                    max_files(),
                ),
                field="files",
            )
        )
    try:
        urls = parse_links(links)
    except DomainError as exc:
        errors.append(exc)
        urls = []
    if (files or urls) and refers_to_on is None:
        errors.append(
            DomainError(_("Enter the date the evidence refers to."), field="refers_to_on")
        )
    if refers_to_on is not None and refers_to_on > today:
        errors.append(
            DomainError(_("The evidence date cannot be in the future."), field="refers_to_on")
        )
    elif refers_to_on is not None and refers_to_on.year < 2000:
        errors.append(DomainError(_("Enter a date between 2000 and 2100."), field="refers_to_on"))
    if errors:
        raise InvalidValues(errors)

    stored: list[StoredFile] = []
    try:
        for upload in files:
            try:
                stored.append(store_upload(upload, today=today))
            except UploadError as exc:
                raise UploadError(exc.message, field="files") from exc
        assert progress is not None
        commitment.progress = progress
        commitment.last_progress_at = now
        _flush()
        update = _append(
            commitment, UpdateKind.PROGRESS, actor=actor, now=now, note=note, progress=progress
        )
        _flush()
        for kept in stored:
            update.evidence.append(
                CommitmentEvidence(
                    commitment_id=commitment.id,
                    kind=EvidenceKind.FILE,
                    stored_name=kept.stored_name,
                    original_name=kept.original_name,
                    content_type=kept.content_type,
                    size=kept.size,
                    sha256=kept.sha256,
                    refers_to_on=refers_to_on,
                    uploaded_at=now,
                    uploaded_by_id=actor.id,
                )
            )
        for url in urls:
            update.evidence.append(
                CommitmentEvidence(
                    commitment_id=commitment.id,
                    kind=EvidenceKind.LINK,
                    url=url,
                    original_name=url[:255],
                    refers_to_on=refers_to_on,
                    uploaded_at=now,
                    uploaded_by_id=actor.id,
                )
            )
        _flush()
    except Exception:
        for kept in stored:
            delete_stored(kept.stored_name)
        raise
    return update


def report_done(
    commitment: Commitment,
    *,
    actor: User,
    now: dt.datetime,
    expected_version: int | None,
    note: str | None = None,
) -> ProgressUpdate:
    return change_status(
        commitment,
        S.REPORTED_DONE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=note,
    )


def default_due_on(workshop: Workshop | None, today: dt.date) -> dt.date:
    """A sensible default due date: the end of the workshop's year (or this year)."""
    year = workshop_day(workshop).year if workshop is not None else today.year
    return dt.date(year, 12, 31)
