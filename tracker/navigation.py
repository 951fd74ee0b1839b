"""The main navigation, filtered by the current user's permissions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from tracker.permissions import P, Permission, can

#: the Inspektorat's work queue: its entry carries the number of items waiting
INBOX = "inbox.index"
INBOX_PERMISSIONS = (P.MANAGE_FINDINGS, P.MANAGE_COMMITMENTS)

# (endpoint, label, permission(s) (None: every logged-in user; the page scopes what it
# shows), endpoint prefix(es) that mark it active)
NAV: list[tuple[str, object, Permission | tuple[Permission, ...] | None, str | tuple[str, ...]]] = [
    ("dashboard.index", _l("Dashboard"), P.VIEW_DASHBOARD, "dashboard."),
    (INBOX, _l("Inbox"), INBOX_PERMISSIONS, "inbox."),
    ("workshops.index", _l("Workshops"), None, "workshops."),
    ("commitments.index", _l("Commitments"), None, "commitments."),
    # the SKBT pages are a tab of the findings area
    ("findings.index", _l("Findings"), None, ("findings.", "letters.")),
    ("reminders.index", _l("Reminders"), None, "reminders."),
    ("admin.people", _l("Officials"), P.VIEW_PEOPLE, "admin.people"),
    ("imports.index", _l("Imports"), P.IMPORT_DATA, "imports."),
    ("admin.index", _l("Administration"), P.MANAGE_OPDS, "admin."),
]


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool
    #: a number shown beside the label (items waiting), and what it counts
    badge: int | None = None
    badge_label: str = ""
    testid: str = ""


def _allowed(permission: Permission | tuple[Permission, ...] | None) -> bool:
    if permission is None:
        return True
    permissions = permission if isinstance(permission, tuple) else (permission,)
    return all(can(p) for p in permissions)


def _inbox_badge() -> tuple[int | None, str]:
    """What waits in the inbox, in one query; no badge when nothing does."""
    from tracker.services.inbox_list import counts

    waiting = counts(current_user)
    if not waiting.total:
        return None, ""
    label = ", ".join(
        [
            ngettext(
                "%(num)d commitment awaiting verification",
                "%(num)d commitments awaiting verification",
                waiting.verify,
            ),
            ngettext(
                "%(num)d recommendation awaiting review",
                "%(num)d recommendations awaiting review",
                waiting.review,
            ),
        ]
    )
    return waiting.total, label


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    items = []
    matched = False
    for target, label, permission, prefix in NAV:
        if not _allowed(permission):
            continue
        active = not matched and endpoint.startswith(prefix)
        matched = matched or active
        badge, badge_label = _inbox_badge() if target == INBOX else (None, "")
        items.append(
            NavItem(
                url_for(target),
                str(label),
                active,
                badge,
                badge_label,
                testid="nav-" + target.replace(".", "-"),
            )
        )
    return items


@dataclass(frozen=True)
class Bell:
    """The notifications bell: where it leads, the unread count, and what it says."""

    url: str
    unread: int
    label: str
    active: bool


def notification_bell(unread: int | None = None) -> Bell | None:
    """The current user's bell (None when nobody is logged in), shown on every page: the
    unread count in one query, unless the page counted them already (``unread``)."""
    if not current_user.is_authenticated:
        return None
    if unread is None:
        from tracker.services.notification_list import unread_count

        unread = unread_count(current_user)
    label = (
        ngettext("%(num)d unread notification", "%(num)d unread notifications", unread)
        if unread
        else _("Notifications")
    )
    return Bell(
        url_for("notifications.index"),
        unread,
        label,
        (request.endpoint or "").startswith("notifications."),
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["notification_bell"] = notification_bell
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["P"] = P
