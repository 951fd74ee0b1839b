"""/imports/: download a template per kind, upload a file, read its dry run, confirm.

Who: the Inspektorat's staff and administrators (``IMPORT_DATA``); the OPD list and the
officials list only administrators (:func:`tracker.permissions.can_import`, checked for
each batch and template; the service checks again). An upload is only a dry run: the
file is kept with its :class:`ImportBatch` and the page ``/imports/<id>`` shows what
importing it would do, planned again on every view (the data may change meanwhile);
"Confirm import" imports it all, or nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.blueprints.imports.forms import ConfirmForm, UploadForm
from tracker.documents import xlsx_response
from tracker.extensions import db
from tracker.forms import options
from tracker.imports.base import Action, ImportKind, Plan
from tracker.models.base import utcnow
from tracker.models.import_batch import ImportBatch
from tracker.permissions import P, can_import, requires
from tracker.saving import form_status, saving
from tracker.services import import_list
from tracker.services import imports as svc
from tracker.uploads import send_stored

bp = Blueprint("imports", __name__)

#: rows and problems of a dry run shown per page
ROWS_PER_PAGE = 100
PROBLEMS_PER_PAGE = 100


def _kind_choices() -> list[Any]:
    return options((k.value, svc.kind_label(k)) for k in svc.allowed_kinds(current_user))


def _load(batch_id: int) -> ImportBatch:
    batch = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .options(joinedload(ImportBatch.uploaded_by), joinedload(ImportBatch.imported_by))
    ).first()
    if batch is None:
        abort(404)
    if not can_import(batch.kind):
        abort(403)
    return batch


# --- the list, the templates and the upload ------------------------------------------------


def _index(form: UploadForm, status: int = 200) -> ResponseReturnValue:
    allowed = svc.allowed_kinds(current_user)
    filters = import_list.Filters.from_args(request.args)
    listing = import_list.page(filters, allowed, request.args)
    return render_template(
        "imports/index.html",
        form=form,
        listing=listing,
        kinds=[(k, svc.kind_label(k)) for k in allowed],
        kind_filter=filters.kind,
        kind_label=svc.kind_label,
    ), status


@bp.route("/")
@requires(P.IMPORT_DATA)
def index() -> ResponseReturnValue:
    form = UploadForm(formdata=None)
    form.kind.choices = _kind_choices()
    wanted = request.args.get("kind", "")
    if wanted in {c.value for c in form.kind.choices}:
        form.kind.data = wanted
    return _index(form)


@bp.route("/upload", methods=["POST"])
@requires(P.IMPORT_DATA)
def upload() -> ResponseReturnValue:
    form = UploadForm()
    form.kind.choices = _kind_choices()
    if form.validate_on_submit():
        with saving(form) as saved:
            data, name = svc.upload_bytes(form.file.data)
            batch, _plan = svc.check(form.kind.data, data, name, actor=current_user, now=utcnow())
        if saved:
            return redirect(url_for("imports.detail", batch_id=batch.id))
    return _index(form, form_status(form))


@bp.route("/template/<kind>.xlsx")
@requires(P.IMPORT_DATA)
def template(kind: str) -> ResponseReturnValue:
    if kind not in {k.value for k in ImportKind}:
        abort(404)
    if not can_import(kind):
        abort(403)
    return xlsx_response(svc.template_workbook(kind), svc.template_filename(kind))


# --- one import: its dry run, the confirmation, the kept file ------------------------------


def _action_labels() -> dict[Action, str]:
    return {
        Action.CREATE: _("Create"),
        Action.UPDATE: _("Update"),
        Action.UNCHANGED: _("Unchanged"),
        Action.CONFLICT: _("Conflict"),
    }


@bp.route("/<int:batch_id>")
@requires(P.IMPORT_DATA)
def detail(batch_id: int) -> ResponseReturnValue:
    batch = _load(batch_id)
    plan, error = svc.dry_run(batch, actor=current_user, now=utcnow())
    return render_template(
        "imports/detail.html",
        batch=batch,
        plan=plan,
        error=error,
        kind_label=svc.kind_label(batch.kind),
        counts=_counts(plan) if plan is not None else None,
        problems=import_list.paged(
            [svc.problem_text(p) for p in plan.problems] if plan else [],
            "problems_page",
            PROBLEMS_PER_PAGE,
        ),
        rows=import_list.paged(plan.rows if plan else [], "page", ROWS_PER_PAGE),
        action_labels=_action_labels(),
        summary=svc.summary_text(plan) if plan else "",
        form=ConfirmForm(formdata=None),
    )


def _counts(plan: Plan) -> list[tuple[str, int, str]]:
    labels = _action_labels()
    return [
        ("create", plan.count(Action.CREATE), labels[Action.CREATE]),
        ("update", plan.count(Action.UPDATE), labels[Action.UPDATE]),
        ("unchanged", plan.count(Action.UNCHANGED), labels[Action.UNCHANGED]),
        ("conflict", plan.count(Action.CONFLICT), labels[Action.CONFLICT]),
        ("problems", len(plan.problems), _("Problems")),
    ]


@bp.route("/<int:batch_id>/confirm", methods=["POST"])
@requires(P.IMPORT_DATA)
def confirm(batch_id: int) -> ResponseReturnValue:
    batch = _load(batch_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "danger")
        return redirect(url_for("imports.detail", batch_id=batch_id))
    with saving() as saved:
        plan = svc.confirm(batch, actor=current_user, now=utcnow())
    if saved:
        flash(svc.imported_text(plan), "success")
    return redirect(url_for("imports.detail", batch_id=batch_id))


@bp.route("/<int:batch_id>/file")
@requires(P.IMPORT_DATA)
def file(batch_id: int) -> ResponseReturnValue:
    batch = _load(batch_id)
    try:
        svc.stored_path(batch).stat()
    except OSError:
        abort(404)
    return send_stored(batch.stored_name, batch.file_name, svc.content_type(batch))
