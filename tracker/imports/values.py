"""Reading one cell: the parsers the import kinds use on :class:`~tracker.imports.base.Row`
cells, as they come from a real workbook or CSV (numbers, dates or text, typed the
Indonesian way or the English one).

Every parser takes the raw cell (absent or blank → ``None``) and returns the value in the
tracker's terms, or raises :class:`BadValue` with a message for the user (gettext), which
the kind turns into a :class:`~tracker.imports.base.Problem` for the row and column.
:class:`OpdLookup` and :class:`PersonLookup` load every OPD / official in one query, so a
kind builds each once per plan, never once per row.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Opd, Person
from tracker.models.finding import Outcome
from tracker.services.errors import DomainError
from tracker.services.findings import parse_rupiah
from tracker.services.organisation import NIP_LENGTH, normalise_nip

EMAIL_MAX = 254
CENT = Decimal("0.01")
FLOAT_NOISE = Decimal("0.000001")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
#: Excel's serial day numbers of 1 Jan 1930 and 31 Dec 2099: a number in this range in a
#: date column is a date cell whose format was lost
EXCEL_SERIAL_RANGE = (10959, 73050)


class BadValue(ValueError):
    """A cell that cannot be read as what its column holds; ``message`` says why, in the
    user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _squash(value: str) -> str:
    """Lowercase, one space between words (non-breaking spaces included)."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


# --- text ------------------------------------------------------------------------------


def text(value: Any, limit: int) -> str | None:
    """A text cell, stripped, at most ``limit`` characters; a number as written ("12", not
    "12.0"), a date as 26/07/2023. A leading "=" stays text."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        result = "1" if value else "0"
    elif isinstance(value, float) and value.is_integer():
        result = str(int(value))
    elif isinstance(value, dt.datetime | dt.date):
        result = (value.date() if isinstance(value, dt.datetime) else value).strftime("%d/%m/%Y")
    else:
        result = str(value).strip()
    if len(result) > limit:
        raise BadValue(_("At most %(n)d characters.", n=limit))
    return result


# --- money -----------------------------------------------------------------------------

_NONE_MARKS = frozenset({"-", "–", "—", "nihil"})
_MONEY_TAIL = re.compile(r"[.,]-+$|-+$")


def money(value: Any) -> Decimal | None:
    """An amount in rupiah: a number cell, or text as people type it — "Rp 23.800.000",
    "23.800.000,00", "23800000", "Rp23.800.000,-", "23,800,000.00". "-" and "nihil" (none)
    → ``None``. Never negative, at most two decimals."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue(_("Enter an amount in rupiah, e.g. 12.500.000."))
    if isinstance(value, float):
        # a value Excel computed carries float noise (0.1 + 0.2 = 0.30000000000000004)
        exact = Decimal(repr(value))
        cents = exact.quantize(CENT)
        value = cents if abs(exact - cents) < FLOAT_NOISE else exact
    elif isinstance(value, str):
        raw = value.strip()
        if _squash(raw) in _NONE_MARKS:
            return None
        raw = _MONEY_TAIL.sub("", raw)  # "Rp23.800.000,-"
        if raw.startswith("-") or re.match(r"(?i)^rp\.?\s*-", raw):
            raise BadValue(_("The amount cannot be negative."))
        value = raw
    try:
        amount = parse_rupiah(value)
    except DomainError as error:
        raise BadValue(str(error.message)) from None
    if amount is not None and amount < 0:
        raise BadValue(_("The amount cannot be negative."))
    return amount


# --- dates -----------------------------------------------------------------------------

MONTHS = {
    # Indonesian
    "januari": 1,
    "februari": 2,
    "pebruari": 2,
    "maret": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "agustus": 8,
    "september": 9,
    "oktober": 10,
    "nopember": 11,
    "november": 11,
    "desember": 12,
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agust": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
    # English
    "january": 1,
    "february": 2,
    "march": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "october": 10,
    "december": 12,
    "aug": 8,
    "oct": 10,
    "dec": 12,
}
WEEKDAYS = frozenset(
    [
        "senin",
        "selasa",
        "rabu",
        "kamis",
        "jumat",
        "jum'at",
        "sabtu",
        "minggu",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
_NUMERIC_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NAMED = re.compile(r"^(\d{1,2})[\s\-.]*([a-z]+)\.?[\s\-.,]*(\d{4})$")
_NAMED_US = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")


def date(value: Any) -> dt.date | None:
    """A date: an Excel date cell, or text — "26/07/2023", "26-07-2023", "26.07.2023",
    "2023-07-26", "26 Juli 2023", "26 Jul 2023", "26 July 2023", "July 26, 2023", with or
    without a weekday in front ("Rabu, 26 Juli 2023"). Day first, always (as Indonesia
    writes it); years in four digits."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _bad_date(value)
    if isinstance(value, int | float | Decimal):
        return _excel_serial(value)
    raw = _squash(str(value))
    head, comma, rest = raw.partition(",")
    if comma and head.strip() in WEEKDAYS:
        raw = rest.strip()
    parts: tuple[int, int, int] | None = None
    if match := _NUMERIC_DMY.match(raw):
        parts = (int(match[3]), int(match[2]), int(match[1]))
    elif match := _ISO.match(raw):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif (match := _NAMED.match(raw)) and match[2] in MONTHS:
        parts = (int(match[3]), MONTHS[match[2]], int(match[1]))
    elif (match := _NAMED_US.match(raw)) and match[1] in MONTHS:
        parts = (int(match[3]), MONTHS[match[1]], int(match[2]))
    elif re.fullmatch(r"\d+(\.\d+)?", raw):
        return _excel_serial(Decimal(raw))
    if parts is None:
        raise _bad_date(value)
    try:
        return dt.date(*parts)
    except ValueError:
        raise BadValue(
            _("'%(value)s' is not a date that exists.", value=str(value).strip())
        ) from None


def _bad_date(value: Any) -> BadValue:
    return BadValue(
        _(
            "'%(value)s' is not a date; write it as 26/07/2023 or 26 Juli 2023.",
            value=str(value).strip(),
        )
    )


def _excel_serial(value: int | float | Decimal) -> dt.date:
    low, high = EXCEL_SERIAL_RANGE
    if not low <= value <= high:
        raise _bad_date(value)
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))


# --- officials -------------------------------------------------------------------------


def nip(value: Any) -> str | None:
    """An NIP of 18 digits; spaces, dots and dashes between its parts are allowed
    ("19750312 200003 2 004"), and the apostrophe Excel users type to keep it text."""
    if _blank(value):
        return None
    if isinstance(value, float) or (isinstance(value, str) and re.search(r"\de\+?\d", value, re.I)):
        # Excel keeps 15 significant digits: an NIP typed into a number cell lost its last
        raise BadValue(
            _(
                "The NIP was stored as a number and lost its last digits; format the column "
                "as text and type it again."
            )
        )
    raw = normalise_nip(str(value).strip().lstrip("'")) or ""
    if not raw.isdigit() or len(raw) != NIP_LENGTH:
        raise BadValue(_("The NIP must be exactly %(n)d digits.", n=NIP_LENGTH))
    return raw


def email(value: Any) -> str | None:
    """An e-mail address, lowercased (as the tracker keeps them)."""
    if _blank(value):
        return None
    raw = str(value).strip().lower()
    if raw.startswith("mailto:"):
        raw = raw[len("mailto:") :]
    if len(raw) > EMAIL_MAX or not EMAIL_RE.match(raw):
        raise BadValue(_("Enter a valid e-mail address."))
    return raw


# --- progress and outcomes -------------------------------------------------------------


def percent(value: Any) -> int | None:
    """A percentage 0-100, whole: 80, "80", "80%", "80 %", or 0.8 from an Excel cell
    formatted as percent (a fraction below 1 is read as such: 0.8 → 80, but 1 is 1%)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _bad_percent()
    if isinstance(value, float) and 0 < value < 1:
        result = Decimal(repr(value)) * 100
    elif isinstance(value, int | float | Decimal):
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        raw = str(value).strip().rstrip("%").strip().replace(",", ".")
        try:
            result = Decimal(raw)
        except InvalidOperation:
            raise _bad_percent() from None
    rounded = result.quantize(Decimal(1))
    if not result.is_finite() or abs(result - rounded) > Decimal("0.0001"):
        raise _bad_percent()
    if not 0 <= rounded <= 100:
        raise _bad_percent()
    return int(rounded)


def _bad_percent() -> BadValue:
    return BadValue(_("Enter a whole percentage from 0 to 100."))


def _outcome_words() -> dict[str, Outcome]:
    """BPK's names of the four outcomes (Peraturan BPK 2/2017 art. 3 and the standard
    matrix: "Sesuai", "Belum sesuai", "Belum ditindaklanjuti", "Tidak dapat
    ditindaklanjuti", in full "Tindak lanjut telah sesuai dengan rekomendasi" …), the
    tracker's own English labels, and the enum's values."""
    words: dict[str, Outcome] = {}
    table = {
        Outcome.SESUAI: (
            "sesuai",
            "sesuai dengan rekomendasi",
            "tindak lanjut sesuai dengan rekomendasi",
            "tindak lanjut telah sesuai dengan rekomendasi",
            "matches",
            "follow-up matches the recommendation",
        ),
        Outcome.BELUM_SESUAI: (
            "belum sesuai",
            "belum sesuai dengan rekomendasi",
            "tindak lanjut belum sesuai dengan rekomendasi",
            "not yet matching",
            "follow-up does not yet match the recommendation",
        ),
        Outcome.BELUM_DITINDAKLANJUTI: (
            "belum ditindaklanjuti",
            "rekomendasi belum ditindaklanjuti",
            "not followed up",
            "not yet followed up",
        ),
        Outcome.TIDAK_DAPAT_DITINDAKLANJUTI: (
            "tidak dapat ditindaklanjuti",
            "rekomendasi tidak dapat ditindaklanjuti",
            "cannot be followed up",
        ),
    }
    for item, names in table.items():
        words[item.value.replace("_", " ")] = item
        for name in names:
            words[name] = item
    return words


OUTCOME_WORDS = _outcome_words()
_OUTCOME_NUMBER = re.compile(r"^([1-4])(?:[.)]|\s|$)\s*(.*)$")


def outcome(value: Any) -> Outcome | None:
    """One of BPK's four outcomes: its number 1-4, its name ("Belum sesuai", "Tidak dapat
    ditindaklanjuti", also written "ditindak lanjuti"), or both ("2. Belum sesuai")."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _bad_outcome(value)
    if isinstance(value, int | float | Decimal):
        if value in (1, 2, 3, 4):
            return list(Outcome)[int(value) - 1]
        raise _bad_outcome(value)
    raw = _squash(str(value)).replace("ditindak lanjuti", "ditindaklanjuti")
    raw = raw.replace("_", " ").rstrip(".").strip()
    if match := _OUTCOME_NUMBER.match(raw):
        numbered = list(Outcome)[int(match[1]) - 1]
        rest = match[2].strip(" -–:")
        if not rest or OUTCOME_WORDS.get(rest) is numbered:
            return numbered
        raise _bad_outcome(value)
    if raw in OUTCOME_WORDS:
        return OUTCOME_WORDS[raw]
    raise _bad_outcome(value)


def _bad_outcome(value: Any) -> BadValue:
    return BadValue(
        _(
            "'%(value)s' is not an outcome: write a number from 1 to 4 or the outcome's name.",
            value=str(value).strip(),
        )
    )


# --- lookups ---------------------------------------------------------------------------


class OpdLookup:
    """Every OPD (inactive ones too), loaded in one query, found by code or by name,
    case- and spacing-insensitively."""

    def __init__(self, opds: Iterable[Opd] | None = None) -> None:
        if opds is None:
            opds = db.session.scalars(select(Opd).order_by(Opd.sort_order, Opd.code))
        self.opds = list(opds)
        self._by_code = {_squash(o.code): o for o in self.opds}
        self._by_name = {_squash(o.name): o for o in self.opds}

    def get(self, value: Any) -> Opd | None:
        """The OPD ``value`` names, or ``None`` (also for a blank cell)."""
        if _blank(value):
            return None
        key = _squash(str(value))
        return self._by_code.get(key) or self._by_name.get(key)

    def find(self, value: Any) -> Opd | None:
        """The OPD ``value`` names (``None`` for a blank cell); raises :class:`BadValue`
        with the closest code as a suggestion when none matches."""
        if _blank(value):
            return None
        found = self.get(value)
        if found is not None:
            return found
        shown = str(value).strip()
        suggestion = self.closest(shown)
        if suggestion is None:
            raise BadValue(_("'%(value)s' is not known.", value=shown))
        raise BadValue(
            _("'%(value)s' is not known; did you mean %(code)s?", value=shown, code=suggestion.code)
        )

    def closest(self, value: str) -> Opd | None:
        """The OPD whose code or name is most like ``value`` (difflib), if any is close."""
        key = _squash(value)
        candidates: dict[str, Opd] = {}
        for opd in self.opds:
            candidates.setdefault(_squash(opd.code), opd)
            candidates.setdefault(_squash(opd.name), opd)
        # a short code often starts a longer name ("Dinkes Kota" for DINKES)
        for text_key, opd in candidates.items():
            if len(text_key) >= 3 and key.startswith(text_key + " "):
                return opd
        match = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
        return candidates[match[0]] if match else None


class PersonLookup:
    """Every official, loaded in one query, found by NIP (spaces allowed) or e-mail."""

    def __init__(self, people: Iterable[Person] | None = None) -> None:
        if people is None:
            people = db.session.scalars(select(Person).order_by(Person.id))
        self.people = list(people)
        self._by_nip = {p.nip: p for p in self.people if p.nip}
        self._by_email: dict[str, list[Person]] = {}
        for person in self.people:
            if person.email:
                self._by_email.setdefault(person.email.strip().lower(), []).append(person)

    def by_nip(self, value: Any) -> Person | None:
        """The official with the NIP ``value`` (raises :class:`BadValue` for a malformed
        NIP), or ``None``."""
        key = nip(value)
        return self._by_nip.get(key) if key else None

    def by_email(self, value: Any) -> Person | None:
        """The official with the e-mail ``value``, or ``None``; raises :class:`BadValue`
        when several officials share it."""
        key = email(value)
        if not key:
            return None
        found = self._by_email.get(key, [])
        if len(found) > 1:
            raise BadValue(
                _("Several officials have the e-mail %(email)s; use the NIP.", email=key)
            )
        return found[0] if found else None

    def find(self, value: Any) -> Person | None:
        """The official a cell names by NIP or e-mail (``None`` for a blank cell); raises
        :class:`BadValue` when it is neither or nobody has it."""
        if _blank(value):
            return None
        shown = str(value).strip()
        found = self.by_email(shown) if "@" in shown else self.by_nip(value)
        if found is None:
            raise BadValue(_("No official has the NIP or e-mail %(value)s.", value=shown))
        return found


__all__ = [
    "BadValue",
    "OpdLookup",
    "PersonLookup",
    "date",
    "email",
    "money",
    "nip",
    "outcome",
    "percent",
    "text",
]
