"""The dashboard as an XLSX workbook (one sheet per table) and as the PDF report
"Laporan Pemantauan Komitmen dan Tindak Lanjut" (letterhead, period, tables, charts and the
Inspektur's signature block)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from openpyxl import Workbook

from tracker.blueprints.dashboard import figures, summary
from tracker.documents import new_workbook, render_pdf, write_table
from tracker.i18n import date_long
from tracker.models import Person
from tracker.services import dashboard as svc

PERCENT_FORMAT = "0.00"
MONEY_FORMAT = "#,##0"


def report_title() -> str:
    return _("Report on the monitoring of commitments and follow-ups")


def title_lines(data: svc.Overview) -> list[str]:
    lines = [
        str(current_app.config.get("CITY_NAME", "")).upper(),
        "INSPEKTORAT",
        report_title(),
        _("Period: %(period)s", period=data.filters.period.label),
    ]
    if data.filters.area is not None:
        lines.append(
            _(
                "Thematic area: %(area)s (%(year)s)",
                area=data.filters.area.name,
                year=data.filters.area.year,
            )
        )
    lines.append(_("As of %(date)s", date=date_long(data.today)))
    return lines


def summary_rows(data: svc.Overview) -> list[tuple[str, Any, str]]:
    """(label, value, number format) of the key figures."""
    c, f, a, m = data.commitments, data.follow_ups, data.attendance, data.amounts
    return [
        (_("Commitments in force"), c.in_force, "0"),
        (_("Verified"), c.verified, "0"),
        (_("Completion rate"), c.completion, PERCENT_FORMAT),
        (_("Overdue commitments"), c.overdue, "0"),
        (_("Average overdue per OPD"), data.overdue_average, "0.0"),
        (_("Recommendations"), f.total, "0"),
        (_("Outcome 1 (matches)"), f.settled, "0"),
        (_("Follow-up completion rate"), f.rate, PERCENT_FORMAT),
        (_("Overdue recommendations"), f.overdue, "0"),
        (_("Invitations at held workshops"), a.invited, "0"),
        (_("Present or represented"), a.attended, "0"),
        (_("Attendance rate"), a.rate, PERCENT_FORMAT),
        (_("Financial findings"), m.findings, "0"),
        (_("Value to recover (Rp)"), m.value, MONEY_FORMAT),
        (_("Repaid (Rp)"), m.paid, MONEY_FORMAT),
        (_("Balance (Rp)"), m.balance, MONEY_FORMAT),
    ]


def ranking_headers() -> list[str]:
    return [
        _("Rank"),
        _("OPD code"),
        _("OPD"),
        _("Commitments in force"),
        _("Verified"),
        _("Completion rate"),
        _("Overdue"),
        _("Recommendations"),
        _("Outcome 1"),
        _("Follow-up completion rate"),
        _("Invitations"),
        _("Attended"),
        _("Attendance rate"),
    ]


def ranking_row(row: svc.OpdRow) -> list[Any]:
    return [
        row.rank,
        row.opd.code,
        row.opd.name,
        row.commitments.in_force,
        row.commitments.verified,
        row.commitments.completion,
        row.commitments.overdue,
        row.follow_ups.total,
        row.follow_ups.settled,
        row.follow_ups.rate,
        row.attendance.invited,
        row.attendance.attended,
        row.attendance.rate,
    ]


def _formats(sheet: Any, header_row: int, count: int, columns: dict[int, str]) -> None:
    for row_number in range(header_row + 1, header_row + count + 2):
        for column, fmt in columns.items():
            sheet.cell(row=row_number, column=column).number_format = fmt


def _sheet(workbook: Workbook, name: str) -> Any:
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return workbook.create_sheet(name[:31])


def workbook(data: svc.Overview, ranking: Sequence[svc.OpdRow]) -> Workbook:
    book = new_workbook()
    lines = title_lines(data)

    sheet = _sheet(book, _("Summary"))
    rows = summary_rows(data)
    header = write_table(
        sheet,
        [_("Figure"), _("Value")],
        [[label, value] for label, value, _fmt in rows],
        title_lines=lines,
        widths=[40, 20],
    )
    for index, (_label, _value, fmt) in enumerate(rows, start=1):
        sheet.cell(row=header + index, column=2).number_format = fmt

    sheet = _sheet(book, _("RB priorities"))
    previous = data.filters.period.previous()
    priority_rows = [
        [
            row.area.name,
            row.stats.in_force,
            row.stats.average_progress,
            row.expected if row.stats.in_force else None,
            row.stats.verified,
            row.stats.overdue,
            row.light.label,
            row.change,
        ]
        for row in data.priorities
    ]
    change_header = _("Change (points)")
    if previous is not None:
        change_header = _("Change since %(period)s (points)", period=previous.label)
    header = write_table(
        sheet,
        [
            _("RB priority area"),
            _("Commitments in force"),
            _("Average progress"),
            _("Expected progress"),
            _("Verified"),
            _("Overdue"),
            _("Traffic light"),
            change_header,
        ],
        priority_rows,
        title_lines=[*lines, svc.traffic_light_rule(data.filters.period)],
        widths=[44, 14, 14, 14, 12, 12, 18, 20],
    )
    _formats(sheet, header, len(priority_rows), {3: "0.0", 4: "0.0", 8: "+0.0;-0.0;0.0"})

    sheet = _sheet(book, _("Status"))
    status = figures.status_rows(data.commitments, True)
    write_table(
        sheet,
        [_("Status"), _("Commitments")],
        [[label, count] for _key, label, count in status],
        title_lines=lines,
        widths=[40, 16],
        totals=[_("Total"), data.commitments.total],
    )

    sheet = _sheet(book, _("Thematic areas"))
    area_rows = [
        [
            row.area.year if row.area else None,
            figures.area_label(row),
            _("Yes") if row.area is not None and row.area.is_priority else "",
            row.stats.in_force,
            row.stats.verified,
            row.stats.completion,
            row.stats.overdue,
            row.stats.average_progress,
        ]
        for row in data.areas
    ]
    header = write_table(
        sheet,
        [
            _("Year"),
            _("Thematic area"),
            _("RB priority"),
            _("Commitments in force"),
            _("Verified"),
            _("Completion rate"),
            _("Overdue"),
            _("Average progress"),
        ],
        area_rows,
        title_lines=lines,
        widths=[8, 48, 12, 16, 12, 14, 12, 16],
    )
    _formats(sheet, header, len(area_rows), {6: PERCENT_FORMAT, 8: "0.0"})

    sheet = _sheet(book, _("OPD ranking"))
    ranking_rows = [ranking_row(row) for row in ranking]
    header = write_table(
        sheet,
        ranking_headers(),
        ranking_rows,
        title_lines=lines,
        widths=[8, 14, 44, 14, 10, 14, 10, 16, 12, 16, 12, 12, 14],
    )
    _formats(sheet, header, len(ranking_rows), {6: PERCENT_FORMAT, 10: PERCENT_FORMAT, 13: "0.00"})

    sheet = _sheet(book, _("Monthly trend"))
    trend_rows = [
        [
            figures.trend_label(p, long=True),
            p.stats.in_force,
            p.stats.verified,
            p.stats.reported_done,
            p.stats.in_progress,
            p.stats.overdue,
            p.cumulative,
            p.verified_during,
        ]
        for p in data.trend
    ]
    header = write_table(
        sheet,
        [
            _("Month") if not data.filters.period.is_all else _("Year"),
            _("Due (in force)"),
            _("Verified"),
            _("Awaiting verification"),
            _("In progress"),
            _("Overdue"),
            _("Cumulative completion rate"),
            _("Verified during the month"),
        ],
        trend_rows,
        title_lines=lines,
        widths=[18, 14, 12, 16, 14, 12, 18, 18],
    )
    _formats(sheet, header, len(trend_rows), {7: PERCENT_FORMAT})

    sheet = _sheet(book, _("Follow-up outcomes"))
    outcome_rows = figures.outcome_rows(data.follow_ups)
    write_table(
        sheet,
        [_("Outcome"), _("Recommendations")],
        [[label, count] for _key, label, count in outcome_rows],
        title_lines=[*lines, _("Follow-up completion: %(rate)s", rate=_rate(data.follow_ups))],
        widths=[44, 18],
        totals=[_("Total"), data.follow_ups.total],
    )

    sheet = _sheet(book, _("Amounts recovered"))
    amounts = data.amounts
    header = write_table(
        sheet,
        [_("Financial findings"), _("Value to recover (Rp)"), _("Repaid (Rp)"), _("Balance (Rp)")],
        [[amounts.findings, amounts.value, amounts.paid, amounts.balance]],
        title_lines=lines,
        widths=[18, 22, 22, 22],
    )
    _formats(sheet, header, 0, {2: MONEY_FORMAT, 3: MONEY_FORMAT, 4: MONEY_FORMAT})

    sheet = _sheet(book, _("Grades"))
    grade_rows = [
        [
            comparison.instrument.label,
            year,
            region,
            result.grade.value,
            result.score,
            _("this city") if index == 0 else "",
        ]
        for comparison in data.grades
        for index, region in enumerate(comparison.regions)
        for year, result in comparison.series(region)
    ]
    write_table(
        sheet,
        [_("Instrument"), _("Year"), _("Region"), _("Grade"), _("Score"), ""],
        grade_rows,
        title_lines=lines,
        widths=[28, 8, 24, 8, 10, 12],
    )

    sheet = _sheet(book, _("Definitions"))
    write_table(
        sheet,
        [_("Figure"), _("Definition")],
        [list(pair) for pair in figures.definitions()],
        title_lines=lines,
        widths=[28, 100],
    )
    return book


def _rate(stats: svc.FollowUpStats) -> str:
    return figures.percent_text(stats.rate)


def report_pdf(
    data: svc.Overview,
    ranking: Sequence[svc.OpdRow],
    *,
    signer: Person | None,
    previous: svc.PeriodFigures | None,
) -> bytes:
    """The report: a first page that says the figures in sentences (the RB priority areas
    first), then the tables and charts, the definitions and the Inspektur's signature."""
    return render_pdf(
        "pdf/dashboard_report.html",
        data=data,
        ranking=ranking,
        title=report_title(),
        summary=summary.sections(data, previous),
        previous=previous,
        traffic_rule=svc.traffic_light_rule(data.filters.period),
        charts=figures.city_charts(data),
        status_rows=figures.status_rows(data.commitments, True),
        outcome_rows=figures.outcome_rows(data.follow_ups),
        summary_rows=summary_rows(data),
        definitions=figures.definitions(),
        trend_label=figures.trend_label,
        area_label=figures.area_label,
        signer=signer,
        sign_date=format_date(data.today, "d MMMM y"),
    )
