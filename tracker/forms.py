"""Shared form pieces: field limits, stripping, and the hidden version for optimistic locking."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value: Any) -> Any:
    value = strip(value)
    return value or None


class VersionedForm(FlaskForm):
    """A form editing a versioned record carries the version it was opened at."""

    version = IntegerField(
        widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)]
    )


def digits_only(length: int) -> Any:
    def check(_form: Any, field: Any) -> None:
        if field.data and (not field.data.isdigit() or len(field.data) != length):
            raise ValidationError(_l("Must be exactly %(n)d digits.", n=length))

    return check


def options(pairs: Any) -> list[SelectChoice]:
    """WTForms choices from ``(value, label)`` pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


def attach_error(form: Any, exc: Any) -> None:
    """Show a service's error(s) at the field they name, or above the form.

    Accepts one DomainError, or an error carrying several in ``.errors`` (per-row checks).
    """
    for error in getattr(exc, "errors", None) or [exc]:
        field = form._fields.get(error.field or "")
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)


def opd_options(current_id: int | None = None, *, empty: str) -> list[SelectChoice]:
    """Active OPDs in protocol order (plus the record's current one, even if inactive)."""
    from sqlalchemy import or_, select

    from tracker.extensions import db
    from tracker.models import Opd

    rows = db.session.execute(
        select(Opd.id, Opd.code, Opd.name)
        .where(or_(Opd.active.is_(True), Opd.id == current_id))
        .order_by(Opd.sort_order, Opd.name)
    ).all()
    return [
        SelectChoice("", empty),
        *(SelectChoice(str(r.id), f"{r.code} — {r.name}") for r in rows),
    ]
