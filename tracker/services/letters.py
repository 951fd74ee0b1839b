"""Numbered letters: their number from the kind's pattern and a sequence per kind and
year, unique even when two are issued at the same moment, and the signer as printed.

A pattern holds ``{seq}`` and ``{year}`` and may hold ``{month}`` (01-12) and
``{roman_month}`` (I-XII), e.g. ``700/{seq}/35.73.401/{year}``. Issuing takes the next
free sequence of the kind and year. On PostgreSQL the transactions numbering one kind and
year take turns (a transaction-level advisory lock, released at commit), so each sees the
number the previous one took; whatever else happens, the unique keys refuse a taken
number and the next one is tried (a savepoint each time, so the rest of the transaction
stands).
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from tracker.extensions import db
from tracker.models.letter import Letter
from tracker.models.reference import LetterKind, LetterPattern
from tracker.services import signatories
from tracker.services.errors import DomainError
from tracker.services.records import add_unless_taken

DEFAULT_PATTERNS: dict[LetterKind, str] = {
    LetterKind.DECISION: "700/{seq}/35.73.401/{year}",
    LetterKind.SKBT: "700/{seq}/SKBT/35.73.401/{year}",
}
PLACEHOLDERS = frozenset({"seq", "year", "month", "roman_month"})
REQUIRED = frozenset({"seq", "year"})
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
#: how many sequences to try before giving up (each failure means another letter of the
#: same kind and year was issued at that very moment)
ATTEMPTS = 20


def check_pattern(pattern: str, field: str = "pattern") -> str:
    """The pattern, stripped, when it is usable; else a DomainError saying why."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise DomainError(_("This field is required."), field=field)
    if len(pattern) > 150:
        raise DomainError(_("At most %(n)d characters.", n=150), field=field)
    try:
        names = {name for _t, name, _f, _c in string.Formatter().parse(pattern) if name}
        render(pattern, seq=1, day=dt.date(2000, 1, 1))
    except (ValueError, KeyError, IndexError):
        names = set()
    if not names >= REQUIRED or not names <= PLACEHOLDERS:
        raise DomainError(
            _(
                "A pattern must contain {seq} and {year} and may contain {month} and "
                "{roman_month}, e.g. 700/{seq}/35.73.401/{year}."
            ),
            field=field,
        )
    return pattern


def render(pattern: str, *, seq: int, day: dt.date) -> str:
    return pattern.format(
        seq=seq, year=day.year, month=f"{day.month:02d}", roman_month=ROMAN[day.month - 1]
    )


def pattern_for(kind: LetterKind) -> str:
    stored = db.session.scalar(select(LetterPattern.pattern).where(LetterPattern.kind == kind))
    return stored or DEFAULT_PATTERNS[kind]


#: the first key of the advisory locks that order the numbering (the second: kind and year)
NUMBERING_LOCK = 0x4C54  # "LT"


def _take_turn(kind: LetterKind, year: int) -> None:
    """Wait for the other transactions numbering this kind's letters of ``year`` (PostgreSQL;
    SQLite runs one writer at a time anyway)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    second = year * 10 + list(LetterKind).index(kind)
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(:first, :second)"),
        {"first": NUMBERING_LOCK, "second": second},
    )


def _next_seq(kind: LetterKind, year: int) -> int:
    last = db.session.scalar(
        select(func.max(Letter.seq)).where(Letter.kind == kind, Letter.year == year)
    )
    return int(last or 0) + 1


def issue(actor: Any, kind: LetterKind, *, issued_on: dt.date, now: dt.datetime) -> Letter:
    """A new letter of ``kind`` with the next number of ``issued_on``'s year, signed by the
    Inspektur on record (flushed; the caller commits with the rest of the decision)."""
    pattern = pattern_for(kind)
    signer = signatories.inspektur()
    _take_turn(kind, issued_on.year)
    seq = _next_seq(kind, issued_on.year)
    for _attempt in range(ATTEMPTS):
        letter = Letter(
            kind=kind,
            year=issued_on.year,
            seq=seq,
            number=render(pattern, seq=seq, day=issued_on),
            issued_on=issued_on,
            issued_at=now,
            issued_by=actor,
            signer_name=signer.name if signer else None,
            signer_nip=getattr(signer, "nip", None) if signer else None,
            signer_position=getattr(signer, "position", None) if signer else None,
        )
        if add_unless_taken(letter):
            return letter
        if letter in db.session:
            db.session.expunge(letter)
        seq = max(seq + 1, _next_seq(kind, issued_on.year))
    raise DomainError(_("No free letter number was found; try again."))


__all__ = ["DEFAULT_PATTERNS", "check_pattern", "issue", "pattern_for", "render"]
