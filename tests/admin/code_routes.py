"""Rows of the route permission table for this area (see tests/test_route_permissions.py):
the BPK code lists and the letter-number patterns, administrators only."""

from __future__ import annotations

from tests.route_table import ADMIN, RouteRule, World
from tracker.extensions import db
from tracker.models.reference import AuditCode, CodeKind

ROUTES: dict[str, RouteRule] = {
    "admin.codes": RouteRule(ADMIN),
    "admin.code_new": RouteRule(
        ADMIN, data=lambda w: {"kind": "finding", "code": "9.01", "name": "Kode baru"}
    ),
    "admin.code_edit": RouteRule(ADMIN, lambda w: {"code_id": w.extra["audit_code"].id}),
    "admin.code_toggle": RouteRule(ADMIN, lambda w: {"code_id": w.extra["audit_code"].id}),
    "admin.code_delete": RouteRule(ADMIN, lambda w: {"code_id": w.extra["audit_code"].id}),
    "admin.letter_patterns": RouteRule(ADMIN),
    "admin.letter_pattern_edit": RouteRule(
        ADMIN,
        lambda w: {"kind": "decision"},
        data=lambda w: {"pattern": "700/{seq}/35.73.401/{year}"},
    ),
}


def populate(world: World) -> None:
    """Add this area's records to ``world.extra`` (called after the core records exist)."""
    code = AuditCode(kind=CodeKind.FINDING, code="9", name="Kode uji", parent_code=None)
    db.session.add(code)
    db.session.commit()
    world.extra["audit_code"] = code


__all__ = ["ROUTES", "populate"]
