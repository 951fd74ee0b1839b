"""Lists: search, sorting and pagination from the query string, the same on every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, String, cast, or_

from tracker.extensions import db

MAX_QUERY_LENGTH = 100
MAX_PER_PAGE = 200


def _int_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, low), high)


Columns = ColumnElement[Any] | Sequence[ColumnElement[Any]]


@dataclass(frozen=True)
class ListSpec:
    """How a list may be searched and sorted: ``sorts`` maps a public sort key to the
    column(s) to order by (unknown keys fall back to ``default_sort``, so nothing a user
    types can break the query); ``search`` names the columns ``?q=`` looks in."""

    sorts: Mapping[str, Columns]
    default_sort: str
    default_direction: str = "asc"
    search: Sequence[ColumnElement[Any]] = ()
    tiebreak: ColumnElement[Any] | None = None


class Listing:
    """Applies ``?q=``, ``?sort=``/``?dir=`` and ``?page=`` to a select, as ``spec`` allows.

    ``statement`` is the searched and ordered select (an export takes every row of it);
    ``page`` is one page of it, counted (unless ``paginate=False``).
    """

    def __init__(
        self,
        stmt: Select[Any],
        spec: ListSpec,
        args: Mapping[str, str] | None = None,
        *,
        per_page: int | None = None,
        paginate: bool = True,
    ) -> None:
        args = request.args if args is None else args
        self.args = args
        self.q = args.get("q", "").strip()[:MAX_QUERY_LENGTH]
        sort = args.get("sort", spec.default_sort)
        self.sort = sort if sort in spec.sorts else spec.default_sort
        direction = args.get("dir", spec.default_direction)
        self.direction = direction if direction in ("asc", "desc") else spec.default_direction
        if self.q and spec.search:
            pattern = f"%{escape_like(self.q)}%"
            stmt = stmt.where(
                or_(*(cast(col, String).ilike(pattern, escape="\\") for col in spec.search))
            )
        columns = spec.sorts[self.sort]
        if not isinstance(columns, Sequence):
            columns = [columns]
        order = [c.desc() if self.direction == "desc" else c.asc() for c in columns]
        if spec.tiebreak is not None:
            order.append(spec.tiebreak.asc())
        self.statement: Select[Any] = stmt.order_by(*order)
        if paginate:
            default_per_page = per_page or current_app.config["PER_PAGE"]
            self.page: Pagination = db.paginate(
                self.statement,
                page=_int_arg(args, "page", 1, 1, 100_000),
                per_page=_int_arg(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
                error_out=False,
                count=True,
            )

    @property
    def items(self) -> list[Any]:
        return list(self.page.items)

    def all(self) -> list[Any]:
        """Every row of the searched and ordered list (for an export)."""
        return list(db.session.scalars(self.statement).unique())

    def page_url(self, number: int) -> str:
        """This list's URL at page ``number``."""
        return self.url(page=number)

    def url(self, **overrides: Any) -> str:
        """This list's URL with some query arguments replaced (``None`` removes one)."""
        args: dict[str, Any] = dict(request.view_args or {})
        args.update(dict(request.args.items(multi=False)))
        for key, value in overrides.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        assert request.endpoint is not None
        return url_for(request.endpoint, **args)


def escape_like(text: str) -> str:
    """``text`` for a LIKE pattern escaped with a backslash: its wildcards match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def int_arg(name: str, args: Mapping[str, str] | None = None) -> int | None:
    """A positive whole number from the query string, or None (never an error)."""
    raw = (request.args if args is None else args).get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def semester_arg(today: dt.date, name: str = "semester") -> str:
    """The semester asked for in the query string (``?semester=2023-S2``), by default the
    current one. A malformed semester, or one that has not begun, is a 400 saying so."""
    from tracker.errors import InvalidInput
    from tracker.services import findings

    current = findings.period_of(today)
    raw = request.args.get(name, "").strip()
    if not raw:
        return current
    match = findings.PERIOD_RE.match(raw)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(_("Choose a semester, e.g. 2023-S2."))
    if raw > current:
        raise InvalidInput(_("Semester %(period)s has not begun yet.", period=raw))
    return raw
