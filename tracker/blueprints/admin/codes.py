"""Reference lists of the findings: BPK's finding, cause and recommendation codes, and the
numbering patterns of the letters the Inspektorat issues (administrators only)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from tracker.blueprints.admin.forms import EditForm
from tracker.blueprints.admin.routes import (
    ENTITY_EDIT,
    _create,
    _edit,
    _status_choices,
    _toggle,
    bp,
)
from tracker.extensions import db
from tracker.forms import CreateForm, empty_to_none, strip
from tracker.i18n import today_wib
from tracker.models.reference import AuditCode, CodeKind, LetterKind
from tracker.permissions import P, requires
from tracker.saving import saving
from tracker.services import codes as svc
from tracker.services import letters

CODE_FIELDS = ("code", "name", "parent_code")
PATTERN_FIELDS = ("pattern",)

ENTITY_EDIT.setdefault("AuditCode", ("admin.code_edit", "code_id"))


# --- forms -----------------------------------------------------------------------------


class CodeForm(CreateForm):
    kind = HiddenField()
    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[InputRequired(), Length(max=svc.CODE_MAX)],
        render_kw={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"},
    )
    name = TextAreaField(
        _l("Name"),
        filters=[strip],
        validators=[InputRequired(), Length(max=svc.NAME_MAX)],
        render_kw={"rows": 2},
    )
    parent_code = StringField(
        _l("Parent code"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=svc.CODE_MAX)],
        description=_l("Leave empty to take the beginning of the code (1.01 for 1.01.02)."),
        render_kw={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"},
    )


class CodeEditForm(CodeForm, EditForm):
    pass


class PatternForm(CreateForm):
    pattern = StringField(
        _l("Number pattern"),
        filters=[strip],
        validators=[InputRequired(), Length(max=150)],
        description=_l(
            "{seq} is the letter's sequence in its year, {year} the year, {month} the month "
            "(01-12), {roman_month} the month in Roman numerals (I-XII)."
        ),
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )


class PatternEditForm(PatternForm, EditForm):
    pass


def _code_help(kind: CodeKind) -> str:
    if svc.is_dotted(kind):
        return _("Digits separated by dots, e.g. 1.01.02.")
    return _("Two digits, e.g. 07.")


def _kind_arg() -> CodeKind:
    raw = request.args.get("kind", "")
    return CodeKind(raw) if raw in {k.value for k in CodeKind} else CodeKind.FINDING


def _list_url(kind: CodeKind) -> str:
    return url_for("admin.codes", kind=kind.value)


# --- codes -----------------------------------------------------------------------------


@bp.route("/codes")
@requires(P.MANAGE_REFERENCE)
def codes() -> ResponseReturnValue:
    filters = svc.CodeFilters.from_args(request.args)
    found = svc.code_page(filters, request.args)
    return render_template(
        "admin/codes.html",
        listing=found.listing,
        usage=found.usage,
        totals=found.totals,
        kind=filters.kind,
        kinds=list(CodeKind),
        status=filters.status,
        status_choices=_status_choices(),
    )


@bp.route("/codes/new", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def code_new() -> ResponseReturnValue:
    form = CodeForm()
    raw = form.kind.data if request.method == "POST" else request.args.get("kind", "")
    kind = CodeKind(raw) if raw in {k.value for k in CodeKind} else CodeKind.FINDING
    form.kind.data = kind.value
    form.code.description = _code_help(kind)
    if not svc.is_dotted(kind):
        del form.parent_code
    return _create(
        form,
        lambda: svc.create_code(
            kind,
            code=form.code.data,
            name=form.name.data,
            parent_code=form.parent_code.data if "parent_code" in form else None,
        ),
        template="admin/code_new.html",
        success=lambda c: _("The code %(code)s has been added.", code=c.code),
        next_url=_list_url(kind),
        kind=kind,
    )


@bp.route("/codes/<int:code_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def code_edit(code_id: int) -> ResponseReturnValue:
    record = db.get_or_404(AuditCode, code_id)
    form = CodeEditForm(obj=record if request.method == "GET" else None)
    form.kind.data = record.kind.value
    form.code.description = _code_help(record.kind)
    if not svc.is_dotted(record.kind):
        del form.parent_code
    usage = svc.usage_of([record.id])[record.id]
    return _edit(
        form,
        record,
        CODE_FIELDS,
        lambda original: svc.update_code(
            record,
            code=form.code.data,
            name=form.name.data,
            parent_code=form.parent_code.data if "parent_code" in form else None,
            expected_version=form.version.data,
            original=original,
        ),
        template="admin/code_edit.html",
        success=lambda: _("The code %(code)s has been saved.", code=record.code),
        next_url=_list_url(record.kind),
        kind=record.kind,
        usage=usage,
    )


@bp.route("/codes/<int:code_id>/toggle", methods=["POST"])
@requires(P.MANAGE_REFERENCE)
def code_toggle(code_id: int) -> ResponseReturnValue:
    record = db.get_or_404(AuditCode, code_id)
    _toggle(record, lambda active: svc.set_active(record, active), record.code)
    return redirect(_list_url(record.kind))


@bp.route("/codes/<int:code_id>/delete", methods=["POST"])
@requires(P.MANAGE_REFERENCE)
def code_delete(code_id: int) -> ResponseReturnValue:
    record = db.get_or_404(AuditCode, code_id)
    kind, code = record.kind, record.code
    with saving() as saved:
        svc.delete_code(record)
    if saved:
        flash(_("The code %(code)s has been deleted.", code=code), "success")
    return redirect(_list_url(kind))


# --- letter-number patterns ------------------------------------------------------------


@bp.route("/letter-patterns")
@requires(P.MANAGE_REFERENCE)
def letter_patterns() -> ResponseReturnValue:
    today = today_wib()
    rows = []
    for kind, record in svc.letter_patterns().items():
        pattern = record.pattern if record else letters.DEFAULT_PATTERNS[kind]
        rows.append((kind, pattern, svc.example_number(pattern, today), record is None))
    return render_template("admin/letter_patterns.html", rows=rows, today=today)


@bp.route("/letter-patterns/<kind>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def letter_pattern_edit(kind: str) -> ResponseReturnValue:
    if kind not in {k.value for k in LetterKind}:
        abort(404)
    letter_kind = LetterKind(kind)
    record = svc.letter_patterns()[letter_kind]
    today = today_wib()
    if record is None:
        form: PatternForm = PatternForm()
    else:
        form = PatternEditForm(obj=record if request.method == "GET" else None)
    if request.method == "GET" and record is None:
        form.pattern.data = letters.DEFAULT_PATTERNS[letter_kind]
    shown = form.pattern.data or (record.pattern if record else "")
    context: dict[str, Any] = {
        "kind": letter_kind,
        "example": svc.example_number(shown, today),
        "today": today,
    }

    def save(original: Any = None) -> Any:
        return svc.save_letter_pattern(
            letter_kind,
            form.pattern.data,
            expected_version=form.version.data if isinstance(form, PatternEditForm) else None,
            original=original,
        )

    success = _("The number pattern of %(kind)s has been saved.", kind=letter_kind.label)
    if record is None:
        return _create(
            form,
            save,
            template="admin/letter_pattern_edit.html",
            success=lambda _r: success,
            next_url=url_for("admin.letter_patterns"),
            **context,
        )
    return _edit(
        form,
        record,
        PATTERN_FIELDS,
        save,
        template="admin/letter_pattern_edit.html",
        success=lambda: success,
        next_url=url_for("admin.letter_patterns"),
        **context,
    )
