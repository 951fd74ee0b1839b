"""Documents for printing and sharing: PDF (WeasyPrint) and XLSX (openpyxl)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, render_template
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _local_fetcher() -> Any:
    """A WeasyPrint fetcher that reads the app's static files only, never the network."""
    from weasyprint.urls import URLFetcher

    static = Path(current_app.static_folder or "").resolve()

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "file":
                path = Path(parts.path).resolve()
                if static == path or static in path.parents:
                    return super().fetch(url, headers)
            elif parts.scheme == "data":
                return super().fetch(url, headers)
            raise ValueError(f"refused to fetch {url!r} while rendering a PDF")

    return LocalFetcher(allowed_protocols=("file", "data"))


def render_pdf(template: str, **context: Any) -> bytes:
    """Render ``templates/<template>`` (which extends pdf/base.html) to PDF bytes."""
    from weasyprint import HTML

    html = render_template(template, **context)
    base = Path(current_app.static_folder or ".").resolve().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=_local_fetcher()).write_pdf()


_BETWEEN_DIGITS = re.compile(r"(?<=\d)([.,])(?=\d)")


def breakable_number(text: str) -> Markup:
    """A long number for a narrow PDF column: it may wrap after a group or decimal
    separator ('98.765.432.<wbr>100'), never inside a group."""
    return Markup(_BETWEEN_DIGITS.sub(r"\1<wbr>", str(escape(text))))


def safe_filename(text: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "dokumen"
    return f"{stem}.{extension}"


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(workbook: Workbook, filename: str) -> Response:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# A text starting with one of these is a formula (or DDE) to Excel or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def put(cell: Any, value: Any) -> Any:
    """Set a cell's value. Numbers and dates stay typed; a text a spreadsheet would take
    for a formula (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``) is stored as text, marked
    with the quote prefix so that editing the cell does not turn it into one either."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def write_table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title_lines: Sequence[str] = (),
    widths: Sequence[int] | None = None,
    totals: Sequence[Any] | None = None,
) -> int:
    """Write optional title lines, a bold header row, the rows and a totals row.

    Returns the row number of the header. The header is frozen and filterable.
    """
    row_number = 1
    for line in title_lines:
        put(sheet.cell(row=row_number, column=1), line).font = Font(bold=True, size=12)
        row_number += 1
    if title_lines:
        row_number += 1
    header_row = row_number
    fill = PatternFill("solid", fgColor="DDE7EE")
    for col, header in enumerate(headers, start=1):
        cell = put(sheet.cell(row=header_row, column=col), header)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = _BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    last = header_row
    for last, values in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(values, start=1):
            cell = put(sheet.cell(row=last, column=col), value)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
    if totals is not None:
        last += 1
        for col, value in enumerate(totals, start=1):
            cell = put(sheet.cell(row=last, column=col), value)
            cell.font = Font(bold=True)
            cell.border = _BORDER
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    end = last if totals is None else last - 1
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{max(end, header_row)}"
    for col, width in enumerate(widths or [18] * len(headers), start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    return header_row


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    return workbook
