"""Every validation message in the user's language, WTForms' own included.

WTForms ships no Indonesian catalog: ``TrackerForm`` hands it the application's catalog,
which translates WTForms' and Flask-WTF's messages (listed in ``tracker.form_messages``).
The page test is table-driven over ``app.url_map`` through the route permission table:
every page with a form that POSTs is opened as a role that may use it, each such form is
sent empty in Indonesian, and the answer must hold none of WTForms' or Flask-WTF's English
messages and none of the application's own English messages.
"""

from __future__ import annotations

import html
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import flask_wtf
import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.form import BaseForm
from wtforms.i18n import messages_path
from wtforms.validators import Email, InputRequired, Length, NumberRange

from tests.route_table import World, first_role
from tests.test_route_permissions import ROUTES, build_world
from tracker.form_messages import FLASK_WTF_MESSAGES, WTFORMS_MESSAGES, WTFORMS_PLURAL_MESSAGES
from tracker.forms import SubForm, TrackerForm

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tracker" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
# Forms on every page that are not the page's own: leaving, and the language switch.
NOT_PAGE_FORMS = ("/logout", "/language")


def _library_messages() -> list[str]:
    singular = [*WTFORMS_MESSAGES, *FLASK_WTF_MESSAGES]
    plural = [text for pair in WTFORMS_PLURAL_MESSAGES for text in pair]
    return singular + plural


def _pattern(message: str) -> re.Pattern[str]:
    """A message with its placeholders filled by anything."""
    parts = [re.escape(part) for part in PLACEHOLDER.split(message)]
    return re.compile(".+?".join(parts))


@cache
def _catalog() -> Any:
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="id")


@cache
def _english_ui_phrases() -> tuple[str, ...]:
    """The application's own English messages that have an Indonesian translation: the
    literal parts of at least three words (so a word both languages share is no match)."""
    phrases = set()
    indonesian = []
    for message in _catalog():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        indonesian.extend(strings)
        for msgid in ids:
            if msgid in strings:
                continue
            for part in PLACEHOLDER.split(msgid):
                part = part.strip(" .,:;()")
                if len(part.split()) >= 3:
                    phrases.add(part)
    # A phrase that the Indonesian text itself uses (names, titles) proves nothing.
    return tuple(sorted(p for p in phrases if not any(p in text for text in indonesian)))


def english_in(page: str) -> list[str]:
    """English messages found in a page (its text and attributes, unescaped)."""
    text = html.unescape(page)
    found = [m for m in _library_messages() if _pattern(m).search(text)]
    found += [phrase for phrase in _english_ui_phrases() if phrase in text]
    return found


# --- the catalog covers the libraries' messages ------------------------------------------


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The language of a message does not depend on the database: one backend."""
    return str(request.param)


def test_every_wtforms_message_is_listed_and_translated():
    with (Path(messages_path()) / "wtforms.pot").open("rb") as handle:
        pot = read_po(handle)
    listed = set(WTFORMS_MESSAGES) | set(WTFORMS_PLURAL_MESSAGES)
    shipped = {m.id for m in pot if m.id}
    assert shipped - listed == set(), "a WTForms message is missing from tracker.form_messages"
    catalog = _catalog()
    for message in [*WTFORMS_MESSAGES, *FLASK_WTF_MESSAGES]:
        entry = catalog.get(message)
        assert entry is not None and entry.string and entry.string != message, message
    for singular, plural in WTFORMS_PLURAL_MESSAGES:
        entry = catalog.get(singular)
        assert entry is not None and isinstance(entry.string, tuple), singular
        assert entry.id == (singular, plural)
        assert all(text and text not in (singular, plural) for text in entry.string), singular


def test_every_flask_wtf_message_is_listed():
    folder = Path(flask_wtf.__file__).parent
    csrf = (folder / "csrf.py").read_text()
    raised = set(re.findall(r'(?:ValidationError|_error_response)\("([^"]+)"\)', csrf))
    files = (folder / "file.py").read_text()
    raised |= set(re.findall(r'gettext\(\s*"([^"]+)"\s*\)', files))
    assert len(raised) >= 8, "Flask-WTF's messages were not found"
    assert raised <= set(FLASK_WTF_MESSAGES) | set(WTFORMS_MESSAGES)


# --- the messages follow the language ---------------------------------------------------


class _Sample(TrackerForm):
    class Meta:
        csrf = False

    name = StringField(validators=[InputRequired()])
    code = StringField(validators=[Length(min=3, max=5)])
    count = IntegerField(validators=[NumberRange(min=1, max=9)])
    day = DateField()
    email = EmailField(validators=[Email()])
    kind = SelectField(choices=[SelectChoice("a", "A")])


def _errors(language: str, data: dict[str, str]) -> list[str]:
    with force_locale(language):
        form = _Sample(formdata=MultiDict(data))
        assert not form.validate()
        return [str(e) for errors in form.errors.values() for e in errors]


def test_wtforms_messages_in_indonesian_and_in_english(app):
    bad = {"code": "ab", "count": "x", "day": "2023-02-30", "email": "nope", "kind": "z"}
    with app.test_request_context():
        indonesian = _errors("id", bad)
        english = _errors("en", bad)
        out_of_range = _errors("id", {"count": "12"})
    assert "Isian ini wajib diisi." in indonesian
    assert "Isian harus terdiri atas 3 sampai 5 karakter." in indonesian
    assert "Bukan bilangan bulat yang valid." in indonesian
    assert "Tanggal tidak valid." in indonesian
    assert "Alamat email tidak valid." in indonesian
    assert "Pilihan tidak valid." in indonesian
    assert "Angka harus antara 1 dan 9." in out_of_range
    assert not [e for e in indonesian if english_in(e)]
    assert "This field is required." in english
    assert "Field must be between 3 and 5 characters long." in english
    assert "Not a valid integer value." in english
    assert "Not a valid date value." in english
    assert "Invalid email address." in english
    assert "Not a valid choice." in english


class _Row(SubForm):
    day = DateField(validators=[InputRequired()])


class _WithRows(TrackerForm):
    class Meta:
        csrf = False

    rows = FieldList(FormField(_Row), min_entries=1)


def test_rows_of_a_form_speak_indonesian_too(app):
    with app.test_request_context():
        form = _WithRows(formdata=MultiDict({"rows-0-day": "2023-02-30", "rows-1-day": ""}))
        assert not form.validate()
    assert form.rows.errors == [
        {"day": ["Tanggal tidak valid."]},
        {"day": ["Isian ini wajib diisi."]},
    ]


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_form_of_the_application_gets_the_catalog(app):
    """Each form class of the application derives from TrackerForm or, nested in another,
    from SubForm (``app`` has imported every blueprint's forms)."""
    forms = [c for c in _subclasses(BaseForm) if c.__module__.startswith("tracker.")]
    assert len(forms) > 20
    stray = [
        f"{c.__module__}.{c.__qualname__}"
        for c in forms
        if not issubclass(c, TrackerForm | SubForm)
    ]
    assert stray == []


def test_the_login_form_speaks_the_chosen_language(client):
    page = client.post("/login", data={}).get_data(as_text=True)
    assert "Isian ini wajib diisi." in page
    assert english_in(page) == []
    client.post("/language", data={"lang": "en"})
    page = client.post("/login", data={}).get_data(as_text=True)
    assert "This field is required." in page


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_form_csrf_check_speaks_indonesian(app):
    class WithCsrf(TrackerForm):
        name = StringField()

    with app.test_request_context(method="POST", data={"name": "x", "csrf_token": "forged"}):
        form = WithCsrf()
        assert not form.validate()
    assert form.csrf_token.errors == ["Token keamanan formulir tidak valid."]


# --- every form page, sent empty -----------------------------------------------------------


class _PostForms(HTMLParser):
    """The POST forms of a page that have a field to fill: their actions."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []
        self._action: str | None = None
        self._fillable = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form" and (attr.get("method") or "get").lower() == "post":
            self._action = attr.get("action") or ""
            self._fillable = False
        elif self._action is not None and tag in ("input", "select", "textarea"):
            kind = (attr.get("type") or "text").lower()
            if attr.get("name") and kind not in ("hidden", "submit", "button", "reset"):
                self._fillable = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._action is not None:
            if self._fillable and self._action not in self.actions:
                self.actions.append(self._action)
            self._action = None


@pytest.mark.database(snapshot=build_world)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_every_form_sent_empty_answers_in_indonesian(app, client, snapshot: World, login, endpoint):
    methods = set().union(*(r.methods or () for r in app.url_map.iter_rules(endpoint)))
    if "GET" not in methods:
        pytest.skip("not a page")
    rule = ROUTES[endpoint]
    role = first_role(rule)
    kwargs = (
        rule.role_kwargs(snapshot, role or "anonymous")
        if rule.role_kwargs
        else rule.kwargs(snapshot)
    )
    with app.test_request_context():
        url = app.url_for(endpoint, **kwargs)
    if role is not None:
        login(snapshot.users[role])
    page = client.get(url)
    assert page.status_code < 500, url
    if page.mimetype != "text/html":
        pytest.skip("not a page")
    forms = _PostForms()
    forms.feed(page.get_data(as_text=True))
    actions = [
        urlsplit(urljoin(url, action)).path
        for action in forms.actions
        if not urlsplit(urljoin(url, action)).path.endswith(NOT_PAGE_FORMS)
    ]
    if not actions:
        pytest.skip("no form to fill on this page")
    failures = []
    for action in actions:
        response = client.post(action, data={}, follow_redirects=True)
        where = f"POST {action} (form of {url})"
        assert response.status_code < 500, where
        if response.mimetype == "text/html":
            english = english_in(response.get_data(as_text=True))
            if english:
                failures.append(f"{where}: {english}")
    assert not failures, "\n".join(failures)


def test_english_is_found_when_it_is_there():
    """The detector itself: a WTForms message, a filled-in one, and an application one."""
    assert english_in("<div>This field is required.</div>")
    assert english_in("<div>Field must be between 3 and 5 characters long.</div>")
    assert english_in("<p>Please correct the marked fields.</p>")
    assert english_in("<p>Isian ini wajib diisi. Mohon perbaiki isian yang ditandai.</p>") == []
