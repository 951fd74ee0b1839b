"""Rows of the route permission table for this area (see tests/test_route_permissions.py).

The webhook is public: Meta's servers call it without a login. It checks the caller itself
(the verify token, the body's signature), so without them it answers 403, and 404 while
WhatsApp is not configured, as in the table's app (tests/webhooks/test_webhook.py covers the
configured webhook).
"""

from __future__ import annotations

from tests.route_table import PUBLIC, RouteRule, World

ROUTES: dict[str, RouteRule] = {
    "webhooks.whatsapp_callback": RouteRule(PUBLIC),
}


def populate(world: World) -> None:
    """Records this area's rows point at (none: the webhook needs no record)."""


__all__ = ["ROUTES", "populate"]
