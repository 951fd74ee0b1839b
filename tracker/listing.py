"""Lists: search, sorting and pagination from the query string, the same on every page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, String, cast, or_

from tracker.extensions import db

MAX_QUERY_LENGTH = 100
MAX_PER_PAGE = 200


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, low), high)


class Listing:
    """Applies ``?q=``, ``?sort=``/``?dir=`` and ``?page=`` to a select and paginates it.

    ``sorts`` maps a public sort key to the column(s) to order by; unknown keys fall back
    to ``default_sort``, so nothing a user types can break the query.
    """

    def __init__(
        self,
        stmt: Select[Any],
        *,
        sorts: Mapping[str, ColumnElement[Any] | Sequence[ColumnElement[Any]]],
        default_sort: str,
        default_direction: str = "asc",
        search: Sequence[ColumnElement[Any]] = (),
        tiebreak: ColumnElement[Any] | None = None,
        per_page: int | None = None,
    ) -> None:
        self.q = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
        sort = request.args.get("sort", default_sort)
        self.sort = sort if sort in sorts else default_sort
        direction = request.args.get("dir", default_direction)
        self.direction = direction if direction in ("asc", "desc") else default_direction
        if self.q and search:
            pattern = f"%{_escape_like(self.q)}%"
            stmt = stmt.where(
                or_(*(cast(col, String).ilike(pattern, escape="\\") for col in search))
            )
        columns = sorts[self.sort]
        if not isinstance(columns, Sequence):
            columns = [columns]
        order = [c.desc() if self.direction == "desc" else c.asc() for c in columns]
        if tiebreak is not None:
            order.append(tiebreak.asc())
        stmt = stmt.order_by(*order)
        default_per_page = per_page or current_app.config["PER_PAGE"]
        self.page: Pagination = db.paginate(
            stmt,
            page=_int_arg("page", 1, 1, 100_000),
            per_page=_int_arg("per_page", default_per_page, 1, MAX_PER_PAGE),
            error_out=False,
            count=True,
        )

    @property
    def items(self) -> list[Any]:
        return list(self.page.items)

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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def int_arg(name: str) -> int | None:
    """A positive whole number from the query string, or None (never an error)."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
