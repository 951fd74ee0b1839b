"""Forms of the personal pass page (public: each carries the CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from tracker.forms import TrackerForm, empty_to_none, strip
from tracker.services.organisation import normalise_nip
from tracker.services.workshops import NAME_MAX


def _optional_id(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class ArrivalForm(TrackerForm):
    """The "Hadir" button: nothing but the CSRF token."""


class RemoveRepresentativeForm(TrackerForm):
    """The "I will come myself" button."""


class RepresentativeForm(TrackerForm):
    person_id = SelectField(
        _l("An official from the list"), coerce=_optional_id, choices=[], validate_choice=False
    )
    name = StringField(
        _l("Or type the name"), filters=[strip, empty_to_none], validators=[Length(max=NAME_MAX)]
    )
    position = StringField(
        _l("Position"), filters=[strip, empty_to_none], validators=[Length(max=NAME_MAX)]
    )
    nip = StringField(
        _l("NIP (optional)"),
        filters=[strip, empty_to_none, normalise_nip],
        validators=[Optional(), Length(max=40)],
    )
