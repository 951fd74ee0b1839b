"""The check-in QR code, the calendar file and the attendance sheet (PDF, XLSX)."""

from __future__ import annotations

from flask import (
    Response,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.blueprints.workshops import documents
from tracker.blueprints.workshops.routes import (
    _checkin_url,
    _external_detail_url,
    _load,
    bp,
)
from tracker.documents import pdf_response, safe_filename, xlsx_response
from tracker.extensions import db
from tracker.models import (
    Person,
    Workshop,
)
from tracker.models.base import utcnow
from tracker.permissions import (
    P,
    login_only,
    requires,
)
from tracker.services import signatures
from tracker.services import workshops as service

# --- QR code, calendar and the attendance sheet ------------------------------------------------


@bp.route("/<int:workshop_id>/qr.svg")
@login_only
def qr(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id)
    svg = documents.qr_svg(
        _checkin_url(workshop), title=_("Check-in: %(title)s", title=workshop.title)
    )
    response = Response(svg, mimetype="image/svg+xml")
    # A standalone image: nothing to load, no scripts (set before the app's default CSP).
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/<int:workshop_id>/calendar.ics")
@login_only
def ics(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    data = service.workshop_ics(workshop, now=utcnow(), url=_external_detail_url(workshop))
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{safe_filename(workshop.title, "ics")}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _head_of(opd_id: int | None) -> Person | None:
    """The head of the organising OPD (the Inspektur for the Inspektorat), to sign."""
    if opd_id is None:
        return None
    return db.session.scalars(
        select(Person)
        .where(
            Person.opd_id == opd_id,
            Person.active.is_(True),
            Person.hierarchy_role.in_(sorted(service.HEAD_ROLES)),
        )
        .order_by(Person.id)
        .limit(1)
    ).first()


def _sheet_name(workshop: Workshop, extension: str) -> str:
    day = service.wib_local(workshop.starts_at).strftime("%Y-%m-%d")
    return safe_filename(f"daftar-hadir-{day}-{workshop.title}", extension)


@bp.route("/<int:workshop_id>/daftar-hadir.pdf")
@requires(P.VIEW_ALL)
def sheet_pdf(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    invitations = service.load_invitations(workshop)
    # ?blank=1: the sheet without the signatures given on screen, to sign on paper
    signed = None if request.args.get("blank") == "1" else signatures.for_workshop(workshop.id)
    data = documents.sheet_pdf(workshop, invitations, _head_of(workshop.organiser_opd_id), signed)
    return pdf_response(data, _sheet_name(workshop, "pdf"))


@bp.route("/<int:workshop_id>/daftar-hadir.xlsx")
@requires(P.VIEW_ALL)
def sheet_xlsx(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    invitations = service.load_invitations(workshop)
    workbook = documents.sheet_workbook(
        workshop,
        invitations,
        service.attendance_summary(invitations),
        signatures.for_workshop(workshop.id),
    )
    return xlsx_response(workbook, _sheet_name(workshop, "xlsx"))


__all__ = ["bp"]
