"""The list of past imports: newest first, the kind filter, search by file name, paging;
the uploader and the confirmer joined in (two queries whatever the data: the count and
the page). A user sees the imports of the kinds they may import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import false, select
from sqlalchemy.orm import joinedload

from tracker.imports.base import ImportKind
from tracker.listing import Listing, ListSpec
from tracker.models.import_batch import ImportBatch

SPEC = ListSpec(
    sorts={
        "uploaded": ImportBatch.uploaded_at,
        "file": ImportBatch.file_name,
        "kind": [ImportBatch.kind, ImportBatch.uploaded_at],
        "status": [ImportBatch.status, ImportBatch.uploaded_at],
        "rows": ImportBatch.rows,
    },
    default_sort="uploaded",
    default_direction="desc",
    search=(ImportBatch.file_name,),
    tiebreak=ImportBatch.id,
)


@dataclass(frozen=True)
class Filters:
    #: an ImportKind value or ""
    kind: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        kind = args.get("kind", "")
        return cls(kind=kind if kind in {k.value for k in ImportKind} else "")


def page(filters: Filters, allowed: Sequence[ImportKind], args: Mapping[str, str]) -> Listing:
    stmt = select(ImportBatch).options(
        joinedload(ImportBatch.uploaded_by), joinedload(ImportBatch.imported_by)
    )
    kinds = [k.value for k in allowed]
    if filters.kind:
        kinds = [k for k in kinds if k == filters.kind]
    stmt = stmt.where(ImportBatch.kind.in_(kinds)) if kinds else stmt.where(false())
    return Listing(stmt, SPEC, args)


class _ListPagination(Pagination):
    """One page of a list already in memory (the rows and problems of a dry run)."""

    def __init__(self, items: Sequence[Any], page: int, per_page: int) -> None:
        self._all = items
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list[Any]:
        start = self._query_offset
        return list(self._all[start : start + self.per_page])

    def _query_count(self) -> int:
        return len(self._all)


@dataclass
class Paged:
    """What the pagination macro reads (``page``, ``page_url``) for a list in memory,
    paged by the query argument ``arg`` (a page may hold two such lists)."""

    page: Pagination
    arg: str

    @property
    def items(self) -> list[Any]:
        return list(self.page.items)

    def page_url(self, number: int) -> str:
        args: dict[str, Any] = dict(request.view_args or {})
        args.update(dict(request.args.items(multi=False)))
        args[self.arg] = number
        assert request.endpoint is not None
        return url_for(request.endpoint, **args)


def paged(items: Sequence[Any], arg: str, per_page: int) -> Paged:
    raw = request.args.get(arg, "")
    number = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    return Paged(_ListPagination(items, max(number, 1), per_page), arg)


__all__ = ["Filters", "Paged", "page", "paged"]
