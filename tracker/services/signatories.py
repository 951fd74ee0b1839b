"""Who signs the Inspektorat's printed documents, from the officials list."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import HierarchyRole, Person


def inspektur() -> Person | None:
    """The active official whose hierarchy role is Inspektur (the first recorded when the
    list holds more than one); None when there is none."""
    return db.session.scalars(
        select(Person)
        .where(Person.hierarchy_role == HierarchyRole.INSPEKTUR, Person.active.is_(True))
        .order_by(Person.id)
        .limit(1)
    ).first()


__all__ = ["inspektur"]
