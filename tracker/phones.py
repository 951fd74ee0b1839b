"""Phone numbers of officials: parsed the way Indonesians write them, stored in E.164
without the "+" (``6281234567890``, what the WhatsApp Cloud API and wa.me links take),
shown the way Indonesians read them (``+62 812-3456-7890``).

Every spelling people type is accepted (``0812-3456-7890``, ``+62 812 3456 7890``,
``62812…``, ``0062 812…``, ``+62 (0)812…``, ``(0341) 551234`` for an office line); a
number in another country needs its ``+`` and country code.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers
from flask_babel import gettext as _
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "ID"
#: What may appear in a typed number besides its digits (letters are not vanity digits here).
ALLOWED = re.compile(r"^[0-9+ ().\-/]+$")
SPACES = re.compile(r"\s+")
MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
WA_ME = "https://wa.me/"


class InvalidPhone(ValueError):
    """Not a phone number; ``str(exc)`` says, in the user's language, how to write one."""


def _parse(raw: str) -> phonenumbers.PhoneNumber:
    text = SPACES.sub(" ", raw).strip()
    if not ALLOWED.match(text):
        raise InvalidPhone(_("Use only digits, +, spaces and dashes."))
    if text.startswith("00"):  # the international call prefix, as in 0062 812…
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            _("Not a valid phone number. Write it as 0812-3456-7890 or +62 812-3456-7890.")
        )
    return number


def _known(phone: str) -> phonenumbers.PhoneNumber | None:
    """A number as saved: E.164 digits (``6281234567890``), or, saved before numbers were
    checked, whatever was typed; None when it is not a valid number."""
    if phone.isdigit():
        try:
            number = phonenumbers.parse("+" + phone, None)
        except NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            return number
    try:
        return _parse(phone)
    except InvalidPhone:
        return None


def normalise(raw: str | None) -> str | None:
    """E.164 without the "+" (``6281234567890``); None when blank; :class:`InvalidPhone`
    when it is not a valid number."""
    if raw is None or not raw.strip():
        return None
    number = _parse(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")


def safe_normalise(raw: str | None) -> str | None:
    """:func:`normalise`, or None for a value that is not a valid number (data saved
    before numbers were checked)."""
    try:
        return normalise(raw)
    except InvalidPhone:
        return None


def is_mobile(phone: str | None) -> bool:
    """Whether a (normalised) number can be a mobile one, which WhatsApp needs."""
    number = _known(phone) if phone else None
    return number is not None and phonenumbers.number_type(number) in MOBILE_TYPES


def display(phone: str | None) -> str:
    """A stored number as Indonesians write it: ``+62 812-3456-7890``, ``+62 341 551234``;
    a value that is not a valid number is shown as it was saved."""
    if not phone:
        return ""
    number = _known(phone)
    if number is None:
        return phone
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def wa_me_url(phone: str | None, text: str) -> str:
    """A click-to-chat link: WhatsApp opens a chat with ``phone`` (E.164 without "+"),
    the message ``text`` typed in; without a number the sender picks the contact."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"{WA_ME}{digits}?text={quote(text, safe='')}"
