"""The messages WTForms and Flask-WTF write themselves ("This field is required.", "Not a
valid integer value.", the CSRF errors, ...), in English as the libraries write them.

WTForms ships no Indonesian catalog, so these are translated in the application's own
(``tracker/translations``), and :class:`tracker.forms.TrackerForm` hands WTForms that
catalog. They are listed here so that extracting the catalog again keeps them:
``N_`` and ``ngettext`` below only mark a message for extraction and return it as is.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the usual name of the no-op gettext marker)
    return message


def ngettext(singular: str, plural: str, _n: int = 2) -> tuple[str, str]:
    return singular, plural


#: Messages WTForms passes through ``gettext`` (wtforms/locale/wtforms.pot, WTForms 3.x).
WTFORMS_MESSAGES: tuple[str, ...] = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
)

#: Messages WTForms passes through ``ngettext``: (singular, plural).
WTFORMS_PLURAL_MESSAGES: tuple[tuple[str, str], ...] = (
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ),
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ),
)

#: Flask-WTF's own messages: its file validators' (translated like WTForms'), and its
#: CSRF messages (raised untranslated; TrackerForm translates them).
FLASK_WTF_MESSAGES: tuple[str, ...] = (
    N_("File does not have an approved extension: {extensions}"),
    N_("File does not have an approved extension."),
    N_("The CSRF token is missing."),
    N_("The CSRF session token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF tokens do not match."),
    N_("The referrer header is missing."),
    N_("The referrer does not match the host."),
)
