"""The shapes every import shares: a kind's columns, the table read from a file, and the
plan of what importing it would do (the dry run), row by row.

Flow: :func:`tracker.imports.table.read_table` finds the header row of an uploaded XLSX or
CSV and returns a :class:`Table` keyed by each :class:`Column`'s ``key``; the kind's
``plan(table, context)`` checks every row and returns a :class:`Plan` (what would be
created, updated or left unchanged, and every :class:`Problem` by row and column);
:func:`tracker.services.imports.confirm` applies a plan without problems in one
transaction. A plan with any problem changes nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class ImportKind(enum.StrEnum):
    OPDS = "opds"
    OFFICIALS = "officials"
    COMMITMENTS = "commitments"
    FINDINGS = "findings"


@dataclass(frozen=True)
class Column:
    """A column a kind reads. ``heading`` is the tracker's own heading (as its export and
    template write it, in Indonesian); ``synonyms`` the usual other headings of real files
    (matched case- and spacing-insensitively, like the heading)."""

    key: str
    heading: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    #: what the template's explanation sheet says of it (allowed values, format)
    help: str = ""


@dataclass
class Row:
    """One data row of the file: ``number`` as the user sees it (the spreadsheet's row
    number, or the CSV line), ``cells`` by column key (a missing column: absent)."""

    number: int
    cells: dict[str, Any]

    def get(self, key: str) -> Any:
        return self.cells.get(key)


@dataclass
class Table:
    file_name: str
    #: the columns found, by key: the heading as written in the file
    found: dict[str, str]
    rows: list[Row]
    #: the row number of the header row
    header_row: int = 1


@dataclass(frozen=True)
class Problem:
    """'Baris 14, kolom OPD: …': ``column`` is the heading as the user reads it."""

    row: int | None
    column: str | None
    message: str


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass
class PlannedRow:
    row: int
    action: Action
    #: what the row is, for the dry-run page ("DINKES — Dinas Kesehatan")
    label: str
    #: field label -> (before, after), for updates
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    #: makes the change (flushes, never commits); None for unchanged rows
    apply: Callable[[], None] | None = None


@dataclass
class Plan:
    kind: ImportKind
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action is action)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.count(Action.CONFLICT)


@dataclass(frozen=True)
class Context:
    """What a kind's planner may use besides the table."""

    actor: Any
    today: dt.date
    now: dt.datetime


class KindPlanner(Protocol):
    kind: ImportKind
    columns: Sequence[Column]

    def plan(self, table: Table, context: Context) -> Plan: ...


class ImportRefused(Exception):
    """The file as a whole cannot be read (too large, wrong type, no header row…):
    ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
