"""Input guards that every route gets: what the database cannot store never reaches it.

- Text with a NUL character (U+0000) anywhere in a request (path, query string, form
  fields and their names, upload file names) is refused with a 400 and a clear message:
  PostgreSQL cannot store it, and no user types it.
- ``<int:…>`` in a URL only matches numbers the database's INTEGER columns can hold, so an
  id such as 99999999999999999999 is a 404 like any other unknown record.
- Whole numbers in forms are checked against the same range by ``tracker.forms.Form``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from tracker.errors import InvalidInput

# PostgreSQL's INTEGER (and SQLite's fast path): the ids and counters of every table.
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
NUL = "\x00"


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:…>`` limited to what an INTEGER column holds (a larger number does not match)."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


def _texts() -> Iterable[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""


def refuse_nul() -> None:
    if any(NUL in text for text in _texts()):
        raise InvalidInput(
            _(
                "The text sent contains a character that is not allowed (NUL, code 0). "
                "Remove it and try again."
            )
        )


def init_app(app: Flask) -> None:
    """Before the blueprints register: the converter must be in place for their rules."""
    app.url_map.converters["int"] = DatabaseIntegerConverter
    # First of the request guards: nothing else reads the request before it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
