"""The leadership dashboard (``/``), one OPD's picture (``/opd/<code>``) and the report
exports (XLSX, PDF).

* Readers (``VIEW_ALL``: admin, Inspektorat, pimpinan) get the city dashboard at ``/``; an
  ``opd`` user gets their own OPD's page there.
* ``/opd/<code>``: any active OPD for readers; an ``opd`` user only their own (another code,
  an unknown or an inactive one: 404).
* Exports are the city report, for readers only (403 for ``opd`` users); they honour the
  same filters (and the ranking's sort) as the page.

The figures and their definitions are in :mod:`tracker.services.dashboard`. A page's body
(everything below its heading) is cached per process and keyed on the data version (the
latest audit log id), the date, the locale, the filters, the sort and the viewer's scope
(:class:`BodyCache`; ``DASHBOARD_CACHE_SECONDS``, default 300, 0 turns it off): a repeated
view costs 2–4 queries, and any change made through the application shows at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from tracker.blueprints.dashboard import exports, figures
from tracker.documents import pdf_response, safe_filename, xlsx_response
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import AuditLog, Opd
from tracker.permissions import P, can, requires, scope
from tracker.services import dashboard as svc
from tracker.services.findings import format_rupiah

bp = Blueprint("dashboard", __name__)

DEFAULT_CACHE_SECONDS = 300
CACHE_EXTENSION = "tracker.dashboard.cache"

SORT_DEFAULT_DIRECTION = {
    "rank": "asc",
    "opd": "asc",
    "commitments": "desc",
    "completion": "desc",
    "overdue": "desc",
    "follow_up": "desc",
    "attendance": "desc",
}


@bp.app_template_filter("dashboard_percent")
def percent_filter(value: Any, digits: int = 2) -> str:
    return figures.percent_text(value, digits)


@bp.app_template_filter("dashboard_points")
def points_filter(value: Any) -> str:
    return figures.points_text(value)


@bp.app_template_filter("dashboard_number")
def number_filter(value: Any, digits: int = 0) -> str:
    return figures.number(value, digits)


@bp.app_template_filter("dashboard_rupiah")
def rupiah_filter(value: Any) -> str:
    return format_rupiah(value)


def _filters(*, report: bool = True) -> svc.Filters:
    """The filters from the query string; ignored values are flashed (on pages only).

    An OPD secretary's pages default to all time: the figures then count every item of the
    list of overdue ones shown above them (which is as of today, whatever the period)."""
    default = None if can(P.VIEW_ALL) else svc.Period.all_time()
    filters, problems = svc.resolve_filters(request.args, today=today_wib(), default=default)
    if report:
        for problem in problems:
            flash(problem, "warning")
    return filters


def _sort() -> tuple[str, str]:
    key = request.args.get("sort", "rank")
    if key not in svc.RANKING_SORTS:
        key = "rank"
    direction = request.args.get("dir", SORT_DEFAULT_DIRECTION[key])
    if direction not in ("asc", "desc"):
        direction = SORT_DEFAULT_DIRECTION[key]
    return key, direction


def _sort_links(filters: svc.Filters, key: str, direction: str) -> dict[str, dict[str, Any]]:
    """For each ranking column: the URL that sorts by it and its aria-sort state."""
    links = {}
    for column in svc.RANKING_SORTS:
        active = column == key
        if active:
            next_dir = "desc" if direction == "asc" else "asc"
        else:
            next_dir = SORT_DEFAULT_DIRECTION[column]
        links[column] = {
            "url": url_for("dashboard.index", **filters.args(), sort=column, dir=next_dir)
            + "#ranking",
            "active": active,
            "aria": ("ascending" if direction == "asc" else "descending") if active else None,
            "direction": direction if active else None,
        }
    return links


def _filter_context(filters: svc.Filters) -> dict[str, Any]:
    areas = svc.area_options()
    by_year: dict[int, list[Any]] = {}
    for area in areas:
        by_year.setdefault(area.year, []).append(area)
    return {
        "filters": filters,
        "period_options": svc.period_options(today_wib()),
        "area_groups": sorted(by_year.items(), reverse=True),
    }


class BodyCache:
    """Rendered page bodies, per application (process), keyed on what they depend on.

    The key holds the *data version*: the id of the latest audit log entry. Every record
    the dashboard reads (commitments, recommendations and their findings and reports,
    repayments, workshops and invitations, OPDs, thematic areas, grades) is audited, so
    any change made through the application writes a newer entry and the next request
    renders afresh; the date (WIB), the locale, the filters, the sort and the viewer's
    scope complete the key. Entries also expire after ``DASHBOARD_CACHE_SECONDS`` (default
    300; 0 turns the cache off) in case data is changed outside the application.
    """

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], tuple[float, Markup]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Markup | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[Any, ...], body: Markup, seconds: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + seconds, body)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _cache_seconds() -> float:
    return float(current_app.config.get("DASHBOARD_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def data_version() -> int:
    """The id of the latest audit log entry (the primary key: an index lookup)."""
    return int(db.session.scalar(select(func.max(AuditLog.id))) or 0)


def _body(key: tuple[Any, ...], render: Callable[[], str]) -> Markup:
    """The page body for ``key``: from the cache when nothing changed, else rendered."""
    seconds = _cache_seconds()
    if seconds <= 0:
        return Markup(render())
    cache = current_app.extensions.setdefault(CACHE_EXTENSION, BodyCache())
    full_key = (*key, request.path, str(get_locale()), today_wib(), data_version())
    body = cache.get(full_key)
    if body is None:
        body = Markup(render())
        cache.put(full_key, body, seconds)
    return body


def _opd_page(opd: Opd, filters: svc.Filters, *, own: bool) -> ResponseReturnValue:
    today = today_wib()
    show_drafts = can(P.VIEW_ALL)

    def render() -> str:
        page = svc.opd_overview(opd, filters, today=today, user=current_user)
        return render_template(
            "dashboard/_opd.html",
            page=page,
            data=page.overview,
            standing=page.standing,
            due=page.due,
            show_drafts=show_drafts,
            charts=figures.opd_charts(page, show_drafts=show_drafts),
            status_rows=figures.status_rows(page.row.commitments, show_drafts),
            outcome_rows=figures.outcome_rows(page.row.follow_ups),
            definitions=figures.definitions(),
            trend_label=figures.trend_label,
            area_label=figures.area_label,
            today=today,
            **_filter_context(filters),
        )

    # An opd user's scope is their OPD (and no drafts): the same for all its users.
    key = ("opd", opd.id, show_drafts, tuple(sorted(filters.args().items())))
    return render_template(
        "dashboard/opd.html",
        body=_body(key, render),
        opd=opd,
        own=own,
        filters=filters,
        today=today,
    )


@bp.route("/")
@requires(P.VIEW_DASHBOARD)
def index() -> ResponseReturnValue:
    filters = _filters()
    if not can(P.VIEW_ALL):
        opd = current_user.opd if current_user.opd_id else None
        if opd is None:
            abort(404)
        return _opd_page(opd, filters, own=True)
    today = today_wib()
    key, direction = _sort()
    export_args = {**filters.args(), "sort": key, "dir": direction}

    def render() -> str:
        data = svc.overview(filters, today=today)
        return render_template(
            "dashboard/_city.html",
            data=data,
            ranking=svc.sort_ranking(data.ranking, key, direction),
            sort_links=_sort_links(filters, key, direction),
            charts=figures.city_charts(data),
            status_rows=figures.status_rows(data.commitments, True),
            outcome_rows=figures.outcome_rows(data.follow_ups),
            definitions=figures.definitions(),
            traffic_rule=svc.traffic_light_rule(filters.period),
            trend_label=figures.trend_label,
            area_label=figures.area_label,
            export_args=export_args,
            today=today,
            **_filter_context(filters),
        )

    return render_template(
        "dashboard/index.html",
        body=_body(("city", tuple(sorted(export_args.items()))), render),
        filters=filters,
        export_args=export_args,
        today=today,
    )


@bp.route("/opd/<code>")
@requires(P.VIEW_DASHBOARD)
def opd(code: str) -> ResponseReturnValue:
    found = db.session.scalars(
        scope(select(Opd).where(Opd.code == code[:40], Opd.active.is_(True)), Opd.id)
    ).first()
    if found is None:
        abort(404)
    filters = _filters()
    return _opd_page(found, filters, own=found.id == current_user.opd_id)


def _report_data() -> tuple[svc.Overview, list[svc.OpdRow]]:
    filters = _filters(report=False)
    data = svc.overview(filters, today=today_wib())
    key, direction = _sort()
    return data, svc.sort_ranking(data.ranking, key, direction)


def _filename(data: svc.Overview, stem: str, extension: str) -> str:
    parts = [stem, data.filters.period.key]
    if data.filters.area is not None:
        parts.append(data.filters.area.code)
    return safe_filename("-".join(parts), extension)


@bp.route("/dashboard.xlsx")
@requires(P.VIEW_DASHBOARD, P.VIEW_ALL)
def export_xlsx() -> ResponseReturnValue:
    data, ranking = _report_data()
    return xlsx_response(
        exports.workbook(data, ranking), _filename(data, "dasbor-pemantauan", "xlsx")
    )


@bp.route("/dashboard.pdf")
@requires(P.VIEW_DASHBOARD, P.VIEW_ALL)
def export_pdf() -> ResponseReturnValue:
    data, ranking = _report_data()
    previous = svc.previous_figures(data.filters, today=data.today)
    pdf = exports.report_pdf(data, ranking, signer=svc.signer(), previous=previous)
    return pdf_response(pdf, _filename(data, "laporan-pemantauan", "pdf"))
