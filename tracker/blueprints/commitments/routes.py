"""Commitments: the list (filters, search, export), the detail page with its timeline and
actions, entry one by one and in bulk for a workshop, edits, and evidence downloads.

Views are thin: load (scoped: an ``opd`` user only ever finds their own OPD's commitments,
anything else is a 404) → check the permission → validate the form → call
:mod:`tracker.services.commitments` → commit → flash → redirect. Every form that changes a
commitment carries its version; a stale one is refused (409) with the list of what
happened meanwhile, and nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from wtforms import SelectChoice

from tracker.blueprints.commitments.forms import (
    CommitmentForm,
    FilterForm,
)
from tracker.documents import new_workbook, safe_filename, write_table, xlsx_response
from tracker.extensions import db
from tracker.forms import opd_options
from tracker.i18n import date_short, datetime_wib, today_wib
from tracker.models import Opd, Person, ThematicArea
from tracker.models.commitment import (
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
)
from tracker.models.workshop import Workshop
from tracker.permissions import (
    P,
    can,
    login_only,
    scope_commitments,
)
from tracker.services import commitment_list as lists
from tracker.services import commitments as service
from tracker.uploads import human_size

bp = Blueprint("commitments", __name__)

S = CommitmentStatus

#: Labels of the fields shown in the history of edits and in conflicts.
FIELD_LABELS: dict[str, Any] = {
    "opd_id": _l("OPD"),
    "workshop_id": _l("Workshop"),
    "made_by_id": _l("Made by"),
    "carried_out_by_id": _l("Carried out by"),
    "thematic_area_id": _l("Thematic area"),
    "statement": _l("Commitment"),
    "indicator": _l("Indicator"),
    "target": _l("Target"),
    "due_on": _l("Due date"),
    "progress": _l("Progress (%)"),
}

# --- helpers ---------------------------------------------------------------------------


def _choice(value: Any, label: Any, **kw: Any) -> SelectChoice:
    return SelectChoice(str(value), str(label), **kw)


def _area_choices(current_id: int | None = None, empty: Any = None) -> list[SelectChoice]:
    rows = db.session.execute(
        select(ThematicArea.id, ThematicArea.name, ThematicArea.year, ThematicArea.is_priority)
        .where(or_(ThematicArea.active.is_(True), ThematicArea.id == current_id))
        .order_by(ThematicArea.year.desc(), ThematicArea.sort_order, ThematicArea.name)
    ).all()
    return [
        _choice("", empty or _("— none —")),
        *(
            _choice(
                r.id,
                r.name,
                optgroup=(
                    _("RB priorities %(year)d", year=r.year) if r.is_priority else str(r.year)
                ),
            )
            for r in rows
        ),
    ]


def _workshop_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Workshop.id, Workshop.title, Workshop.starts_at).order_by(
            Workshop.starts_at.desc(), Workshop.id
        )
    ).all()
    return [
        _choice("", _("— none —")),
        *(_choice(r.id, f"{r.title} ({date_short(r.starts_at)})") for r in rows),
    ]


def _person_choices(keep: Iterable[int | None] = ()) -> list[SelectChoice]:
    """Active officials (and those already chosen), grouped by OPD; each option says its
    OPD and hierarchy role so the page can preselect an OPD's head and secretary."""
    keep_ids = [i for i in keep if i]
    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .options(contains_eager(Person.opd))
        .where(or_(Person.active.is_(True), Person.id.in_(keep_ids)))
        .order_by(Opd.sort_order.nulls_first(), Opd.code, Person.hierarchy_role, Person.name)
    ).all()
    choices = [_choice("", _("— none —"))]
    for p in people:
        choices.append(
            _choice(
                p.id,
                p.name if p.position == p.name else f"{p.name} — {p.position}",
                optgroup=p.opd.code if p.opd else _("City leaders"),
                render_kw={
                    "data-opd": str(p.opd_id or ""),
                    "data-role": p.hierarchy_role.value,
                },
            )
        )
    return choices


def _fill_choices(form: CommitmentForm, record: Commitment | None = None) -> None:
    form.opd_id.choices = opd_options(record.opd_id if record else None, empty=_("— choose —"))
    form.workshop_id.choices = _workshop_choices()
    form.thematic_area_id.choices = _area_choices(record.thematic_area_id if record else None)
    people = _person_choices([record.made_by_id, record.carried_out_by_id] if record else [])
    form.made_by_id.choices = people
    form.carried_out_by_id.choices = people


def _values(form: Any) -> dict[str, Any]:
    return {name: form[name].data for name in service.FIELDS if name in form}


def _load(commitment_id: int) -> Commitment:
    """The commitment if the current user may see it, else 404."""
    commitment = db.session.scalar(
        scope_commitments(select(Commitment).where(Commitment.id == commitment_id))
    )
    if commitment is None:
        abort(404)
    return commitment


def _load_for_page(commitment_id: int) -> Commitment:
    commitment = db.session.scalar(
        scope_commitments(select(Commitment).where(Commitment.id == commitment_id)).options(
            joinedload(Commitment.opd),
            joinedload(Commitment.workshop),
            joinedload(Commitment.thematic_area),
            joinedload(Commitment.made_by),
            joinedload(Commitment.carried_out_by),
            joinedload(Commitment.verified_by),
            selectinload(Commitment.updates).selectinload(ProgressUpdate.evidence),
        )
    )
    if commitment is None:
        abort(404)
    return commitment


def describe(field: str, value: Any) -> Any:
    """A value of the history of edits, ready to show."""
    if value is None:
        return None
    if field == "due_on" and isinstance(value, str):
        try:
            return date_short(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


@bp.app_template_global("commitment_field_label")
def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


@bp.app_template_global("commitment_change_value")
def change_value(field: str, value: Any) -> Any:
    return describe(field, value)


@bp.app_template_global("commitment_file_size")
def file_size(size: int) -> str:
    return human_size(size)


@bp.app_template_global("commitment_deadline")
def deadline(commitment: Commitment, today: dt.date | None = None) -> str | None:
    return service.deadline_state(commitment, today or today_wib())


# --- list and export -------------------------------------------------------------------


def _filters() -> tuple[FilterForm, lists.Filters, bool]:
    form = FilterForm(formdata=request.args)
    form.opd.choices = [
        _choice("", _("All OPDs")),
        *(_choice(r.id, f"{r.code} — {r.name}") for r in lists.opd_options()),
    ]
    form.area.choices = _area_choices(empty=_("All thematic areas"))
    form.workshop.choices = [
        _choice("", _("All workshops")),
        *(
            _choice(r.id, f"{r.title} ({date_short(r.starts_at)})")
            for r in lists.workshop_options()
        ),
    ]
    valid = form.validate()

    def as_id(value: Any) -> int | None:
        raw = str(value or "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    status = (
        form.status.data if form.status.data in {c.value for c in form.status.choices} else None
    )
    filters = lists.Filters(
        opd_id=as_id(form.opd.data) if can(P.VIEW_ALL) else None,
        thematic_area_id=as_id(form.area.data),
        status=status or None,
        deadline=form.deadline.data if form.deadline.data in ("overdue", "due_soon") else None,
        workshop_id=as_id(form.workshop.data),
        due_from=form.due_from.data if not form.due_from.errors else None,
        due_to=form.due_to.data if not form.due_to.errors else None,
    )
    return form, filters, valid


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    today = today_wib()
    form, filters, valid = _filters()
    return render_template(
        "commitments/index.html",
        listing=lists.listing(filters, today, request.args),
        form=form,
        today=today,
        export_args={k: v for k, v in request.args.items() if k not in ("page", "per_page")},
    ), (200 if valid else 400)


@bp.route("/export.xlsx")
@login_only
def export() -> ResponseReturnValue:
    """The filtered list (same filters, search and order as the page), every row.

    It can be imported again (:mod:`tracker.imports.kinds.commitments`): the workshop's
    title and date, the OPD code and the statement identify each commitment, and "Version"
    lets the import tell a row edited in the file from a commitment changed since."""
    today = today_wib()
    _form, filters, valid = _filters()
    if not valid:
        abort(400)
    rows = lists.listing(filters, today, request.args, paginate=False).all()

    workbook = new_workbook()
    sheet = workbook.create_sheet(_("Commitments")[:31])
    headers = [
        _("No."),
        _("OPD code"),
        _("OPD"),
        _("Commitment"),
        _("Thematic area"),
        _("Indicator"),
        _("Target"),
        _("Due date"),
        _("Status"),
        _("Progress (%)"),
        _("Deadline"),
        _("Made by"),
        _("Carried out by"),
        _("Workshop"),
        _("Workshop date"),
        _("Last progress"),
        _("Verified on"),
        _("Version"),
    ]
    deadline_labels = {"overdue": _("Overdue"), "due_soon": _("Due soon"), None: ""}

    def row(n: int, c: Commitment) -> list[Any]:
        return [
            n,
            c.opd.code,
            c.opd.name,
            c.statement,
            c.thematic_area.name if c.thematic_area else "",
            c.indicator,
            c.target,
            c.due_on,
            c.status.label,
            c.progress,
            deadline_labels[service.deadline_state(c, today)],
            c.made_by.name if c.made_by else "",
            c.carried_out_by.name if c.carried_out_by else "",
            c.workshop.title if c.workshop else "",
            service.workshop_day(c.workshop) if c.workshop else "",
            datetime_wib(c.last_progress_at) if c.last_progress_at else "",
            date_short(c.verified_at) if c.verified_at else "",
            c.version,
        ]

    header_row = write_table(
        sheet,
        headers,
        (row(n, c) for n, c in enumerate(rows, start=1)),
        title_lines=[
            _("Commitments"),
            _("As of %(date)s · %(count)d commitments", date=date_short(today), count=len(rows)),
        ],
        widths=[5, 12, 30, 60, 26, 30, 24, 12, 16, 10, 14, 26, 26, 30, 14, 28, 14, 8],
    )
    # The due date and the workshop's date: typed dates (re-imported as they are).
    for column in ("H", "O"):
        for cell in sheet[f"{column}{header_row + 1}:{column}{header_row + len(rows)}"]:
            for c in cell:
                c.number_format = "yyyy-mm-dd"
    return xlsx_response(workbook, safe_filename(f"komitmen-{today.isoformat()}", "xlsx"))


# The other sub-areas add their routes to ``bp`` (imported last: they use the helpers above).
from tracker.blueprints.commitments import actions, entry  # noqa: E402, F401
