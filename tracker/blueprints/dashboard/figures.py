"""The dashboard's charts (SVG from :mod:`tracker.charts`) and labels, shared by the pages,
the XLSX and the PDF report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import g, has_app_context
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from tracker.charts import Bar, Series, column_chart, hbar_chart
from tracker.models.commitment import CommitmentStatus
from tracker.models.finding import Grade, Outcome
from tracker.services import dashboard as svc
from tracker.services.grades import Comparison

S = CommitmentStatus
STATUS_COLOURS = {
    S.DRAFT: "#9e9e9e",
    S.ACTIVE: "#0b4f6c",
    S.REPORTED_DONE: "#1565c0",
    S.VERIFIED: "#2e7d32",
    S.CANCELLED: "#424242",
}
OVERDUE_COLOUR = "#c62828"
IN_PROGRESS_COLOUR = "#5c8fa8"
OUTCOME_COLOURS = {
    Outcome.SESUAI: "#2e7d32",
    Outcome.BELUM_SESUAI: "#f9a825",
    Outcome.BELUM_DITINDAKLANJUTI: "#c62828",
    Outcome.TIDAK_DAPAT_DITINDAKLANJUTI: "#616161",
}
NOT_REVIEWED_COLOUR = "#bdbdbd"
REGION_COLOURS = ("#0b4f6c", "#d97706", "#2e7d32", "#7b1fa2", "#c62828", "#546e7a")


def _symbols() -> tuple[str, str]:
    """(group, decimal) separators of the current locale, looked up once per request:
    Babel's formatting looks the locale up on every call, which made up most of the time
    spent rendering the dashboard's hundreds of numbers."""
    cached = g.get("_dashboard_symbols") if has_app_context() else None
    if cached is None:
        locale = get_locale() if has_app_context() else None
        locale = locale or "id"
        cached = (get_group_symbol(locale), get_decimal_symbol(locale))
        if has_app_context():
            g._dashboard_symbols = cached
    return cached


def number(value: Decimal | float | int | None, digits: int = 0) -> str:
    """Like :func:`tracker.i18n.number` ('1.234', '66,67' in Indonesian), but fast."""
    if value is None:
        return ""
    group, decimal = _symbols()
    text = f"{Decimal(value):,.{digits}f}" if digits else f"{round(value):,}"
    return text.translate({ord(","): group, ord("."): decimal})


def percent_text(value: Decimal | None, digits: int = 2) -> str:
    """'66,67%' (two decimals, as BPK's completion rate); '—' when there is nothing."""
    return "—" if value is None else f"{number(value, digits)}%"


def points_text(value: Decimal | None) -> str:
    """A change in percentage points: '+12,5 poin', '−3,0 poin', '0,0 poin'; '—' when there
    is nothing to compare."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return _("%(sign)s%(value)s points", sign=sign, value=number(abs(value), 1))


def not_reviewed_label() -> str:
    return _("Not reviewed yet")


def trend_label(point: svc.TrendPoint, *, long: bool = False) -> str:
    if point.month is None:
        return str(point.year)
    return format_date(dt.date(point.year, point.month, 1), "MMMM y" if long else "MMM")


def status_rows(stats: svc.CommitmentStats, show_drafts: bool) -> list[tuple[str, str, int]]:
    """(key, label, count): the statuses with the overdue ones apart from the others in
    progress; drafts only for readers."""
    rows: list[tuple[str, str, int]] = []
    if show_drafts:
        rows.append((S.DRAFT.value, S.DRAFT.label, stats.by_status[S.DRAFT]))
    rows += [
        ("in_progress", _("In progress, not overdue"), stats.in_progress),
        ("overdue", _("In progress, overdue"), stats.overdue),
        (S.REPORTED_DONE.value, _("Reported done, awaiting verification"), stats.reported_done),
        (S.VERIFIED.value, S.VERIFIED.label, stats.verified),
        (S.CANCELLED.value, S.CANCELLED.label, stats.by_status[S.CANCELLED]),
    ]
    return rows


def _status_colour(key: str) -> str:
    if key == "in_progress":
        return IN_PROGRESS_COLOUR
    if key == "overdue":
        return OVERDUE_COLOUR
    return STATUS_COLOURS[S(key)]


def _describe(pairs: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs) or _("No data.")


def status_chart(stats: svc.CommitmentStats, *, show_drafts: bool, chart_id: str) -> Markup:
    rows = status_rows(stats, show_drafts)
    bars = [Bar(label, count, number(count), _status_colour(key)) for key, label, count in rows]
    return hbar_chart(
        bars,
        chart_id=chart_id,
        title=_("Commitments by status"),
        desc=_describe([(label, number(count)) for _k, label, count in rows]),
    )


def area_label(row: svc.AreaRow) -> str:
    if row.area is None:
        return _("No thematic area")
    return row.area.name


def areas_chart(areas: Sequence[svc.AreaRow], *, chart_id: str) -> Markup:
    """Average progress per thematic area (the completion rate stays in the table: while
    nothing is verified yet it is 0 % everywhere and says nothing)."""
    bars = [
        Bar(
            area_label(row),
            float(row.stats.average_progress or 0),
            percent_text(row.stats.average_progress, 1),
            "#2e7d32" if row.area is not None and row.area.is_priority else "#0b4f6c",
        )
        for row in areas
    ]
    return hbar_chart(
        bars,
        chart_id=chart_id,
        title=_("Average progress by thematic area"),
        desc=_describe(
            [
                (
                    area_label(r),
                    _(
                        "%(progress)s average progress, %(n)s commitments in force",
                        progress=percent_text(r.stats.average_progress, 1),
                        n=number(r.stats.in_force),
                    ),
                )
                for r in areas
            ]
        ),
        percent_axis=True,
        width=780,
        label_width=320,
        empty_text=_("No commitments in this selection."),
    )


def trend_chart(trend: Sequence[svc.TrendPoint], *, chart_id: str) -> Markup:
    categories = [trend_label(p) for p in trend]
    series = [
        Series(_("Verified"), STATUS_COLOURS[S.VERIFIED], [p.stats.verified for p in trend]),
        Series(
            _("Awaiting verification"),
            STATUS_COLOURS[S.REPORTED_DONE],
            [p.stats.reported_done for p in trend],
        ),
        Series(_("In progress"), IN_PROGRESS_COLOUR, [p.stats.in_progress for p in trend]),
        Series(_("Overdue"), OVERDUE_COLOUR, [p.stats.overdue for p in trend]),
    ]
    line = Series(
        _("Cumulative completion rate"),
        "#d97706",
        [float(p.cumulative) if p.cumulative is not None else None for p in trend],
    )
    return column_chart(
        categories,
        series,
        chart_id=chart_id,
        title=_("Commitments by due month and where they stand today"),
        desc=_describe(
            [
                (
                    trend_label(p, long=True),
                    _(
                        "%(due)d due, %(verified)d verified, %(overdue)d overdue",
                        due=p.stats.in_force,
                        verified=p.stats.verified,
                        overdue=p.stats.overdue,
                    ),
                )
                for p in trend
            ]
        ),
        line=line,
        empty_text=_("No commitments in this selection."),
    )


def outcome_rows(stats: svc.FollowUpStats) -> list[tuple[str, str, int]]:
    rows = [(o.value, f"{o.number}. {o.short}", stats.by_outcome[o]) for o in Outcome]
    rows.append(("none", not_reviewed_label(), stats.not_reviewed))
    return rows


def outcomes_chart(stats: svc.FollowUpStats, *, chart_id: str) -> Markup:
    rows = outcome_rows(stats)
    bars = [
        Bar(
            label,
            count,
            number(count),
            OUTCOME_COLOURS[Outcome(key)] if key != "none" else NOT_REVIEWED_COLOUR,
        )
        for key, label, count in rows
    ]
    return hbar_chart(
        bars,
        chart_id=chart_id,
        title=_("Recommendations by BPK outcome"),
        desc=_describe([(label, number(count)) for _k, label, count in rows]),
    )


def grades_chart(comparison: Comparison, *, chart_id: str) -> Markup:
    """Grouped columns per year, one per region, the height being the grade (D … AA)."""
    grades = list(reversed(list(Grade)))
    series = []
    for index, region in enumerate(comparison.regions):
        values: list[float | None] = []
        texts: list[str] = []
        for year in comparison.years:
            result = comparison.cell(year, region)
            values.append(result.grade.rank if result else None)
            texts.append(result.grade.value if result else "")
        series.append(Series(region, REGION_COLOURS[index % len(REGION_COLOURS)], values, texts))
    described = []
    for region in comparison.regions:
        for year, result in comparison.series(region):
            described.append((f"{region} {year}", result.grade.value))
    return column_chart(
        [str(y) for y in comparison.years],
        series,
        chart_id=chart_id,
        title=_("%(instrument)s grades against peers", instrument=comparison.instrument.label),
        desc=_describe(described),
        stacked=False,
        y_ticks=[(g.rank, g.value) for g in grades],
        height=260,
        empty_text=_("No results have been entered yet."),
    )


def city_charts(data: svc.Overview, *, show_drafts: bool = True) -> dict[str, Markup]:
    charts = {
        "status": status_chart(data.commitments, show_drafts=show_drafts, chart_id="chart-status"),
        "areas": areas_chart(data.areas, chart_id="chart-areas"),
        "trend": trend_chart(data.trend, chart_id="chart-trend"),
        "outcomes": outcomes_chart(data.follow_ups, chart_id="chart-outcomes"),
    }
    for comparison in data.grades:
        if comparison.years:
            charts[f"grades-{comparison.instrument.value}"] = grades_chart(
                comparison, chart_id=f"chart-grades-{comparison.instrument.value}"
            )
    return charts


def opd_charts(page: svc.OpdOverview, *, show_drafts: bool) -> dict[str, Markup]:
    return {
        "status": status_chart(
            page.row.commitments, show_drafts=show_drafts, chart_id="chart-status"
        ),
        "areas": areas_chart(page.overview.areas, chart_id="chart-areas"),
        "trend": trend_chart(page.overview.trend, chart_id="chart-trend"),
        "outcomes": outcomes_chart(page.row.follow_ups, chart_id="chart-outcomes"),
    }


def definitions() -> list[tuple[str, str]]:
    """How each figure is computed (the page, the XLSX and the PDF show the same)."""
    return [
        (
            _("Period"),
            _(
                "Commitments due in the period; workshops held in the period. The default is "
                "the current year, or all time when nothing is due this year."
            ),
        ),
        (
            _("Follow-up figures"),
            _(
                "BPK's semester monitoring, as in the monitoring matrix: the recommendations of "
                "the reports received by the end of the semester, each with the outcome of its "
                "review in force then. A semester is itself; a year is its second semester (the "
                "position at the end of the year); all time is the current semester. A period "
                "still running is described as of today."
            ),
        ),
        (
            _("Thematic area"),
            _(
                "The thematic area filter applies to commitments only; recommendations, "
                "attendance and grades have no thematic area."
            ),
        ),
        (
            _("RB priority areas"),
            _(
                "The areas marked RB priority for the period's year (or the latest earlier "
                "year that has some). For each: commitments in force, average progress, "
                "verified, overdue, a traffic light and the change in average progress since "
                "the previous period, in points."
            ),
        ),
        (
            _("Traffic light"),
            _(
                "Green: nothing overdue and average progress at least the expected progress "
                "(the share of the period elapsed; for all time, the share of the area's "
                "commitments whose due date has passed). Red: more than a quarter of the "
                "commitments overdue, or average progress more than %(gap)s points below the "
                "expected. Amber: in between.",
                gap=int(svc.RED_GAP),
            ),
        ),
        (
            _("Commitments in force"),
            _("All commitments except drafts and cancelled ones."),
        ),
        (
            _("Completion rate"),
            _("Verified commitments ÷ commitments in force (all − cancelled − drafts)."),
        ),
        (
            _("Average progress"),
            _("The mean progress (in percent) of the commitments in force."),
        ),
        (
            _("Overdue"),
            _(
                "Commitments in progress past their due date, as of today; recommendations "
                "past their deadline without outcome 1 or 4 at the end of the monitoring "
                "semester (today for the current one)."
            ),
        ),
        (
            _("Follow-up completion rate"),
            _(
                "Recommendations at outcome 1 (sesuai) ÷ all recommendations, outcome 4 and "
                "those not reviewed yet included (BPK's rate)."
            ),
        ),
        (
            _("Attendance rate"),
            _(
                "Invitations of the OPD's officials marked present or represented ÷ all their "
                "invitations, at workshops held in the period."
            ),
        ),
        (
            _("Rank"),
            _(
                "Among the OPDs with at least one commitment in force: first those with nothing "
                "overdue, then the others; within each, by completion rate (highest first). "
                "Equal places share a rank (1, 1, 3). Nobody is ranked while no commitment has "
                "been verified."
            ),
        ),
        (
            _("City figures"),
            _(
                "All OPDs together; the average overdue is the city's overdue commitments ÷ the "
                "OPDs with a commitment in force."
            ),
        ),
        (
            _("Amounts"),
            _(
                "Financial findings with a recommendation in the monitoring: value to recover, "
                "repayments made up to the end of the semester, balance."
            ),
        ),
    ]
