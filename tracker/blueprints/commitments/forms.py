"""Forms of the commitments area.

Select choices that come from the database (OPDs, officials, thematic areas, workshops)
are filled by the views. Forms shown together on the detail page carry a prefix so their
fields have distinct names and ids.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.forms import CreateForm, SubForm, TrackerForm, VersionedForm, empty_to_none, strip
from tracker.models.commitment import CommitmentStatus
from tracker.services.commitments import (
    INDICATOR_MAX,
    NOTE_MAX,
    STATEMENT_MAX,
    TARGET_MAX,
)


def int_or_none(value: Any) -> int | None:
    """Coerce a select's value: empty means none."""
    if value is None or value in ("", "None"):
        return None
    return int(value)


def _year_range(_form: Any, field: Any) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def _statement(required: bool = True) -> Any:
    return TextAreaField(
        _l("Commitment"),
        filters=[strip],
        validators=[InputRequired() if required else Optional(), Length(max=STATEMENT_MAX)],
        description=_l("The concrete action, as agreed: what will be done."),
        render_kw={"rows": 3},
    )


def _indicator(required: bool = True) -> Any:
    return StringField(
        _l("Indicator"),
        filters=[strip],
        validators=[InputRequired() if required else Optional(), Length(max=INDICATOR_MAX)],
        description=_l("How completion is measured, e.g. “number of posyandu reporting”."),
    )


def _target(required: bool = True) -> Any:
    return StringField(
        _l("Target"),
        filters=[strip],
        validators=[InputRequired() if required else Optional(), Length(max=TARGET_MAX)],
        description=_l("The value to reach, e.g. “all posyandu (100%)”."),
    )


def _due_on(required: bool = True) -> Any:
    return DateField(
        _l("Due date"),
        validators=[InputRequired() if required else Optional(), _year_range],
    )


def _select(label: Any, description: Any = None) -> Any:
    return SelectField(label, coerce=int_or_none, choices=[], description=description)


class CommitmentForm(CreateForm):
    # The fields are made in display order (WTForms orders them by creation).
    opd_id = _select(_l("OPD"))
    workshop_id = _select(
        _l("Workshop"), _l("Optional: the workshop where the commitment was made.")
    )
    thematic_area_id = _select(_l("Thematic area"))
    statement = _statement()
    indicator = _indicator()
    target = _target()
    due_on = _due_on()
    made_by_id = _select(_l("Made by"), _l("The head of the OPD who made the commitment."))
    carried_out_by_id = _select(
        _l("Carried out by"), _l("The secretary of the OPD who carries it out and reports.")
    )


class CommitmentNewForm(CommitmentForm):
    activate = BooleanField(
        _l("In force at once"),
        default=True,
        description=_l("Leave unticked to keep it as a draft the OPD does not see yet."),
    )


class CommitmentEditForm(CommitmentForm, VersionedForm):
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    note = TextAreaField(
        _l("Reason for the change"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Optional; shown in the commitment's history."),
        render_kw={"rows": 2},
    )


# --- actions on the detail page --------------------------------------------------------


class ProgressForm(VersionedForm):
    note = TextAreaField(
        _l("What was done"),
        filters=[strip],
        validators=[InputRequired(), Length(max=NOTE_MAX)],
        render_kw={"rows": 3},
    )
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    files = MultipleFileField(_l("Evidence files"))
    links = TextAreaField(
        _l("Evidence links"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=5 * 2000 + 10)],
        description=_l("Optional: one http:// or https:// link per line."),
        render_kw={"rows": 2, "inputmode": "url", "spellcheck": "false"},
    )
    refers_to_on = DateField(
        _l("Date the evidence refers to"),
        validators=[Optional(), _year_range],
        description=_l("The date of the activity or document, not the upload date."),
    )


class ReportDoneForm(VersionedForm):
    note = TextAreaField(
        _l("Closing note"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Optional: a summary for the Inspektorat."),
        render_kw={"rows": 2},
    )


class ReviewForm(VersionedForm):
    decision = RadioField(
        _l("Decision"),
        choices=lambda: [
            SelectChoice("verify", str(_l("Verify: the target is met and the evidence is sound"))),
            SelectChoice("return", str(_l("Return to the OPD for more work"))),
        ],
        validators=[InputRequired()],
    )
    note = TextAreaField(
        _l("Reviewer's note"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Required when returning: say what is missing."),
        render_kw={"rows": 2},
    )
    progress = IntegerField(
        _l("Progress (%) when returning"),
        validators=[Optional(), NumberRange(min=0, max=100)],
        description=_l("Optional: correct the progress the OPD reported."),
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )


class CancelForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        filters=[strip],
        validators=[InputRequired(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class ReopenForm(VersionedForm):
    note = TextAreaField(
        _l("Why it is reopened"),
        filters=[strip],
        validators=[InputRequired(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class ActivateForm(VersionedForm):
    pass


# --- list filters ----------------------------------------------------------------------


def _status_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", str(_l("All statuses"))),
        SelectChoice("open", str(_l("Open (not verified nor cancelled)"))),
        *CommitmentStatus.choices(),
    ]


def _deadline_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", str(_l("Any"))),
        SelectChoice("overdue", str(_l("Overdue"))),
        SelectChoice("due_soon", str(_l("Due within 7 days"))),
    ]


class FilterForm(TrackerForm):
    """The list's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    opd = SelectField(_l("OPD"), choices=[], validate_choice=False)
    area = SelectField(_l("Thematic area"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=_status_choices, validate_choice=False)
    deadline = SelectField(_l("Deadline"), choices=_deadline_choices, validate_choice=False)
    workshop = SelectField(_l("Workshop"), choices=[], validate_choice=False)
    due_from = DateField(_l("Due from"), validators=[Optional(), _year_range])
    due_to = DateField(_l("Due until"), validators=[Optional(), _year_range])

    def validate_due_to(self, field: Any) -> None:
        if field.data and self.due_from.data and field.data < self.due_from.data:
            raise ValidationError(_l("The end date is before the start date."))


# --- bulk entry for a workshop ---------------------------------------------------------


class BulkRowForm(SubForm):
    """One OPD's line; a line left entirely empty is skipped."""

    opd_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    statement = _statement(required=False)
    thematic_area_id = _select(_l("Thematic area"))
    indicator = _indicator(required=False)
    target = _target(required=False)
    due_on = _due_on(required=False)
    made_by_id = _select(_l("Made by"))
    carried_out_by_id = _select(_l("Carried out by"))

    def is_empty(self) -> bool:
        return not any(
            [
                self.statement.data,
                self.indicator.data,
                self.target.data,
                self.due_on.data,
                self.due_on.raw_data and any(self.due_on.raw_data),
                self.thematic_area_id.data,
            ]
        )


class BulkForm(CreateForm):
    default_area_id = _select(
        _l("Thematic area for rows without one"),
    )
    default_due_on = DateField(
        _l("Due date for rows without one"), validators=[Optional(), _year_range]
    )
    activate = BooleanField(_l("In force at once"), default=True)
    rows = FieldList(FormField(BulkRowForm))
