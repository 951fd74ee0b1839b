"""A commitment's page and its actions (progress, done, review, cancel, reopen, evidence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tracker.blueprints.commitments.forms import (
    ActivateForm,
    CancelForm,
    ProgressForm,
    ReopenForm,
    ReportDoneForm,
    ReviewForm,
)
from tracker.blueprints.commitments.routes import (
    S,
    _load,
    _load_for_page,
    bp,
)
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    EvidenceKind,
    ProgressUpdate,
)
from tracker.permissions import (
    P,
    can,
    can_report_on,
    login_only,
    may_report_progress,
    requires,
    scope_commitments,
)
from tracker.saving import form_status, saving
from tracker.services import commitments as service
from tracker.services import wa_links
from tracker.services.reminders import last_reminded
from tracker.uploads import allowed_types_text, human_size, max_file_size, send_stored

# --- detail page and its actions -------------------------------------------------------

ACTION_FORMS: dict[str, type[FlaskForm]] = {
    "progress": ProgressForm,
    "done": ReportDoneForm,
    "review": ReviewForm,
    "cancel": CancelForm,
    "reopen": ReopenForm,
    "activate": ActivateForm,
}


def _forms(commitment: Commitment, posted: dict[str, FlaskForm] | None = None) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, cls in ACTION_FORMS.items():
        if posted and name in posted:
            forms[name] = posted[name]
            continue
        form = cls(prefix=name, formdata=None)
        form.version.data = commitment.version
        if name == "progress":
            form.progress.data = commitment.progress
            form.refers_to_on.data = today_wib()
        forms[name] = form
    return forms


def _detail(
    commitment_id: int,
    *,
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    since: list[ProgressUpdate] | None = None,
) -> ResponseReturnValue:
    commitment = _load_for_page(commitment_id)
    today = today_wib()
    moves = service.allowed_transitions(commitment, current_user)
    return render_template(
        "commitments/detail.html",
        commitment=commitment,
        reminded_on=last_reminded("commitment", [commitment.id]).get(commitment.id),
        forms=_forms(commitment, posted),
        moves=moves,
        S=S,
        today=today,
        state=service.deadline_state(commitment, today),
        can_report=commitment.status is S.ACTIVE and can_report_on(commitment),
        since=since,
        max_files=service.max_files(),
        max_file_size=max_file_size(),
        max_request_size=current_app.config.get("MAX_CONTENT_LENGTH"),
        allowed_types=allowed_types_text(),
        human_size=human_size,
        EvidenceKind=EvidenceKind,
        whatsapp_url=(
            wa_links.commitment_url(commitment, today) if can(P.MANAGE_COMMITMENTS) else None
        ),
    ), status


@bp.route("/<int:commitment_id>")
@login_only
def detail(commitment_id: int) -> ResponseReturnValue:
    return _detail(commitment_id)


def _act(
    commitment_id: int,
    name: str,
    allowed: Callable[[Commitment], bool],
    run: Callable[[Commitment, Any], Any],
    success: Callable[[Commitment], str],
) -> ResponseReturnValue:
    """The flow of every action on the detail page: load (scoped) → check → validate →
    service → commit → flash → back to the page; errors show the page with the form."""
    commitment = _load(commitment_id)
    if not allowed(commitment):
        abort(403)
    form = ACTION_FORMS[name](prefix=name)
    if not form.validate_on_submit():
        return _detail(commitment_id, posted={name: form}, status=400)
    with saving(form) as saved:
        run(commitment, form)
    if saved:
        flash(success(commitment), "success")
        return redirect(url_for("commitments.detail", commitment_id=commitment_id))
    since = None
    if saved.conflict:
        since = service.updates_since(commitment_id, form.version.data or 0)
        form.show_current(
            db.session.scalar(select(Commitment.version).where(Commitment.id == commitment_id))
        )
    return _detail(commitment_id, posted={name: form}, status=form_status(form), since=since)


@bp.route("/<int:commitment_id>/progress", methods=["POST"])
@login_only
def progress(commitment_id: int) -> ResponseReturnValue:
    if not may_report_progress():
        abort(403)
    return _act(
        commitment_id,
        "progress",
        can_report_on,
        lambda c, form: service.post_progress(
            c,
            actor=current_user,
            now=utcnow(),
            today=today_wib(),
            note=form.note.data,
            progress=form.progress.data,
            expected_version=form.version.data,
            files=request.files.getlist("progress-files"),
            links=form.links.data,
            refers_to_on=form.refers_to_on.data,
        ),
        lambda c: _("Your progress update has been saved."),
    )


@bp.route("/<int:commitment_id>/report-done", methods=["POST"])
@login_only
def report_done(commitment_id: int) -> ResponseReturnValue:
    if not may_report_progress():
        abort(403)
    return _act(
        commitment_id,
        "done",
        can_report_on,
        lambda c, form: service.change_status(
            c,
            S.REPORTED_DONE,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            note=form.note.data,
        ),
        lambda c: _("The commitment has been reported done; the Inspektorat will verify it."),
    )


@bp.route("/<int:commitment_id>/review", methods=["POST"])
@requires(P.VERIFY)
def review(commitment_id: int) -> ResponseReturnValue:
    def run(c: Commitment, form: ReviewForm) -> Any:
        verify = form.decision.data == "verify"
        return service.change_status(
            c,
            S.VERIFIED if verify else S.ACTIVE,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            note=form.note.data,
            progress=None if verify else form.progress.data,
        )

    return _act(
        commitment_id,
        "review",
        lambda c: True,
        run,
        lambda c: (
            _("The commitment has been verified.")
            if c.status is S.VERIFIED
            else _("The commitment has been returned to the OPD.")
        ),
    )


@bp.route("/<int:commitment_id>/activate", methods=["POST"])
@requires(P.MANAGE_COMMITMENTS)
def activate(commitment_id: int) -> ResponseReturnValue:
    return _act(
        commitment_id,
        "activate",
        lambda c: True,
        lambda c, form: service.change_status(
            c, S.ACTIVE, actor=current_user, now=utcnow(), expected_version=form.version.data
        ),
        lambda c: _("The commitment is now in force; the OPD can see it and report on it."),
    )


@bp.route("/<int:commitment_id>/cancel", methods=["POST"])
@requires(P.MANAGE_COMMITMENTS)
def cancel(commitment_id: int) -> ResponseReturnValue:
    return _act(
        commitment_id,
        "cancel",
        lambda c: True,
        lambda c, form: service.change_status(
            c,
            S.CANCELLED,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            reason=form.reason.data,
        ),
        lambda c: _("The commitment has been cancelled."),
    )


@bp.route("/<int:commitment_id>/reopen", methods=["POST"])
@requires(P.MANAGE_COMMITMENTS)
def reopen(commitment_id: int) -> ResponseReturnValue:
    return _act(
        commitment_id,
        "reopen",
        lambda c: True,
        lambda c, form: service.change_status(
            c,
            S.ACTIVE,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            note=form.note.data,
        ),
        lambda c: _("The commitment has been reopened."),
    )


@bp.route("/<int:commitment_id>/evidence/<int:evidence_id>")
@login_only
def evidence(commitment_id: int, evidence_id: int) -> ResponseReturnValue:
    """An evidence file, only for users who may see its commitment (else 404)."""
    item = db.session.scalar(
        scope_commitments(
            select(CommitmentEvidence)
            .join(Commitment, CommitmentEvidence.commitment_id == Commitment.id)
            .where(
                CommitmentEvidence.id == evidence_id,
                Commitment.id == commitment_id,
                CommitmentEvidence.kind == EvidenceKind.FILE,
            )
        )
    )
    if item is None or not item.stored_name or not item.content_type:
        abort(404)
    try:
        response = send_stored(item.stored_name, item.original_name, item.content_type)
    except OSError:
        abort(404)
    return response
