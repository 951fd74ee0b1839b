"""Test inputs for imports, built in code: workbooks (with title rows, merged cells, several
sheets), CSV files in any encoding and delimiter, and a zip bomb dressed as a workbook."""

from __future__ import annotations

import csv as csv_module
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook


def xlsx(
    rows: Sequence[Sequence[Any]],
    *,
    title_rows: int | Sequence[str] = 0,
    merges: Sequence[str] = (),
    sheet: str = "Data",
    before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    after: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    number_formats: dict[str, str] | None = None,
    formulas: bool = False,
) -> bytes:
    """A workbook whose sheet ``sheet`` holds ``rows`` (row 1 of ``rows`` lands below
    ``title_rows``: a count of title lines followed by a blank row, or the lines
    themselves). ``merges`` are ranges in Excel notation ("A1:C1") of the final sheet;
    ``before``/``after`` are other sheets (name, rows) placed around it;
    ``number_formats`` maps a cell ("D5") to a format ("0%", "dd/mm/yyyy"). A string
    starting with "=" is stored as text (as Excel keeps "'=SUM(A1)"), or with
    ``formulas=True`` as a formula (openpyxl writes no cached value: it reads as empty)."""
    book = Workbook()
    book.remove(book.active)
    for name, other in before:
        _fill(book.create_sheet(name), other, formulas)
    titles: list[str]
    if isinstance(title_rows, int):
        titles = [f"LAPORAN PEMANTAUAN {n + 1}" for n in range(title_rows)]
    else:
        titles = list(title_rows)
    lead: list[Sequence[Any]] = [[line] for line in titles]
    if titles:
        lead.append([])  # the blank row under the titles
    target = book.create_sheet(sheet)
    _fill(target, [*lead, *rows], formulas)
    for cell_range in merges:
        target.merge_cells(cell_range)
    for cell, number_format in (number_formats or {}).items():
        target[cell].number_format = number_format
    for name, other in after:
        _fill(book.create_sheet(name), other, formulas)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(worksheet: Any, rows: Sequence[Sequence[Any]], formulas: bool = False) -> None:
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                cell = worksheet.cell(row=index, column=column, value=value)
                if isinstance(value, str) and value.startswith("=") and not formulas:
                    cell.data_type = "s"


def csv(
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ";",
    encoding: str = "cp1252",
    bom: bool = False,
    newline: str = "\r\n",
) -> bytes:
    """A CSV file as Excel saves one (``bom=True``: "CSV UTF-8" with its byte order mark)."""
    out = io.StringIO(newline="")
    writer = csv_module.writer(out, delimiter=delimiter, lineterminator=newline)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def zip_bomb(
    inflated: int = 1024 * 1024 * 1024, *, member: str = "xl/worksheets/sheet1.xml"
) -> bytes:
    """A zip that looks like a workbook ([Content_Types].xml, xl/workbook.xml) with one
    member of ``inflated`` zero bytes (1 GiB by default; about 1 MB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                handle.write(chunk)
    return out.getvalue()


def zip_file(members: dict[str, bytes]) -> bytes:
    """A plain zip archive with ``members``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def cache_formulas(data: bytes, values: dict[str, float | int]) -> bytes:
    """``data`` (a workbook from :func:`xlsx` with ``formulas=True``) with the cached value
    Excel would have stored for each formula cell named in ``values`` ("C3": 3), on every
    sheet."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                text = content.decode("utf-8")
                for ref, value in values.items():
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>)<f>(.*?)</f><v\s*/>',
                        rf"\g<1><f>\g<2></f><v>{value}</v>",
                        text,
                    )
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()
