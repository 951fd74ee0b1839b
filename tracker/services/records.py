"""Generic helpers for editing versioned records without lost updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.models.base import Base
from tracker.services.errors import ConflictError, DomainError


def apply_changes(
    record: Base,
    values: Mapping[str, Any],
    *,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``record`` if nobody changed it since ``expected_version``.

    ``original`` holds the values the user saw when the form was opened; on a conflict
    the error lists the fields whose stored value differs from it, so the user sees what
    changed meanwhile. Returns the fields actually changed (before, after).
    """
    current_version = getattr(record, "version", None)
    if expected_version is not None and current_version != expected_version:
        changed: dict[str, tuple[Any, Any]] = {}
        for key in values:
            stored = getattr(record, key)
            if original is not None and key in original and original[key] != stored:
                changed[key] = (original[key], stored)
        raise ConflictError(conflict_message(), changed)
    applied: dict[str, tuple[Any, Any]] = {}
    columns = {attr.key for attr in inspect(type(record)).column_attrs}
    for key, value in values.items():
        if key not in columns:
            raise KeyError(key)
        before = getattr(record, key)
        if before != value:
            setattr(record, key, value)
            applied[key] = (before, value)
    return applied


def add_unless_taken(row: Base) -> bool:
    """Add ``row`` unless a row with the same unique key is already there (written by a
    rerun or by another process at this very moment); False then, and the session goes
    on as before. Flushes the row in a savepoint of its own."""
    savepoint = db.session.begin_nested()
    db.session.add(row)
    try:
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return False
    return True


def clean_text(value: str | None) -> str | None:
    """Stripped text, or None when nothing is left."""
    value = (value or "").strip()
    return value or None


def required_text(value: str | None, field: str, limit: int) -> str:
    text = clean_text(value)
    if text is None:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(_("At most %(n)d characters.", n=limit), field=field)
    return text


def optional_text(value: str | None, field: str, limit: int) -> str | None:
    text = clean_text(value)
    if text is not None and len(text) > limit:
        raise DomainError(_("At most %(n)d characters.", n=limit), field=field)
    return text


def conflict_message() -> str:
    return _(
        "This record was changed by someone else while you were editing it. "
        "Your changes were not saved; review the current values and try again."
    )


def flush(conflict: str | None = None) -> None:
    """Flush; a concurrent edit (stale version) becomes a ConflictError and a race on a
    unique value a DomainError, so no request answers 500 for them."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(conflict or conflict_message()) from exc
    except IntegrityError as exc:
        raise DomainError(
            _("The record could not be saved because it clashes with another record.")
        ) from exc
