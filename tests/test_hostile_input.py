"""Hostile input on every route: nothing a user can send answers a 5xx.

Table-driven over ``app.url_map`` through the route permission table, so a new route is
covered automatically. For each route, as a role allowed to use it, on every backend:
the query string, every field of the route's forms (read from the page itself) and the
path's own arguments are filled with a NUL byte, out-of-range whole numbers, a
100,000-character string and impossible dates.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.routing import Rule

from tests.route_table import World, first_role
from tests.test_route_permissions import ROUTES, build_world

HOSTILE = {
    "nul": "ab\x00cd",
    "huge": "99999999999999999999",
    "negative": "-99999999999999999999",
    "long": "x" * 100_000,
    "date": "2023-02-30",
}
# Names lists and filters read from the query string, whatever the page.
QUERY_NAMES = ["q", "page", "per_page", "sort", "dir", "year", "period", "status", "opd", "date"]


class _FormFields(HTMLParser):
    """The names of the fields of a page's forms that are sent with POST (and GET)."""

    def __init__(self) -> None:
        super().__init__()
        self.post: set[str] = set()
        self.get: set[str] = set()
        self._method: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form":
            self._method = (attr.get("method") or "get").lower()
        elif tag in ("input", "select", "textarea", "button") and attr.get("name"):
            if attr.get("type") == "file":
                return
            (self.post if self._method == "post" else self.get).add(str(attr["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._method = None


def _url_rule(app: Any, endpoint: str) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def _hostile_paths(app: Any, endpoint: str, kwargs: dict[str, Any]) -> list[str]:
    """The route's URL with each of its arguments replaced by a hostile value."""
    rule = _url_rule(app, endpoint)
    paths = []
    for name in sorted(rule.arguments):
        for value in (HOSTILE["huge"], "%00", HOSTILE["long"][:2000]):
            text = rule.rule
            for arg, arg_value in kwargs.items():
                replacement = value if arg == name else str(arg_value)
                for converter in ("int:", "string:", "path:", ""):
                    text = text.replace(f"<{converter}{arg}>", replacement)
            paths.append(text)
    return paths


@pytest.mark.database(snapshot=build_world)
@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_no_5xx_for_hostile_input(app, client, snapshot: World, login, endpoint):
    rule = ROUTES[endpoint]
    if endpoint == "auth.logout":
        pytest.skip("logging out takes no input")  # and would end the session under test
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
    methods = _url_rule(app, endpoint).methods - {"HEAD", "OPTIONS"}
    fields = _FormFields()
    if "GET" in methods:
        page = client.get(url)
        assert page.status_code < 500, f"GET {url}"
        if page.mimetype == "text/html":
            fields.feed(page.get_data(as_text=True))
    failures = []
    for kind, value in HOSTILE.items():
        if "GET" in methods:
            names = sorted(set(QUERY_NAMES) | fields.get)
            response = client.get(url, query_string=dict.fromkeys(names, value))
            if response.status_code >= 500:
                failures.append(f"GET {url}?…={kind}: {response.status_code}")
        if "POST" in methods:
            names = sorted(fields.post - {"csrf_token"}) or ["name", "note", "version"]
            data = dict.fromkeys(names, value)
            if rule.data:
                data = {**rule.data(snapshot), **data}
            response = client.post(url, data=data)
            if response.status_code >= 500:
                failures.append(f"POST {url} {kind} in {names}: {response.status_code}")
    for path in _hostile_paths(app, endpoint, kwargs):
        for method in sorted(methods):
            response = client.open(path, method=method)
            if response.status_code >= 500:
                failures.append(f"{method} {path[:120]}: {response.status_code}")
    assert not failures, "\n".join(failures)
