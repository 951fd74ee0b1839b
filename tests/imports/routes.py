"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

import datetime as dt

from tests.route_table import STAFF, RouteRule, World
from tracker.extensions import db
from tracker.models.import_batch import ImportBatch, ImportStatus
from tracker.services.imports import keep_file

CSV = b"Pernyataan komitmen;OPD\nMenurunkan stunting;DINKES\n"


def _batch(w: World) -> dict[str, int]:
    return {"batch_id": w.extra["import_batch"].id}


ROUTES: dict[str, RouteRule] = {
    "imports.index": RouteRule(STAFF),
    "imports.upload": RouteRule(STAFF),
    "imports.template": RouteRule(STAFF, lambda w: {"kind": "commitments"}),
    "imports.detail": RouteRule(STAFF, _batch),
    # an imported batch: confirming it again imports nothing (a message, a redirect)
    "imports.confirm": RouteRule(STAFF, _batch),
    "imports.file": RouteRule(STAFF, _batch),
}


def populate(world: World) -> None:
    """Add this area's records to ``world.extra`` (called after the core records exist)."""
    from tracker.models import Role

    at = dt.datetime(2023, 8, 1, 2, 0, tzinfo=dt.UTC)
    stored_name, sha = keep_file(CSV, "komitmen.csv", at.date())
    staff = world.users[Role.INSPEKTORAT]
    batch = ImportBatch(
        kind="commitments",
        file_name="komitmen.csv",
        stored_name=stored_name,
        size=len(CSV),
        sha256=sha,
        status=ImportStatus.IMPORTED,
        uploaded_by_id=staff.id,
        uploaded_at=at,
        imported_by_id=staff.id,
        imported_at=at,
        rows=1,
        created=1,
    )
    db.session.add(batch)
    db.session.flush()
    world.extra["import_batch"] = batch


__all__ = ["ROUTES", "populate"]
