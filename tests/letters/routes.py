"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

from typing import Any

from tests.route_table import ADMIN, PUBLIC, READERS, STAFF, RouteRule, World
from tracker.extensions import db
from tracker.models import Role
from tracker.models.base import utcnow
from tracker.models.letter import SkbtSubject
from tracker.services import skbt as svc

#: NIPs of officials named on no finding (so nothing blocks their SKBT)
REQUESTED_NIP = "197001012000031001"
ISSUED_NIP = "197202022001121002"


def _x(name: str) -> Any:
    return lambda w: {"skbt_id": w.extra[name].id}


ROUTES: dict[str, RouteRule] = {
    "letters.index": RouteRule(READERS),
    "letters.new": RouteRule(
        STAFF,
        data=lambda w: {
            "subject": "official",
            "nip": "19750312 200003 2 004",
            "name": "Siti Rahayu",
            "position": "Bendahara Pengeluaran",
            "purpose": "Mutasi jabatan",
            "save": "y",
        },
    ),
    "letters.detail": RouteRule(READERS, _x("skbt_requested")),
    "letters.issue": RouteRule(ADMIN, _x("skbt_requested")),
    "letters.refuse": RouteRule(
        ADMIN, _x("skbt_requested"), data=lambda w: {"note": "Berkas tidak lengkap."}
    ),
    "letters.revoke": RouteRule(
        ADMIN, _x("skbt_issued"), data=lambda w: {"reason": "Diterbitkan keliru."}
    ),
    "letters.pdf": RouteRule(READERS, _x("skbt_issued")),
    "letters.verify": RouteRule(PUBLIC, lambda w: {"token": w.extra["skbt_token"]}),
}


def populate(world: World) -> None:
    """A request awaiting a decision and an issued SKBT (with its verification token)."""
    staff = world.users[Role.INSPEKTORAT]
    now = utcnow()
    requested = svc.request(
        staff,
        subject=SkbtSubject.OFFICIAL,
        purpose="Kenaikan pangkat",
        now=now,
        nip=REQUESTED_NIP,
        name="Budi Santoso",
        position="Kepala Seksi",
    )
    issued = svc.request(
        staff,
        subject=SkbtSubject.OFFICIAL,
        purpose="Mutasi",
        now=now,
        nip=ISSUED_NIP,
        name="Dewi Lestari",
        position="Kepala Bidang",
    )
    svc.issue(world.users[Role.ADMIN], issued, today=now.date(), now=now)
    db.session.commit()
    world.extra["skbt_requested"] = requested
    world.extra["skbt_issued"] = issued
    world.extra["skbt_token"] = svc.token_for(issued)


__all__ = ["ROUTES", "populate"]
