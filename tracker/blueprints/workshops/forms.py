"""Forms of the workshops area.

Choices that come from the database (OPDs, thematic areas, officials) are filled by the
views. The attendance screen has one row per invitee; its fields are read by the view
(``status-<id>``, ``representative_name-<id>``, …), the form only carries CSRF and the
signed values the user saw.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tracker.forms import CreateForm, TrackerForm, VersionedForm, empty_to_none, options, strip
from tracker.models import WorkshopKind, WorkshopStatus
from tracker.services.workshops import InvitePreset

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def int_or_none(value: Any) -> int | None:
    if value is None or value in ("", "None"):
        return None
    return int(value)


def _editable_statuses() -> list[Any]:
    return options((s.value, s.label) for s in WorkshopStatus if s is not WorkshopStatus.CANCELLED)


class WorkshopForm(CreateForm):
    title = StringField(_l("Title"), filters=[strip], validators=[InputRequired(), Length(max=200)])
    theme = StringField(
        _l("Theme"), filters=[empty_to_none], validators=[Optional(), Length(max=300)]
    )
    kind = SelectField(_l("Kind"), choices=WorkshopKind.choices, default=WorkshopKind.WORKSHOP)
    starts_at = DateTimeLocalField(
        _l("Start (WIB)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired()],
        description=_l("Date and time in Western Indonesian Time."),
    )
    ends_at = DateTimeLocalField(
        _l("End (WIB)"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    venue = StringField(_l("Venue"), filters=[strip], validators=[InputRequired(), Length(max=200)])
    organiser_opd_id = SelectField(
        _l("Organiser"),
        coerce=int_or_none,
        choices=[],
        description=_l("The Inspektorat unless another OPD organises it."),
    )
    thematic_area_ids = SelectMultipleField(_l("Thematic areas"), coerce=int, choices=[])
    description = TextAreaField(
        _l("Description"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )
    agenda = TextAreaField(
        _l("Agenda"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=5000)],
        description=_l("One item per line, e.g. 13.00 Pembukaan oleh Wali Kota."),
        render_kw={"rows": 5},
    )

    def validate_ends_at(self, field: Any) -> None:
        start = self.starts_at.data
        if field.data and start and field.data <= start:
            raise ValidationError(_l("The end must be after the start."))

    def validate_starts_at(self, field: Any) -> None:
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Enter a date between 2000 and 2100."))


class WorkshopEditForm(WorkshopForm, VersionedForm):
    status = SelectField(_l("Status"), choices=_editable_statuses)
    original = HiddenField()
    #: the user confirmed that the invitees will be sent the change (second submit)
    confirm_notice = BooleanField(_l("Send the change to the invitees"))


class CancelForm(TrackerForm):
    reason = TextAreaField(
        _l("Reason for the cancellation"),
        filters=[strip],
        validators=[InputRequired(), Length(max=1000)],
        render_kw={"rows": 2},
    )
    confirm_notice = BooleanField(_l("Send the cancellation to the invitees"))


class InviteForm(TrackerForm):
    presets = SelectMultipleField(_l("Groups"), choices=InvitePreset.choices)
    opd_ids = SelectMultipleField(_l("Everyone of these OPDs"), coerce=int, choices=[])
    person_ids = SelectMultipleField(_l("Officials"), coerce=int, choices=[])
    send_emails = BooleanField(
        _l("Send the invitation e-mail (with a calendar file) to everyone not yet e-mailed")
    )


class AttendanceForm(TrackerForm):
    original = HiddenField()
