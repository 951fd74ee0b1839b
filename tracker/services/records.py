"""Generic helpers for editing versioned records without lost updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect

from tracker.models.base import Base
from tracker.services.errors import ConflictError


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
        raise ConflictError(
            _(
                "This record was changed by someone else while you were editing it. "
                "Your changes were not saved; review the current values and try again."
            ),
            changed,
        )
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
