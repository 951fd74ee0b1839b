"""What a page says about a form it shows again with errors, the same for every form.

- :func:`error_summary`: every message of the form (its own and each field's, inside
  sub-forms and lists of rows too), each with the id of the field to go to; the
  ``form_errors`` macro (``templates/_macros.html``) shows it above the form and
  ``static/js/app.js`` moves the focus to it when the page opens.
- :func:`files_not_kept`: the files chosen in a form that comes back with errors. Nothing
  of such a request is kept and a browser cannot fill a file input again, so the page
  says which files must be chosen again (:func:`file_field_note` says it at the field).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.datastructures import FileStorage
from wtforms import FieldList, FormField
from wtforms.fields import FileField

from tracker.uploads import NotReceived, UploadError, clean_filename, not_received_message


@dataclass(frozen=True)
class Problem:
    """One message of the summary; ``target`` is the id of the field it is about."""

    message: str
    target: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class ChosenFile:
    """A file the user chose in a file input (``field_id``) of the form."""

    name: str
    field_id: str
    received: bool


@dataclass(frozen=True)
class FieldNote:
    """What a file input says when its form comes back: the files it no longer holds,
    and the reason a file of it was refused (unless the field shows it already)."""

    names: list[str]
    reason: str | None


def _is_hidden(field: Any) -> bool:
    return getattr(field.widget, "input_type", None) == "hidden"


def _leaves(form: Any, suffix: str = "") -> Iterator[tuple[Any, str]]:
    """Every plain field of a form, with " (n)" for the n-th row of a list of rows."""
    for field in form:
        if isinstance(field, FormField):
            yield from _leaves(field.form, suffix)
        elif isinstance(field, FieldList):
            yield field, suffix
            for index, entry in enumerate(field.entries, start=1):
                row = f" ({index})"
                if isinstance(entry, FormField):
                    yield from _leaves(entry.form, row)
                else:
                    yield entry, row
        else:
            yield field, suffix


def _first_input_id(field: Any) -> str | None:
    """Where to go for an error of a list of rows: its first visible input."""
    for leaf, _suffix in _leaves([field]) if isinstance(field, FieldList) else []:
        if not isinstance(leaf, FieldList) and not _is_hidden(leaf):
            return str(leaf.id)
    return None


def has_errors(form: Any) -> bool:
    return bool(form is not None and (form.errors or form.form_errors))


def chosen_files(form: Any) -> list[ChosenFile]:
    """The files sent in the form's file inputs (none when the form was not sent)."""
    chosen: list[ChosenFile] = []
    for field, _suffix in _leaves(form):
        if not isinstance(field, FileField):
            continue
        data = field.data if isinstance(field.data, list) else [field.data]
        for upload in data:
            if isinstance(upload, FileStorage) and upload.filename:
                chosen.append(
                    ChosenFile(
                        clean_filename(upload.filename),
                        str(field.id),
                        not isinstance(upload.stream, NotReceived),
                    )
                )
    return chosen


def files_not_kept(form: Any) -> list[ChosenFile]:
    """The files of a form shown again with errors: none of them was kept."""
    return chosen_files(form) if has_errors(form) else []


def _refused_file_target(form: Any) -> str | None:
    """The file input holding the file a service refused (an UploadError naming it)."""
    refusal = getattr(form, "refusal", None)
    if not isinstance(refusal, UploadError) or not refusal.filename:
        return None
    for chosen in chosen_files(form):
        if chosen.name == refusal.filename:
            return chosen.field_id
    return None


def error_summary(form: Any) -> list[Problem]:
    """Every message of a form shown again, the form's own first, in field order."""
    if not has_errors(form):
        return []
    problems: list[Problem] = []
    refused_at = _refused_file_target(form)
    for message in form.form_errors:
        refused = isinstance(form.refusal, UploadError) and message == form.refusal.message
        problems.append(Problem(str(message), refused_at if refused else None))
    for field, suffix in _leaves(form):
        if isinstance(field, FieldList):
            # Errors of the list itself (not of its rows): strings among the rows' dicts.
            target = _first_input_id(field)
            for error in field.errors:
                if isinstance(error, str):
                    problems.append(Problem(error, target))
            continue
        for error in field.errors:
            if _is_hidden(field):
                problems.append(Problem(str(error)))
            else:
                problems.append(Problem(str(error), str(field.id), f"{field.label.text}{suffix}"))
    if any(not chosen.received for chosen in files_not_kept(form)):
        reason = not_received_message()
        if all(p.message != reason for p in problems):
            problems.append(Problem(reason, _first_file_id(form)))
    return problems


def _first_file_id(form: Any) -> str | None:
    chosen = chosen_files(form)
    return chosen[0].field_id if chosen else None


def file_field_note(form: Any, field: Any) -> FieldNote | None:
    """At a file input of a form shown again: the files it held, and why one was refused
    when the field does not show that already."""
    names = [c.name for c in files_not_kept(form) if c.field_id == field.id]
    if not names:
        return None
    reason = None
    refusal = getattr(form, "refusal", None)
    if _refused_file_target(form) == field.id and refusal.message not in field.errors:
        reason = refusal.message
    return FieldNote(names, reason)


def init_app(app: Flask) -> None:
    app.add_template_global(error_summary)
    app.add_template_global(files_not_kept)
    app.add_template_global(file_field_note)
