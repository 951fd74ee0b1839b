"""Workshops: scheduling, invitations, attendance, QR self check-in, summary and iCalendar.

Plain functions taking the acting user and ``now``; they check the rules, flush, raise
:class:`~tracker.services.errors.DomainError` (naming the field at fault),
:class:`NotAllowed` or :class:`ConflictError`, and never commit.

Attendance rules, in short:

* a cancelled workshop accepts no invitations, attendance or check-ins;
* before the check-in window opens (start − ``CHECKIN_MARGIN_MINUTES``) only *izin*
  (excused, with a reason) can be recorded; from then on every status;
* *diwakili* needs a representative: another official, or a typed name and position;
* *hadir* and *diwakili* keep a check-in time (within the window, not in the future);
* attendance rate = (hadir + diwakili) ÷ invited.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.i18n import WIB, date_long, time_wib, to_wib
from tracker.mail import Attachment, MailError, send_email
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    OpdKind,
    Person,
    ThematicArea,
    User,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)
from tracker.models.base import utcnow
from tracker.models.enums import LabeledEnum
from tracker.models.notification import NoticeEvent
from tracker.services.errors import ConflictError, DomainError, NotAllowed
from tracker.services.records import optional_text as _optional
from tracker.services.records import required_text as _required

TITLE_MAX = 200
THEME_MAX = 300
VENUE_MAX = 200
TEXT_MAX = 5000
REASON_MAX = 1000
NAME_MAX = 200
MAX_DURATION = dt.timedelta(days=14)
DEFAULT_CHECKIN_MARGIN_MINUTES = 60

#: The city's leaders, in protocol order.
LEADER_ROLES: tuple[HierarchyRole, ...] = (
    HierarchyRole.WALI_KOTA,
    HierarchyRole.WAWALI,
    HierarchyRole.SEKDA,
    HierarchyRole.INSPEKTUR,
)
#: Heads of an OPD: the kepala (or camat, direktur, …), the Sekda (head of the Sekretariat
#: Daerah) and the Inspektur (head of the Inspektorat).
HEAD_ROLES: frozenset[HierarchyRole] = frozenset(
    {HierarchyRole.KEPALA_OPD, HierarchyRole.SEKDA, HierarchyRole.INSPEKTUR}
)

STALE_MESSAGE = _l(
    "This record was changed by someone else while you were editing it. "
    "Your changes were not saved; review the current values and try again."
)


# --- helpers ---------------------------------------------------------------------------


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(str(STALE_MESSAGE)) from exc
    except IntegrityError as exc:
        raise DomainError(
            _("The record could not be saved because it clashes with another record.")
        ) from exc


def _refuse_if_cancelled(workshop: Workshop) -> None:
    if workshop.is_cancelled:
        raise DomainError(_("This workshop has been cancelled; it can no longer be changed."))


def printed_when(workshop: Workshop) -> tuple[str, str]:
    """When the workshop is, as printed documents say it, in Indonesian:
    ('Rabu, 26 Juli 2023', '13.00 – 16.00 WIB')."""
    with force_locale("id"):
        start, end = workshop.starts_at, workshop.ends_at
        day = date_long(start)
        if date_long(end) != day:
            day = f"{day} s.d. {date_long(end)}"
        hours = f"{time_wib(start).removesuffix(' WIB')} – {time_wib(end)}"
    return day, hours


def wib_local(value: dt.datetime) -> dt.datetime:
    """A UTC datetime as naive WIB wall-clock time (what the form shows)."""
    return to_wib(value).replace(tzinfo=None)


def from_wib_local(value: dt.datetime) -> dt.datetime:
    """Naive WIB wall-clock time (what the form takes) as an aware UTC datetime."""
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value.replace(tzinfo=WIB).astimezone(dt.UTC)


# --- workshops -------------------------------------------------------------------------


def default_organiser_id() -> int | None:
    """The Inspektorat (the active OPD of kind ``inspektorat``), if there is one."""
    return db.session.scalar(
        select(Opd.id)
        .where(Opd.kind == OpdKind.INSPEKTORAT, Opd.active.is_(True))
        .order_by(Opd.sort_order, Opd.id)
        .limit(1)
    )


def _workshop_values(
    *,
    title: str,
    theme: str | None,
    kind: WorkshopKind | str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    venue: str,
    organiser_opd_id: int | None,
    description: str | None,
    agenda: str | None,
    current_organiser_id: int | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": _required(title, "title", TITLE_MAX),
        "theme": _optional(theme, "theme", THEME_MAX),
    }
    try:
        values["kind"] = WorkshopKind(kind)
    except ValueError:
        raise DomainError(_("Not a valid choice."), field="kind") from None
    if starts_at is None:
        raise DomainError(_("This field is required."), field="starts_at")
    if ends_at is None:
        raise DomainError(_("This field is required."), field="ends_at")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("workshop times must be timezone-aware")
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not 2000 <= to_wib(moment).year <= 2100:
            raise DomainError(_("Enter a date between 2000 and 2100."), field=name)
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), field="ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise DomainError(
            _("A workshop lasts at most %(n)d days.", n=MAX_DURATION.days), field="ends_at"
        )
    values["starts_at"] = starts_at.astimezone(dt.UTC)
    values["ends_at"] = ends_at.astimezone(dt.UTC)
    values["venue"] = _required(venue, "venue", VENUE_MAX)
    if organiser_opd_id is not None and organiser_opd_id != current_organiser_id:
        opd = db.session.get(Opd, organiser_opd_id)
        if opd is None or not opd.active:
            raise DomainError(_("Choose an active OPD."), field="organiser_opd_id")
    values["organiser_opd_id"] = organiser_opd_id
    values["description"] = _optional(description, "description", TEXT_MAX)
    values["agenda"] = _optional(agenda, "agenda", TEXT_MAX)
    return values


def _thematic_areas(ids: Iterable[int], current: Iterable[ThematicArea] = ()) -> list[ThematicArea]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    current_ids = {a.id for a in current}
    areas = db.session.scalars(select(ThematicArea).where(ThematicArea.id.in_(wanted))).all()
    found = {a.id: a for a in areas if a.active or a.id in current_ids}
    if len(found) != len(wanted):
        raise DomainError(_("Choose active thematic areas."), field="thematic_area_ids")
    return [found[i] for i in wanted]


def create_workshop(
    *,
    actor: User | None,
    now: dt.datetime,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    venue: str,
    kind: WorkshopKind | str = WorkshopKind.WORKSHOP,
    theme: str | None = None,
    organiser_opd_id: int | None = None,
    description: str | None = None,
    agenda: str | None = None,
    thematic_area_ids: Iterable[int] = (),
) -> Workshop:
    """Plan a workshop (status *planned*)."""
    del actor, now  # the audit log records who and when
    values = _workshop_values(
        title=title,
        theme=theme,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        organiser_opd_id=organiser_opd_id,
        description=description,
        agenda=agenda,
    )
    workshop = Workshop(**values, status=WorkshopStatus.PLANNED)
    workshop.thematic_areas = _thematic_areas(thematic_area_ids)
    db.session.add(workshop)
    _flush()
    return workshop


#: The fields of the edit form, as compared for conflicts.
EDIT_FIELDS = (
    "title",
    "theme",
    "kind",
    "starts_at",
    "ends_at",
    "venue",
    "organiser_opd_id",
    "description",
    "agenda",
    "status",
    "thematic_area_ids",
)

#: The fields a calendar holds: a change of any of them raises ``Workshop.ical_sequence``
#: and is sent to the invitees (see :mod:`tracker.services.workshop_notices`).
CALENDAR_FIELDS = frozenset({"starts_at", "ends_at", "venue"})


def editable_values(workshop: Workshop) -> dict[str, Any]:
    """The values the edit form shows, as plain JSON-able values (for conflict reports)."""
    values: dict[str, Any] = {}
    for key in EDIT_FIELDS:
        if key == "thematic_area_ids":
            values[key] = sorted(a.id for a in workshop.thematic_areas)
            continue
        value = getattr(workshop, key)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat()
        values[key] = value
    return values


def update_workshop(
    workshop: Workshop,
    *,
    actor: User | None,
    now: dt.datetime,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    venue: str,
    kind: WorkshopKind | str,
    theme: str | None,
    organiser_opd_id: int | None,
    description: str | None,
    agenda: str | None,
    thematic_area_ids: Iterable[int],
    status: WorkshopStatus | str,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Edit a workshop unless someone changed it since ``expected_version``.

    On a conflict the error lists the fields whose stored value differs from ``original``
    (the values the user saw). Returns the fields changed.
    """
    del actor
    if expected_version is not None and workshop.version != expected_version:
        stored = editable_values(workshop)
        changed = {
            key: (original[key], stored[key])
            for key in EDIT_FIELDS
            if original is not None and key in original and original[key] != stored[key]
        }
        raise ConflictError(str(STALE_MESSAGE), changed)
    _refuse_if_cancelled(workshop)
    try:
        status = WorkshopStatus(status)
    except ValueError:
        raise DomainError(_("Not a valid choice."), field="status") from None
    if status is WorkshopStatus.CANCELLED:
        raise DomainError(
            _("Use the Cancel workshop button to cancel it, with a reason."), field="status"
        )
    values = _workshop_values(
        title=title,
        theme=theme,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        organiser_opd_id=organiser_opd_id,
        description=description,
        agenda=agenda,
        current_organiser_id=workshop.organiser_opd_id,
    )
    if status is WorkshopStatus.HELD and values["starts_at"] > now:
        raise DomainError(_("A workshop that has not started yet cannot be held."), field="status")
    values["status"] = status
    areas = _thematic_areas(thematic_area_ids, workshop.thematic_areas)
    changed: dict[str, tuple[Any, Any]] = {}
    for key, value in values.items():
        before = getattr(workshop, key)
        if before != value:
            setattr(workshop, key, value)
            changed[key] = (before, value)
    before_ids = sorted(a.id for a in workshop.thematic_areas)
    after_ids = sorted(a.id for a in areas)
    if before_ids != after_ids:
        workshop.thematic_areas = areas
        changed["thematic_area_ids"] = (before_ids, after_ids)
        if len(changed) == 1:
            workshop.updated_at = now  # an UPDATE of the row, so the version moves on
    if CALENDAR_FIELDS.intersection(changed):
        workshop.ical_sequence = (workshop.ical_sequence or 0) + 1  # calendars must update
    _flush()
    return changed


def cancel_workshop(
    workshop: Workshop, *, actor: User | None, now: dt.datetime, reason: str | None
) -> None:
    """Cancel a workshop, with a reason; one with attendance recorded cannot be cancelled."""
    del actor
    if workshop.is_cancelled:
        raise DomainError(_("This workshop has already been cancelled."))
    reason_text = _required(reason, "reason", REASON_MAX)
    attended = db.session.scalar(
        select(Invitation.id)
        .where(
            Invitation.workshop_id == workshop.id,
            Invitation.status.in_([AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI]),
        )
        .limit(1)
    )
    if attended is not None:
        raise DomainError(
            _("Attendance has been recorded for this workshop; it can no longer be cancelled.")
        )
    workshop.status = WorkshopStatus.CANCELLED
    workshop.cancel_reason = reason_text
    workshop.cancelled_at = now
    workshop.ical_sequence = (workshop.ical_sequence or 0) + 1  # calendars must remove it
    _flush()


# --- protocol order --------------------------------------------------------------------


def may_represent(representative: Person, invitee: Person) -> bool:
    """An official may stand in only for someone above them in protocol order (the Wakil
    Wali Kota is never represented by the Wali Kota)."""
    return (
        representative.id != invitee.id
        and HierarchyRole(representative.hierarchy_role).protocol_rank
        > HierarchyRole(invitee.hierarchy_role).protocol_rank
    )


def protocol_key(person: Person) -> tuple[Any, ...]:
    """Wali Kota, Wakil Wali Kota, Sekda, Inspektur, OPD heads, OPD secretaries, others;
    then by the OPD's display order, then by name."""
    opd = person.opd
    return (
        HierarchyRole(person.hierarchy_role).protocol_rank,
        opd.sort_order if opd is not None else -1,
        opd.name.lower() if opd is not None else "",
        person.name.lower(),
        person.id,
    )


def in_protocol_order(invitations: Iterable[Invitation]) -> list[Invitation]:
    return sorted(invitations, key=lambda inv: protocol_key(inv.person))


def load_invitations(workshop: Workshop, stmt_filter: Any = None) -> list[Invitation]:
    """The workshop's invitations with their invitee, OPD and representative, in protocol
    order (a constant number of queries)."""
    stmt = (
        select(Invitation)
        .where(Invitation.workshop_id == workshop.id)
        .options(
            selectinload(Invitation.person).selectinload(Person.opd),
            selectinload(Invitation.representative),
        )
    )
    if stmt_filter is not None:
        stmt = stmt_filter(stmt)
    return in_protocol_order(db.session.scalars(stmt).all())


# --- invitations -----------------------------------------------------------------------


class InvitePreset(LabeledEnum):
    LEADERS = "leaders"
    HEADS = "heads"
    SECRETARIES = "secretaries"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "leaders": _l("The city's leaders: Wali Kota, Wakil Wali Kota, Sekda, Inspektur"),
            "heads": _l("All heads of OPD (with the Sekda and the Inspektur)"),
            "secretaries": _l("All OPD secretaries"),
        }


def people_to_invite(
    *,
    presets: Iterable[InvitePreset | str] = (),
    opd_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
) -> list[Person]:
    """The active officials the presets, the chosen OPDs and the individual picks name.

    Presets take officials of active OPDs only (the leaders also without an OPD).
    """
    chosen = {InvitePreset(p) for p in presets}
    opd_list = sorted(set(opd_ids))
    person_list = sorted(set(person_ids))
    conditions = []
    active_opd = Opd.active.is_(True)
    if InvitePreset.LEADERS in chosen:
        conditions.append(
            and_(
                Person.hierarchy_role.in_(LEADER_ROLES),
                or_(Person.opd_id.is_(None), active_opd),
            )
        )
    if InvitePreset.HEADS in chosen:
        conditions.append(and_(Person.hierarchy_role.in_(sorted(HEAD_ROLES)), active_opd))
    if InvitePreset.SECRETARIES in chosen:
        conditions.append(and_(Person.hierarchy_role == HierarchyRole.SEKRETARIS_OPD, active_opd))
    if opd_list:
        conditions.append(Person.opd_id.in_(opd_list))
    if person_list:
        conditions.append(Person.id.in_(person_list))
    if not conditions:
        return []
    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .where(Person.active.is_(True), or_(*conditions))
        .options(selectinload(Person.opd))
    ).all()
    found = {p.id for p in people}
    if any(pid not in found for pid in person_list):
        raise DomainError(
            _("Some of the chosen officials no longer exist or are inactive."), field="person_ids"
        )
    return sorted(people, key=protocol_key)


@dataclass
class InviteResult:
    added: list[Invitation]
    already: int


def invite(
    workshop: Workshop,
    *,
    actor: User | None,
    now: dt.datetime,
    presets: Iterable[InvitePreset | str] = (),
    opd_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
) -> InviteResult:
    """Invite the officials named by the presets, OPDs and picks; those already invited
    are skipped."""
    del actor, now
    _refuse_if_cancelled(workshop)
    people = people_to_invite(presets=presets, opd_ids=opd_ids, person_ids=person_ids)
    if not people:
        raise DomainError(_("Choose at least one official, OPD or group to invite."))
    invited = set(
        db.session.scalars(
            select(Invitation.person_id).where(Invitation.workshop_id == workshop.id)
        )
    )
    added = []
    for person in people:
        if person.id in invited:
            continue
        invitation = Invitation(workshop=workshop, person=person, status=AttendanceStatus.INVITED)
        db.session.add(invitation)
        added.append(invitation)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            _("Someone else invited some of these officials at the same moment; try again.")
        ) from exc
    return InviteResult(added=added, already=len(people) - len(added))


def uninvite(workshop: Workshop, invitation: Invitation, *, actor: User | None) -> None:
    """Take someone off the invitation list (only while their attendance is not recorded)."""
    del actor
    if invitation.workshop_id != workshop.id:
        raise DomainError(_("This invitation belongs to another workshop."))
    _refuse_if_cancelled(workshop)
    if invitation.status.recorded:
        raise DomainError(
            _(
                "The attendance of %(name)s has been recorded; set it back to "
                "'Not recorded' before removing the invitation.",
                name=invitation.person.name,
            )
        )
    db.session.delete(invitation)
    _flush()


@dataclass
class MailOutcome:
    """What sending the invitations (or a notice of a change) did: how many e-mails went,
    to whom it failed, who has no e-mail address, and how many of those WhatsApp told."""

    sent: int = 0
    failed: list[str] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)
    #: invitees without an e-mail address reached by WhatsApp instead
    by_whatsapp: int = 0


def send_invitations(
    workshop: Workshop,
    invitations: Iterable[Invitation],
    *,
    now: dt.datetime,
    url: str,
) -> MailOutcome:
    """E-mail each invitee the invitation with an .ics attachment.

    ``invitation_sent_at`` is recorded only for a delivered message, so a failure can be
    retried later; it never loses the invitation itself.
    """
    from tracker.services import pass_links, passes  # local: passes imports this module

    _refuse_if_cancelled(workshop)
    outcome = MailOutcome()
    subject = _("Invitation: %(title)s", title=workshop.title)
    invitations = list(invitations)
    tokens = passes.issue_all(invitations)
    for invitation in invitations:
        person = invitation.person
        if not person.email:
            outcome.without_email.append(person.name)
            continue
        calendar = workshop_ics(workshop, now=now, url=url, method="REQUEST", attendee=person)
        link = pass_links.pass_url(tokens[invitation.id])
        try:
            send_email(
                person.email,
                "workshop_invitation",
                subject=subject,
                attachments=[
                    Attachment("undangan.ics", calendar, "text/calendar; method=REQUEST"),
                    pass_links.qr_attachment(link),
                ],
                workshop=workshop,
                person=person,
                url=url,
                pass_url=link,
                qr_filename=pass_links.QR_FILENAME,
            )
        except MailError:
            outcome.failed.append(person.name)
            continue
        invitation.invitation_sent_at = now
        invitation.sent_sequence = workshop.ical_sequence
        outcome.sent += 1
    _flush()
    from tracker.services import notices

    told = notices.workshop_event(
        workshop,
        invitations,
        NoticeEvent.WORKSHOP_INVITATION,
        now=now,
        pass_urls={i: pass_links.pass_url(t) for i, t in tokens.items()},
    )
    for invitation in notices.reached_by_whatsapp_only(invitations, told):
        invitation.invitation_sent_at = now
        invitation.sent_sequence = workshop.ical_sequence
        outcome.without_email.remove(invitation.person.name)
        outcome.by_whatsapp += 1
    _flush()
    return outcome


# --- check-in window and self check-in ---------------------------------------------------


def checkin_margin() -> dt.timedelta:
    """``CHECKIN_MARGIN_MINUTES`` (default 60): how long before the start and after the
    end the check-in stays open."""
    raw = current_app.config.get("CHECKIN_MARGIN_MINUTES", DEFAULT_CHECKIN_MARGIN_MINUTES)
    try:
        minutes = int(raw)
    except (TypeError, ValueError):
        minutes = DEFAULT_CHECKIN_MARGIN_MINUTES
    return dt.timedelta(minutes=min(max(minutes, 0), 24 * 60))


def checkin_window(workshop: Workshop) -> tuple[dt.datetime, dt.datetime]:
    margin = checkin_margin()
    return workshop.starts_at - margin, workshop.ends_at + margin


class CheckInState(enum.StrEnum):
    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    CANCELLED = "cancelled"


def checkin_state(workshop: Workshop, now: dt.datetime) -> CheckInState:
    if workshop.is_cancelled:
        return CheckInState.CANCELLED
    opens, closes = checkin_window(workshop)
    if now < opens:
        return CheckInState.NOT_YET
    if now > closes:
        return CheckInState.CLOSED
    return CheckInState.OPEN


def checkin_refusal(workshop: Workshop, now: dt.datetime) -> str | None:
    """Why check-in is not possible now, or ``None`` when it is open."""
    state = checkin_state(workshop, now)
    opens, closes = checkin_window(workshop)
    if state is CheckInState.CANCELLED:
        return _("This workshop has been cancelled; there is nothing to check in to.")
    if state is CheckInState.NOT_YET:
        return _(
            "Check-in opens at %(time)s on %(date)s.",
            time=time_wib(opens),
            date=_date_long(opens),
        )
    if state is CheckInState.CLOSED:
        return _(
            "Check-in closed at %(time)s on %(date)s.",
            time=time_wib(closes),
            date=_date_long(closes),
        )
    return None


def _date_long(value: dt.datetime) -> str:
    from tracker.i18n import date_long

    return date_long(value)


def own_invitation(workshop: Workshop, user: User) -> Invitation | None:
    if user.person_id is None:
        return None
    return db.session.scalar(
        select(Invitation).where(
            Invitation.workshop_id == workshop.id, Invitation.person_id == user.person_id
        )
    )


def not_invited_reason(workshop: Workshop, user: User) -> str | None:
    """Why ``user`` cannot check in to ``workshop`` as an invitee, or ``None``."""
    del workshop
    if user.person_id is None:
        return _(
            "Your login is not linked to an official, so the tracker cannot tell whether you "
            "are invited. Ask the administrator to link your login to your official record."
        )
    return _(
        "You are not on the invitation list of this workshop. If you represent an invitee, "
        "ask the organiser at the door to record the attendance."
    )


@dataclass
class CheckInResult:
    invitation: Invitation
    changed: bool


def self_check_in(workshop: Workshop, user: User, *, now: dt.datetime) -> CheckInResult:
    """The logged-in invitee checks themselves in; a second check-in changes nothing."""
    invitation = own_invitation(workshop, user)
    if invitation is None:
        raise NotAllowed(not_invited_reason(workshop, user) or "")
    refusal = checkin_refusal(workshop, now)
    if refusal is not None:
        raise DomainError(refusal)
    if invitation.status is AttendanceStatus.HADIR:
        return CheckInResult(invitation, changed=False)
    # The invitee came in person: a representative named earlier did not.
    invitation.representative_person_id = None
    invitation.representative_name = None
    invitation.representative_position = None
    mark_present(
        invitation,
        AttendanceStatus.HADIR,
        at=now,
        via="self",
        busy=_("Your attendance was being updated at the same moment. Please try again."),
    )
    return CheckInResult(invitation, changed=True)


def mark_present(
    invitation: Invitation, status: AttendanceStatus, *, at: dt.datetime, via: str, busy: str
) -> None:
    """Record the invitee (``hadir``) or their representative (``diwakili``) present at
    ``at``, checked in ``via`` self, pass, door or staff; the workshop is then held. A
    simultaneous change of the same invitation is refused with ``busy``. Flushes."""
    invitation.status = status
    invitation.checked_in_at = at
    invitation.checked_in_via = via
    invitation.self_checked_in = via in ("self", "pass")
    invitation.excuse_reason = None
    if invitation.workshop.status is WorkshopStatus.PLANNED:
        invitation.workshop.status = WorkshopStatus.HELD
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(busy) from exc


# --- recording attendance ------------------------------------------------------------------

#: The fields of one row of the attendance screen, as submitted (strings).
ROW_FIELDS = (
    "status",
    "representative_person_id",
    "representative_name",
    "representative_position",
    "excuse_reason",
    "checked_in_time",
)
_RELEVANT: dict[str, tuple[str, ...]] = {
    AttendanceStatus.INVITED.value: (),
    AttendanceStatus.HADIR.value: ("checked_in_time",),
    AttendanceStatus.DIWAKILI.value: (
        "representative_person_id",
        "representative_name",
        "representative_position",
        "checked_in_time",
    ),
    AttendanceStatus.IZIN.value: ("excuse_reason",),
    AttendanceStatus.TIDAK_HADIR.value: (),
}


def row_values(invitation: Invitation) -> dict[str, str]:
    """The stored attendance of ``invitation`` as the strings the screen shows."""
    return {
        "status": invitation.status.value,
        "representative_person_id": str(invitation.representative_person_id or ""),
        "representative_name": invitation.representative_name or "",
        "representative_position": invitation.representative_position or "",
        "excuse_reason": invitation.excuse_reason or "",
        "checked_in_time": (
            to_wib(invitation.checked_in_at).strftime("%H:%M") if invitation.checked_in_at else ""
        ),
    }


def effective(values: Mapping[str, Any]) -> dict[str, str]:
    """Only the fields that matter for the row's status, stripped (for comparisons)."""
    status = str(values.get("status") or AttendanceStatus.INVITED.value).strip()
    relevant = _RELEVANT.get(status, ROW_FIELDS)
    result = {"status": status}
    for key in relevant:
        result[key] = str(values.get(key) or "").strip()
    return result


@dataclass
class AttendanceRow:
    """One submitted row: the invitation, the version and values the user saw, and the
    values submitted."""

    invitation_id: int
    version: int | None
    values: Mapping[str, str]
    original: Mapping[str, str] | None = None

    @property
    def touched(self) -> bool:
        """Did the user change this row? Without the original every row counts as changed."""
        return self.original is None or effective(self.values) != effective(self.original)


class AttendanceRejected(DomainError):
    """Nothing was saved: ``errors`` per invitation (field, message), ``conflicts`` per
    invitation (message) and ``form_errors``; ``conflict`` marks a concurrent change."""

    def __init__(
        self,
        message: str,
        *,
        errors: dict[int, list[tuple[str | None, str]]] | None = None,
        conflicts: dict[int, str] | None = None,
        form_errors: list[str] | None = None,
        conflict: bool = False,
    ) -> None:
        super().__init__(message)
        self.errors = errors or {}
        self.conflicts = conflicts or {}
        self.form_errors = form_errors or []
        self.conflict = conflict or bool(self.conflicts)


CONCURRENT_SAVE = _l(
    "Someone saved attendance for this workshop at the same moment; nothing was saved. "
    "Review the list and save again."
)


@dataclass(frozen=True)
class _Parsed:
    status: AttendanceStatus
    representative_person_id: int | None = None
    representative_name: str | None = None
    representative_position: str | None = None
    excuse_reason: str | None = None
    checked_in_at: dt.datetime | None = None
    time_given: bool = False


def _parse_time(raw: str) -> dt.time | None:
    for fmt in ("%H:%M", "%H.%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(raw, fmt).time()
        except ValueError:
            continue
    return None


def _parse_row(
    row: AttendanceRow,
    invitation: Invitation,
    *,
    workshop: Workshop,
    now: dt.datetime,
    officials: Mapping[int, Person],
) -> tuple[_Parsed | None, list[tuple[str | None, str]]]:
    errors: list[tuple[str | None, str]] = []
    values = effective(row.values)
    try:
        status = AttendanceStatus(values["status"])
    except ValueError:
        return None, [("status", _("Choose a valid attendance status."))]
    opens, closes = checkin_window(workshop)
    if (
        status
        in (
            AttendanceStatus.HADIR,
            AttendanceStatus.DIWAKILI,
            AttendanceStatus.TIDAK_HADIR,
        )
        and now < opens
    ):
        errors.append(
            (
                "status",
                _(
                    "Attendance can be recorded from %(time)s on %(date)s; before then only "
                    "'Excused' can be recorded.",
                    time=time_wib(opens),
                    date=_date_long(opens),
                ),
            )
        )
    parsed: dict[str, Any] = {"status": status}
    if status is AttendanceStatus.DIWAKILI:
        raw_id = values.get("representative_person_id", "")
        name = values.get("representative_name", "")
        position = values.get("representative_position", "")
        if raw_id:
            rep = officials.get(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 10 else None
            if rep is None:
                errors.append(("representative_person_id", _("Choose an official from the list.")))
            elif rep.id == invitation.person_id:
                errors.append(
                    ("representative_person_id", _("An invitee cannot represent themselves."))
                )
            elif not may_represent(rep, invitation.person):
                errors.append(
                    (
                        "representative_person_id",
                        _("A representative must be below the invitee in protocol order."),
                    )
                )
            if name or position:
                errors.append(
                    (
                        "representative_name",
                        _("Choose an official or type a name and position, not both."),
                    )
                )
            parsed["representative_person_id"] = rep.id if rep is not None else None
        elif not name and not position:
            errors.append(
                (
                    "representative_name",
                    _("Name the representative: choose an official or type a name and position."),
                )
            )
        else:
            if not name:
                errors.append(("representative_name", _("Enter the representative's name.")))
            if not position:
                errors.append(
                    ("representative_position", _("Enter the representative's position."))
                )
            for key, text in (("representative_name", name), ("representative_position", position)):
                if len(text) > NAME_MAX:
                    errors.append((key, _("At most %(n)d characters.", n=NAME_MAX)))
            parsed["representative_name"] = name or None
            parsed["representative_position"] = position or None
    if status is AttendanceStatus.IZIN:
        reason = values.get("excuse_reason", "")
        if not reason:
            errors.append(("excuse_reason", _("Give the reason for the excuse.")))
        elif len(reason) > REASON_MAX:
            errors.append(("excuse_reason", _("At most %(n)d characters.", n=REASON_MAX)))
        parsed["excuse_reason"] = reason or None
    if status.attended:
        raw_time = values.get("checked_in_time", "")
        if raw_time:
            clock = _parse_time(raw_time)
            if clock is None:
                errors.append(("checked_in_time", _("Enter the time as HH:MM.")))
            else:
                day = to_wib(workshop.starts_at).date()
                moment = dt.datetime.combine(day, clock, tzinfo=WIB).astimezone(dt.UTC)
                if not opens <= moment <= closes:
                    errors.append(
                        (
                            "checked_in_time",
                            _(
                                "The check-in time must be between %(start)s and %(end)s.",
                                start=time_wib(opens),
                                end=time_wib(closes),
                            ),
                        )
                    )
                elif moment > now + dt.timedelta(minutes=1):
                    errors.append(("checked_in_time", _("The check-in time is in the future.")))
                parsed["checked_in_at"] = moment
                parsed["time_given"] = True
    return (_Parsed(**parsed) if not errors else None), errors


@dataclass
class AttendanceSaved:
    """What a save of the attendance screen did: the rows saved, and the rows refused with
    their reasons (``errors`` per invitation (field, message), ``conflicts`` per invitation
    (message), ``form_errors``), as :class:`AttendanceRejected` reports them."""

    changed: int
    held_now: bool
    saved_ids: list[int] = field(default_factory=list)
    errors: dict[int, list[tuple[str | None, str]]] = field(default_factory=dict)
    conflicts: dict[int, str] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)

    @property
    def refused(self) -> int:
        """How many changed rows were not saved."""
        return len(self.errors) + len(self.conflicts)

    @property
    def partial(self) -> bool:
        """Some of the changes were not saved."""
        return bool(self.errors or self.conflicts or self.form_errors)

    @property
    def conflict(self) -> bool:
        return bool(self.conflicts)

    @property
    def message(self) -> str:
        return _(
            "%(saved)d of %(total)d changed rows were saved; the rows marked below were not.",
            saved=self.changed,
            total=self.changed + self.refused,
        )


ROW_SAVED_MEANWHILE = _l(
    "Someone saved this row at the same moment; your entry was not saved. Review it and save again."
)


def record_attendance(
    workshop: Workshop,
    rows: Sequence[AttendanceRow],
    *,
    actor: User | None,
    now: dt.datetime,
) -> AttendanceSaved:
    """Save the attendance screen row by row: every valid row is saved, each one whole or
    not at all; the others are reported per row.

    Only the rows the user changed are written. A changed row whose invitation was saved
    by someone else meanwhile (another version) is a conflict unless both ended with the
    same values; a conflict is reported and never overwritten. When no row could be saved
    and some were refused, :class:`AttendanceRejected` is raised (nothing was saved).
    """
    del actor
    if workshop.is_cancelled:
        raise AttendanceRejected(
            _("Nothing was saved."),
            form_errors=[_("This workshop has been cancelled; it can no longer be changed.")],
        )
    invitations = {
        inv.id: inv
        for inv in db.session.scalars(
            select(Invitation)
            .where(Invitation.workshop_id == workshop.id)
            .options(selectinload(Invitation.person))
        )
    }
    touched = [row for row in rows if row.touched]
    rep_ids = {
        int(raw)
        for row in touched
        if (raw := str(row.values.get("representative_person_id") or "").strip()).isdigit()
        and len(raw) < 10
    }
    officials = (
        {
            p.id: p
            for p in db.session.scalars(
                select(Person).where(Person.id.in_(sorted(rep_ids)), Person.active.is_(True))
            )
        }
        if rep_ids
        else {}
    )
    errors: dict[int, list[tuple[str | None, str]]] = {}
    conflicts: dict[int, str] = {}
    form_errors: list[str] = []
    removed = 0
    plan: list[tuple[Invitation, _Parsed]] = []
    for row in touched:
        invitation = invitations.get(row.invitation_id)
        if invitation is None:
            removed += 1
            continue
        stored = effective(row_values(invitation))
        submitted = effective(row.values)
        if submitted == stored:
            continue  # already so (saved by someone else, or nothing to do)
        if row.version is not None and row.version != invitation.version:
            conflicts[invitation.id] = _(
                "Changed meanwhile by someone else: now %(status)s. Your entry was not saved; "
                "save again to overwrite it.",
                status=_describe(invitation),
            )
            continue
        parsed, row_errors = _parse_row(
            row, invitation, workshop=workshop, now=now, officials=officials
        )
        if row_errors:
            errors[invitation.id] = row_errors
        elif parsed is not None:
            plan.append((invitation, parsed))
    if removed:
        form_errors.append(
            _(
                "%(n)d of the changed invitees were removed from the invitation list meanwhile.",
                n=removed,
            )
        )
    opens, closes = checkin_window(workshop)
    saved: list[tuple[Invitation, _Parsed]] = []
    for invitation, parsed in plan:
        # Each row in its own savepoint: a row saved by someone else at this very moment
        # is reported, and the other rows are kept.
        savepoint = db.session.begin_nested()
        try:
            _apply(invitation, parsed, now=now, window_open=opens <= now <= closes)
            db.session.flush()
            savepoint.commit()
        except StaleDataError:
            savepoint.rollback()
            db.session.info.pop("audit_pending", None)  # the audit entry of the row not saved
            conflicts[invitation.id] = str(ROW_SAVED_MEANWHILE)
            continue
        saved.append((invitation, parsed))
    if not saved and (errors or conflicts or form_errors):
        raise AttendanceRejected(
            _("Nothing was saved."),
            errors=errors,
            conflicts=conflicts,
            form_errors=form_errors,
            conflict=bool(removed),
        )
    held_now = False
    if workshop.status is WorkshopStatus.PLANNED and any(
        parsed.status.attended for _inv, parsed in saved
    ):
        workshop.status = WorkshopStatus.HELD
        held_now = True
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise AttendanceRejected(
            _("Nothing was saved."), form_errors=[str(CONCURRENT_SAVE)], conflict=True
        ) from exc
    return AttendanceSaved(
        changed=len(saved),
        held_now=held_now,
        saved_ids=[inv.id for inv, _parsed in saved],
        errors=errors,
        conflicts=conflicts,
        form_errors=form_errors,
    )


def _apply(invitation: Invitation, parsed: _Parsed, *, now: dt.datetime, window_open: bool) -> None:
    status = parsed.status
    invitation.status = status
    invitation.self_checked_in = False
    invitation.representative_person_id = parsed.representative_person_id
    invitation.representative_name = parsed.representative_name
    invitation.representative_position = parsed.representative_position
    invitation.excuse_reason = parsed.excuse_reason
    if status.attended:
        if parsed.time_given:
            invitation.checked_in_at = parsed.checked_in_at
        else:
            invitation.checked_in_at = now if window_open else None
    else:
        invitation.checked_in_at = None


def _describe(invitation: Invitation) -> str:
    """A short description of the stored attendance, for conflict messages."""
    text = invitation.status.label
    if invitation.status.attended and invitation.checked_in_at:
        text = f"{text}, {time_wib(invitation.checked_in_at)}"
    return str(text)


# --- summary -------------------------------------------------------------------------------


@dataclass
class Tally:
    invited: int = 0
    counts: Counter[AttendanceStatus] = field(default_factory=Counter)

    def add(self, status: AttendanceStatus) -> None:
        self.invited += 1
        self.counts[status] += 1

    @property
    def attended(self) -> int:
        return self.counts[AttendanceStatus.HADIR] + self.counts[AttendanceStatus.DIWAKILI]

    @property
    def rate(self) -> float | None:
        """(hadir + diwakili) ÷ invited, or ``None`` with nobody invited."""
        return self.attended / self.invited if self.invited else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(rate * 100)

    def count(self, status: AttendanceStatus | str) -> int:
        return self.counts[AttendanceStatus(status)]


@dataclass
class AttendanceSummary:
    overall: Tally
    by_role: list[tuple[HierarchyRole, Tally]]
    by_opd: list[tuple[Opd | None, Tally]]
    leaders: list[Invitation]
    #: Any attendance recorded at all (otherwise "nobody present" means nothing yet).
    recorded: bool

    @property
    def leaders_in_person(self) -> int:
        return sum(1 for inv in self.leaders if inv.status is AttendanceStatus.HADIR)

    @property
    def leaders_attended(self) -> int:
        return sum(1 for inv in self.leaders if inv.status.attended)

    @property
    def all_leaders_present(self) -> bool | None:
        """Were all invited leaders there in person? ``None`` when no leader is invited."""
        if not self.leaders:
            return None
        return self.leaders_in_person == len(self.leaders)

    @property
    def opds_without_attendance(self) -> list[Opd]:
        """OPDs with invitees of which nobody attended (once attendance is recorded)."""
        if not self.recorded:
            return []
        return [opd for opd, tally in self.by_opd if opd is not None and tally.attended == 0]


def attendance_summary(invitations: Iterable[Invitation]) -> AttendanceSummary:
    """Counts per status, overall, by role in the hierarchy and by OPD (no queries when the
    invitations come with their person and OPD loaded)."""
    ordered = in_protocol_order(invitations)
    overall = Tally()
    roles: dict[HierarchyRole, Tally] = {}
    opds: dict[int | None, tuple[Opd | None, Tally]] = {}
    for inv in ordered:
        person = inv.person
        overall.add(inv.status)
        roles.setdefault(HierarchyRole(person.hierarchy_role), Tally()).add(inv.status)
        key = person.opd_id
        if key not in opds:
            opds[key] = (person.opd, Tally())
        opds[key][1].add(inv.status)
    by_role = sorted(roles.items(), key=lambda item: item[0].protocol_rank)
    by_opd = sorted(
        opds.values(),
        key=lambda item: (
            (1, item[0].sort_order, item[0].name.lower()) if item[0] is not None else (0, 0, "")
        ),
    )
    leaders = [inv for inv in ordered if inv.person.hierarchy_role in LEADER_ROLES]
    return AttendanceSummary(
        overall=overall,
        by_role=by_role,
        by_opd=by_opd,
        leaders=leaders,
        recorded=any(inv.status.recorded for inv in ordered),
    )


# --- iCalendar -------------------------------------------------------------------------------


def workshop_ics(
    workshop: Workshop,
    *,
    now: dt.datetime | None = None,
    url: str | None = None,
    method: str = "PUBLISH",
    attendee: Person | None = None,
) -> bytes:
    """The workshop as an iCalendar file (RFC 5545); times in UTC.

    ``method="REQUEST"`` with an ``attendee`` is the invitation sent by e-mail; the
    download uses ``PUBLISH``. A cancelled workshop carries ``STATUS:CANCELLED`` (and
    ``METHOD:CANCEL`` for a request), so calendars remove it.
    """
    from icalendar import Calendar, Event, vCalAddress, vText

    now = now or utcnow()
    cancelled = workshop.is_cancelled
    if method == "REQUEST" and cancelled:
        method = "CANCEL"
    calendar = Calendar()
    calendar.add("prodid", "-//Inspektorat Kota Malang//Tracker//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", workshop.ical_uid)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", workshop.starts_at.astimezone(dt.UTC))
    event.add("dtend", workshop.ends_at.astimezone(dt.UTC))
    event.add("summary", workshop.title)
    event.add("location", workshop.venue)
    event.add("sequence", workshop.ical_sequence or 0)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    parts = [workshop.theme or ""]
    if workshop.description:
        parts.append(workshop.description)
    if workshop.agenda:
        parts.append(f"{_('Agenda')}:\n{workshop.agenda}")
    if url:
        parts.append(url)
        event.add("url", url)
    description = "\n\n".join(p for p in parts if p)
    if description:
        event.add("description", description)
    sender_name, sender_email = parseaddr(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))
    if sender_email:
        organizer = vCalAddress(f"mailto:{sender_email}")
        organizer.params["cn"] = vText(
            workshop.organiser.name if workshop.organiser else (sender_name or sender_email)
        )
        event.add("organizer", organizer)
    if attendee is not None and attendee.email:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
