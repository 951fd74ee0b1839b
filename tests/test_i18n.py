"""Indonesian by default, English on request; dates in Indonesian, times in WIB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from tests import factories
from tracker.i18n import date_long, datetime_wib, time_wib
from tracker.models import Role

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tracker" / "translations" / "id" / "LC_MESSAGES"
METHODS = [
    ("tracker/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_an_indonesian_translation():
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="id")
    missing = []
    for msgid in sorted(_source_messages()):
        entry = catalog.get(msgid)
        text = entry.string if entry else None
        if isinstance(text, tuple):
            text = text[0]
        if not entry or not text or entry.fuzzy:
            missing.append(msgid)
    assert not missing, f"untranslated (run `make translations` and translate): {missing}"


def test_compiled_catalog_is_up_to_date():
    with (CATALOG / "messages.po").open("rb") as handle:
        po = read_po(handle, locale="id")
    with (CATALOG / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)

    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    po_map = {key(m.id): key(m.string) for m in po if m.id and m.string and not m.fuzzy}
    mo_map = {key(m.id): key(m.string) for m in mo if m.id}
    assert po_map == mo_map, "run `make translations-compile`"


def test_dates_in_indonesian_and_english(app):
    moment = dt.datetime(2023, 7, 26, 1, 30, tzinfo=dt.UTC)  # 08.30 WIB
    with app.test_request_context():
        assert date_long(dt.date(2023, 7, 26)) == "Rabu, 26 Juli 2023"
        assert time_wib(moment) == "08.30 WIB"
        assert datetime_wib(moment) == "Rabu, 26 Juli 2023, 08.30 WIB"
        # late evening UTC is already the next day in WIB
        assert date_long(dt.datetime(2023, 7, 25, 20, 0, tzinfo=dt.UTC)) == "Rabu, 26 Juli 2023"
        with force_locale("en"):
            assert date_long(dt.date(2023, 7, 26)) == "Wednesday, 26 July 2023"
            assert time_wib(moment) == "08:30 WIB"


def test_pages_are_indonesian_by_default_and_english_on_request(app, client, login):
    login(factories.make_user(Role.ADMIN))
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Keluar" in page  # "Log out"
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log out" in page


def test_language_choice_is_remembered_for_the_user(app, client, login):
    user = login(factories.make_user(Role.PIMPINAN))
    client.post("/language", data={"lang": "en"})
    client.post("/logout")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert '<html lang="id">' in client.get("/login").get_data(as_text=True)


def test_language_redirect_stays_on_site(client):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
