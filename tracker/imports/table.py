"""Reading an uploaded spreadsheet into a :class:`~tracker.imports.base.Table`.

:func:`read_table` takes the bytes of an ``.xlsx`` workbook or a ``.csv`` file as people
really keep them, not only the tracker's own template:

* **Type by content.** An ``.xlsx`` is a zip archive holding ``[Content_Types].xml`` and
  ``xl/workbook.xml``; anything else that is not plain text (an old ``.xls``, a PDF, a
  ``.docx``, an ``.xlsx`` that is really a CSV…) is refused, whatever its name says.
* **Limits before work.** The upload's size (``IMPORT_MAX_BYTES``); for a workbook the
  sizes its zip members declare, summed (``IMPORT_MAX_UNCOMPRESSED_BYTES``) and per member
  against its compressed size (``IMPORT_MAX_COMPRESSION_RATIO``), checked from the zip's
  directory before openpyxl opens anything, so a zip bomb is refused without being
  inflated (Python's zipfile never yields more than a member's declared size, so the
  declared sizes are a true bound); the number of data rows (``IMPORT_MAX_ROWS``), counted
  while reading and refused at the first row over it.
* **Values, not formulas.** Workbooks are opened read-only with ``data_only=True``: a
  formula cell gives the value Excel last computed; a text cell starting with ``=`` is
  text. In a CSV every cell is text, ``=SUM(…)`` included; nothing is ever evaluated.
* **CSV.** UTF-8 (with or without the byte order mark Excel writes), else Windows-1252;
  ``;`` (Excel with Indonesian regional settings) or ``,``, whichever makes more of the
  first rows read as the expected headings.
* **The header row wherever it is.** The first :data:`HEADER_SCAN_ROWS` rows of every
  worksheet are scored by how many of the kind's columns their cells name (the column's
  ``heading`` or one of its ``synonyms``, compared after :func:`normalise_heading`); the
  best row of the best sheet wins (the first on a tie), so title rows, logos and blank rows
  above it, and an explanation sheet beside it, do not matter. Two-row headings are
  understood: a group heading merged over several columns ("Temuan" above "Kode",
  "Uraian", "Nilai (Rp)") is carried rightwards across the row above the sub-headings
  (read-only mode does not report merged ranges), and each column is tried as
  "<group> <sub-heading>" ("Temuan Kode") before the sub-heading alone; a heading merged
  down over both rows ("No") is read from the upper row. A column is taken at its first
  match. Required columns not found are named in the refusal.
* **Rows.** Fully empty rows are skipped, and so is a totals row (its first text cell is
  "Jumlah" or "Total" …, and no required column other than that cell has a value).
  ``Row.number`` is the row number Excel shows (the CSV line the record starts on).
  Strings are stripped (empty → absent), numbers stay ``int``/``float``, dates stay
  ``datetime``/``date``; cells of columns the kind does not read are dropped.
* **Merged data cells.** A finding's cells merged down over the rows of its several
  recommendations come, in read-only mode, as a value in the first row and empty cells
  below it; the table keeps them that way, and the kind reads a row whose finding cells
  are empty as continuing the finding above it. The same holds for a CSV saved from such
  a sheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _

from tracker.config import DEFAULTS
from tracker.i18n import number
from tracker.imports.base import Column, ImportRefused, Row, Table

#: how many rows from the top of a sheet may hold the header row
HEADER_SCAN_ROWS = 30
#: the compression ratio is only checked for zip members at least this large: small parts
#: (styles, an empty sheet) may compress very well and inflate to nothing that matters
RATIO_MIN_MEMBER_BYTES = 1024 * 1024
#: first cells of a totals row (normalised)
TOTAL_LABELS = frozenset(
    {
        "jumlah",
        "total",
        "jumlah total",
        "total jumlah",
        "jumlah keseluruhan",
        "total keseluruhan",
        "grand total",
        "sub total",
        "subtotal",
    }
)

MB = 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc
TEXT_NAMES = (".csv", ".txt")
#: control characters that never occur in a text file (tab, newlines and form feed do)
BINARY_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def setting(key: str) -> Any:
    """A limit from the app's configuration, or its default outside an app (scripts)."""
    if has_app_context():
        return current_app.config.get(key, DEFAULTS[key])
    return DEFAULTS[key]


# --- headings ---------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_OPEN = re.compile(r"\s*\(\s*")
_CLOSE = re.compile(r"\s*\)")
_DOT_LETTER = re.compile(r"\.(?=\w)")


def normalise_heading(value: Any) -> str:
    """A heading as it is compared: lowercase, one space between words, a space before
    "(" and none inside the parentheses ("Nilai(Rp )" → "nilai (rp)"), a dot followed by a
    letter spaced ("No.LHP" → "no. lhp"), and no trailing ":" or dots ("No." → "no")."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = _DOT_LETTER.sub(". ", text)
    text = _OPEN.sub(" (", text)
    text = _CLOSE.sub(")", text)
    text = _SPACES.sub(" ", text).strip()
    return text.rstrip(":. ").strip()


def _display(value: Any) -> str:
    return _SPACES.sub(" ", str(value)).strip()


class _Headings:
    """The kind's columns by normalised heading and synonym."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.by_text: dict[str, str] = {}
        for column in self.columns:
            for text in (column.heading, *column.synonyms):
                self.by_text.setdefault(normalise_heading(text), column.key)

    def match(self, upper: Sequence[Any], lower: Sequence[Any]) -> dict[str, tuple[int, str]]:
        """Columns named by the row ``lower`` (with ``upper`` as the row above it, possibly a
        group row): key -> (0-based column index, the heading as written)."""
        found: dict[str, tuple[int, str]] = {}
        group: Any = None
        width = max(len(upper), len(lower))
        for index in range(width):
            above = upper[index] if index < len(upper) else None
            cell = lower[index] if index < len(lower) else None
            if _filled(above):
                group = above
            candidates: list[Any] = []
            if _filled(cell):
                if _filled(group):
                    candidates.append(f"{_display(group)} {_display(cell)}")
                candidates.append(cell)
            elif _filled(above):
                candidates.append(above)  # a heading merged down over both rows
            for candidate in candidates:
                key = self.by_text.get(normalise_heading(candidate))
                if key is not None:
                    if key not in found:
                        found[key] = (index, _display(candidate))
                    break
        return found


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _find_header(
    rows: Sequence[Sequence[Any]], headings: _Headings
) -> tuple[int, dict[str, tuple[int, str]]]:
    """The best header row among ``rows`` (the first rows of a sheet): its 0-based index
    and the columns it names."""
    best_index, best = 0, {}
    for index, row in enumerate(rows):
        upper = rows[index - 1] if index else ()
        found = headings.match(upper, row)
        if len(found) > len(best):
            best_index, best = index, found
    return best_index, best


# --- reading ----------------------------------------------------------------------------


def read_table(data: bytes, file_name: str, columns: Sequence[Column]) -> Table:
    """The table in ``data`` (an uploaded ``.xlsx`` or ``.csv`` named ``file_name``) with
    the cells of ``columns``; raises :class:`ImportRefused` saying why it cannot be read."""
    max_bytes = setting("IMPORT_MAX_BYTES")
    if len(data) > max_bytes:
        raise ImportRefused(
            _(
                "The file is too large (%(size)s MB); at most %(limit)s MB can be imported.",
                size=number(len(data) / MB, 1),
                limit=number(max_bytes / MB, 1),
            )
        )
    if not data:
        raise ImportRefused(_("The file is empty."))
    headings = _Headings(columns)
    if data.startswith(XLSX_SIGNATURE):
        return _read_xlsx(data, file_name, headings)
    text = _decode_text(data, file_name)
    return _read_csv(text, file_name, headings)


def _wrong_type() -> ImportRefused:
    return ImportRefused(
        _("This file cannot be read: only .xlsx (Excel workbook) or .csv files can be imported.")
    )


def _check_zip(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _wrong_type()  # a .docx, an .ods, a plain zip…
    limit = setting("IMPORT_MAX_UNCOMPRESSED_BYTES")
    max_ratio = setting("IMPORT_MAX_COMPRESSION_RATIO")
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > limit:
            raise ImportRefused(
                _(
                    "The workbook would unpack to more than %(limit)s MB; save it as a "
                    "smaller file or split it.",
                    limit=number(limit / MB, 1),
                )
            )
        if info.file_size >= RATIO_MIN_MEMBER_BYTES and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise ImportRefused(
                _(
                    "The workbook is compressed suspiciously far (%(ratio)s times) and is "
                    "not opened.",
                    ratio=number(info.file_size // max(info.compress_size, 1)),
                )
            )


def _read_xlsx(data: bytes, file_name: str, headings: _Headings) -> Table:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _wrong_type() from None
    with archive:
        _check_zip(archive)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "extension not supported" and the like
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportRefused:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise ImportRefused(
            _("The workbook cannot be opened; it may be damaged. Save it again in Excel.")
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_workbook(workbook, file_name, headings)
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(
            _("The workbook cannot be opened; it may be damaged. Save it again in Excel.")
        ) from None
    finally:
        workbook.close()


def _read_workbook(workbook: Any, file_name: str, headings: _Headings) -> Table:
    best: tuple[Any, int, dict[str, tuple[int, str]]] | None = None
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        top = [
            tuple(row)
            for row in sheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)
        ]
        index, found = _find_header(top, headings)
        if best is None or len(found) > len(best[2]):
            best = (sheet, index, found)
    if best is None:
        raise ImportRefused(_("The workbook has no worksheet."))
    sheet, index, found = best
    _check_required(found, headings)
    header_row = index + 1
    width = max(position for position, _heading in found.values()) + 1
    rows = sheet.iter_rows(min_row=header_row + 1, max_col=width, values_only=True)
    numbered = ((header_row + 1 + offset, row) for offset, row in enumerate(rows))
    return Table(
        file_name=file_name,
        found={key: heading for key, (_position, heading) in found.items()},
        rows=_data_rows(numbered, found, headings),
        header_row=header_row,
    )


def _decode_text(data: bytes, file_name: str) -> str:
    lowered = file_name.lower()
    if data.startswith(OLE2_SIGNATURE) or (
        "." in lowered.rsplit("/", 1)[-1] and not lowered.endswith(TEXT_NAMES)
    ):
        raise _wrong_type()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if BINARY_CHARS.search(text[:65536]):
        raise _wrong_type()  # UTF-16, a PDF or an image under a .csv name
    return text


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for record in reader:
            yield line + 1, record
            line = reader.line_num
    except csv.Error:
        raise ImportRefused(
            _("Line %(line)s of the CSV file cannot be read.", line=number(line + 1))
        ) from None


def _read_csv(text: str, file_name: str, headings: _Headings) -> Table:
    best: tuple[tuple[int, int], str, list[tuple[int, list[str]]], int, dict] | None = None
    for delimiter in (";", ","):
        top: list[tuple[int, list[str]]] = []
        for item in _csv_records(text, delimiter):
            top.append(item)
            if len(top) >= HEADER_SCAN_ROWS:
                break
        index, found = _find_header([cells for _line, cells in top], headings)
        score = (len(found), text.count(delimiter))
        if best is None or score > best[0]:
            best = (score, delimiter, top, index, found)
    assert best is not None
    _score, delimiter, top, index, found = best
    _check_required(found, headings)
    records = _csv_records(text, delimiter)
    for _skipped in range(index + 1):
        next(records, None)
    return Table(
        file_name=file_name,
        found={key: heading for key, (_position, heading) in found.items()},
        rows=_data_rows(records, found, headings),
        header_row=top[index][0] if top else 1,
    )


def _check_required(found: dict[str, tuple[int, str]], headings: _Headings) -> None:
    missing = [c.heading for c in headings.columns if c.required and c.key not in found]
    if missing:
        raise ImportRefused(
            _("Required columns not found: %(columns)s", columns=", ".join(missing))
        )
    if not found:
        raise ImportRefused(
            _(
                "No heading of this import was found in the first %(n)d rows; expected "
                "headings such as %(headings)s.",
                n=HEADER_SCAN_ROWS,
                headings=", ".join(c.heading for c in headings.columns[:5]),
            )
        )


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _data_rows(
    rows: Iterable[tuple[int, Sequence[Any]]],
    found: dict[str, tuple[int, str]],
    headings: _Headings,
) -> list[Row]:
    limit = setting("IMPORT_MAX_ROWS")
    required = {c.key for c in headings.columns if c.required}
    positions = sorted((position, key) for key, (position, _heading) in found.items())
    result: list[Row] = []
    for line, values in rows:
        cells: dict[str, Any] = {}
        for position, key in positions:
            if position < len(values):
                value = _cell(values[position])
                if value is not None:
                    cells[key] = value
        if not cells or _is_total(values, cells, positions, required):
            continue
        if len(result) >= limit:
            raise ImportRefused(
                _(
                    "The file has more than %(limit)s rows; split it into smaller files.",
                    limit=number(limit),
                )
            )
        result.append(Row(number=line, cells=cells))
    return result


def _is_total(
    values: Sequence[Any],
    cells: dict[str, Any],
    positions: list[tuple[int, str]],
    required: set[str],
) -> bool:
    """A totals row: its first text cell (read or not) says "Jumlah", "Total"…, and no
    required column other than that cell has a value (nor, for a kind without required
    columns, any other text cell)."""
    label_at = next(
        (i for i, value in enumerate(values) if isinstance(value, str) and value.strip()), None
    )
    if label_at is None or normalise_heading(values[label_at]) not in TOTAL_LABELS:
        return False
    others = [key for position, key in positions if position != label_at and key in cells]
    if required:
        return not any(key in required for key in others)
    return not any(isinstance(cells[key], str) for key in others)


__all__ = ["HEADER_SCAN_ROWS", "normalise_heading", "read_table"]
