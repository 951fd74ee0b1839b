"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

from typing import Any

from tests.notifications.factories_notifications import make_notification
from tests.route_table import ALL, RouteRule, World


def _own(world: World, role: Any) -> dict[str, Any]:
    """The asking user's own notification (anonymous: someone else's)."""
    return {"notification_id": world.extra["notifications"][role].id}


def _foreign(world: World) -> dict[str, Any]:
    return {"notification_id": world.extra["notification_other"].id}


ROUTES: dict[str, RouteRule] = {
    "notifications.index": RouteRule(ALL),
    "notifications.open_item": RouteRule(ALL, role_kwargs=_own, foreign_kwargs=_foreign),
    "notifications.read": RouteRule(ALL, role_kwargs=_own),
    "notifications.read_all": RouteRule(ALL),
}


def populate(world: World) -> None:
    """An unread notification for every role's login, and one for another user's, each
    leading to a page every role may open."""
    if "notifications" in world.extra:
        return
    world.extra["notification_other"] = make_notification(world.other_user, url="/commitments/")
    world.extra["notifications"] = {
        role: make_notification(user, url="/commitments/") for role, user in world.users.items()
    }
    world.extra["notifications"]["anonymous"] = world.extra["notification_other"]


__all__ = ["ROUTES", "populate"]
