"""Printable invitation cards (one invitee, or all of a workshop's) with the personal
check-in link and its QR code, and revoking a pass (a lost or forwarded link).

The card is an official paper of the Pemerintah Kota Malang: always in Indonesian.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort, flash, redirect
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.blueprints.workshops.routes import _detail_url, _load, bp
from tracker.documents import pdf_response, render_pdf, safe_filename
from tracker.extensions import db
from tracker.models import Invitation, Person, Workshop
from tracker.permissions import P, requires
from tracker.saving import saving
from tracker.services import pass_links, passes
from tracker.services import workshops as service


def _invitation(workshop: Workshop, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.workshop_id == workshop.id)
        .options(selectinload(Invitation.person).selectinload(Person.opd))
    )
    if invitation is None:
        abort(404)
    return invitation


def _cards(workshop: Workshop, invitations: Sequence[Invitation], stem: str) -> ResponseReturnValue:
    with saving() as saved:  # a pass not issued yet is recorded, so its link works
        tokens = passes.issue_all(list(invitations))
    if not saved:
        return redirect(_detail_url(workshop, _anchor="invitees"))
    cards = []
    day, hours = service.printed_when(workshop)
    with force_locale("id"):
        for invitation in invitations:
            link = pass_links.pass_url(tokens[invitation.id])
            cards.append({"inv": invitation, "link": link, "qr": pass_links.qr_data_uri(link)})
        data = render_pdf(
            "pdf/invitation_cards.html", workshop=workshop, cards=cards, day=day, hours=hours
        )
    day_key = service.wib_local(workshop.starts_at).strftime("%Y-%m-%d")
    return pdf_response(data, safe_filename(f"{stem}-{day_key}-{workshop.title}", "pdf"))


@bp.route("/<int:workshop_id>/invitations/<int:invitation_id>/card.pdf")
@requires(P.MANAGE_WORKSHOPS)
def invitation_card(workshop_id: int, invitation_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    invitation = _invitation(workshop, invitation_id)
    return _cards(workshop, [invitation], f"undangan-{invitation.person.name}")


@bp.route("/<int:workshop_id>/cards.pdf")
@requires(P.MANAGE_WORKSHOPS)
def invitation_cards(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    return _cards(workshop, service.load_invitations(workshop), "kartu-undangan")


@bp.route("/<int:workshop_id>/invitations/<int:invitation_id>/pass/revoke", methods=["POST"])
@requires(P.MANAGE_WORKSHOPS)
def revoke_pass(workshop_id: int, invitation_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id)
    invitation = _invitation(workshop, invitation_id)
    with saving() as saved:
        passes.revoke(invitation)
    if saved:
        flash(
            _(
                "The personal link of %(name)s has been replaced: the old link no longer "
                "works. Print a new invitation card for them.",
                name=invitation.person.name,
            ),
            "success",
        )
    return redirect(_detail_url(workshop, _anchor="invitees"))
