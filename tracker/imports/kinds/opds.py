"""Import of the OPD list (kind ``opds``), matched by the OPD code, case-insensitively.

One source of truth for the columns: each column is written once, as the English source
string of its heading (``HEADINGS``, marked for translation). The export writes
``gettext(english)`` (Indonesian for an Indonesian user, English for an English one); the
import's :class:`~tracker.imports.base.Column` takes as its ``heading`` the Indonesian
translation of the same string, read from the compiled catalog when the module loads (the
files people keep are in Indonesian), and the English string itself among the
``synonyms``, after the usual headings of real lists. So an export in either language
reads back, and a heading renamed in ``messages.po`` renames it in the export, the
template and the import at once.

The helpers here (reading cells, labels of enums, yes/no, versions, problems by row and
column) are shared with :mod:`tracker.imports.kinds.officials`.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.support import Translations
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from tracker.extensions import db
from tracker.i18n import TRANSLATIONS_DIR
from tracker.imports import values as parse
from tracker.imports.base import (
    Action,
    Column,
    Context,
    ImportKind,
    Plan,
    PlannedRow,
    Problem,
    Table,
)
from tracker.models import Opd, OpdKind
from tracker.services import organisation
from tracker.services.errors import DomainError

KIND = ImportKind.OPDS

# --- shared helpers ----------------------------------------------------------------------


@functools.cache
def _catalog() -> Translations:
    return Translations.load(TRANSLATIONS_DIR, ["id"])


def source(message: LazyString | str) -> str:
    """The English source of a message marked with ``_l`` (its msgid: the argument the
    lazy string will translate)."""
    return message._args[0] if isinstance(message, LazyString) else message


def indonesian(message: LazyString | str) -> str:
    """The Indonesian of a message, without an application (for the columns, which are
    made when the module loads)."""
    return str(_catalog().gettext(source(message)))


@dataclass(frozen=True)
class Heading:
    """A column as written once: its key, its heading (``_l``: the export writes it in
    the user's language), the usual other headings of real files."""

    key: str
    english: LazyString
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: LazyString | str = ""


def make_columns(headings: Iterable[Heading]) -> tuple[Column, ...]:
    columns = []
    for h in headings:
        heading = indonesian(h.english)
        english = source(h.english)
        synonyms = tuple(dict.fromkeys(s for s in (*h.synonyms, english) if s != heading))
        columns.append(
            Column(
                key=h.key,
                heading=heading,
                synonyms=synonyms,
                required=h.required,
                help=indonesian(h.help) if h.help else "",
            )
        )
    return tuple(columns)


SPACES = re.compile(r"[\s_]+")
#: longer than any field: the service says how long each may be
TEXT_LIMIT = 100_000


def norm(value: str) -> str:
    """A value as compared: case-, spacing- and underscore-insensitive."""
    return SPACES.sub(" ", value).strip().casefold()


def text(value: Any) -> str | None:
    """A cell as text (:func:`tracker.imports.values.text`): None when blank; a whole
    number written without ``.0``. Lengths are the service's to check."""
    try:
        return parse.text(value, TEXT_LIMIT)
    except parse.BadValue:
        return str(value).strip()


def label_lookup(enum_cls: Any) -> dict[str, Any]:
    """Each member of a labelled enum by its value and by its label in Indonesian and
    English (normalised with :func:`norm`)."""
    lookup: dict[str, Any] = {}
    for member in enum_cls:
        lookup[norm(member.value)] = member
        for locale in ("en", "id"):
            with force_locale(locale):
                lookup.setdefault(norm(member.label), member)
    return lookup


def active_label(active: bool) -> str:
    return _("Active") if active else _("Inactive")


def status_lookup() -> dict[str, bool]:
    lookup: dict[str, bool] = {}
    for locale in ("en", "id"):
        with force_locale(locale):
            for word, value in (
                (_("Active"), True),
                (_("Inactive"), False),
                (_("Yes"), True),
                (_("No"), False),
            ):
                lookup.setdefault(norm(word), value)
    for word, value in (("1", True), ("0", False), ("true", True), ("false", False)):
        lookup[word] = value
    return lookup


def suggestion(value: str, candidates: Iterable[str]) -> str | None:
    by_norm = {norm(c): c for c in candidates}
    match = difflib.get_close_matches(norm(value), list(by_norm), n=1, cutoff=0.6)
    return by_norm[match[0]] if match else None


def unknown(value: str, hint: str | None) -> str:
    if hint:
        return _("'%(value)s' is not known; did you mean %(code)s?", value=value, code=hint)
    return _("'%(value)s' is not known.", value=value)


class RowReader:
    """Reads one row's cells and records its problems by row and column."""

    def __init__(self, table: Table, columns: Iterable[Column], number: int, cells: Any) -> None:
        self.table = table
        self.columns = {c.key: c for c in columns}
        self.number = number
        self.cells = cells
        self.problems: list[Problem] = []

    def heading(self, key: str) -> str:
        """The column's heading as the user reads it: as written in the file."""
        return self.table.found.get(key) or self.columns[key].heading

    def present(self, key: str) -> bool:
        return key in self.table.found

    def problem(self, key: str | None, message: str) -> None:
        self.problems.append(
            Problem(row=self.number, column=self.heading(key) if key else None, message=message)
        )

    def text(self, key: str) -> str | None:
        return text(self.cells.get(key))

    def choice(self, key: str, lookup: Mapping[str, Any]) -> Any:
        """A member by its label or value; None when blank (or unknown: a problem)."""
        raw = self.text(key)
        if raw is None:
            return None
        found = lookup.get(norm(raw))
        if found is None:
            self.problem(key, unknown(raw, suggestion(raw, self._labels(lookup))))
        return found

    @staticmethod
    def _labels(lookup: Mapping[str, Any]) -> list[str]:
        labels: dict[Any, str] = {}
        for member in lookup.values():
            if hasattr(member, "label"):
                labels.setdefault(member, member.label)
        return list(labels.values())

    def whole(self, key: str, low: int, high: int) -> int | None:
        raw = self.text(key)
        if raw is None:
            return None
        if not re.fullmatch(r"-?\d{1,9}", raw) or not low <= int(raw) <= high:
            self.problem(
                key, _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
            )
            return None
        return int(raw)

    def version(self) -> int | None:
        return self.whole("version", 1, 2_000_000_000)

    def domain(self, error: DomainError, fields: Mapping[str, str]) -> None:
        self.problem(fields.get(error.field or "", None), error.message)


def duplicate_message(first_row: int) -> str:
    return _("The same record is already in row %(row)d.", row=first_row)


def planned(
    result: Plan,
    reader: RowReader,
    *,
    label: str,
    record: Any,
    changes: dict[str, tuple[Any, Any]],
    version: int | None,
    apply: Callable[[], None],
) -> None:
    """Add the row to ``result``: created, updated, unchanged, or a conflict when the
    record changed in the tracker after the file's copy of it (its Versi) was taken."""
    if record is None:
        action = Action.CREATE
    elif not changes:
        action = Action.UNCHANGED
    elif version is not None and version < record.version:
        action = Action.CONFLICT
    else:
        action = Action.UPDATE
    result.rows.append(
        PlannedRow(
            row=reader.number,
            action=action,
            label=label,
            changes=changes if action in (Action.UPDATE, Action.CONFLICT) else {},
            apply=apply if action in (Action.CREATE, Action.UPDATE) else None,
        )
    )


def diff(
    reader: RowReader,
    record: Any,
    values: Mapping[str, Any],
    keys: Mapping[str, str],
    show: Callable[[str, Any], Any],
) -> dict[str, tuple[Any, Any]]:
    """What the row changes in ``record``, by the column heading as the user reads it
    (``keys``: field → column key), the values as the user reads them."""
    if record is None:
        return {}
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in values.items():
        before = getattr(record, field)
        if before != value:
            changes[reader.heading(keys[field])] = (show(field, before), show(field, value))
    return changes


# --- the columns -------------------------------------------------------------------------

HEADINGS = (
    Heading(
        "code",
        _l("OPD code"),
        ("Kode", "Kode OPD", "Kode Perangkat Daerah", "Kode SKPD", "Code"),
        required=True,
        help=_l("Capital letters, digits and underscores, e.g. DINKES. Rows are matched by it."),
    ),
    Heading(
        "name",
        _l("OPD name"),
        ("Nama", "Nama OPD", "Nama Perangkat Daerah", "Perangkat Daerah", "Nama SKPD", "Name"),
        required=True,
        help=_l("The OPD's full name; no two OPDs share one."),
    ),
    Heading(
        "kind",
        _l("Kind"),
        ("Jenis", "Jenis OPD", "Jenis Perangkat Daerah"),
        help=_l(
            "Secretariat, Inspectorate, agency, board, district, regional hospital, civil "
            "service police unit or other; left empty, guessed from the name."
        ),
    ),
    Heading(
        "sort_order",
        _l("Display order"),
        ("Urutan", "No. Urut", "Nomor Urut", "Order"),
        help=_l("A whole number from 0 to 100000; smaller numbers are listed first."),
    ),
    Heading(
        "active",
        _l("Status"),
        ("Aktif",),
        help=_l(
            "Active or Inactive; left empty, a new OPD is active and an existing one "
            "keeps its status."
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

#: The export's English headings in the order of the columns.
EXPORT_HEADINGS = tuple(h.english for h in HEADINGS)

TEMPLATE_EXAMPLE = [
    {
        "code": "DINKES",
        "name": "Dinas Kesehatan",
        "kind": indonesian("Agency (dinas)"),
        "sort_order": 100,
        "active": indonesian("Active"),
        "version": "",
    },
    {
        "code": "KEC_KLOJEN",
        "name": "Kecamatan Klojen",
        "kind": indonesian("District (kecamatan)"),
        "sort_order": 500,
        "active": indonesian("Active"),
        "version": "",
    },
]

#: What an OPD's name says of its kind, for files without a Jenis column.
NAME_KINDS = (
    ("sekretariat", OpdKind.SEKRETARIAT),
    ("inspektorat", OpdKind.INSPEKTORAT),
    ("dinas", OpdKind.DINAS),
    ("badan", OpdKind.BADAN),
    ("kecamatan", OpdKind.KECAMATAN),
    ("rsud", OpdKind.RSUD),
    ("rumah sakit", OpdKind.RSUD),
    ("satuan polisi pamong praja", OpdKind.SATPOL_PP),
    ("satpol", OpdKind.SATPOL_PP),
)
FIELDS = {"code": "code", "name": "name", "kind": "kind", "sort_order": "sort_order"}
SORT_MAX = 100_000
DEFAULT_SORT = 1000


def guess_kind(name: str | None) -> OpdKind:
    lowered = norm(name or "")
    for start, kind in NAME_KINDS:
        if lowered.startswith(start):
            return kind
    return OpdKind.DINAS


def export_row(opd: Opd) -> list[Any]:
    """An OPD as the export writes it (the columns' order)."""
    return [
        opd.code,
        opd.name,
        opd.kind.label,
        opd.sort_order,
        active_label(opd.active),
        opd.version,
    ]


def _show(field: str, value: Any) -> Any:
    if field == "kind":
        return OpdKind(value).label
    if field == "active":
        return active_label(value)
    return value


def plan(table: Table, context: Context) -> Plan:
    """What importing ``table`` would do; reads only (one query whatever its size)."""
    result = Plan(KIND)
    existing = list(db.session.scalars(select(Opd).order_by(Opd.id)))
    by_code = {o.code.upper(): o for o in existing}
    kinds = label_lookup(OpdKind)
    statuses = status_lookup()
    seen: dict[str, int] = {}
    #: each OPD's name once the file is imported (by the OPD's id, or the new row's number)
    final: dict[tuple[str, int], str] = {("opd", o.id): norm(o.name) for o in existing}
    #: the rows that give an OPD a name it does not have yet
    naming: dict[tuple[str, int], int] = {}

    for row in table.rows:
        reader = RowReader(table, COLUMNS, row.number, row.cells)
        raw_code = reader.text("code")
        record = by_code.get(raw_code.upper()) if raw_code else None
        kind = reader.choice("kind", kinds)
        sort_order = reader.whole("sort_order", 0, SORT_MAX)
        active = reader.choice("active", statuses)
        version = reader.version()
        name = reader.text("name")
        try:
            values = organisation.opd_values(
                code=raw_code or "",
                name=name or "",
                kind=kind or (record.kind if record else guess_kind(name)),
                sort_order=(
                    sort_order
                    if sort_order is not None
                    else (record.sort_order if record else DEFAULT_SORT)
                ),
            )
        except DomainError as error:
            reader.domain(error, FIELDS)
            values = None
        if active is None:
            active = record.active if record else True
        if values is not None:
            if values["code"] in seen:
                reader.problem("code", duplicate_message(seen[values["code"]]))
            else:
                seen[values["code"]] = row.number
                owner = ("opd", record.id) if record is not None else ("row", row.number)
                if final.get(owner) != norm(values["name"]):
                    final[owner] = norm(values["name"])
                    naming[owner] = row.number
        result.problems.extend(reader.problems)
        if reader.problems or values is None:
            continue
        changes = diff(reader, record, values, FIELDS, _show)
        if record is not None and record.active != active:
            changes[reader.heading("active")] = (active_label(record.active), active_label(active))
        planned(
            result,
            reader,
            label=f"{values['code']} — {values['name']}",
            record=record,
            changes=changes,
            version=version,
            apply=_apply(record, values, active),
        )

    # No two OPDs may share a name once the file is imported.
    owners: dict[str, list[tuple[str, int]]] = {}
    for owner, key in final.items():
        owners.setdefault(key, []).append(owner)
    clashing = sorted(
        naming[owner]
        for shared in owners.values()
        if len(shared) > 1
        for owner in shared
        if owner in naming
    )
    if clashing:
        heading = RowReader(table, COLUMNS, 0, {}).heading("name")
        message = _("An OPD with this name already exists.")
        result.problems.extend(Problem(number, heading, message) for number in clashing)
        result.rows = [r for r in result.rows if r.row not in set(clashing)]
        result.problems.sort(key=lambda p: p.row or 0)
    return result


def _apply(record: Opd | None, values: dict[str, Any], active: bool) -> Callable[[], None]:
    seen_version = record.version if record is not None else None

    def apply() -> None:
        if record is None:
            opd = organisation.create_opd(**values)
            if not active:
                organisation.set_opd_active(opd, False)
            return
        organisation.update_opd(record, **values, expected_version=seen_version)
        if record.active != active:
            organisation.set_opd_active(record, active)

    return apply


__all__ = ["COLUMNS", "EXPORT_HEADINGS", "KIND", "TEMPLATE_EXAMPLE", "export_row", "plan"]
