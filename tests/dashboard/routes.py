"""Rows of the route permission table for this area (see tests/test_route_permissions.py).

``dashboard.index`` keeps its row in the core table (every role: readers get the city,
``opd`` users their own OPD)."""

from __future__ import annotations

import datetime as dt

from tests.route_table import ALL, READERS, RouteRule, World
from tracker.extensions import db
from tracker.models.commitment import Commitment, CommitmentStatus

ROUTES: dict[str, RouteRule] = {
    "dashboard.opd": RouteRule(
        ALL,
        lambda w: {"code": w.own_opd.code},
        foreign_kwargs=lambda w: {"code": w.other_opd.code},
    ),
    "dashboard.export_xlsx": RouteRule(READERS),
    "dashboard.export_pdf": RouteRule(READERS),
}


def populate(world: World) -> None:
    """A verified and an overdue commitment, so the pages have figures (idempotent)."""
    if "dashboard_commitments" in world.extra:
        return
    today = dt.date.today()
    rows = [
        Commitment(
            opd=opd,
            statement=f"Komitmen dasbor {opd.code}",
            indicator="Indikator",
            target="Target",
            due_on=today - dt.timedelta(days=3),
            status=status,
            progress=100 if status is CommitmentStatus.VERIFIED else 20,
            thematic_area=world.area,
        )
        for opd in (world.own_opd, world.other_opd)
        for status in (CommitmentStatus.VERIFIED, CommitmentStatus.ACTIVE)
    ]
    db.session.add_all(rows)
    db.session.commit()
    world.extra["dashboard_commitments"] = rows


__all__ = ["ROUTES", "populate"]
