"""The semester review form: one small form per recommendation, and the values to apply
to the selected rows at once."""

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
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.blueprints.findings.forms import _year_range
from tracker.forms import CreateForm, SubForm, empty_to_none
from tracker.models.finding import Outcome, UnfollowableReason
from tracker.services.inbox_list import SEMESTER_MAX_PER_PAGE

NOTE_MAX = 10_000


def outcome_choices() -> list[SelectChoice]:
    """BPK's four outcomes, short ('2. Not yet matching'), after 'unchanged'."""
    return [
        SelectChoice("", str(_l("— unchanged —"))),
        *(SelectChoice(o.value, f"{o.number}. {o.short}") for o in Outcome),
    ]


def reason_choices() -> list[SelectChoice]:
    return [SelectChoice("", str(_l("— none —"))), *UnfollowableReason.choices()]


def _outcome() -> SelectField:
    return SelectField(_l("Outcome"), choices=outcome_choices, default="")


def _new_due_on() -> DateField:
    return DateField(
        _l("New deadline"),
        validators=[Optional(), _year_range],
        description=_l("Required for outcome 2."),
    )


def _reason() -> SelectField:
    return SelectField(
        _l("Lawful reason"),
        choices=reason_choices,
        default="",
        description=_l("Required for outcome 4."),
    )


def _note() -> TextAreaField:
    return TextAreaField(
        _l("Review note"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class SemesterRowForm(SubForm):
    """One recommendation's row: left unset (no outcome), it is not saved."""

    rec_id = IntegerField(
        widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)]
    )
    #: the recommendation's version when the screen was opened
    version = IntegerField(
        widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)]
    )
    selected = BooleanField(_l("Select"))
    outcome = _outcome()
    new_due_on = _new_due_on()
    reason = _reason()
    note = _note()

    def show_current(self, version: int) -> None:
        """After a conflict the row shows the current outcome: saving it again overwrites
        that, so the row now carries the current version."""
        self.version.data = version
        self.version.raw_data = [str(version)]


class SemesterReviewForm(CreateForm):
    """Every row of the screen, saved together by one submit (a one-time token: the same
    form sent twice is saved once)."""

    rows = FieldList(FormField(SemesterRowForm), max_entries=SEMESTER_MAX_PER_PAGE)
    bulk_outcome = _outcome()
    bulk_new_due_on = _new_due_on()
    bulk_reason = _reason()
    bulk_note = _note()
    apply = SubmitField(_l("Apply to the selected rows"))
    save = SubmitField(_l("Save the reviews"))

    def apply_to_selected(self) -> int:
        """Copy what was chosen above the table (outcome, deadline, reason, note; a value
        left empty changes nothing) into every selected row, as the page's script does in
        the browser; returns how many rows were selected."""
        applied = 0
        for entry in self.rows:
            row: Any = entry.form
            if not row.selected.data:
                continue
            applied += 1
            if self.bulk_outcome.data:
                row.outcome.data = self.bulk_outcome.data
            if self.bulk_new_due_on.data is not None:
                row.new_due_on.data = self.bulk_new_due_on.data
                row.new_due_on.raw_data = [self.bulk_new_due_on.data.isoformat()]
            if self.bulk_reason.data:
                row.reason.data = self.bulk_reason.data
            if self.bulk_note.data is not None:
                row.note.data = self.bulk_note.data
        return applied
