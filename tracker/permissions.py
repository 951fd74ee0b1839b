"""Roles, permissions and per-object checks, in one place.

Every view declares what it needs with :func:`requires` (or :func:`public`); a view
without a declaration is refused (deny by default), and a test walks ``app.url_map``
so a new route without a rule fails the suite. Records are scoped by query: an
``opd`` user's queries only ever return their own OPD's records (:func:`scope`), so a
record outside the scope is simply not found (404).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false

from tracker.models.enums import Role


class Permission(enum.StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_ALL = "view_all"  # read every OPD's records
    MANAGE_OPDS = "manage_opds"
    MANAGE_PEOPLE = "manage_people"
    VIEW_PEOPLE = "view_people"
    MANAGE_USERS = "manage_users"
    MANAGE_REFERENCE = "manage_reference"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_WORKSHOPS = "manage_workshops"
    MANAGE_COMMITMENTS = "manage_commitments"
    REPORT_PROGRESS = "report_progress"
    VERIFY = "verify"
    MANAGE_FINDINGS = "manage_findings"
    ANSWER_FINDINGS = "answer_findings"
    MANAGE_REMINDERS = "manage_reminders"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.INSPEKTORAT: frozenset(
        {
            P.VIEW_DASHBOARD,
            P.VIEW_ALL,
            P.VIEW_PEOPLE,
            P.MANAGE_PEOPLE,
            P.MANAGE_WORKSHOPS,
            P.MANAGE_COMMITMENTS,
            P.VERIFY,
            P.MANAGE_FINDINGS,
            P.MANAGE_REMINDERS,
        }
    ),
    Role.PIMPINAN: frozenset({P.VIEW_DASHBOARD, P.VIEW_ALL, P.VIEW_PEOPLE}),
    Role.OPD: frozenset({P.VIEW_DASHBOARD, P.REPORT_PROGRESS, P.ANSWER_FINDINGS}),
}

F = TypeVar("F", bound=Callable[..., Any])


def has_permission(user: Any, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(Role(user.role), frozenset())


def can(permission: Permission | str, user: Any = None) -> bool:
    """True when ``user`` (default: the current user) holds ``permission``."""
    return has_permission(current_user if user is None else user, Permission(permission))


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors."""
    view._access = "public"  # type: ignore[attr-defined]
    return view


def login_only(view: F) -> F:
    """Any logged-in, active user; the view scopes what it shows."""
    view._access = "login"  # type: ignore[attr-defined]
    return view


def requires(*permissions: Permission) -> Callable[[F], F]:
    """Logged in and holding every listed permission, else 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not all(can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapper._access = tuple(permissions)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def access_of(view: Callable[..., Any] | None) -> Any:
    return getattr(view, "_access", None)


# --- scoping -------------------------------------------------------------------------


def scope_opd_ids(user: Any) -> frozenset[int] | None:
    """The OPD ids a user may see; ``None`` means every OPD."""
    if has_permission(user, P.VIEW_ALL):
        return None
    if user is not None and getattr(user, "is_authenticated", False) and user.opd_id:
        return frozenset({user.opd_id})
    return frozenset()


S = TypeVar("S", bound=Select[Any])


def scope(stmt: S, opd_column: Any, user: Any = None) -> S:
    """Filter ``stmt`` to the OPDs ``user`` (default: current user) may see."""
    allowed = scope_opd_ids(current_user if user is None else user)
    if allowed is None:
        return stmt
    if not allowed:
        return stmt.where(false())
    return stmt.where(opd_column.in_(sorted(allowed)))


def can_see_opd(opd_id: int | None, user: Any = None) -> bool:
    allowed = scope_opd_ids(current_user if user is None else user)
    return allowed is None or (opd_id is not None and opd_id in allowed)
