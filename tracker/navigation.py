"""The main navigation, filtered by the current user's permissions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.permissions import P, Permission, can

# (endpoint, label, permission (None: every logged-in user; the page scopes what it
# shows), endpoint prefix that marks it active)
NAV: list[tuple[str, object, Permission | None, str]] = [
    ("dashboard.index", _l("Dashboard"), P.VIEW_DASHBOARD, "dashboard."),
    ("workshops.index", _l("Workshops"), None, "workshops."),
    ("commitments.index", _l("Commitments"), None, "commitments."),
    ("findings.index", _l("Findings"), None, "findings."),
    ("reminders.index", _l("Reminders"), None, "reminders."),
    ("admin.people", _l("Officials"), P.VIEW_PEOPLE, "admin.people"),
    ("admin.index", _l("Administration"), P.MANAGE_OPDS, "admin."),
]


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    items = []
    matched = False
    for target, label, permission, prefix in NAV:
        if permission is not None and not can(permission):
            continue
        active = not matched and endpoint.startswith(prefix)
        matched = matched or active
        items.append(NavItem(url_for(target), str(label), active))
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["P"] = P
