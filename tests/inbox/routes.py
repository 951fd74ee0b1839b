"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

import datetime as dt

from tests.commitments.factories_commitments import make_commitment
from tests.route_table import STAFF, RouteRule, World
from tracker.models.commitment import CommitmentStatus

ROUTES: dict[str, RouteRule] = {
    "inbox.index": RouteRule(STAFF),
    "inbox.semester": RouteRule(STAFF),
}


def populate(world: World) -> None:
    """A commitment reported done with evidence, so the inbox has rows in every section
    (the findings area's recommendation with a follow-up awaits review)."""
    if "inbox_commitment" in world.extra:
        return
    world.extra["inbox_commitment"] = make_commitment(
        world.own_opd,
        status=CommitmentStatus.REPORTED_DONE,
        evidence=True,
        progress=100,
        reported_done_at=dt.datetime(2023, 8, 20, 3, 0, tzinfo=dt.UTC),
    )


__all__ = ["ROUTES", "populate"]
