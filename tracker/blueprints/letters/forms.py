"""Forms of the SKBT pages. The OPD choices are filled by the view; the service checks
every value again (NIP, name, OPD, purpose) and names the field at fault."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from tracker.forms import CreateForm, TrackerForm, empty_to_none, strip
from tracker.models.letter import SkbtSubject
from tracker.services.skbt import NAME_MAX, NOTE_MAX, PURPOSE_MAX


def _optional_id(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class SkbtRequestForm(CreateForm):
    subject = RadioField(
        _l("The SKBT is for"),
        choices=lambda: [SelectChoice(s.value, str(s.label)) for s in SkbtSubject],
        default=SkbtSubject.OFFICIAL.value,
        validators=[InputRequired()],
    )
    nip = StringField(
        _l("NIP of the official"),
        filters=[strip, empty_to_none],
        validators=[Length(max=40)],
        description=_l("18 digits; spaces between its parts are allowed."),
    )
    name = StringField(
        _l("Name"),
        filters=[strip, empty_to_none],
        validators=[Length(max=NAME_MAX)],
        description=_l("Taken from the officials list when the NIP is on it."),
    )
    position = StringField(
        _l("Position"), filters=[strip, empty_to_none], validators=[Length(max=NAME_MAX)]
    )
    opd_id = SelectField(_l("OPD"), coerce=_optional_id, choices=[])
    purpose = StringField(
        _l("Purpose (keperluan)"),
        filters=[strip, empty_to_none],
        validators=[Length(max=PURPOSE_MAX)],
        description=_l("What the SKBT is needed for, e.g. a transfer or a promotion."),
    )
    check = SubmitField(_l("Check"))
    save = SubmitField(_l("Record the request"))


class IssueForm(CreateForm):
    """The "Issue" button: it creates the letter, so a double click creates one."""


class RefuseForm(TrackerForm):
    note = TextAreaField(
        _l("Why is the request refused?"),
        filters=[strip, empty_to_none],
        validators=[InputRequired(), Length(max=NOTE_MAX)],
    )


class RevokeForm(TrackerForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        filters=[strip, empty_to_none],
        validators=[InputRequired(), Length(max=NOTE_MAX)],
        description=_l("Kept in the register; the public verification page does not show it."),
    )
