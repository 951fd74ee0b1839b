"""BPK's audit codes as reference data: seeded from :mod:`tracker.reference_codes`,
edited by administrators, chosen on findings and recommendations.

Rules:

* Finding and cause codes are dotted digits (``1``, ``1.01``, ``1.01.02``); recommendation
  codes are two digits (``01``-``14``), a flat list. A code is unique within its kind.
* A dotted code's parent is the code of the level above; it must exist and be the code's
  prefix (``1.01`` for ``1.01.02``). Left empty, it is taken from the code itself.
* A code in use (by a finding or a recommendation) or with codes below it keeps its code
  and is never deleted; it can be renamed and deactivated. An inactive code is not offered
  on the forms, but stays on the records that carry it.
* Forms offer the detailed codes: an active code with no active code below it (a leaf,
  or a sub-group the list has no detail for).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.listing import Listing, ListSpec
from tracker.models.finding import Finding, Recommendation
from tracker.models.reference import AuditCode, CodeKind, LetterKind, LetterPattern
from tracker.reference_codes import CAUSE_CODES, FINDING_CODES, RECOMMENDATION_CODES, Code
from tracker.services.errors import DomainError
from tracker.services.records import apply_changes
from tracker.services.records import flush as _flush
from tracker.services.records import required_text as _required

SEEDED: dict[CodeKind, tuple[Code, ...]] = {
    CodeKind.FINDING: FINDING_CODES,
    CodeKind.CAUSE: CAUSE_CODES,
    CodeKind.RECOMMENDATION: RECOMMENDATION_CODES,
}
CODE_MAX = 20
NAME_MAX = 500
DOTTED = re.compile(r"^\d{1,3}(\.\d{1,3}){0,4}$")
TWO_DIGITS = re.compile(r"^\d{2}$")


def seed() -> int:
    """Add every seeded code and default letter pattern that is missing (codes an
    administrator edited or deactivated are left as they are); returns how many codes
    were added. Flushes."""
    from tracker.services.letters import DEFAULT_PATTERNS

    present = {
        (kind, code) for kind, code in db.session.execute(select(AuditCode.kind, AuditCode.code))
    }
    added = 0
    for kind, items in SEEDED.items():
        for item in items:
            if (kind, item.code) not in present:
                db.session.add(
                    AuditCode(kind=kind, code=item.code, name=item.name, parent_code=item.parent)
                )
                added += 1
    patterns = set(db.session.scalars(select(LetterPattern.kind)))
    for letter_kind, pattern in DEFAULT_PATTERNS.items():
        if letter_kind not in patterns:
            db.session.add(LetterPattern(kind=LetterKind(letter_kind), pattern=pattern))
    db.session.flush()
    return added


def by_code(kind: CodeKind, code: str) -> AuditCode | None:
    return db.session.scalar(
        select(AuditCode).where(AuditCode.kind == kind, AuditCode.code == code)
    )


# --- the rules of a code ---------------------------------------------------------------


def is_dotted(kind: CodeKind) -> bool:
    return kind is not CodeKind.RECOMMENDATION


def check_code(kind: CodeKind, code: str | None) -> str:
    """The code, stripped, when its format suits its kind; else a DomainError."""
    value = _required(code, "code", CODE_MAX).replace(" ", "")
    if is_dotted(kind):
        if not DOTTED.match(value):
            raise DomainError(
                _("Use digits separated by dots, e.g. 1, 1.01 or 1.01.02."), field="code"
            )
    elif not TWO_DIGITS.match(value):
        raise DomainError(_("Use two digits, e.g. 01 or 14."), field="code")
    return value


def _parent(kind: CodeKind, code: str, parent_code: str | None) -> str | None:
    parent = (parent_code or "").strip().replace(" ", "") or None
    if not is_dotted(kind):
        if parent:
            raise DomainError(_("Recommendation codes have no parent."), field="parent_code")
        return None
    if parent is None:
        parent = code.rpartition(".")[0] or None
    if parent is None:
        return None
    if not code.startswith(parent + "."):
        raise DomainError(
            _("The parent must be the beginning of the code, e.g. 1.01 for 1.01.02."),
            field="parent_code",
        )
    if by_code(kind, parent) is None:
        raise DomainError(
            _("There is no code %(code)s in this list; add it first.", code=parent),
            field="parent_code",
        )
    return parent


def _check_unique(kind: CodeKind, code: str, exclude_id: int | None) -> None:
    stmt = select(AuditCode.id).where(AuditCode.kind == kind, AuditCode.code == code)
    if exclude_id is not None:
        stmt = stmt.where(AuditCode.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(_("The code %(code)s is already in this list.", code=code), field="code")


def _values(
    kind: CodeKind, *, code: str | None, name: str | None, parent_code: str | None
) -> dict[str, Any]:
    value = check_code(kind, code)
    return {
        "code": value,
        "name": _required(name, "name", NAME_MAX),
        "parent_code": _parent(kind, value, parent_code),
    }


def create_code(
    kind: CodeKind | str, *, code: str | None, name: str | None, parent_code: str | None = None
) -> AuditCode:
    kind = CodeKind(kind)
    values = _values(kind, code=code, name=name, parent_code=parent_code)
    _check_unique(kind, values["code"], None)
    record = AuditCode(kind=kind, active=True, **values)
    db.session.add(record)
    _flush()
    return record


def update_code(
    record: AuditCode,
    *,
    code: str | None,
    name: str | None,
    parent_code: str | None,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Rename a code, or (when nothing uses it and nothing hangs below it) recode it."""
    raw = {"code": code, "name": name, "parent_code": parent_code}
    if expected_version is not None and record.version != expected_version:
        apply_changes(record, raw, expected_version=expected_version, original=original)
    values = _values(record.kind, code=code, name=name, parent_code=parent_code)
    if values["code"] != record.code:
        usage = usage_of([record.id])[record.id]
        if usage.findings or usage.recommendations or usage.children:
            raise DomainError(
                _(
                    "The code %(code)s is in use or has codes below it; it keeps its code. "
                    "Deactivate it and add a new one instead.",
                    code=record.code,
                ),
                field="code",
            )
        _check_unique(record.kind, values["code"], record.id)
    changed = apply_changes(record, values, expected_version=expected_version, original=original)
    _flush()
    return changed


def set_active(record: AuditCode, active: bool) -> None:
    record.active = bool(active)
    _flush()


def delete_code(record: AuditCode) -> None:
    """Remove a mistaken code that nothing uses; a code in use is only deactivated."""
    usage = usage_of([record.id])[record.id]
    if usage.findings or usage.recommendations or usage.children:
        raise DomainError(
            _(
                "The code %(code)s is in use or has codes below it: it can be deactivated, "
                "not deleted.",
                code=record.code,
            )
        )
    db.session.delete(record)
    _flush()


# --- how much a code is used -----------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    findings: int = 0
    recommendations: int = 0
    children: int = 0


def usage_of(ids: Iterable[int]) -> dict[int, Usage]:
    """Findings (by finding or cause code), recommendations and codes below each code,
    in one query."""
    ids = sorted(set(ids))
    usage = {i: Usage() for i in ids}
    if not ids:
        return usage
    child = aliased(AuditCode)
    findings = (
        select(func.count(Finding.id))
        .where(or_(Finding.finding_code_id == AuditCode.id, Finding.cause_code_id == AuditCode.id))
        .correlate(AuditCode)
        .scalar_subquery()
    )
    recs = (
        select(func.count(Recommendation.id))
        .where(Recommendation.code_id == AuditCode.id)
        .correlate(AuditCode)
        .scalar_subquery()
    )
    children = (
        select(func.count(child.id))
        .where(child.kind == AuditCode.kind, child.parent_code == AuditCode.code)
        .correlate(AuditCode)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(AuditCode.id, findings, recs, children).where(AuditCode.id.in_(ids))
    )
    for code_id, n_findings, n_recs, n_children in rows:
        usage[code_id] = Usage(int(n_findings or 0), int(n_recs or 0), int(n_children or 0))
    return usage


# --- the administration list -----------------------------------------------------------

CODE_SPEC = ListSpec(
    sorts={
        "code": AuditCode.code,
        "name": AuditCode.name,
        "active": [AuditCode.active, AuditCode.code],
    },
    default_sort="code",
    search=[AuditCode.code, AuditCode.name],
    tiebreak=AuditCode.id,
)
ACTIVITY = ("all", "active", "inactive")


@dataclass(frozen=True)
class CodeFilters:
    kind: CodeKind = CodeKind.FINDING
    status: str = "all"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CodeFilters:
        kind = args.get("kind", "")
        status = args.get("status", "all")
        return cls(
            kind=CodeKind(kind) if kind in {k.value for k in CodeKind} else CodeKind.FINDING,
            status=status if status in ACTIVITY else "all",
        )


@dataclass
class CodePage:
    listing: Listing
    usage: dict[int, Usage]
    #: codes per kind, for the tabs
    totals: dict[str, int]


def code_page(filters: CodeFilters, args: Mapping[str, str]) -> CodePage:
    stmt: Select[Any] = select(AuditCode).where(AuditCode.kind == filters.kind)
    if filters.status == "active":
        stmt = stmt.where(AuditCode.active.is_(True))
    elif filters.status == "inactive":
        stmt = stmt.where(AuditCode.active.is_(False))
    listing = Listing(stmt, CODE_SPEC, args)
    totals = {
        kind.value: n
        for kind, n in db.session.execute(
            select(AuditCode.kind, func.count()).group_by(AuditCode.kind)
        )
    }
    return CodePage(listing=listing, usage=usage_of(c.id for c in listing.items), totals=totals)


# --- what the forms offer --------------------------------------------------------------


def _has_active_child(kind: CodeKind) -> Any:
    child = aliased(AuditCode)
    return (
        select(child.id)
        .where(
            child.kind == kind,
            child.parent_code == AuditCode.code,
            child.active.is_(True),
        )
        .exists()
    )


def offered(kind: CodeKind, keep: Iterable[int | None] = ()) -> list[AuditCode]:
    """The codes a form offers: active ones with no active code below them (and those in
    ``keep``, a record's current codes, even when inactive), in code order."""
    keep_ids = [i for i in keep if i]
    stmt = select(AuditCode).where(
        AuditCode.kind == kind,
        or_(
            AuditCode.id.in_(keep_ids),
            (AuditCode.active.is_(True)) & ~_has_active_child(kind),
        ),
    )
    return list(db.session.scalars(stmt.order_by(AuditCode.code)))


def group_names(kind: CodeKind) -> dict[str, str]:
    """Code → name of the groups (codes with a code below them), for optgroup labels."""
    child = aliased(AuditCode)
    rows = db.session.execute(
        select(AuditCode.code, AuditCode.name).where(
            AuditCode.kind == kind,
            select(child.id)
            .where(child.kind == kind, child.parent_code == AuditCode.code)
            .exists(),
        )
    )
    return dict(rows.all())


def resolve(
    kind: CodeKind, code_id: int | str | None, *, current_id: int | None, field: str
) -> AuditCode | None:
    """The code chosen on a form, checked: of this kind, and offered (active, detailed) or
    the record's current one."""
    if code_id in (None, "", "None"):
        return None
    try:
        ident = int(code_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(_("Choose a code from the list."), field=field) from None
    record = db.session.get(AuditCode, ident)
    if record is None or record.kind is not kind:
        raise DomainError(_("Choose a code from the list."), field=field)
    if record.id == current_id:
        return record
    if not record.active:
        raise DomainError(
            _("The code %(code)s is no longer in use; choose another.", code=record.code),
            field=field,
        )
    has_child = db.session.scalar(
        select(AuditCode.id)
        .where(
            AuditCode.kind == kind,
            AuditCode.parent_code == record.code,
            AuditCode.active.is_(True),
        )
        .limit(1)
    )
    if has_child is not None:
        raise DomainError(
            _(
                "%(code)s is a group; choose one of the detailed codes below it.",
                code=record.code,
            ),
            field=field,
        )
    return record


def filter_options() -> dict[CodeKind, list[tuple[str, str]]]:
    """Every code of every kind as (code, "code name") for the list filters, one query."""
    options: dict[CodeKind, list[tuple[str, str]]] = {kind: [] for kind in CodeKind}
    for row in db.session.scalars(select(AuditCode).order_by(AuditCode.kind, AuditCode.code)):
        indent = "\u2003" * row.depth if is_dotted(row.kind) else ""
        options[row.kind].append((row.code, f"{indent}{row.code} {row.name}"[:120]))
    return options


# --- letter-number patterns ------------------------------------------------------------


def letter_patterns() -> dict[LetterKind, LetterPattern | None]:
    stored = {p.kind: p for p in db.session.scalars(select(LetterPattern))}
    return {kind: stored.get(kind) for kind in LetterKind}


def save_letter_pattern(
    kind: LetterKind | str,
    pattern: str | None,
    *,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> LetterPattern:
    """Set the numbering pattern of a kind of letter (checked by letters.check_pattern)."""
    from tracker.services import letters

    kind = LetterKind(kind)
    record = db.session.scalar(select(LetterPattern).where(LetterPattern.kind == kind))
    if record is not None and expected_version is not None and record.version != expected_version:
        apply_changes(
            record, {"pattern": pattern}, expected_version=expected_version, original=original
        )
    value = letters.check_pattern(pattern or "")
    if record is None:
        record = LetterPattern(kind=kind, pattern=value)
        db.session.add(record)
    else:
        apply_changes(
            record, {"pattern": value}, expected_version=expected_version, original=original
        )
    _flush()
    return record


def example_number(pattern: str, day: dt.date) -> str | None:
    """The first number of ``day``'s year under ``pattern``, or None when it is unusable."""
    from tracker.services import letters

    try:
        return letters.render(letters.check_pattern(pattern), seq=1, day=day)
    except DomainError:
        return None


__all__ = [
    "SEEDED",
    "by_code",
    "check_code",
    "code_page",
    "create_code",
    "delete_code",
    "filter_options",
    "offered",
    "resolve",
    "seed",
    "set_active",
    "update_code",
    "usage_of",
]
