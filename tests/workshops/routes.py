"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.route_table import ALL, PUBLIC, READERS, STAFF, RouteRule, World
from tests.workshops.factories_workshops import invite, make_now_workshop, make_workshop
from tracker.extensions import db
from tracker.models import HierarchyRole, Role
from tracker.services import passes


def _own(w: World) -> dict[str, Any]:
    return {"workshop_id": w.extra["workshops.workshop"].id}


def _foreign(w: World) -> dict[str, Any]:
    return {"workshop_id": w.extra["workshops.foreign"].id}


ROUTES: dict[str, RouteRule] = {
    "workshops.index": RouteRule(ALL),
    "workshops.detail": RouteRule(ALL, _own, _foreign),
    "workshops.new": RouteRule(STAFF),
    "workshops.edit": RouteRule(STAFF, _own),
    "workshops.cancel": RouteRule(STAFF, _own, data=lambda w: {"reason": "Ditunda."}),
    "workshops.resend_notice": RouteRule(STAFF, _own),
    "workshops.invite": RouteRule(STAFF, _own),
    "workshops.uninvite": RouteRule(
        STAFF, lambda w: {**_own(w), "invitation_id": w.extra["workshops.spare_invitation"].id}
    ),
    "workshops.attendance": RouteRule(STAFF, _own),
    "workshops.door_signature": RouteRule(
        STAFF, lambda w: {**_own(w), "invitation_id": w.extra["workshops.spare_invitation"].id}
    ),
    "workshops.pass_signature": RouteRule(
        PUBLIC, lambda w: {"token": w.extra["workshops.spare_token"]}
    ),
    "workshops.door": RouteRule(STAFF, _own),
    "workshops.door_scan": RouteRule(STAFF, _own),
    "workshops.door_walk_in": RouteRule(STAFF, _own),
    "workshops.walk_in": RouteRule(STAFF, _own),
    "workshops.invitation_card": RouteRule(
        STAFF, lambda w: {**_own(w), "invitation_id": w.extra["workshops.spare_invitation"].id}
    ),
    "workshops.invitation_cards": RouteRule(STAFF, _own),
    "workshops.revoke_pass": RouteRule(
        STAFF, lambda w: {**_own(w), "invitation_id": w.extra["workshops.spare_invitation"].id}
    ),
    "passes.show": RouteRule(PUBLIC, lambda w: {"token": w.extra["workshops.spare_token"]}),
    "passes.representative": RouteRule(
        PUBLIC,
        lambda w: {"token": w.extra["workshops.spare_token"]},
        data=lambda w: {"rep-name": "Drs. Wahyu Hidayat", "rep-position": "Kepala Bidang"},
    ),
    "passes.remove_representative": RouteRule(
        PUBLIC, lambda w: {"token": w.extra["workshops.spare_token"]}
    ),
    "workshops.checkin": RouteRule(ALL, _own, _foreign),
    "workshops.qr": RouteRule(ALL, _own, _foreign),
    "workshops.ics": RouteRule(ALL, _own, _foreign),
    "workshops.sheet_pdf": RouteRule(READERS, _own),
    "workshops.sheet_xlsx": RouteRule(READERS, _own),
}


def populate(world: World) -> None:
    """A workshop happening now, to which every world user's official is invited (so each
    can check in), and one to which only another OPD is invited (404 for the opd user)."""
    people = []
    for role, user in world.users.items():
        if user.person_id is None:
            if role is Role.OPD and world.own_person.user is None:
                user.person = world.own_person
            else:
                user.person = factories.make_person(
                    world.own_opd if role is Role.OPD else None,
                    hierarchy_role=HierarchyRole.OTHER,
                )
            db.session.commit()
        people.append(user.person)
    workshop = make_now_workshop(invite=people)
    spare = factories.make_person(world.own_opd, hierarchy_role=HierarchyRole.KEPALA_OPD)
    world.extra["workshops.workshop"] = workshop
    world.extra["workshops.spare_invitation"] = invite(workshop, spare)
    world.extra["workshops.spare_token"] = passes.issue(world.extra["workshops.spare_invitation"])
    db.session.commit()
    world.extra["workshops.foreign"] = make_workshop(invite=[world.other_person])
