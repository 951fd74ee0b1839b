"""Entering commitments (one, or a workshop's in bulk) and editing them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.blueprints.commitments.forms import (
    BulkForm,
    CommitmentEditForm,
    CommitmentNewForm,
)
from tracker.blueprints.commitments.routes import (
    _area_choices,
    _fill_choices,
    _load,
    _person_choices,
    _values,
    bp,
)
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.listing import int_arg
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    ProgressUpdate,
)
from tracker.models.workshop import Workshop
from tracker.permissions import (
    P,
    requires,
)
from tracker.saving import form_status, saving
from tracker.services import commitments as service

# --- entry and edits -------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@requires(P.MANAGE_COMMITMENTS)
def new() -> ResponseReturnValue:
    form = CommitmentNewForm()
    _fill_choices(form)
    if request.method == "GET":
        form.opd_id.data = int_arg("opd")
        form.workshop_id.data = int_arg("workshop")
    elif form.validate_on_submit():
        with saving(form) as saved:
            commitment = service.create_commitment(
                _values(form), actor=current_user, now=utcnow(), activate=bool(form.activate.data)
            )
        if saved:
            flash(_("The commitment has been recorded."), "success")
            return redirect(url_for("commitments.detail", commitment_id=commitment.id))
    return render_template("commitments/new.html", form=form), form_status(form)


@bp.route("/<int:commitment_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_COMMITMENTS)
def edit(commitment_id: int) -> ResponseReturnValue:
    commitment = _load(commitment_id)
    form = CommitmentEditForm(obj=commitment if request.method == "GET" else None)
    _fill_choices(form, commitment)
    since: list[ProgressUpdate] | None = None
    if form.validate_on_submit():
        with saving(form) as saved:
            update = service.edit_commitment(
                commitment,
                _values(form),
                actor=current_user,
                now=utcnow(),
                expected_version=form.version.data,
                note=form.note.data,
                progress=form.progress.data,
            )
        if saved:
            if update is None:
                flash(_("Nothing was changed."), "info")
            else:
                flash(_("The commitment has been saved."), "success")
            return redirect(url_for("commitments.detail", commitment_id=commitment_id))
        if saved.conflict:
            since = service.updates_since(commitment.id, form.version.data or 0)
            form.show_current(
                db.session.scalar(select(Commitment.version).where(Commitment.id == commitment_id))
            )
    return render_template(
        "commitments/edit.html", form=form, commitment=commitment, since=since
    ), form_status(form)


@bp.route("/bulk", methods=["GET", "POST"])
@requires(P.MANAGE_COMMITMENTS)
def bulk() -> ResponseReturnValue:
    """Bulk entry for a workshop: one row per attending OPD, saved together or not at all."""
    workshop_id = int_arg("workshop")
    if workshop_id is None:
        workshops = db.session.scalars(
            select(Workshop).order_by(Workshop.starts_at.desc(), Workshop.id)
        ).all()
        status = 400 if request.method == "POST" else 200
        return render_template("commitments/bulk_pick.html", workshops=workshops), status
    workshop = db.get_or_404(Workshop, workshop_id)
    rows = service.bulk_rows(workshop)
    by_opd = {row.opd.id: row for row in rows}
    form = BulkForm()
    if request.method == "GET":
        form.default_due_on.data = service.default_due_on(workshop, today_wib())
        for row in rows:
            form.rows.append_entry(
                {
                    "opd_id": row.opd.id,
                    "made_by_id": row.made_by_id,
                    "carried_out_by_id": row.carried_out_by_id,
                }
            )
    areas = _area_choices()
    people = _person_choices()
    form.default_area_id.choices = areas
    for entry in form.rows:
        entry.form.thematic_area_id.choices = areas
        entry.form.made_by_id.choices = people
        entry.form.carried_out_by_id.choices = people
    if form.validate_on_submit():
        filled = [(i, entry.form) for i, entry in enumerate(form.rows) if not entry.form.is_empty()]
        values = []
        for i, row_form in filled:
            data = _values(row_form)
            data["opd_id"] = row_form.opd_id.data
            data["thematic_area_id"] = data["thematic_area_id"] or form.default_area_id.data
            data["due_on"] = data["due_on"] or form.default_due_on.data
            values.append((i, data))
        with saving(form) as saved:
            created = service.create_commitments(
                values,
                workshop=workshop,
                actor=current_user,
                now=utcnow(),
                activate=bool(form.activate.data),
            )
        if saved:
            flash(
                _(
                    "%(count)d commitments have been recorded for %(title)s.",
                    count=len(created),
                    title=workshop.title,
                ),
                "success",
            )
            return redirect(url_for("commitments.index", workshop=workshop.id))
    elif request.method == "POST":
        form.form_errors.append(_("Please correct the marked rows; nothing was saved."))
    return render_template(
        "commitments/bulk.html",
        form=form,
        workshop=workshop,
        by_opd=by_opd,
    ), form_status(form)
