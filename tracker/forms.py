"""Shared form pieces: field limits, stripping, and the hidden version for optimistic locking."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeSerializer
from wtforms import FieldList, Form, FormField, HiddenField, IntegerField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value: Any) -> Any:
    value = strip(value)
    return value or None


def _integer_fields(fields: Iterable[Any]) -> Iterable[Any]:
    """Every IntegerField of a form, inside FormFields and FieldLists too."""
    for field in fields:
        if isinstance(field, IntegerField):
            yield field
        elif isinstance(field, FormField):
            yield from _integer_fields(field.form)
        elif isinstance(field, FieldList):
            yield from _integer_fields(field.entries)


class CatalogTranslations:
    """WTForms' own messages ("This field is required.", "Not a valid integer value.", ...)
    through the application's catalog, in the request's language. WTForms ships no
    Indonesian catalog, so its messages are translated in ours (listed in
    :mod:`tracker.form_messages`). The raw catalog is used: WTForms formats the message
    itself, after translating it."""

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


CATALOG_TRANSLATIONS = CatalogTranslations()


class TrackerForm(FlaskForm):
    """The base of every form: its messages, WTForms' own included, in the user's language;
    a whole number the database cannot hold (an id, a version, a year typed as
    99999999999999999999) is refused at its field, before any validator or query uses
    it."""

    class Meta:
        def get_translations(self, form: Any) -> CatalogTranslations:
            return CATALOG_TRANSLATIONS

    #: the service's refusal of what this form sent, set by ``tracker.saving.saving``
    refusal: Any = None

    def validate(self, extra_validators: Any = None) -> bool:
        from tracker.guards import DB_INT_MAX, DB_INT_MIN

        too_large = [
            field
            for field in _integer_fields(self)
            if field.data is not None and not DB_INT_MIN <= field.data <= DB_INT_MAX
        ]
        for field in too_large:
            field.errors = [_l("This number is too large.")]
        if too_large:
            return False
        valid = bool(super().validate(extra_validators))
        csrf_field = self._fields.get(getattr(self.meta, "csrf_field_name", "csrf_token"))
        if csrf_field is not None and csrf_field.errors:
            # Flask-WTF raises its CSRF messages untranslated.
            csrf_field.errors = [CATALOG_TRANSLATIONS.gettext(str(e)) for e in csrf_field.errors]
        return valid


class SubForm(Form):
    """A form nested in another (a row of a FieldList, a FormField): WTForms builds it
    with its own meta, so it is given the catalog here, like TrackerForm."""

    class Meta:
        def get_translations(self, form: Any) -> CatalogTranslations:
            return CATALOG_TRANSLATIONS


def _new_submission_token() -> str:
    return secrets.token_hex(16)


class CreateForm(TrackerForm):
    """A form that creates a record: it carries a one-time token, so sending it twice
    (double click, two tabs) creates one record (see ``tracker.submissions``)."""

    submission_token = HiddenField(default=_new_submission_token)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self, VersionedForm):  # an edit form built on this create form
            del self.submission_token


class VersionedForm(TrackerForm):
    """A form editing a versioned record carries the version it was opened at (and no
    one-time token: a second copy of an edit is reported as a conflict)."""

    version = IntegerField(
        widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)]
    )

    def show_current(self, version: int) -> None:
        """After a conflict the page shows the current values: saving again overwrites
        them, so the form now carries the current version."""
        self.version.data = version
        self.version.raw_data = [str(version)]


def digits_only(length: int, message: Any = None) -> Any:
    def check(_form: Any, field: Any) -> None:
        if field.data and (not field.data.isdigit() or len(field.data) != length):
            raise ValidationError(message or _l("Must be exactly %(n)d digits.", n=length))

    return check


def password_rules(_form: Any, field: Any) -> None:
    """Every password rule the value breaks, all in one round with the form's other errors
    (the service checks them again)."""
    from tracker.services.accounts import password_problems

    problems = password_problems(field.data) if field.data else []
    if problems:
        field.errors.extend(problems[:-1])
        raise ValidationError(problems[-1])


def options(pairs: Any) -> list[SelectChoice]:
    """WTForms choices from ``(value, label)`` pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


def attach_error(form: Any, exc: Any) -> None:
    """Show a service's error(s) at the field they name, or above the form.

    Accepts one DomainError, an error carrying several in ``.errors``, or one carrying
    per-row errors in ``.rows`` (row index → errors, for a form whose ``rows`` list holds
    one sub-form per row). An error naming a hidden field is shown above its form.
    """
    rows = getattr(exc, "rows", None)
    if rows:
        form.form_errors.append(exc.message)
        for index, errors in rows.items():
            for error in errors:
                _attach_one(form.rows[index].form, error)
        return
    for error in getattr(exc, "errors", None) or [exc]:
        _attach_one(form, error)


def _attach_one(form: Any, error: Any) -> None:
    field = form._fields.get(error.field or "")
    if field is not None and getattr(field.widget, "input_type", None) != "hidden":
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


def _plain_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="tracker.form.original")


def sign_original(record: Any, fields: Iterable[str]) -> str:
    """The values an edit form shows, signed so they cannot be forged: on a conflict
    they tell what changed meanwhile (see services.records.apply_changes)."""
    values = {f: _plain_value(getattr(record, f)) for f in fields}
    return str(_signer().dumps({"type": type(record).__name__, "id": record.id, "values": values}))


def load_original(token: str | None, record: Any) -> dict[str, Any] | None:
    """The values the user saw when opening the form (typed back like the record's)."""
    try:
        data = _signer().loads(token or "")
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("id") != record.id:
        return None
    if data.get("type") != type(record).__name__ or not isinstance(data.get("values"), dict):
        return None
    typed: dict[str, Any] = {}
    for key, value in data["values"].items():
        current = getattr(record, key, None)
        try:
            if value is None or current is None:
                typed[key] = value
            elif isinstance(current, enum.Enum):
                typed[key] = type(current)(value)
            elif isinstance(current, dt.date):
                typed[key] = dt.date.fromisoformat(value)
            elif isinstance(current, Decimal):
                typed[key] = Decimal(value)
            else:
                typed[key] = value
        except (ValueError, ArithmeticError):
            typed[key] = value
    return typed
