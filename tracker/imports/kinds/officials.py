"""Import of the list of officials (kind ``officials``), matched by NIP, else by e-mail.

The columns are written once, as in :mod:`tracker.imports.kinds.opds`: the English heading
marked with ``_l`` (the export writes it in the user's language), the Indonesian
translation as the column's ``heading``, the English and the usual headings of real lists
("NIP", "Nama Lengkap", "Unit Kerja", "No. HP", …) as synonyms. The OPD is found by its
code or its name, case-insensitively; the role in the hierarchy and the channel by their
label (Indonesian or English) or value; phone numbers are normalised as everywhere
(:mod:`tracker.phones`). The rules of a record are the service's
(:func:`tracker.services.organisation.person_values`), checked for every row before
anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from tracker import phones
from tracker.extensions import db
from tracker.imports import values as parse
from tracker.imports.base import Context, ImportKind, Plan, Table
from tracker.imports.kinds.opds import (
    Heading,
    RowReader,
    active_label,
    diff,
    duplicate_message,
    indonesian,
    label_lookup,
    make_columns,
    norm,
    planned,
    status_lookup,
)
from tracker.models import HierarchyRole, NotifyChannel, Opd, Person
from tracker.services import organisation
from tracker.services.errors import DomainError

KIND = ImportKind.OFFICIALS

HEADINGS = (
    Heading(
        "name",
        _l("Name"),
        ("Nama", "Nama Lengkap", "Nama Pejabat", "Nama Pegawai", "Nama dan Gelar"),
        required=True,
        help=_l("The official's name, with titles, as written in letters."),
    ),
    Heading(
        "nip",
        _l("NIP"),
        ("No. NIP", "Nomor NIP", "NIP Pegawai", "Nomor Induk Pegawai"),
        help=_l(
            "18 digits, spaces between the parts are fine; written as text. Rows are "
            "matched by it, or by the e-mail when there is none."
        ),
    ),
    Heading(
        "position",
        _l("Position"),
        ("Jabatan", "Nama Jabatan"),
        required=True,
        help=_l("The position, e.g. Kepala Dinas Kesehatan."),
    ),
    Heading(
        "hierarchy_role",
        _l("Role in the hierarchy"),
        ("Peran", "Kedudukan", "Peran dalam Hierarki", "Role"),
        help=_l(
            "Mayor, deputy mayor, regional secretary, inspector, head of OPD, secretary "
            "of OPD, Inspektorat staff or other."
        ),
    ),
    Heading(
        "opd",
        _l("OPD"),
        (
            "Kode OPD",
            "Nama OPD",
            "Unit Kerja",
            "Perangkat Daerah",
            "Instansi",
            "SKPD",
            "OPD code",
        ),
        help=_l("The OPD's code or name; empty for the city's leaders."),
    ),
    Heading(
        "email",
        _l("E-mail"),
        ("E-mail", "Email", "Alamat E-mail", "Alamat Email", "Surel"),
        help=_l("Reminders and notices go to this address."),
    ),
    Heading(
        "phone",
        _l("Phone"),
        (
            "No. HP",
            "Nomor HP",
            "No HP",
            "HP",
            "HP/WA",
            "No. HP/WA",
            "No. WA",
            "Nomor WA",
            "Nomor WhatsApp",
            "WhatsApp",
            "No. Telepon",
            "Nomor Telepon",
            "Telepon",
        ),
        help=_l("A mobile number for WhatsApp, e.g. 0812-3456-7890."),
    ),
    Heading(
        "notify_by",
        _l("Contact by"),
        ("Dihubungi lewat", "Kirim lewat", "Saluran"),
        help=_l("E-mail and WhatsApp, E-mail only or WhatsApp only."),
    ),
    Heading("notes", _l("Notes"), ("Catatan", "Keterangan")),
    Heading(
        "active",
        _l("Status"),
        ("Aktif",),
        help=_l(
            "Active or Inactive; left empty, a new official is active and an existing "
            "one keeps their status."
        ),
    ),
    Heading(
        "version",
        _l("Version"),
        ("Versi",),
        help=_l(
            "Written by the tracker's export; leave it as it is. A row whose version is "
            "older than the record's is a conflict, not saved."
        ),
    ),
)
COLUMNS = make_columns(HEADINGS)
EXPORT_HEADINGS = tuple(h.english for h in HEADINGS)

TEMPLATE_EXAMPLE = [
    {
        "name": "dr. Siti Rahmawati, M.Kes.",
        "nip": "19750312 200003 2 004",
        "position": "Kepala Dinas Kesehatan",
        "hierarchy_role": indonesian("Head of OPD"),
        "opd": "DINKES",
        "email": "siti.rahmawati@malangkota.go.id",
        "phone": "0812-3456-7890",
        "notify_by": indonesian("E-mail and WhatsApp"),
        "notes": "",
        "active": indonesian("Active"),
        "version": "",
    },
    {
        "name": "Ahmad Fauzi, S.E.",
        "nip": "19800521 200501 1 003",
        "position": "Sekretaris Dinas Kesehatan",
        "hierarchy_role": indonesian("Secretary of OPD"),
        "opd": "Dinas Kesehatan",
        "email": "ahmad.fauzi@malangkota.go.id",
        "phone": "0813-2222-3344",
        "notify_by": indonesian("WhatsApp only"),
        "notes": "",
        "active": indonesian("Active"),
        "version": "",
    },
]

#: the service's fields → the columns
FIELDS = {
    "name": "name",
    "nip": "nip",
    "position": "position",
    "hierarchy_role": "hierarchy_role",
    "opd_id": "opd",
    "email": "email",
    "phone": "phone",
    "notify_by": "notify_by",
    "notes": "notes",
}
#: a spreadsheet keeps 15 significant digits of a number: a NIP written as one is lost
NUMBER_DIGITS = 15


def export_row(person: Person) -> list[Any]:
    """An official as the export writes it (the columns' order)."""
    return [
        person.name,
        person.nip or "",
        person.position,
        person.hierarchy_role.label,
        person.opd.code if person.opd else "",
        person.email or "",
        phones.display(person.phone),
        person.notify_by.label,
        person.notes or "",
        active_label(person.active),
        person.version,
    ]


def _parsed(reader: RowReader, key: str, parser: Callable[[Any], Any]) -> Any:
    try:
        return parser(reader.cells.get(key))
    except parse.BadValue as error:
        reader.problem(key, error.message)
        return None


def _nip_key(value: Any) -> str | None:
    try:
        return parse.nip(value)
    except parse.BadValue:
        return None


def _email_key(value: Any) -> str | None:
    try:
        return parse.email(value)
    except parse.BadValue:
        return None


def plan(table: Table, context: Context) -> Plan:
    """What importing ``table`` would do; reads only (two queries whatever its size)."""
    result = Plan(KIND)
    lookup = parse.OpdLookup()
    opd_by_id = {o.id: o for o in lookup.opds}
    readers = [RowReader(table, COLUMNS, row.number, row.cells) for row in table.rows]
    nips = {n for r in readers if (n := _nip_key(r.cells.get("nip")))}
    emails = {e for r in readers if (e := _email_key(r.cells.get("email")))}
    unnamed = {
        _name_key(name)
        for r in readers
        if not r.text("nip") and not r.text("email") and (name := r.text("name"))
    }
    people = _people(nips, emails, unnamed)
    by_nip = {p.nip: p for p in people if p.nip}
    by_email: dict[str, list[Person]] = {}
    by_name: dict[str, list[Person]] = {}
    for person in people:
        if person.email:
            by_email.setdefault(person.email.lower(), []).append(person)
        elif not person.nip:
            by_name.setdefault(norm(person.name), []).append(person)
    roles = label_lookup(HierarchyRole)
    channels = label_lookup(NotifyChannel)
    statuses = status_lookup()
    seen: dict[tuple[str, Any], int] = {}

    for reader in readers:
        nip = _parsed(reader, "nip", parse.nip)
        email = _parsed(reader, "email", parse.email)
        record = _match(reader, nip, email, by_nip, by_email, by_name)
        if record is not None and email and (record.email or "").lower() == email:
            email = record.email  # as it was typed in the tracker: not a change
        role = reader.choice("hierarchy_role", roles)
        channel = reader.choice("notify_by", channels)
        active = reader.choice("active", statuses)
        version = reader.version()
        opd_id = _opd(reader, record, lookup)
        phone = reader.text("phone") if reader.present("phone") else _stored_phone(record)
        given = {
            "name": reader.text("name") or "",
            "nip": nip if reader.present("nip") else (record.nip if record else None),
            "position": reader.text("position") or "",
            "hierarchy_role": role or (record.hierarchy_role if record else HierarchyRole.OTHER),
            "opd_id": opd_id,
            "email": email if reader.present("email") else (record.email if record else None),
            "phone": phone,
            "notes": reader.text("notes") if reader.present("notes") else _notes(record),
            "notify_by": channel or (record.notify_by if record else _channel(phone)),
        }
        try:
            values = organisation.person_values(**given)
        except DomainError as error:
            reader.domain(error, FIELDS)
            values = None
        phone_as_saved = record is not None and record.phone and values is not None
        if phone_as_saved and values["phone"] == phones.safe_normalise(record.phone):
            # saved before numbers were normalised: the same number, not a change
            values["phone"] = record.phone
        if values is not None:
            key = ("id", record.id) if record else _file_key(values)
            if key in seen:
                reader.problem(_key_column(values), duplicate_message(seen[key]))
            else:
                seen[key] = reader.number
        if active is None:
            active = record.active if record else True
        result.problems.extend(reader.problems)
        if reader.problems or values is None:
            continue
        changes = diff(reader, record, values, FIELDS, _shower(opd_by_id))
        if record is not None and record.active != active:
            changes[reader.heading("active")] = (active_label(record.active), active_label(active))
        opd = opd_by_id.get(values["opd_id"]) if values["opd_id"] else None
        planned(
            result,
            reader,
            label=f"{values['name']} — {values['position']}" + (f" ({opd.code})" if opd else ""),
            record=record,
            changes=changes,
            version=version,
            apply=_apply(record, given, active),
        )
    return result


def _name_key(name: str) -> str:
    return name.strip().lower()


def _people(nips: set[str], emails: set[str], names: set[str]) -> list[Person]:
    """The officials the file may name: by NIP, e-mail or (neither given) name, in one
    query."""
    conditions = []
    if nips:
        conditions.append(Person.nip.in_(sorted(nips)))
    if emails:
        conditions.append(func.lower(Person.email).in_(sorted(emails)))
    if names:
        conditions.append(func.lower(func.trim(Person.name)).in_(sorted(names)))
    if not conditions:
        return []
    stmt = select(Person).where(or_(*conditions))
    return list(db.session.scalars(stmt.order_by(Person.id)))


def _match(
    reader: RowReader,
    nip: str | None,
    email: str | None,
    by_nip: dict[str, Person],
    by_email: dict[str, list[Person]],
    by_name: dict[str, list[Person]],
) -> Person | None:
    """The official the row is: by NIP; else by e-mail (one without a NIP, or this one);
    a row with neither (a city leader often has none) by the name of an official who has
    neither either, so that re-importing it creates no second one."""
    if nip and nip in by_nip:
        return by_nip[nip]
    if email:
        candidates = [p for p in by_email.get(email, []) if not p.nip or not nip]
        key = "email"
    elif not nip and not reader.text("nip") and (name := reader.text("name")):
        candidates = by_name.get(norm(name), [])
        key = "name"
    else:
        return None
    if len(candidates) > 1:
        reader.problem(
            key,
            _("Several officials have the e-mail %(email)s; use the NIP.", email=email)
            if key == "email"
            else _("Several officials have this name: give the NIP or the e-mail."),
        )
        return None
    return candidates[0] if candidates else None


def _opd(reader: RowReader, record: Person | None, lookup: parse.OpdLookup) -> int | None:
    """The OPD by its code or name; an inactive one only if the official is already in it."""
    if not reader.present("opd"):
        return record.opd_id if record else None
    opd = _parsed(reader, "opd", lookup.find)
    if opd is None:
        return None
    if not opd.active and (record is None or record.opd_id != opd.id):
        reader.problem("opd", _("Choose an active OPD."))
        return None
    return opd.id


def _file_key(values: dict[str, Any]) -> tuple[str, Any]:
    """What makes a new row one official: its NIP, else its e-mail, else its name."""
    column = _key_column(values)
    value = values[column]
    return (
        column,
        value.lower() if column == "email" else norm(value) if column == "name" else value,
    )


def _key_column(values: dict[str, Any]) -> str:
    return "nip" if values["nip"] else "email" if values["email"] else "name"


def _stored_phone(record: Person | None) -> str | None:
    return phones.display(record.phone) or None if record else None


def _notes(record: Person | None) -> str | None:
    return record.notes if record else None


def _channel(phone: str | None) -> NotifyChannel:
    """A new official's channel when the file says none: both, unless the number cannot
    take WhatsApp."""
    number = phones.safe_normalise(phone)
    if number is not None and not phones.is_mobile(number):
        return NotifyChannel.EMAIL
    return NotifyChannel.BOTH


def _shower(opd_by_id: dict[int, Opd]) -> Callable[[str, Any], Any]:
    def show(field: str, value: Any) -> Any:
        if value is None:
            return ""
        if field == "opd_id":
            opd = opd_by_id.get(value)
            return opd.code if opd else ""
        if field == "hierarchy_role":
            return HierarchyRole(value).label
        if field == "notify_by":
            return NotifyChannel(value).label
        if field == "phone":
            return phones.display(value)
        return value

    return show


def _apply(record: Person | None, given: dict[str, Any], active: bool) -> Callable[[], None]:
    """The write, through the service, with the values as the file gives them (the
    service checks and normalises them again)."""
    seen_version = record.version if record is not None else None

    def apply() -> None:
        if record is None:
            person = organisation.create_person(**given)
            if not active:
                organisation.set_person_active(person, False)
            return
        organisation.update_person(record, **given, expected_version=seen_version)
        if record.active != active:
            organisation.set_person_active(record, active)

    return apply


__all__ = ["COLUMNS", "EXPORT_HEADINGS", "KIND", "TEMPLATE_EXAMPLE", "export_row", "plan"]
