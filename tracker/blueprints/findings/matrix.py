"""The monitoring matrix (matriks pemantauan tindak lanjut) in BPK's standard columns, as
XLSX and as PDF (the rules are in :mod:`tracker.services.tlhp_matrix`).

Both documents share the columns (:func:`columns`: a heading over sub-columns where the
standard has one — Finding, Cause, Recommendation, Status — merged in the workbook, spanned
in the PDF), the texts of the cells and the recap: a "Total" row per status (Rp) and the
number of recommendations per status under the matrix, then the recap per outcome (count
and Rp, total, completion rate, value to recover, repaid, balance), and the recap per OPD.
After the standard columns the workbook adds those that let each row be imported back as
itself (:func:`key_headers`: report number and kind, finding and recommendation numbers,
OPD, deadline, semester, version; see :mod:`tracker.imports.kinds.findings`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.documents import breakable_number, new_workbook, put, render_pdf, write_table
from tracker.i18n import amount, date_long, date_short, number, percent
from tracker.imports.kinds.findings import version_text
from tracker.models import Opd
from tracker.models.finding import Outcome, Report
from tracker.services.findings import period_label
from tracker.services.tlhp_matrix import Matrix, MatrixGroup, MatrixRow, Totals

MONEY_FORMAT = "#,##0"
RATE_FORMAT = "0.00"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FILL = PatternFill("solid", fgColor="DDE7EE")
#: Column widths of the matrix sheet, in the order of :func:`columns`.
WIDTHS = [6, 10, 36, 9, 30, 18, 9, 36, 18, 36, 16, 16, 16, 16, 18, 30]
#: Widths of the columns after the standard ones (:func:`key_headers`).
KEY_WIDTHS = [26, 14, 10, 10, 12, 12, 10, 10]
#: 1-based numbers of the matrix sheet's money columns (finding value, recommendation
#: value, the four statuses, balance).
MONEY_COLUMNS = (6, 9, 11, 12, 13, 14, 15)
#: Where the recap under the matrix puts its label (merged over columns 1–5), its counts
#: and its amounts (merged over columns 7–9).
LABEL_SPAN = (1, 5)
COUNT_COLUMN = 6
AMOUNT_SPAN = (7, 9)


def status_heading(outcome: Outcome) -> str:
    """'1 Sesuai', '2 Belum sesuai', …"""
    return f"{outcome.number} {outcome.short}"


def columns() -> list[tuple[str | None, str]]:
    """The standard columns: (group heading or None, heading)."""
    finding, cause, rec, status = _("Finding"), _("Cause"), _("Recommendation"), _("Status")
    return [
        (None, _("No.")),
        (finding, _("Code")),
        (finding, _("Description")),
        (cause, _("Code")),
        (cause, _("Description")),
        (None, _("Finding value (Rp)")),
        (rec, _("Code")),
        (rec, _("Description")),
        (None, _("Recommendation value (Rp)")),
        (None, _("Follow-up")),
        *((status, status_heading(o)) for o in Outcome),
        (None, _("Outstanding balance (Rp)")),
        (None, _("Remarks")),
    ]


def heading_rows() -> tuple[list[tuple[str, int, bool]], list[str]]:
    """The two heading rows: the first as (text, columns spanned, spans both rows), the
    second the sub-columns' headings under the groups."""
    first: list[tuple[str, int, bool]] = []
    second: list[str] = []
    for group, heading in columns():
        if group is None:
            first.append((heading, 1, True))
        elif first and first[-1][0] == group and not first[-1][2]:
            first[-1] = (group, first[-1][1] + 1, False)
            second.append(heading)
        else:
            first.append((group, 1, False))
            second.append(heading)
    return first, second


def key_headers() -> list[str]:
    """The columns after the standard ones that let a row of the workbook be imported
    back (:mod:`tracker.imports.kinds.findings`): the report, the finding's and the
    recommendation's numbers, the OPD, the deadline, the semester and the version."""
    return [
        _("Report number"),
        _("Report kind"),
        _("Finding number"),
        _("Recommendation number"),
        _("OPD"),
        _("Due date"),
        _("Semester"),
        _("Version"),
    ]


def key_cells(row: MatrixRow, period: str) -> list[Any]:
    """A row's cells in the order of :func:`key_headers`."""
    rec, finding = row.recommendation, row.finding
    return [
        finding.report.number,
        finding.report.kind.short,
        finding.number,
        rec.number,
        rec.opd.code,
        row.due_on,
        period,
        version_text(finding, rec),
    ]


def recap_headers() -> list[str]:
    return [
        _("OPD"),
        _("Name"),
        _("Recommendations"),
        *(f"{o.number}. {o.label}" for o in Outcome),
        _("Completion rate (%)"),
        _("Value (Rp)"),
        _("Repaid (Rp)"),
        _("Balance (Rp)"),
    ]


# --- the cells --------------------------------------------------------------------------


def follow_up_text(row: MatrixRow) -> str:
    lines = []
    for follow_up in row.follow_ups:
        text = f"{date_short(follow_up.submitted_at)}: {follow_up.description}"
        if follow_up.evidence:
            text += " " + _("(%(n)d evidence)", n=len(follow_up.evidence))
        lines.append(text)
    return "\n".join(lines)


def remarks_text(row: MatrixRow) -> str:
    """The OPD, the OPD's own progress beside the official status, what the review said,
    the deadline and whether it passed."""
    parts = [f"{_('OPD')}: {row.recommendation.opd.code}"]
    if row.progress is not None:
        parts.append(_("OPD progress: %(percent)s", percent=percent(row.progress, 0)))
    review = row.review
    if review is None:
        parts.append(_("Not reviewed yet"))
    else:
        if review.outcome is Outcome.BELUM_SESUAI and review.new_due_on:
            parts.append(_("New deadline: %(date)s", date=date_short(review.new_due_on)))
        if review.reason is not None:
            parts.append(review.reason.label)
        if review.note:
            parts.append(review.note)
    if not row.outcome.closed and not (review and review.new_due_on == row.due_on):
        parts.append(_("Due: %(date)s", date=date_short(row.due_on)))
    if row.overdue:
        parts.append(_("Overdue"))
    return "\n".join(parts)


def finding_code(row: MatrixRow) -> str:
    code = row.finding.finding_code
    return code.code if row.first_of_finding and code is not None else ""


def finding_text(row: MatrixRow) -> str:
    return f"{row.finding.number}. {row.finding.title}" if row.first_of_finding else ""


def cause_code(row: MatrixRow) -> str:
    code = row.finding.cause_code
    return code.code if row.first_of_finding and code is not None else ""


def cause_text(row: MatrixRow) -> str:
    return (row.finding.cause or "") if row.first_of_finding else ""


def recommendation_code(row: MatrixRow) -> str:
    code = row.recommendation.code
    return code.code if code is not None else ""


def report_label(report: Report) -> str:
    return f"{report.kind.short} {report.year} — {report.number}"


def report_heading(group: MatrixGroup) -> str:
    report = group.report
    text = report_label(report)
    if report.title:
        text += f": {report.title}"
    return text


def cells(row: MatrixRow) -> list[Any]:
    """A row's cells in the order of :func:`columns` (amounts as Decimal, None when empty)."""
    rec = row.recommendation
    return [
        row.number,
        finding_code(row),
        finding_text(row),
        cause_code(row),
        cause_text(row),
        row.finding_value,
        recommendation_code(row),
        rec.text,
        rec.value,
        follow_up_text(row),
        *(row.status_cell(o) for o in Outcome),
        row.balance,
        remarks_text(row),
    ]


def title_lines(matrix: Matrix, opd: Opd | None, report: Report | None = None) -> list[str]:
    lines = [
        str(current_app.config.get("CITY_NAME", "")).upper(),
        "INSPEKTORAT",
        _("Monitoring matrix of the follow-up of evaluation and audit recommendations"),
        _(
            "%(period)s (as of %(date)s)",
            period=period_label(matrix.period),
            date=date_long(matrix.as_of),
        ),
    ]
    if opd is not None:
        lines.append(f"{_('OPD')}: {opd.code} — {opd.name}")
    if report is not None:
        lines.append(f"{_('Report')}: {report_heading(MatrixGroup(report))}")
    return lines


def rate_text(rate: Decimal | None) -> str:
    """A completion rate under a '(%)' heading: '52,63'; '—' when there is nothing."""
    return "—" if rate is None else number(rate, 2)


def completion_text(rate: Decimal | None) -> str:
    """'Completion rate: 52,63%'."""
    if rate is None:
        return f"{_('Completion rate')}: —"
    return _("Completion rate: %(rate)s%%", rate=number(rate, 2))


def money(value: Decimal | str | None) -> Markup:
    """An amount for a money column of the PDF ('98.765.432.100'); it wraps after a group
    separator when the column is too narrow for it. A mark stays as it is."""
    if isinstance(value, str):
        return Markup.escape(value)
    return breakable_number(amount(value))


def rupiah_text(value: Decimal | None) -> Markup:
    """'Rp 23.800.000' for the recap of the PDF (wrapping like :func:`money`)."""
    if value is None:
        return Markup("")
    return Markup("Rp ") + breakable_number(amount(value))


# --- XLSX -------------------------------------------------------------------------------


def _style_heading(cell: Any) -> None:
    cell.font = Font(bold=True)
    cell.fill = _FILL
    cell.border = _BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_headings(sheet: Worksheet, top: int) -> None:
    first, second = heading_rows()
    column = 1
    below = iter(second)
    for text, span, both in first:
        put(sheet.cell(row=top, column=column), text)
        for c in range(column, column + span):
            _style_heading(sheet.cell(row=top, column=c))
            _style_heading(sheet.cell(row=top + 1, column=c))
        if both:
            sheet.merge_cells(
                start_row=top, start_column=column, end_row=top + 1, end_column=column
            )
        else:
            if span > 1:
                sheet.merge_cells(
                    start_row=top, start_column=column, end_row=top, end_column=column + span - 1
                )
            for c in range(column, column + span):
                put(sheet.cell(row=top + 1, column=c), next(below))
        column += span


def _label_row(sheet: Worksheet, row: int, label: str) -> None:
    put(sheet.cell(row=row, column=LABEL_SPAN[0]), label).font = Font(bold=True)
    sheet.merge_cells(
        start_row=row, start_column=LABEL_SPAN[0], end_row=row, end_column=LABEL_SPAN[1]
    )


def _amount_cell(sheet: Worksheet, row: int, value: Decimal, *, fmt: str = MONEY_FORMAT) -> None:
    cell = put(sheet.cell(row=row, column=AMOUNT_SPAN[0]), value)
    cell.number_format = fmt
    cell.font = Font(bold=True)
    sheet.merge_cells(
        start_row=row, start_column=AMOUNT_SPAN[0], end_row=row, end_column=AMOUNT_SPAN[1]
    )


def _matrix_sheet(sheet: Worksheet, matrix: Matrix, lines: list[str]) -> None:
    count = len(columns())
    row_number = 1
    for line in lines:
        put(sheet.cell(row=row_number, column=1), line).font = Font(bold=True, size=12)
        row_number += 1
    top = row_number + 1
    _write_headings(sheet, top)
    for offset, text in enumerate(key_headers(), start=count + 1):
        put(sheet.cell(row=top, column=offset), text)
        _style_heading(sheet.cell(row=top, column=offset))
        _style_heading(sheet.cell(row=top + 1, column=offset))
        sheet.merge_cells(start_row=top, start_column=offset, end_row=top + 1, end_column=offset)
    width = count + len(key_headers())
    row_number = top + 2
    for group in matrix.groups:
        cell = put(sheet.cell(row=row_number, column=2), report_heading(group))
        cell.font = Font(bold=True)
        sheet.merge_cells(
            start_row=row_number, start_column=2, end_row=row_number, end_column=count
        )
        row_number += 1
        for row in group.rows:
            for column, value in enumerate(cells(row) + key_cells(row, matrix.period), start=1):
                cell = put(sheet.cell(row=row_number, column=column), value)
                cell.border = _BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
                if column in MONEY_COLUMNS:
                    cell.number_format = MONEY_FORMAT
                    if isinstance(value, str):
                        cell.alignment = Alignment(horizontal="center", vertical="top")
                elif column > count and not isinstance(value, str):
                    cell.number_format = "DD/MM/YYYY"
            row_number += 1
    last_body = row_number - 1

    # Under the columns: the totals (Rp) and the number of recommendations per status.
    overall = matrix.overall
    _label_row(sheet, row_number, _("Total (Rp)"))
    statuses = {11 + i: o for i, o in enumerate(Outcome)}
    for column, value in (
        (6, overall.finding_value),
        (9, overall.recommendation_value),
        *((c, overall.amounts[o]) for c, o in statuses.items()),
        (15, overall.balance),
    ):
        cell = put(sheet.cell(row=row_number, column=column), value)
        cell.number_format = MONEY_FORMAT
        cell.font = Font(bold=True)
    for column in range(1, count + 1):
        sheet.cell(row=row_number, column=column).border = _BORDER
    row_number += 1
    _label_row(sheet, row_number, _("Number of recommendations"))
    for column, value in (
        (9, overall.total),
        *((c, overall.counts[o]) for c, o in statuses.items()),
    ):
        put(sheet.cell(row=row_number, column=column), value).font = Font(bold=True)
    for column in range(1, count + 1):
        sheet.cell(row=row_number, column=column).border = _BORDER
    row_number += 2

    # The recap per outcome.
    _label_row(sheet, row_number, _("Recap per outcome"))
    row_number += 1
    for column, text in (
        (LABEL_SPAN[0], _("Status")),
        (COUNT_COLUMN, _("Recommendations")),
        (AMOUNT_SPAN[0], _("Value (Rp)")),
    ):
        _style_heading(put(sheet.cell(row=row_number, column=column), text))
    sheet.merge_cells(
        start_row=row_number,
        start_column=LABEL_SPAN[0],
        end_row=row_number,
        end_column=LABEL_SPAN[1],
    )
    sheet.merge_cells(
        start_row=row_number,
        start_column=AMOUNT_SPAN[0],
        end_row=row_number,
        end_column=AMOUNT_SPAN[1],
    )
    row_number += 1
    for label, n, value in recap_lines(overall):
        _label_row(sheet, row_number, label)
        sheet.cell(row=row_number, column=LABEL_SPAN[0]).font = Font(bold=label == _("Total"))
        put(sheet.cell(row=row_number, column=COUNT_COLUMN), n)
        _amount_cell(sheet, row_number, value)
        row_number += 1
    _label_row(sheet, row_number, _("Completion rate (%)"))
    cell = put(sheet.cell(row=row_number, column=COUNT_COLUMN), overall.rate)
    cell.number_format = RATE_FORMAT
    row_number += 1
    for label, value in (
        (_("Value to recover (Rp)"), overall.value),
        (_("Repaid (Rp)"), overall.paid),
        (_("Balance (Rp)"), overall.balance),
    ):
        _label_row(sheet, row_number, label)
        _amount_cell(sheet, row_number, value)
        row_number += 1

    sheet.freeze_panes = sheet.cell(row=top + 2, column=1)
    sheet.auto_filter.ref = f"A{top + 1}:{get_column_letter(width)}{max(last_body, top + 1)}"
    for column, size in enumerate(WIDTHS + KEY_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size


def recap_lines(totals: Totals) -> list[tuple[str, int, Decimal]]:
    """Per outcome, then the total: (label, recommendations, their value in Rp)."""
    lines = [(f"{o.number}. {o.label}", totals.counts[o], totals.amounts[o]) for o in Outcome]
    lines.append((_("Total"), totals.total, totals.recommendation_value))
    return lines


def matrix_workbook(matrix: Matrix, opd: Opd | None, report: Report | None = None) -> Workbook:
    workbook = new_workbook()
    lines = title_lines(matrix, opd, report)
    _matrix_sheet(workbook.create_sheet(_("Matrix")[:31]), matrix, lines)

    recap = workbook.create_sheet(_("Recap per OPD")[:31])
    recap_rows = [_recap_row(t) for t in matrix.per_opd]
    recap_header = write_table(
        recap,
        recap_headers(),
        recap_rows,
        title_lines=lines,
        widths=[16, 40, 14, 14, 14, 14, 14, 14, 16, 16, 16],
        totals=[_("Total"), "", *_recap_row(matrix.overall)[2:]],
    )
    for row_number in range(recap_header + 1, recap_header + len(recap_rows) + 2):
        recap.cell(row=row_number, column=8).number_format = RATE_FORMAT
        for column in (9, 10, 11):
            recap.cell(row=row_number, column=column).number_format = MONEY_FORMAT
    return workbook


def _recap_row(totals: Totals) -> list[Any]:
    opd = totals.opd
    return [
        opd.code if opd else "",
        opd.name if opd else "",
        totals.total,
        *(totals.counts[o] for o in Outcome),
        totals.rate,
        totals.value,
        totals.paid,
        totals.balance,
    ]


# --- PDF --------------------------------------------------------------------------------


def matrix_pdf(matrix: Matrix, opd: Opd | None, signer: Any, report: Report | None = None) -> bytes:
    first, second = heading_rows()
    lines = title_lines(matrix, opd, report)
    return render_pdf(
        "pdf/findings_matrix.html",
        matrix=matrix,
        opd=opd,
        report=report,
        title_lines=lines[2:4],
        scope_lines=lines[4:],
        heading_first=first,
        heading_second=second,
        column_count=len(columns()),
        outcomes=list(Outcome),
        cells=cells,
        recap_lines=recap_lines,
        recap_headers=recap_headers(),
        report_heading=report_heading,
        rate_text=rate_text,
        rate_label=_("Completion rate (%)"),
        completion_text=completion_text,
        money=money,
        rupiah_text=rupiah_text,
        signer=signer,
        sign_date=format_date(matrix.as_of, "d MMMM y"),
    )
