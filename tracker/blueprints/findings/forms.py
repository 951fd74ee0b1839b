"""Forms of the findings area. Choices from the database are filled by the views."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from tracker.forms import (
    CreateForm,
    SubForm,
    TrackerForm,
    VersionedForm,
    digits_only,
    empty_to_none,
    strip,
)
from tracker.models.finding import Grade, Instrument, Outcome, ReportKind, UnfollowableReason
from tracker.services.errors import DomainError
from tracker.services.findings import check_url, parse_rupiah
from tracker.services.grades import to_score
from tracker.services.organisation import normalise_nip

NUMBER_HINT = _l("e.g. 1, 2.a or 3.1")


def int_or_none(value: Any) -> int | None:
    if value is None or value in ("", "None"):
        return None
    return int(value)


def _blank(label: Any) -> list[SelectChoice]:
    return [SelectChoice("", str(label))]


class EditForm(VersionedForm):
    """An edit form: the version it was opened at and the signed values the user saw."""

    original = HiddenField()


class ScoreField(StringField):
    """A score 0–100; a decimal comma is accepted ('85,25')."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "") or ""
        text = text.strip()
        if not text:
            self.data = None
            return
        try:
            self.data = to_score(text)
        except DomainError as exc:
            self.data = None
            raise ValueError(exc.message) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return str(self.data).replace(".", ",") if self.data is not None else ""


class RupiahField(StringField):
    """An amount of rupiah typed as '12.500.000' or '12500000'."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_data = valuelist
        try:
            self.data = parse_rupiah((valuelist[0] if valuelist else "") or "")
        except DomainError as exc:
            self.data = None
            raise ValueError(exc.message) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        value = Decimal(self.data)
        whole = f"{int(value):,}".replace(",", ".")
        cents = value - int(value)
        return whole + (f",{int(cents * 100):02d}" if cents else "")


def _year_range(_form: Any, field: Any) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


# --- reports ---------------------------------------------------------------------------


class ReportForm(CreateForm):
    kind = SelectField(_l("Kind"), choices=ReportKind.choices, default=ReportKind.LHE_SAKIP.value)
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(), NumberRange(min=2000, max=2100)],
        description=_l("The year evaluated or audited, e.g. 2022."),
        render_kw={"inputmode": "numeric"},
    )
    number = StringField(
        _l("Report number"), filters=[strip], validators=[InputRequired(), Length(max=100)]
    )
    title = StringField(
        _l("Title"), filters=[empty_to_none], validators=[Optional(), Length(max=300)]
    )
    issuer = StringField(
        _l("Issued by"),
        filters=[strip],
        validators=[InputRequired(), Length(max=200)],
        description=_l("e.g. Kementerian PANRB, BPK RI Perwakilan Provinsi Jawa Timur."),
    )
    issued_on = DateField(_l("Report date"), validators=[InputRequired(), _year_range])
    received_on = DateField(
        _l("Date received"),
        validators=[InputRequired(), _year_range],
        description=_l("Recommendations are due 60 days after this date unless set otherwise."),
    )
    score = ScoreField(
        _l("Score"),
        description=_l("Evaluation reports only; the grade then follows from the score."),
        render_kw={"inputmode": "decimal"},
    )
    grade = SelectField(
        _l("Grade"),
        choices=lambda: _blank(_l("— none —")) + Grade.choices(),
        default="",
        description=_l("Only when the grade is known without its score."),
    )
    note = TextAreaField(
        _l("Notes"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=10000)],
        render_kw={"rows": 3},
    )


class ReportEditForm(ReportForm, EditForm):
    pass


# --- findings --------------------------------------------------------------------------


def _long_text(label: Any) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[empty_to_none],
        validators=[Optional(), Length(max=10000)],
        render_kw={"rows": 3},
    )


def _code_field(label: Any, description: Any = None) -> SelectField:
    """A BPK code, chosen from the list the view fills (empty: none)."""
    return SelectField(label, coerce=int_or_none, choices=[], default="", description=description)


class PartyForm(SubForm):
    """One responsible party of a financial finding (a row; an empty row is ignored)."""

    # no Optional(): an empty name of a filled row is refused below
    name = StringField(_l("Name"), filters=[empty_to_none], validators=[Length(max=200)])
    nip = StringField(
        _l("NIP"),
        filters=[empty_to_none, normalise_nip],
        validators=[
            Optional(),
            digits_only(18, _l("A NIP has 18 digits (spaces are allowed).")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    position = StringField(
        _l("Position"), filters=[empty_to_none], validators=[Optional(), Length(max=200)]
    )
    amount = RupiahField(_l("Amount (Rp)"), render_kw={"inputmode": "decimal"})

    @property
    def filled(self) -> bool:
        return bool(self.name.data or self.nip.data or self.position.data) or (
            self.amount.data is not None
        )

    def validate_name(self, field: Any) -> None:
        if not field.data and self.filled:
            raise ValidationError(_l("Enter the name of the responsible party."))


class FindingForm(CreateForm):
    number = StringField(
        _l("Number"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=NUMBER_HINT,
    )
    title = TextAreaField(
        _l("Finding"),
        filters=[strip],
        validators=[InputRequired(), Length(max=500)],
        description=_l("The note or finding in one sentence."),
        render_kw={"rows": 2},
    )
    condition = _long_text(_l("Condition"))
    criteria = _long_text(_l("Criteria"))
    cause = _long_text(_l("Cause"))
    effect = _long_text(_l("Effect"))
    opd_ids = SelectMultipleField(
        _l("Responsible OPDs"),
        coerce=int,
        choices=[],
        validators=[InputRequired(message=_l("Choose at least one responsible OPD."))],
        render_kw={"size": 8},
        description=_l("Hold Ctrl (or ⌘) to choose several."),
    )
    is_financial = BooleanField(_l("Financial finding (an amount is to be recovered)"))
    amount_to_recover = RupiahField(
        _l("Amount to recover (Rp)"),
        description=_l("e.g. 12.500.000"),
        render_kw={"inputmode": "decimal"},
    )

    finding_code_id = _code_field(
        _l("Finding code"), _l("BPK's finding code as the LHP states it, e.g. 1.01.03.")
    )
    cause_code_id = _code_field(_l("Cause code"))
    value = RupiahField(
        _l("Value of the finding (Rp)"),
        description=_l(
            "The value the report states (nilai temuan). For a financial finding at least "
            "the amount to recover; left empty, the amount to recover."
        ),
        render_kw={"inputmode": "decimal"},
    )
    parties = FieldList(FormField(PartyForm), min_entries=3, max_entries=60)

    def validate_amount_to_recover(self, field: Any) -> None:
        if self.is_financial.data and not field.data:
            raise ValidationError(_l("A financial finding needs the amount to recover."))

    def add_party_rows(self, n: int) -> None:
        for _i in range(n):
            if len(self.parties.entries) >= (self.parties.max_entries or 60):
                break
            self.parties.append_entry()

    def pad_parties(self, blank: int = 3) -> None:
        """Offer ``blank`` empty rows after the filled ones (how rows are added without
        JavaScript)."""
        trailing = 0
        for entry in reversed(self.parties.entries):
            if entry.form.filled:
                break
            trailing += 1
        self.add_party_rows(max(0, blank - trailing))


class FindingEditForm(FindingForm, EditForm):
    pass


# --- recommendations -------------------------------------------------------------------


class RecommendationForm(CreateForm):
    number = StringField(
        _l("Number"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=NUMBER_HINT,
    )
    text = TextAreaField(
        _l("Recommendation"),
        filters=[strip],
        validators=[InputRequired(), Length(max=10000)],
        render_kw={"rows": 3},
    )
    opd_id = SelectField(_l("Responsible OPD"), coerce=int_or_none, choices=[])
    due_on = DateField(
        _l("Due date"),
        validators=[Optional(), _year_range],
        description=_l("Leave empty for 60 days after the report was received."),
    )
    code_id = _code_field(_l("Recommendation code"), _l("BPK's recommendation code, 01 to 14."))
    value = RupiahField(
        _l("Value of the recommendation (Rp)"),
        description=_l("e.g. 12.500.000"),
        render_kw={"inputmode": "decimal"},
    )


class RecommendationEditForm(RecommendationForm, EditForm):
    pass


# --- follow-ups ------------------------------------------------------------------------


def _date_needed_with(other: str) -> Any:
    """Like Optional(), but an empty date is an error when ``other`` (the file or the link
    of the same row) is filled in."""

    def check(form: Any, field: Any) -> None:
        raw = (field.raw_data[0] if field.raw_data else "") or ""
        if raw.strip():
            return
        field.errors[:] = []
        if form[other].data:
            raise StopValidation(_l("Enter the date the evidence refers to."))
        raise StopValidation()

    return check


class EvidenceFileForm(SubForm):
    file = FileField(_l("File"))
    refers_to_on = DateField(
        _l("Date it refers to"), validators=[_date_needed_with("file"), _year_range]
    )


class EvidenceLinkForm(SubForm):
    url = StringField(
        _l("Link"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=500)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )
    label = StringField(
        _l("Description of the link"), filters=[empty_to_none], validators=[Length(max=200)]
    )
    refers_to_on = DateField(
        _l("Date it refers to"), validators=[_date_needed_with("url"), _year_range]
    )

    def validate_url(self, field: Any) -> None:
        if field.data:
            try:
                check_url(field.data)
            except DomainError as exc:
                raise ValidationError(exc.message) from None


class FollowUpForm(CreateForm):
    description = TextAreaField(
        _l("What has been done"),
        filters=[strip],
        validators=[InputRequired(), Length(max=10000)],
        render_kw={"rows": 4},
    )
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l(
            "How far your OPD is, 0 to 100, in your own estimate. The official outcome "
            "is set only by the Inspektorat's review."
        ),
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    files = FieldList(FormField(EvidenceFileForm), min_entries=3, max_entries=10)
    links = FieldList(FormField(EvidenceLinkForm), min_entries=2, max_entries=10)


# --- reviews ---------------------------------------------------------------------------


class ReviewForm(TrackerForm):
    period = SelectField(_l("Semester"), choices=[])
    outcome = SelectField(
        _l("Outcome"),
        choices=lambda: [SelectChoice(o.value, o.numbered) for o in Outcome],
        validators=[InputRequired()],
    )
    new_due_on = DateField(
        _l("New deadline"),
        validators=[Optional(), _year_range],
        description=_l("Required for outcome 2."),
    )
    reason = SelectField(
        _l("Lawful reason"),
        choices=lambda: _blank(_l("— none —")) + UnfollowableReason.choices(),
        default="",
        description=_l("Required for outcome 4."),
    )
    note = TextAreaField(
        _l("Review note"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=10000)],
        render_kw={"rows": 2},
    )


# --- repayments ------------------------------------------------------------------------


class RepaymentForm(CreateForm):
    paid_on = DateField(_l("Date paid"), validators=[InputRequired(), _year_range])
    amount = RupiahField(
        _l("Amount (Rp)"),
        validators=[InputRequired()],
        description=_l("e.g. 2.500.000"),
        render_kw={"inputmode": "decimal"},
    )
    note = StringField(
        _l("Note"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=500)],
        description=_l("e.g. the deposit slip number (STS)."),
    )
    file = FileField(_l("Proof of payment (optional)"))


# --- grades ----------------------------------------------------------------------------


class EvaluationResultForm(CreateForm):
    instrument = SelectField(_l("Evaluation"), choices=Instrument.choices)
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(), NumberRange(min=2000, max=2100)],
        render_kw={"inputmode": "numeric"},
    )
    region = StringField(
        _l("Region"),
        filters=[strip],
        validators=[InputRequired(), Length(max=120)],
        description=_l("e.g. Kota Malang, Kab. Banyuwangi, Kota Surabaya."),
        render_kw={"list": "region-options", "autocomplete": "off"},
    )
    score = ScoreField(
        _l("Score"),
        description=_l("The grade follows from the score (AA > 90, A > 80, BB > 70, …)."),
        render_kw={"inputmode": "decimal"},
    )
    grade = SelectField(
        _l("Grade"),
        choices=lambda: _blank(_l("— from the score —")) + Grade.choices(),
        default="",
        description=_l("Only when the grade is known without its score."),
    )
    source = StringField(
        _l("Source"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=500)],
        description=_l("Where the result was published (a link or a document)."),
    )

    def validate_grade(self, field: Any) -> None:
        if not field.data and self.score.data is None and not self.score.errors:
            raise ValidationError(_l("Enter the score or, if only the grade is known, the grade."))


class EvaluationResultEditForm(EvaluationResultForm, EditForm):
    pass
