"""Import of commitments: last workshop's list kept in Excel, or the tracker's own export.

A row is matched to a commitment by its natural key: the workshop (title, and its date when
given) + the OPD + the statement, compared case- and spacing-insensitively. A matched row
updates the fields it changes (through :func:`tracker.services.commitments.edit_commitment`,
which records the edit in the commitment's history); an unmatched row creates a commitment in
force at once (``active``, 0 %) through :func:`~tracker.services.commitments.create_commitment`.
Both check the values with :func:`~tracker.services.commitments.clean_values`: the rules of a
commitment live there, the import only reads the cells and names the column of each problem.

*Status* and *progress* are read but never imported: they follow the OPD's reports and the
Inspektorat's verification, and an export's values of them go stale as soon as an OPD reports.
A file may carry them (the tracker's export does); the import neither sets nor changes them.

Version checks: the tracker's export carries the record's version ("Versi"). A row whose
version is older than the record's and that would change a field edited in the tracker since
(an ``edit`` entry in the history after that version) is a conflict, not applied. A row with a
version that matches no commitment is a problem: its key was changed (the statement edited in
the file or in the tracker), and importing it would make a duplicate.

Planning reads everything it needs in a fixed number of queries, whatever the file's size.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.i18n import date_short
from tracker.imports import values
from tracker.imports.base import (
    Action,
    Column,
    Context,
    ImportKind,
    Plan,
    PlannedRow,
    Problem,
    Row,
    Table,
)
from tracker.models import Opd, Person, ThematicArea
from tracker.models.commitment import Commitment, ProgressUpdate, UpdateKind
from tracker.models.workshop import Workshop
from tracker.services import commitments as service
from tracker.services.errors import DomainError

KIND = ImportKind.COMMITMENTS

COLUMNS: Sequence[Column] = (
    Column(
        "workshop",
        "Workshop",
        ("Nama workshop", "Judul workshop", "Kegiatan"),
        help=_l(
            "The workshop where the commitment was made, by its title as recorded in the "
            "tracker. Leave empty for a commitment made outside a workshop."
        ),
    ),
    Column(
        "workshop_date",
        "Tanggal workshop",
        ("Workshop date",),
        help=_l(
            "The workshop's date (26/07/2023, 26-07-2023, 26 Juli 2023 or an Excel date). "
            "Needed only when several workshops have the same title."
        ),
    ),
    Column(
        "opd",
        "Kode OPD",
        ("OPD code", "Kode perangkat daerah"),
        help=_l("The OPD that made the commitment, by its code (DINKES) or its name."),
    ),
    Column(
        "opd_name",
        "OPD",
        ("Nama OPD", "Perangkat daerah", "Nama perangkat daerah"),
        help=_l("The OPD's name: used when the OPD code is empty."),
    ),
    Column(
        "statement",
        "Komitmen",
        ("Commitment", "Uraian komitmen", "Pernyataan komitmen"),
        required=True,
        help=_l(
            "What the OPD committed to (at most 2000 characters). Together with the workshop "
            "and the OPD it identifies the commitment: a changed statement is a new commitment."
        ),
    ),
    Column(
        "area",
        "Area tematik",
        ("Thematic area", "Kode area tematik", "Tema"),
        help=_l(
            "An active thematic area, by its code (STUNTING) or its name; "
            "the one of the workshop's year when several years have it. May be empty."
        ),
    ),
    Column(
        "indicator",
        "Indikator",
        ("Indicator", "Indikator kinerja"),
        required=True,
        help=_l("How achievement is measured (at most 500 characters)."),
    ),
    Column(
        "target",
        "Target",
        ("Target capaian",),
        required=True,
        help=_l("The target to reach (at most 500 characters)."),
    ),
    Column(
        "due_on",
        "Batas waktu",
        ("Due date", "Tenggat waktu", "Tanggal jatuh tempo", "Batas waktu penyelesaian"),
        required=True,
        help=_l(
            "The due date (26/07/2023, 26-07-2023, 26 Juli 2023 or an Excel date), "
            "not before the workshop."
        ),
    ),
    Column(
        "made_by",
        "Dibuat oleh",
        ("Made by", "Pembuat komitmen"),
        help=_l(
            "The head who made the commitment: NIP, e-mail or name of an official. May be empty."
        ),
    ),
    Column(
        "carried_out_by",
        "Pelaksana",
        ("Carried out by", "Penanggung jawab"),
        help=_l(
            "The official of the same OPD who carries it out (usually the secretary): "
            "NIP, e-mail or name. May be empty."
        ),
    ),
    Column(
        "status",
        "Status",
        (),
        help=_l(
            "For information only: the import never sets or changes the status. A new "
            "commitment starts in progress; afterwards the status follows the OPD's reports "
            "and the Inspektorat's verification in the tracker."
        ),
    ),
    Column(
        "progress",
        "Kemajuan (%)",
        ("Progress (%)", "Progres (%)"),
        help=_l(
            "For information only: the import never sets or changes the progress. A new "
            "commitment starts with no progress; the OPD reports its progress in the tracker."
        ),
    ),
    Column(
        "version",
        "Versi",
        ("Version",),
        help=_l(
            "Written by the tracker's export; leave it as it is. A row older than the "
            "commitment in the tracker is reported as a conflict instead of overwriting it. "
            "Empty for new commitments."
        ),
    ),
)

#: Example rows for the template: the workshop of 26 July 2023 (see tracker.demo).
TEMPLATE_EXAMPLE: list[dict[str, Any]] = [
    {
        "workshop": "Workshop Penguatan Kapasitas Perangkat Daerah",
        "workshop_date": dt.date(2023, 7, 26),
        "opd": "DINKES",
        "opd_name": "Dinas Kesehatan",
        "statement": (
            "Melaksanakan penimbangan serentak dan pemantauan status gizi seluruh balita di "
            "posyandu Kota Malang"
        ),
        "area": "STUNTING",
        "indicator": "Persentase balita ditimbang dan dipantau status gizinya",
        "target": "100% balita di 57 kelurahan",
        "due_on": dt.date(2023, 12, 31),
        "made_by": "198001012005011001",
        "carried_out_by": "sekretaris.dinkes@malangkota.go.id",
    },
    {
        "workshop": "Workshop Penguatan Kapasitas Perangkat Daerah",
        "workshop_date": dt.date(2023, 7, 26),
        "opd": "DISKOMINFO",
        "opd_name": "Dinas Komunikasi dan Informatika",
        "statement": (
            "Mengintegrasikan aplikasi layanan publik perangkat daerah ke portal layanan "
            "tunggal Kota Malang"
        ),
        "area": "DIGITALISASI",
        "indicator": "Jumlah aplikasi layanan yang terintegrasi dengan portal",
        "target": "30 aplikasi",
        "due_on": dt.date(2024, 6, 30),
        "made_by": "",
        "carried_out_by": "",
    },
]

#: Field of the service → column key (to name the column of a service's error).
#: a cell that is meant as an NIP: digits, with spaces, dots or dashes between the parts
NIP_LIKE = re.compile(r"'?\d[\d\s.\-]*\d")

FIELD_COLUMN = {
    "opd_id": "opd",
    "workshop_id": "workshop",
    "made_by_id": "made_by",
    "carried_out_by_id": "carried_out_by",
    "thematic_area_id": "area",
    "statement": "statement",
    "indicator": "indicator",
    "target": "target",
    "due_on": "due_on",
}

#: Labels of the fields in the dry run's list of changes.
FIELD_LABELS = {
    "opd_id": _l("OPD"),
    "workshop_id": _l("Workshop"),
    "made_by_id": _l("Made by"),
    "carried_out_by_id": _l("Carried out by"),
    "thematic_area_id": _l("Thematic area"),
    "statement": _l("Commitment"),
    "indicator": _l("Indicator"),
    "target": _l("Target"),
    "due_on": _l("Due date"),
}


def norm(value: Any) -> str:
    """Text compared case- and spacing-insensitively."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown_cell(value: Any) -> str | None:
    """A cell as text, to look it up or to quote it in a message."""
    try:
        return values.text(value, 10_000)
    except values.BadValue:  # pragma: no cover - the limit is far above any cell
        return None


def parse_version(value: Any) -> int | None:
    text = _shown_cell(value)
    if text is None:
        return None
    if text.isdigit() and len(text) < 10:
        return int(text)
    raise values.BadValue(
        _("'%(value)s' is not a version number; leave it as exported.", value=text[:60])
    )


def _suggest(value: str, options: dict[str, str]) -> str | None:
    """The option most like ``value`` (options: normalised text → what to show)."""
    close = difflib.get_close_matches(norm(value), list(options), n=1, cutoff=0.6)
    return options[close[0]] if close else None


def _unknown(value: str, suggestion: str | None) -> str:
    if suggestion:
        return _(
            "'%(value)s' is not known; did you mean %(suggestion)s?",
            value=value[:80],
            suggestion=suggestion,
        )
    return _("'%(value)s' is not known.", value=value[:80])


def _workshop_label(workshop: Workshop) -> str:
    return f"{workshop.title} ({date_short(service.workshop_day(workshop))})"


# --- what planning reads, in a fixed number of queries -----------------------------------


@dataclass
class Lookups:
    opds: list[Opd]
    workshops: list[Workshop]
    areas: list[ThematicArea]
    people: list[Person]
    opd_lookup: values.OpdLookup | None = None
    person_lookup: values.PersonLookup | None = None
    workshops_by_title: dict[str, list[Workshop]] = field(default_factory=dict)
    areas_by_key: dict[str, list[ThematicArea]] = field(default_factory=dict)
    people_by_name: dict[str, list[Person]] = field(default_factory=dict)
    #: every record by id (also keeps them in the session's identity map while planning,
    #: so that the service's checks find them without a query)
    by_id: dict[tuple[type, int], Any] = field(default_factory=dict)
    #: (workshop id, OPD id, normalised statement) → commitments
    commitments: dict[tuple[int | None, int, str], list[Commitment]] = field(default_factory=dict)

    @classmethod
    def load(cls, table: Table) -> Lookups:
        opds = list(db.session.scalars(select(Opd)))
        workshops = list(db.session.scalars(select(Workshop).order_by(Workshop.starts_at)))
        areas = list(
            db.session.scalars(
                select(ThematicArea).order_by(ThematicArea.year.desc(), ThematicArea.id)
            )
        )
        people = list(db.session.scalars(select(Person).order_by(Person.id)))
        found = cls(opds, workshops, areas, people)
        for record in (*opds, *workshops, *areas, *people):
            found.by_id[(type(record), record.id)] = record
        found.opd_lookup = values.OpdLookup(opds)
        found.person_lookup = values.PersonLookup(people)
        for workshop in workshops:
            found.workshops_by_title.setdefault(norm(workshop.title), []).append(workshop)
        for area in areas:
            for key in {norm(area.code), norm(area.name)}:
                found.areas_by_key.setdefault(key, []).append(area)
        for person in people:
            found.people_by_name.setdefault(norm(person.name), []).append(person)
        opd_ids = {
            opd.id
            for row in table.rows
            for key in ("opd", "opd_name")
            if (opd := found.opd_lookup.get(row.get(key))) is not None
        }
        if opd_ids:
            for commitment in db.session.scalars(
                select(Commitment).where(Commitment.opd_id.in_(sorted(opd_ids)))
            ):
                key = (commitment.workshop_id, commitment.opd_id, norm(commitment.statement))
                found.commitments.setdefault(key, []).append(commitment)
        return found

    def get(self, model: type, record_id: int | None) -> Any:
        return self.by_id.get((model, record_id)) if record_id is not None else None

    def shown(self, name: str, value: Any) -> str:
        """A field's value as people know it, for the dry run."""
        if value is None:
            return ""
        if name == "opd_id":
            opd = self.get(Opd, value)
            return f"{opd.code} — {opd.name}" if opd else f"#{value}"
        if name == "workshop_id":
            workshop = self.get(Workshop, value)
            return _workshop_label(workshop) if workshop else f"#{value}"
        if name == "thematic_area_id":
            area = self.get(ThematicArea, value)
            return f"{area.name} ({area.year})" if area else f"#{value}"
        if name in ("made_by_id", "carried_out_by_id"):
            person = self.get(Person, value)
            return person.name if person else f"#{value}"
        if isinstance(value, dt.date):
            return date_short(value)
        return str(value)


# --- reading one row -------------------------------------------------------------------


@dataclass
class ReadRow:
    """One row's values for the service, and the problems of its cells by column key."""

    row: Row
    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    version: int | None = None
    key: tuple[int | None, int, str] | None = None
    current: Commitment | None = None


class RowReader:
    def __init__(self, table: Table, lookups: Lookups) -> None:
        self.table = table
        self.lookups = lookups
        # the latest workshop of a title is the one suggested
        self.workshop_options = {norm(w.title): _workshop_label(w) for w in lookups.workshops}
        self.area_options = {norm(a.code): a.code for a in lookups.areas} | {
            norm(a.name): a.name for a in lookups.areas
        }
        self.people_options = {norm(p.name): p.name for p in lookups.people}

    def has(self, key: str) -> bool:
        return key in self.table.found

    def read(self, row: Row) -> ReadRow:
        read = ReadRow(row)
        self._opd(read)
        self._workshop(read)
        statement = self._text(read, "statement", service.STATEMENT_MAX)
        read.values["statement"] = statement
        opd_id, workshop_id = read.values.get("opd_id"), read.values.get("workshop_id")
        workshop_known = not {"workshop", "workshop_date"} & read.problems.keys()
        if statement and opd_id and workshop_known:
            read.key = (workshop_id, opd_id, norm(statement))
            matches = self.lookups.commitments.get(read.key, [])
            if len(matches) > 1:
                read.problems["statement"] = _(
                    "Several commitments of this OPD at this workshop have this statement; "
                    "correct them in the tracker first."
                )
            elif matches:
                read.current = matches[0]
        current = read.current
        for key, limit in (("indicator", service.INDICATOR_MAX), ("target", service.TARGET_MAX)):
            if self.has(key) or current is None:
                read.values[key] = self._text(read, key, limit)
            else:
                read.values[key] = getattr(current, key)
        if self.has("due_on") or current is None:
            try:
                read.values["due_on"] = values.date(row.get("due_on"))
            except values.BadValue as exc:
                read.problems["due_on"] = exc.message
        else:
            read.values["due_on"] = current.due_on
        self._area(read)
        for key in ("made_by", "carried_out_by"):
            self._person(read, key)
        try:
            read.version = parse_version(row.get("version"))
        except values.BadValue as exc:
            read.problems["version"] = exc.message
        return read

    @staticmethod
    def _text(read: ReadRow, key: str, limit: int) -> str | None:
        try:
            return values.text(read.row.get(key), limit)
        except values.BadValue as exc:
            read.problems[key] = exc.message
            return None

    def _opd(self, read: ReadRow) -> None:
        assert self.lookups.opd_lookup is not None
        for key in ("opd", "opd_name"):
            cell = read.row.get(key)
            if _blank(cell):
                continue
            try:
                opd = self.lookups.opd_lookup.find(cell)
            except values.BadValue as exc:
                read.problems[key] = exc.message
            else:
                assert opd is not None
                read.values["opd_id"] = opd.id
            return
        read.problems["opd"] = _("Enter the OPD's code or name.")

    def _workshop(self, read: ReadRow) -> None:
        title = _shown_cell(read.row.get("workshop"))
        try:
            day = values.date(read.row.get("workshop_date"))
        except values.BadValue as exc:
            read.problems["workshop_date"] = exc.message
            day = None
        if title is None:
            read.values["workshop_id"] = None
            if day is not None:
                read.problems["workshop"] = _("Enter the workshop's title too.")
            return
        candidates = self.lookups.workshops_by_title.get(norm(title), [])
        if day is not None:
            dated = [w for w in candidates if service.workshop_day(w) == day]
            if candidates and not dated:
                read.problems["workshop_date"] = _(
                    "No workshop '%(title)s' on %(date)s; it took place on %(dates)s.",
                    title=title[:80],
                    date=date_short(day),
                    dates=", ".join(date_short(service.workshop_day(w)) for w in candidates),
                )
                return
            candidates = dated
        if not candidates:
            read.problems["workshop"] = _unknown(title, _suggest(title, self.workshop_options))
        elif len(candidates) > 1:
            read.problems["workshop"] = _(
                "Several workshops are titled '%(title)s'; enter the workshop's date (%(dates)s).",
                title=title[:80],
                dates=", ".join(date_short(service.workshop_day(w)) for w in candidates),
            )
        else:
            read.values["workshop_id"] = candidates[0].id

    def _area(self, read: ReadRow) -> None:
        current = read.current
        if not self.has("area") and current is not None:
            read.values["thematic_area_id"] = current.thematic_area_id
            return
        text = _shown_cell(read.row.get("area"))
        if text is None:
            read.values["thematic_area_id"] = None
            return
        candidates = self.lookups.areas_by_key.get(norm(text), [])
        if not candidates:
            read.problems["area"] = _unknown(text, _suggest(text, self.area_options))
            return
        if current is not None and current.thematic_area_id in {a.id for a in candidates}:
            read.values["thematic_area_id"] = current.thematic_area_id
            return
        active = [a for a in candidates if a.active] or candidates
        years = []
        workshop_id = read.values.get("workshop_id")
        workshop = self.lookups.get(Workshop, workshop_id)
        if workshop is not None:
            years.append(service.workshop_day(workshop).year)
        if isinstance(read.values.get("due_on"), dt.date):
            years.append(read.values["due_on"].year)
        chosen = next((a for y in years for a in active if a.year == y), active[0])
        read.values["thematic_area_id"] = chosen.id

    def _person(self, read: ReadRow, key: str) -> None:
        """An official by NIP (spaces allowed), e-mail or name (the row's OPD's first)."""
        assert self.lookups.person_lookup is not None
        name = f"{key}_id"
        current = read.current
        if not self.has(key) and current is not None:
            read.values[name] = getattr(current, name)
            return
        cell = read.row.get(key)
        text = _shown_cell(cell)
        if text is None:
            read.values[name] = None
            return
        if "@" in text or isinstance(cell, int | float) or NIP_LIKE.fullmatch(text):
            try:
                person = self.lookups.person_lookup.find(cell)
            except values.BadValue as exc:
                read.problems[key] = exc.message
            else:
                read.values[name] = person.id if person is not None else None
            return
        candidates = self.lookups.people_by_name.get(norm(text), [])
        if current is not None and getattr(current, name) in {p.id for p in candidates}:
            read.values[name] = getattr(current, name)
            return
        if len(candidates) > 1:
            own = [p for p in candidates if p.opd_id == read.values.get("opd_id")]
            candidates = own or candidates
        if not candidates:
            read.problems[key] = _unknown(text, _suggest(text, self.people_options))
        elif len(candidates) > 1:
            read.problems[key] = _(
                "Several officials are named '%(name)s'; enter the NIP or e-mail instead.",
                name=text[:80],
            )
        else:
            read.values[name] = candidates[0].id


# --- the plan ----------------------------------------------------------------------------


def _heading(table: Table, key: str) -> str:
    column = next(c for c in COLUMNS if c.key == key)
    return table.found.get(key) or column.heading


def _label(lookups: Lookups, read: ReadRow) -> str:
    opd = lookups.get(Opd, read.values.get("opd_id"))
    statement = " ".join((read.values.get("statement") or "").split())
    if len(statement) > 80:
        statement = statement[:79] + "…"
    return f"{opd.code} — {statement}" if opd else statement


def _edited_after(candidates: dict[int, int]) -> set[int]:
    """The commitments (id → version seen in the file) edited in the tracker since then."""
    if not candidates:
        return set()
    rows = db.session.execute(
        select(ProgressUpdate.commitment_id, ProgressUpdate.version).where(
            ProgressUpdate.commitment_id.in_(sorted(candidates)),
            ProgressUpdate.kind == UpdateKind.EDIT,
        )
    ).all()
    return {r.commitment_id for r in rows if r.version > candidates[r.commitment_id]}


def _create(values: dict[str, Any], context: Context) -> None:
    service.create_commitment(values, actor=context.actor, now=context.now, activate=True)


def _update(
    commitment: Commitment,
    values: dict[str, Any],
    version: int,
    note: str,
    context: Context,
) -> None:
    service.edit_commitment(
        commitment,
        values,
        actor=context.actor,
        now=context.now,
        expected_version=version,
        note=note,
    )


def plan(table: Table, context: Context) -> Plan:
    """What importing ``table`` would do; reads only."""
    result = Plan(KIND)
    lookups = Lookups.load(table)
    reader = RowReader(table, lookups)
    read_rows: list[ReadRow] = []
    first_row: dict[tuple[int | None, int, str], int] = {}
    for row in table.rows:
        read = reader.read(row)
        if read.key is not None:
            if read.key in first_row:
                read.problems["statement"] = _(
                    "The same workshop, OPD and commitment as row %(row)d.",
                    row=first_row[read.key],
                )
            else:
                first_row[read.key] = row.number
        if read.version is not None and read.current is None and read.key is not None:
            read.problems.setdefault(
                "version",
                _(
                    "No commitment of this OPD at this workshop has this statement, but the row "
                    "has a version: the statement was changed in the file or in the tracker. "
                    "Correct it in the tracker, or clear the version to add a new commitment."
                ),
            )
        try:
            clean = service.clean_values(read.values, current=read.current)
        except service.InvalidValues as exc:
            for error in exc.errors:
                _add_error(read, error)
        else:
            read.values = clean
        read_rows.append(read)

    stale = {
        r.current.id: r.version
        for r in read_rows
        if r.current is not None and r.version is not None and r.version < r.current.version
    }
    edited = _edited_after(stale)
    note = _("Changed by the import of %(file)s.", file=table.file_name[:200])

    for read in read_rows:
        number = read.row.number
        for key, message in read.problems.items():
            result.problems.append(Problem(number, _heading(table, key), message))
        if read.problems:
            continue
        label = _label(lookups, read)
        current = read.current
        if current is None:
            result.rows.append(
                PlannedRow(
                    number,
                    Action.CREATE,
                    label,
                    apply=partial(_create, dict(read.values), context),
                )
            )
            continue
        changes = {
            str(FIELD_LABELS[name]): (
                lookups.shown(name, getattr(current, name)),
                lookups.shown(name, value),
            )
            for name, value in read.values.items()
            if getattr(current, name) != value
        }
        if not changes:
            result.rows.append(PlannedRow(number, Action.UNCHANGED, label))
        elif current.id in edited:
            result.rows.append(PlannedRow(number, Action.CONFLICT, label, changes))
        else:
            result.rows.append(
                PlannedRow(
                    number,
                    Action.UPDATE,
                    label,
                    changes,
                    apply=partial(
                        _update, current, dict(read.values), current.version, note, context
                    ),
                )
            )
    return result


def _add_error(read: ReadRow, error: DomainError) -> None:
    """Name the column of a service's error (the first problem of a cell wins)."""
    key = FIELD_COLUMN.get(error.field or "", "statement")
    if key == "opd" and _blank(read.row.get("opd")):
        key = "opd_name"
    read.problems.setdefault(key, error.message)


__all__ = ["COLUMNS", "KIND", "TEMPLATE_EXAMPLE", "plan"]
