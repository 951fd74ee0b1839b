"""Writes an AuditLog row for every create, update and delete of an audited model.

The hook runs inside the flush, so every write path (views, CLI, services, scheduler)
is covered without calling anything. The actor comes from ``g.audit_actor`` (set per
request once the user is known) or from :func:`acting_as` (CLI and background jobs).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from tracker.models.audit import AuditLog
from tracker.models.base import Base, utcnow
from tracker.models.enums import AuditAction

SKIPPED_COLUMNS = frozenset({"id", "created_at", "updated_at", "version"})
REDACTED = "••••••"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    ip: str | None = None


SYSTEM = Actor(None, "system")
_actor_var: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "audit_actor", default=None
)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Attribute the writes made inside the block to ``actor`` (CLI, scheduler, seeds)."""
    token = _actor_var.set(actor)
    try:
        yield actor
    finally:
        _actor_var.reset(token)


def current_actor() -> Actor:
    explicit = _actor_var.get()
    if explicit is not None:
        return explicit
    if has_app_context():
        actor = g.get("audit_actor")
        if actor is not None:
            return actor
    return SYSTEM


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _snapshot(obj: Base, *, before: bool) -> dict[str, list[Any]]:
    """All non-empty values of ``obj``: as 'before' for a delete, 'after' for a create."""
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SKIPPED_COLUMNS:
            continue
        value = _plain(getattr(obj, key))
        if value is None:
            continue
        if key in obj.__audit_redacted__:
            value = REDACTED
        changes[key] = [value, None] if before else [None, value]
    return changes


def _diff(obj: Base) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SKIPPED_COLUMNS:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = _plain(history.deleted[0]) if history.deleted else None
        new = _plain(history.added[0]) if history.added else None
        if old == new:
            continue
        if key in obj.__audit_redacted__:
            old, new = REDACTED, REDACTED
        changes[key] = [old, new]
    return changes


def _entry(obj: Base, action: AuditAction, changes: dict[str, Any], actor: Actor) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor_label": actor.label[:254],
        "action": action,
        "entity_type": type(obj).__name__,
        "entity_id": obj.id,  # type: ignore[attr-defined]
        "entity_label": obj.audit_label()[:254],
        "changes": changes,
        "ip": actor.ip,
    }


@event.listens_for(Base, "mapper_configured", propagate=True)
def _keep_old_values(_mapper: Any, cls: type[Base]) -> None:
    """Make audited columns load their old value before a change, even when expired."""
    if not getattr(cls, "__audited__", False):
        return
    for attr in inspect(cls).column_attrs:
        if attr.key not in SKIPPED_COLUMNS:
            event.listen(getattr(cls, attr.key), "set", _noop_set, active_history=True)


def _noop_set(_target: Any, value: Any, _oldvalue: Any, _initiator: Any) -> Any:
    return value


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    """Take the 'before' values of updates and deletes while they are still in memory."""
    pending: list[tuple[Base, AuditAction, dict[str, Any] | None]] = session.info.setdefault(
        "audit_pending", []
    )
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            diff = _diff(obj)
            if diff:
                pending.append((obj, AuditAction.UPDATE, diff))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            pending.append((obj, AuditAction.DELETE, _snapshot(obj, before=True)))
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            pending.append((obj, AuditAction.CREATE, None))


@event.listens_for(Session, "after_flush")
def _write(session: Session, _flush_context: UOWTransaction) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = current_actor()
    rows = []
    for obj, action, changes in pending:
        if action is AuditAction.CREATE:
            changes = _snapshot(obj, before=False)
        rows.append(_entry(obj, action, changes or {}, actor))
    session.connection().execute(AuditLog.__table__.insert(), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("audit_pending", None)
