"""The semester monitoring matrix (matriks pemantauan tindak lanjut) as XLSX and as PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tracker.documents import breakable_number, new_workbook, render_pdf, write_table
from tracker.i18n import amount, date_long, date_short, number
from tracker.models import Opd
from tracker.models.finding import Outcome
from tracker.services.findings import Matrix, MatrixRow, Totals, period_label

MONEY_FORMAT = "#,##0"
RATE_FORMAT = "0.00"


def headers() -> list[str]:
    return [
        _("No."),
        _("Finding"),
        _("Recommendation"),
        _("OPD"),
        _("Follow-up"),
        _("Status"),
        _("Value (Rp)"),
        _("Repaid (Rp)"),
        _("Balance (Rp)"),
        _("Remarks"),
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


def follow_up_text(row: MatrixRow) -> str:
    lines = []
    for follow_up in row.follow_ups:
        text = f"{date_short(follow_up.submitted_at)}: {follow_up.description}"
        if follow_up.evidence:
            text += " " + _("(%(n)d evidence)", n=len(follow_up.evidence))
        lines.append(text)
    return "\n".join(lines)


def remarks_text(row: MatrixRow) -> str:
    parts = []
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


def finding_text(row: MatrixRow) -> str:
    return f"{row.finding.number}. {row.finding.title}" if row.first_of_finding else ""


def report_heading(group: Any) -> str:
    report = group.report
    text = f"{report.kind.short} {report.year} — {report.number}"
    if report.title:
        text += f": {report.title}"
    return text


def title_lines(matrix: Matrix, opd: Opd | None) -> list[str]:
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
    return lines


def matrix_workbook(matrix: Matrix, opd: Opd | None) -> Workbook:
    workbook = new_workbook()
    sheet = workbook.create_sheet(_("Matrix")[:31])
    rows: list[list[Any]] = []
    heading_rows: list[int] = []
    for group in matrix.groups:
        heading_rows.append(len(rows))
        rows.append(["", report_heading(group), "", "", "", "", None, None, None, ""])
        for row in group.rows:
            rec = row.recommendation
            rows.append(
                [
                    row.number,
                    finding_text(row),
                    rec.text,
                    rec.opd.code,
                    follow_up_text(row),
                    f"{row.outcome.number}. {row.outcome.label}",
                    row.value,
                    row.paid,
                    row.balance,
                    remarks_text(row),
                ]
            )
    overall = matrix.overall
    rate = overall.rate
    totals = [
        "",
        _("Total"),
        _("%(n)s recommendations", n=number(overall.total)),
        "",
        "",
        completion_text(rate),
        overall.value,
        overall.paid,
        overall.balance,
        "",
    ]
    header_row = write_table(
        sheet,
        headers(),
        rows,
        title_lines=title_lines(matrix, opd),
        widths=[7, 40, 40, 12, 40, 22, 16, 16, 16, 30],
        totals=totals,
    )
    for index in heading_rows:
        cell = sheet.cell(row=header_row + 1 + index, column=2)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=False)
    last = header_row + len(rows) + 1
    for row_number in range(header_row + 1, last + 1):
        for column in (7, 8, 9):
            sheet.cell(row=row_number, column=column).number_format = MONEY_FORMAT

    recap = workbook.create_sheet(_("Recap per OPD")[:31])
    recap_rows = [_recap_row(t) for t in matrix.per_opd]
    recap_header = write_table(
        recap,
        recap_headers(),
        recap_rows,
        title_lines=title_lines(matrix, opd),
        widths=[16, 40, 14, 14, 14, 14, 14, 14, 16, 16, 16],
        totals=[_("Total"), "", *_recap_row(overall)[2:]],
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


def rate_text(rate: Decimal | None) -> str:
    """A completion rate under a '(%)' heading: '52,63'; '—' when there is nothing."""
    return "—" if rate is None else number(rate, 2)


def completion_text(rate: Decimal | None) -> str:
    """'Completion rate: 52,63%'."""
    if rate is None:
        return f"{_('Completion rate')}: —"
    return _("Completion rate: %(rate)s%%", rate=number(rate, 2))


def money(value: Decimal | None) -> Markup:
    """An amount for a money column of the PDF ('98.765.432.100'); it wraps after a group
    separator when the column is too narrow for it."""
    return breakable_number(amount(value))


def matrix_pdf(matrix: Matrix, opd: Opd | None, signer: Any) -> bytes:
    return render_pdf(
        "pdf/findings_matrix.html",
        matrix=matrix,
        opd=opd,
        title_lines=title_lines(matrix, opd)[2:],
        headers=headers(),
        recap_headers=recap_headers(),
        follow_up_text=follow_up_text,
        remarks_text=remarks_text,
        finding_text=finding_text,
        report_heading=report_heading,
        rate_text=rate_text,
        completion_text=completion_text,
        money=money,
        signer=signer,
        sign_date=format_date(matrix.as_of, "d MMMM y"),
    )
