"""Every administration page runs the same number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tests.admin.factories_admin import make_audit_entry
from tests.factories import make_opd, make_person, make_thematic_area, make_user
from tracker.models import HierarchyRole, Opd

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _grow(n: int, opd: Opd) -> None:
    """Add ``n`` of every kind of record, linked the way the list pages show them."""
    for i in range(n):
        other = make_opd()
        person = make_person(other if i % 2 else opd, hierarchy_role=HierarchyRole.KEPALA_OPD)
        make_user("opd", opd=other, person=person)
        make_person(None)
        make_thematic_area(year=2020 + i % 5)
        make_audit_entry(
            at=dt.datetime(2024, 1, 1 + i % 28, tzinfo=dt.UTC),
            changes={"name": [f"a{i}", f"b{i}"], "code": [None, f"C{i}"]},
        )


PAGES: list[str | Callable[[dict[str, int]], str]] = [
    "/admin/",
    "/admin/opds",
    "/admin/opds?status=active&sort=kind",
    "/admin/people",
    "/admin/people?sort=opd",
    "/admin/people/new",
    "/admin/users",
    "/admin/users?sort=opd&role=opd",
    "/admin/users/new",
    "/admin/thematic-areas",
    "/admin/audit",
    "/admin/audit?action=update&date_from=2024-01-01",
]


@pytest.mark.parametrize("url", PAGES)
def test_query_count_is_constant(client, login_as, count_queries, url):
    opd = make_opd()
    login_as("admin")
    _grow(3, opd)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(27, opd)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_edit_pages_query_count_is_constant(client, login_as, count_queries):
    opd = make_opd()
    admin = login_as("admin")
    person = make_person(opd)
    user = make_user("opd", opd=opd, person=person)
    urls = [
        f"/admin/people/{person.id}/edit",
        f"/admin/users/{user.id}/edit",
        f"/admin/opds/{opd.id}/edit",
        f"/admin/users/{admin.id}/edit",
    ]
    _grow(3, opd)
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            client.get(url)
        small[url] = counter.count
    _grow(27, opd)
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == small[url], url
