"""The route permission table's building blocks, shared by every area's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.models import Role

ALL = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
STAFF = frozenset({Role.ADMIN, Role.INSPEKTORAT})
READERS = frozenset({Role.ADMIN, Role.INSPEKTORAT, Role.PIMPINAN})
PUBLIC = "public"


@dataclass
class World:
    """Records every route test can point at. ``own_opd`` is the OPD of the ``opd`` user."""

    own_opd: Any
    other_opd: Any
    own_person: Any
    other_person: Any
    users: dict[Role, Any]
    other_user: Any
    area: Any
    audit_entry: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RouteRule:
    """Which roles may use a route. ``kwargs`` builds its URL arguments from the world;
    ``foreign_kwargs`` those of a record of ANOTHER OPD (an ``opd`` user must get 404);
    ``data`` gives the form data to POST (default: an empty form); ``role_kwargs``
    replaces ``kwargs`` when the record depends on who asks."""

    roles: frozenset[Role] | str
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    foreign_kwargs: Callable[[World], dict[str, Any]] | None = None
    data: Callable[[World], dict[str, Any]] | None = None
    # when the record depends on who asks (e.g. "my reminders"): (world, role) -> kwargs;
    # role is a Role or "anonymous"
    role_kwargs: Callable[[World, Any], dict[str, Any]] | None = None


def first_role(rule: RouteRule) -> Role | None:
    """The first role allowed to use a route (None for a public one): whom the
    table-driven tests send."""
    if rule.roles == PUBLIC:
        return None
    for role in (Role.ADMIN, Role.INSPEKTORAT, Role.OPD, Role.PIMPINAN):
        if role in rule.roles:
            return role
    raise AssertionError("a route nobody may use")
