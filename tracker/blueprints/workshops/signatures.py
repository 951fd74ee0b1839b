"""Signatures at check-in: given on the personal pass page (public, by the pass's token) or
handed to the invitee on a staff device (the door kiosk or the attendance screen).

Both routes take the SVG drawn by the signature pad (``templates/workshops/_signature.html``)
and answer JSON to the pad's script (``Accept: application/json``), or, for a plain form
post, redirect back (or show the form again with the refusal).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField

from tracker.blueprints.workshops.routes import _load, bp
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.i18n import time_wib
from tracker.models import AttendanceSignature, Invitation, Person
from tracker.models.base import utcnow
from tracker.permissions import P, public, requires
from tracker.saving import form_status, saving
from tracker.services import passes
from tracker.services import signatures as service


class SignatureForm(TrackerForm):
    #: the SVG document of the strokes (checked by the service)
    signature = HiddenField()


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _errors(form: SignatureForm) -> list[str]:
    if form.refusal is not None:
        return [form.refusal.message]
    messages = [str(m) for errors in form.errors.values() for m in errors]
    return messages or [_("The signature could not be saved.")]


def _json_result(form: SignatureForm, signature: AttendanceSignature | None) -> ResponseReturnValue:
    if signature is not None:
        return jsonify(
            ok=True,
            message=_(
                "Signature saved: %(name)s, %(time)s.",
                name=signature.signed_by,
                time=time_wib(signature.signed_at),
            ),
            signed_by=signature.signed_by,
            signed_at=signature.signed_at.isoformat(),
        )
    return jsonify(ok=False, message=" ".join(_errors(form))), form_status(form)


def _sign(invitation: Invitation, form: SignatureForm) -> AttendanceSignature | None:
    """Run the save; the stored signature, or None when refused (the form says why)."""
    signature = None
    if form.validate_on_submit():
        with saving(form) as saved:
            signature = service.save(
                invitation, form.signature.data, service.signer_name(invitation), utcnow()
            )
        if not saved:
            signature = None
    return signature


def _page(invitation: Invitation, form: SignatureForm, **extra: Any) -> ResponseReturnValue:
    current = service.of(invitation)
    return render_template(
        "workshops/signature.html",
        invitation=invitation,
        workshop=invitation.workshop,
        form=form,
        errors=_errors(form) if request.method == "POST" else [],
        signer=service.signer_name(invitation),
        arrived=invitation.status in service.ARRIVED,
        current=current,
        current_uri=service.data_uri(current.svg) if current else None,
        **extra,
    ), form_status(form)


# --- staff: the door kiosk and the attendance screen -------------------------------------


def _safe_next(value: str | None, fallback: str) -> str:
    """A local page of the workshops area to go back to (never another site)."""
    if value and value.startswith("/workshops/") and "//" not in value and "\\" not in value:
        return value
    return fallback


@bp.route("/<int:workshop_id>/door/signature/<int:invitation_id>", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def door_signature(workshop_id: int, invitation_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id)
    invitation = db.session.scalars(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.workshop_id == workshop.id)
        .options(
            selectinload(Invitation.person).selectinload(Person.opd),
            selectinload(Invitation.representative),
        )
    ).first()
    if invitation is None:
        abort(404)
    back = _safe_next(
        request.values.get("next"), url_for("workshops.attendance", workshop_id=workshop.id)
    )
    form = SignatureForm()
    signature = _sign(invitation, form)
    if request.method == "POST" and _wants_json():
        return _json_result(form, signature)
    if signature is not None:
        flash(_("The signature of %(name)s has been saved.", name=signature.signed_by), "success")
        return redirect(back)
    return _page(
        invitation,
        form,
        action=url_for(
            "workshops.door_signature", workshop_id=workshop.id, invitation_id=invitation.id
        ),
        back=back,
    )


# --- public: the personal pass page --------------------------------------------------------


@public
def pass_signature(token: str) -> ResponseReturnValue:
    """``POST /hadir/<token>/signature``: the invitee (or their representative) signs on
    their own phone, after checking in with their personal link."""
    invitation = passes.find(token)
    if invitation is None:
        abort(404)
    form = SignatureForm()
    signature = _sign(invitation, form)
    if _wants_json():
        return _json_result(form, signature)
    if signature is not None:
        flash(_("Your signature has been saved."), "success")
        # the pass page itself: this route's path without "/signature"
        return redirect(request.path.rsplit("/", 1)[0])
    return _page(invitation, form, action=request.path, back=request.path.rsplit("/", 1)[0])


def _public_rules(state: BlueprintSetupState) -> None:
    # The pass lives at /hadir/<token>, outside the blueprint's /workshops prefix: the rule
    # is added to the application itself when the blueprint is registered.
    state.app.add_url_rule(
        "/hadir/<token>/signature",
        endpoint=f"{bp.name}.pass_signature",
        view_func=pass_signature,
        methods=["POST"],
    )


bp.record_once(_public_rules)

__all__ = ["bp"]
