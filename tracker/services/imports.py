"""Importing a spreadsheet: the dry run (:func:`check`), then the import (:func:`confirm`).

``check`` reads the uploaded file with :func:`tracker.imports.table.read_table` (which
refuses a file too large, of the wrong type or without a header row), keeps the file
under ``UPLOAD_FOLDER/imports/`` with an :class:`ImportBatch` (status ``checked``, the
counts of its dry run) and returns the kind's plan. Nothing else is written.

``confirm`` reads the kept file again and plans it again (the data may have changed since
the dry run): a plan with any problem or conflict is refused and nothing changes;
otherwise every planned row is applied in order, in the caller's one transaction
(flushed, never committed). The batch is then ``imported`` with its counts and who
confirmed it: the audit log's entry of that change is the import's record (file name,
counts, by whom). A batch confirmed twice (a double click, two tabs) imports once: the
second finds it imported, or, racing the first, fails its version check.

:func:`run` is the command line's way: the same reading and planning, applied at once
when the plan is ok, with an ``imported`` batch credited to the login it acts for (none
when there is no login yet: then only the kinds whose services need no user import).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage

from tracker.extensions import db
from tracker.files import open_private, private_folder
from tracker.i18n import number
from tracker.imports.base import (
    Action,
    Context,
    ImportKind,
    ImportRefused,
    Plan,
    PlannedRow,
    Problem,
    Table,
)
from tracker.imports.kinds import planner
from tracker.models.import_batch import ImportBatch, ImportStatus
from tracker.permissions import can_import
from tracker.services.errors import DomainError, NotAllowed
from tracker.services.findings import today_of
from tracker.services.records import flush
from tracker.uploads import NotReceived, clean_filename, not_received_message, upload_folder

#: the kept files' folder, under UPLOAD_FOLDER
FOLDER = "imports"
#: the file types read_table reads, as kept on disk and served back
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def kinds() -> list[ImportKind]:
    return list(ImportKind)


def kind_label(kind: ImportKind | str) -> str:
    labels = {
        ImportKind.OPDS: _("OPDs"),
        ImportKind.OFFICIALS: _("Officials"),
        ImportKind.COMMITMENTS: _("Commitments"),
        ImportKind.FINDINGS: _("Findings and recommendations (TLHP matrix)"),
    }
    try:
        return labels[ImportKind(kind)]
    except ValueError:
        return str(kind)


def allowed_kinds(user: Any) -> list[ImportKind]:
    """The kinds ``user`` may import, in the order the page lists them."""
    return [kind for kind in ImportKind if can_import(kind, user)]


def parse_kind(value: Any) -> ImportKind:
    try:
        return ImportKind(str(value or "").strip().lower())
    except ValueError:
        raise DomainError(_("Choose what the file holds."), field="kind") from None


def _require(kind: ImportKind, actor: Any) -> None:
    if not can_import(kind, actor):
        raise NotAllowed(_("You may not import %(kind)s.", kind=kind_label(kind)))


# --- messages -----------------------------------------------------------------------------


def problem_text(problem: Problem) -> str:
    """'Baris 14, kolom OPD: …' in the interface's language."""
    if problem.row is not None and problem.column:
        return _(
            "Row %(row)s, column %(column)s: %(message)s",
            row=problem.row,
            column=problem.column,
            message=problem.message,
        )
    if problem.row is not None:
        return _("Row %(row)s: %(message)s", row=problem.row, message=problem.message)
    if problem.column:
        return _("Column %(column)s: %(message)s", column=problem.column, message=problem.message)
    return problem.message


def conflict_text(row: PlannedRow) -> str:
    return _(
        "Row %(row)s: %(label)s was changed in the tracker after this file was exported; "
        "it is not overwritten (conflict).",
        row=row.row,
        label=row.label,
    )


def plan_lines(plan: Plan) -> list[str]:
    """Every problem, then every conflict, one line each (the command line prints them)."""
    lines = [problem_text(p) for p in plan.problems]
    lines += [conflict_text(r) for r in plan.rows if r.action is Action.CONFLICT]
    return lines


def summary_text(plan: Plan) -> str:
    return _(
        "%(created)s to create, %(updated)s to update, %(unchanged)s unchanged, "
        "%(conflicts)s conflicts, %(problems)s problems",
        created=number(plan.count(Action.CREATE)),
        updated=number(plan.count(Action.UPDATE)),
        unchanged=number(plan.count(Action.UNCHANGED)),
        conflicts=number(plan.count(Action.CONFLICT)),
        problems=number(len(plan.problems)),
    )


def imported_text(plan: Plan) -> str:
    """'Diimpor: 12 dibuat, 3 diperbarui, 40 tidak berubah'."""
    return _(
        "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged",
        created=number(plan.count(Action.CREATE)),
        updated=number(plan.count(Action.UPDATE)),
        unchanged=number(plan.count(Action.UNCHANGED)),
    )


# --- reading ------------------------------------------------------------------------------


def upload_bytes(upload: FileStorage | None) -> tuple[bytes, str]:
    """The content and display name of an uploaded file, or a DomainError at ``file``."""
    if upload is None or not upload.filename:
        raise DomainError(_("No file was chosen."), field="file")
    if isinstance(upload.stream, NotReceived):
        raise DomainError(not_received_message(), field="file")
    return upload.stream.read(), clean_filename(upload.filename)


def _table(kind: ImportKind, data: bytes, file_name: str) -> Table:
    from tracker.imports.table import read_table

    try:
        return read_table(data, file_name, planner(kind).COLUMNS)
    except ImportRefused as exc:
        raise DomainError(exc.message, field="file") from exc


def _plan(kind: ImportKind, table: Table, *, actor: Any, now: dt.datetime) -> Plan:
    context = Context(actor=actor, today=today_of(now), now=now)
    return planner(kind).plan(table, context)  # type: ignore[no-any-return]


def _extension(file_name: str) -> str:
    ext = file_name.rpartition(".")[2].lower() if "." in file_name else ""
    return ext if ext in CONTENT_TYPES else "csv"


def content_type(batch: ImportBatch) -> str:
    return CONTENT_TYPES.get(batch.stored_name.rpartition(".")[2], "application/octet-stream")


def keep_file(data: bytes, file_name: str, today: dt.date) -> tuple[str, str]:
    """Write the file under the upload folder; (its stored name, its SHA-256)."""
    try:
        folder = private_folder(
            upload_folder() / FOLDER / f"{today.year:04d}" / f"{today.month:02d}"
        )
        path = folder / f"{uuid.uuid4().hex}.{_extension(file_name)}"
        with open_private(path) as out:
            out.write(data)
    except OSError as exc:
        raise DomainError(
            _(
                "The file %(name)s could not be stored on the server (the disk may be full). "
                "Nothing was saved; please try again later or tell the administrator.",
                name=file_name,
            ),
            field="file",
        ) from exc
    return path.relative_to(upload_folder()).as_posix(), hashlib.sha256(data).hexdigest()


def stored_path(batch: ImportBatch) -> Path:
    from tracker.uploads import stored_path as path_of

    return path_of(batch.stored_name)


def _read_kept(batch: ImportBatch) -> bytes:
    try:
        return stored_path(batch).read_bytes()
    except OSError as exc:
        raise DomainError(
            _("The file of this import is no longer on the server; upload it again.")
        ) from exc


def _count(batch: ImportBatch, plan: Plan, rows: int) -> None:
    """An imported batch's counts: what was created, updated, left unchanged. A checked
    one keeps only its rows and problems (:func:`check`), so that the audit log's entry
    of the import itself carries the counts."""
    batch.rows = rows
    batch.created = plan.count(Action.CREATE)
    batch.updated = plan.count(Action.UPDATE)
    batch.unchanged = plan.count(Action.UNCHANGED)
    batch.problems = len(plan.problems) + plan.count(Action.CONFLICT)


# --- the dry run and the import -------------------------------------------------------------


def check(
    kind: ImportKind | str, data: bytes, file_name: str, *, actor: Any, now: dt.datetime
) -> tuple[ImportBatch, Plan]:
    """The dry run of an uploaded file: kept, recorded (``checked``), planned."""
    kind = parse_kind(kind)
    _require(kind, actor)
    file_name = clean_filename(file_name)[:200]
    table = _table(kind, data, file_name)
    plan = _plan(kind, table, actor=actor, now=now)
    stored_name, sha = keep_file(data, file_name, today_of(now))
    batch = ImportBatch(
        kind=kind.value,
        file_name=file_name,
        stored_name=stored_name,
        size=len(data),
        sha256=sha,
        status=ImportStatus.CHECKED,
        uploaded_by=actor,
        uploaded_at=now,
    )
    batch.rows = len(table.rows)
    batch.problems = len(plan.problems) + plan.count(Action.CONFLICT)
    db.session.add(batch)
    flush()
    return batch, plan


def replan(batch: ImportBatch, *, actor: Any, now: dt.datetime) -> Plan:
    """The plan of a kept file as of now (what confirming it would do)."""
    kind = ImportKind(batch.kind)
    _require(kind, actor)
    table = _table(kind, _read_kept(batch), batch.file_name)
    return _plan(kind, table, actor=actor, now=now)


def dry_run(batch: ImportBatch, *, actor: Any, now: dt.datetime) -> tuple[Plan | None, str | None]:
    """What the batch's page shows: the plan of a file not imported yet, or why the kept
    file cannot be planned any more (planning writes nothing, so it is only reported);
    neither for an imported one."""
    if batch.status is not ImportStatus.CHECKED:
        return None, None
    try:
        return replan(batch, actor=actor, now=now), None
    except DomainError as exc:
        return None, exc.message


def already_imported() -> str:
    return _("This file has already been imported; nothing was imported twice.")


def confirm(batch: ImportBatch, *, actor: Any, now: dt.datetime) -> Plan:
    """Import a checked file: all of it in the caller's transaction, or nothing."""
    kind = ImportKind(batch.kind)
    _require(kind, actor)
    if batch.status is ImportStatus.IMPORTED:
        raise DomainError(already_imported())
    table = _table(kind, _read_kept(batch), batch.file_name)
    plan = _plan(kind, table, actor=actor, now=now)
    if not plan.ok:
        raise DomainError(
            _(
                "The file can no longer be imported as it stands (%(summary)s): nothing was "
                "imported. Read the problems below, correct the file and upload it again.",
                summary=summary_text(plan),
            )
        )
    # Claim the batch first: a second confirmation racing this one waits for it here and
    # then fails the version check, before it has applied anything.
    batch.status = ImportStatus.IMPORTED
    batch.imported_by_id = actor.id
    batch.imported_at = now
    _count(batch, plan, len(table.rows))
    flush(already_imported())
    _apply(plan)
    return plan


def _apply(plan: Plan) -> None:
    for row in plan.rows:
        if row.apply is not None and row.action in (Action.CREATE, Action.UPDATE):
            row.apply()
    flush()


# --- the template ---------------------------------------------------------------------------


def template_workbook(kind: ImportKind | str) -> Workbook:
    """The kind's template: sheet 1 its columns' headings (as the tracker's export writes
    them) and example rows; sheet 2 what each column holds, whether it is required and
    the values it allows."""
    from openpyxl.styles import Alignment

    from tracker.documents import new_workbook, write_table

    kind = parse_kind(kind)
    module = planner(kind)
    columns = list(module.COLUMNS)
    workbook = new_workbook()
    sheet = workbook.create_sheet(kind_label(kind)[:31].replace("/", "-"))
    write_table(
        sheet,
        [c.heading for c in columns],
        [[example.get(c.key) for c in columns] for example in module.TEMPLATE_EXAMPLE],
        widths=[max(14, min(40, len(c.heading) + 4)) for c in columns],
    )
    explained = workbook.create_sheet(_("Explanation")[:31])
    yes, no = _("Yes"), _("No")
    write_table(
        explained,
        [_("Column"), _("Required"), _("What to write")],
        [[c.heading, yes if c.required else no, str(c.help or "")] for c in columns],
        widths=[30, 10, 90],
    )
    for row in explained.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(vertical="top", wrap_text=True)
    return workbook


def template_filename(kind: ImportKind | str) -> str:
    return f"templat-impor-{parse_kind(kind).value}.xlsx"


@dataclass(frozen=True)
class RunResult:
    plan: Plan
    rows: int
    #: the record of the import (None: a dry run, a plan with problems, or no user)
    batch: ImportBatch | None
    imported: bool


def run(
    kind: ImportKind | str,
    data: bytes,
    file_name: str,
    *,
    now: dt.datetime,
    actor: Any = None,
    dry_run: bool = False,
) -> RunResult:
    """The command line's import: read and plan the file once; unless ``dry_run``, and
    only when the plan is ok, import it at once, kept with an ``imported`` batch credited
    to ``actor`` (None: no login to credit, no batch; the kinds whose services need one
    refuse). The caller commits, or rolls back a dry run."""
    kind = parse_kind(kind)
    if actor is not None:
        _require(kind, actor)
    file_name = clean_filename(file_name)[:200]
    table = _table(kind, data, file_name)
    plan = _plan(kind, table, actor=actor, now=now)
    if dry_run or not plan.ok:
        return RunResult(plan, len(table.rows), None, False)
    batch = None
    if actor is not None:
        stored_name, sha = keep_file(data, file_name, today_of(now))
        batch = ImportBatch(
            kind=kind.value,
            file_name=file_name,
            stored_name=stored_name,
            size=len(data),
            sha256=sha,
            status=ImportStatus.IMPORTED,
            uploaded_by=actor,
            uploaded_at=now,
            imported_by=actor,
            imported_at=now,
        )
        _count(batch, plan, len(table.rows))
        db.session.add(batch)
        flush()
    _apply(plan)
    return RunResult(plan, len(table.rows), batch, True)


__all__ = [
    "RunResult",
    "allowed_kinds",
    "check",
    "confirm",
    "content_type",
    "imported_text",
    "kind_label",
    "kinds",
    "parse_kind",
    "plan_lines",
    "problem_text",
    "replan",
    "run",
    "stored_path",
    "summary_text",
    "template_filename",
    "template_workbook",
    "upload_bytes",
]
