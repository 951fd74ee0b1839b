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
