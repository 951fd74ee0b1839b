"""Forms of the administration area.

Select choices that come from the database (OPDs, officials, users) are filled by the
views; the enum choices are callables so their labels follow the request's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tracker.forms import (
    CreateForm,
    TrackerForm,
    VersionedForm,
    digits_only,
    empty_to_none,
    password_rules,
    strip,
)
from tracker.models import AuditAction, HierarchyRole, NotifyChannel, OpdKind, Role
from tracker.services.organisation import normalise_nip


def upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def int_or_none(value: Any) -> int | None:
    """Coerce a select's value: empty means none."""
    if value is None or value in ("", "None"):
        return None
    return int(value)


CODE_PATTERN = Regexp(
    r"^[A-Z0-9_]+$", message=_l("Use only capital letters, digits and underscores.")
)


class EditForm(VersionedForm):
    """An edit form: the version it was opened at and the signed values the user saw."""

    original = HiddenField()


# --- OPDs ------------------------------------------------------------------------------


class OpdForm(CreateForm):
    code = StringField(
        _l("Code"),
        filters=[strip, upper],
        validators=[InputRequired(), Length(max=20), CODE_PATTERN],
        description=_l("Capital letters, digits and underscores, e.g. DINKES."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=OpdKind.choices, default=OpdKind.DINAS.value)
    sort_order = IntegerField(
        _l("Display order"),
        default=1000,
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        description=_l("Smaller numbers are listed first."),
    )


class OpdEditForm(OpdForm, EditForm):
    pass


# --- officials -------------------------------------------------------------------------


class PersonForm(CreateForm):
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(), Length(max=200)])
    nip = StringField(
        _l("NIP"),
        filters=[empty_to_none, normalise_nip],
        validators=[
            Optional(),
            digits_only(18, _l("The NIP must be exactly %(n)d digits.", n=18)),
        ],
        description=_l("Optional; 18 digits, spaces between the parts are fine."),
        render_kw={"inputmode": "numeric", "maxlength": 30, "autocomplete": "off"},
    )
    position = StringField(
        _l("Position"), filters=[strip], validators=[InputRequired(), Length(max=200)]
    )
    hierarchy_role = SelectField(
        _l("Role in the hierarchy"),
        choices=HierarchyRole.choices,
        default=HierarchyRole.OTHER.value,
    )
    opd_id = SelectField(_l("OPD"), coerce=int_or_none, choices=[])
    email = EmailField(
        _l("E-mail"),
        filters=[empty_to_none],
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
    )
    phone = StringField(
        _l("Phone"),
        filters=[empty_to_none],
        # The number is checked and normalised when saved (tracker.phones).
        validators=[Optional(), Length(max=30)],
        description=_l("A mobile number for WhatsApp, e.g. 0812-3456-7890."),
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    notify_by = SelectField(
        _l("Contact by"),
        choices=NotifyChannel.choices,
        default=NotifyChannel.BOTH.value,
        description=_l(
            "Reminders and notices are sent through this channel when its address is known."
        ),
    )
    notes = TextAreaField(
        _l("Notes"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )


class PersonEditForm(PersonForm, EditForm):
    pass


# --- logins ----------------------------------------------------------------------------


def _user_name() -> Any:
    return StringField(_l("Name"), filters=[strip], validators=[InputRequired(), Length(max=200)])


def _user_role() -> Any:
    return SelectField(_l("Role"), choices=Role.choices, default=Role.OPD.value)


def _user_opd() -> Any:
    return SelectField(
        _l("OPD"),
        coerce=int_or_none,
        choices=[],
        description=_l("Required for OPD secretaries; leave empty for other roles."),
    )


def _user_person() -> Any:
    return SelectField(
        _l("Official"),
        coerce=int_or_none,
        choices=[],
        description=_l("Optional: the official this login belongs to."),
    )


class _RoleOpdCheck(TrackerForm):
    """OPD required iff the role is ``opd`` (the service checks it again)."""

    def validate_opd_id(self, field: Any) -> None:
        role = self.role.data  # type: ignore[attr-defined]
        if role == Role.OPD.value and field.data is None:
            raise ValidationError(_l("An OPD user must belong to an OPD."))
        if role != Role.OPD.value and field.data is not None:
            raise ValidationError(_l("Only OPD users belong to an OPD."))


class UserNewForm(_RoleOpdCheck, CreateForm):
    # The fields are made in display order (WTForms orders them by creation).
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            InputRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    name = _user_name()
    role = _user_role()
    opd_id = _user_opd()
    person_id = _user_person()
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(max=200), password_rules],
        description=_l(
            "Optional. Leave empty to generate one; it is shown once after saving. Either "
            "way, the user replaces it with their own at the first login."
        ),
        render_kw={"autocomplete": "new-password"},
    )


class UserEditForm(_RoleOpdCheck, EditForm):
    name = _user_name()
    role = _user_role()
    opd_id = _user_opd()
    person_id = _user_person()
    approves_decisions = BooleanField(
        _l("Approves review decisions and issues letters"),
        description=_l(
            "Only for Inspektorat users (the Inspektur or a deputy); administrators always may."
        ),
    )


# --- thematic areas --------------------------------------------------------------------


class ThematicAreaForm(CreateForm):
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(), NumberRange(min=2000, max=2100)],
        render_kw={"inputmode": "numeric"},
    )
    code = StringField(
        _l("Code"),
        filters=[strip, upper],
        validators=[InputRequired(), Length(max=30), CODE_PATTERN],
        description=_l("Capital letters, digits and underscores, e.g. STUNTING."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    is_priority = BooleanField(_l("RB thematic priority"))
    sort_order = IntegerField(
        _l("Display order"),
        default=100,
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        description=_l("Smaller numbers are listed first."),
    )


class ThematicAreaEditForm(ThematicAreaForm, EditForm):
    pass


# --- audit log filters -----------------------------------------------------------------


class AuditFilterForm(TrackerForm):
    """The audit log's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    entity_type = SelectField(_l("Record type"), choices=[], validate_choice=False)
    action = SelectField(
        _l("Action"),
        choices=lambda: [SelectChoice("", str(_l("All actions"))), *AuditAction.choices()],
        validate_choice=False,
    )
    actor = SelectField(_l("By"), choices=[], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_from(self, field: Any) -> None:
        if field.data and not 1900 <= field.data.year <= 2999:
            raise ValidationError(_l("Enter a date between 1900 and 2999."))

    def validate_date_to(self, field: Any) -> None:
        if field.data and not 1900 <= field.data.year <= 2999:
            raise ValidationError(_l("Enter a date between 1900 and 2999."))
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
