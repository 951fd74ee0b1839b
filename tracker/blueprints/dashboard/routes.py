"""The home page: a summary scoped to the user."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import HierarchyRole, Opd, Person, ThematicArea, User
from tracker.permissions import P, can, requires, scope

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires(P.VIEW_DASHBOARD)
def index() -> ResponseReturnValue:
    year = today_wib().year
    areas = db.session.scalars(
        select(ThematicArea)
        .where(
            ThematicArea.active.is_(True),
            ThematicArea.year == select(func.max(ThematicArea.year)).scalar_subquery(),
        )
        .order_by(ThematicArea.is_priority.desc(), ThematicArea.sort_order, ThematicArea.name)
    ).all()
    opds = db.session.scalars(
        scope(select(Opd).where(Opd.active.is_(True)), Opd.id)
        .options(selectinload(Opd.people))
        .order_by(Opd.sort_order, Opd.name)
    ).all()
    counts = {}
    if can(P.VIEW_ALL):
        counts = {
            "opds": len(opds),
            "people": db.session.scalar(
                select(func.count()).select_from(Person).where(Person.active.is_(True))
            ),
            "users": db.session.scalar(
                select(func.count()).select_from(User).where(User.active.is_(True))
            ),
        }
    own_opd = current_user.opd if current_user.opd_id else None
    return render_template(
        "dashboard/index.html",
        year=year,
        areas=areas,
        opds=opds,
        counts=counts,
        own_opd=own_opd,
        HierarchyRole=HierarchyRole,
        today=today_wib(),
    )
