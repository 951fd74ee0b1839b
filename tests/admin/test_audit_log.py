"""The audit log: read-only, filterable, times in WIB."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.admin.factories_admin import make_audit_entry
from tests.factories import make_opd, make_user
from tracker.models import AuditAction

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

UTC = dt.UTC


def _labels(client, query: str = "") -> list[str]:
    response = client.get(f"/admin/audit{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    return re.findall(r'<span class="text-muted small">[^<]*</span><br>([^<]+)</td>', html)


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="id")
def test_rows_show_when_who_what_and_before_after(client, login_as):
    login_as("admin")
    actor = make_user("inspektorat", email="auditor@example.org")
    make_audit_entry(
        at=dt.datetime(2024, 3, 10, 2, 0, tzinfo=UTC),
        actor=actor,
        entity_label="Dinas Kesehatan",
        changes={"name": ["Dinkes", "Dinas Kesehatan"]},
    )
    html = client.get("/admin/audit?q=Dinas+Kesehatan").get_data(as_text=True)
    row = re.search(r'<tr data-testid="audit-row">.*?</tr>', html, re.S).group(0)
    assert "09.00 WIB" in row  # 02:00 UTC
    assert "10 Maret 2024" in row  # Indonesian by default
    assert "auditor@example.org" in row
    assert "<del>Dinkes</del>" in row
    assert "<ins>Dinas Kesehatan</ins>" in row


def test_filters(client, login_as):
    admin = login_as("admin")
    actor = make_user("inspektorat")
    make_audit_entry(
        at=dt.datetime(2024, 3, 10, 16, 30, tzinfo=UTC), entity_label="Akhir hari", actor=actor
    )  # 23.30 WIB on 10 March
    make_audit_entry(
        at=dt.datetime(2024, 3, 10, 17, 30, tzinfo=UTC),
        entity_label="Awal hari",
        action=AuditAction.CREATE,
    )  # 00.30 WIB on 11 March
    make_audit_entry(
        at=dt.datetime(2024, 3, 12, 3, 0, tzinfo=UTC),
        entity_label="Pejabat X",
        entity_type="Person",
        actor=admin,
        action=AuditAction.DELETE,
    )

    assert _labels(client, "?date_from=2024-03-10&date_to=2024-03-12") == [
        "Pejabat X",
        "Awal hari",
        "Akhir hari",
    ]
    assert _labels(client, "?date_from=2024-03-11&date_to=2024-03-11") == ["Awal hari"]
    assert _labels(client, "?date_to=2024-03-10") == ["Akhir hari"]
    assert _labels(client, "?entity_type=Person") == ["Pejabat X"]
    assert _labels(client, "?action=delete") == ["Pejabat X"]
    assert _labels(client, f"?actor={actor.id}") == ["Akhir hari"]
    assert _labels(client, "?actor=system&date_to=2024-03-12") == ["Awal hari"]
    assert _labels(client, "?q=hari") == ["Awal hari", "Akhir hari"]
    assert _labels(client, "?q=hari&sort=at&dir=asc") == ["Akhir hari", "Awal hari"]
    # unknown values are ignored rather than failing
    assert len(_labels(client, "?entity_type=Planet&action=explode&actor=x")) >= 3


def test_bad_dates_give_the_filters_back_with_a_message(client, login_as):
    login_as("admin")
    response = client.get("/admin/audit?date_from=kemarin")
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.get_data(as_text=True)
    response = client.get("/admin/audit?date_from=2024-03-12&date_to=2024-03-10")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    for query in ("?date_to=9999-12-31", "?date_from=0001-01-01", "?date_from=2024-02-30"):
        assert client.get(f"/admin/audit{query}").status_code == 400, query


def test_entry_detail_shows_values_as_users_know_them(client, login_as):
    login_as("admin")
    opd = make_opd(name="Dinas Kesehatan")
    entry = make_audit_entry(
        at=dt.datetime(2024, 3, 10, 2, 0, tzinfo=UTC),
        entity_type="Person",
        changes={
            "name": ["A", "B"],
            "active": [True, False],
            "opd_id": [None, opd.id],
            "hierarchy_role": ["other", "kepala_opd"],
            "updated_at": [None, "2024-03-10T02:00:00+00:00"],
        },
    )
    response = client.get(f"/admin/audit/{entry.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<del>A</del>" in html
    assert "<ins>B</ins>" in html
    assert "<del>Yes</del>" in html
    assert "<ins>No</ins>" in html
    assert "<ins>Dinas Kesehatan</ins>" in html
    assert "<del>Other</del>" in html
    assert "<ins>Head of OPD</ins>" in html
    assert "09:00 WIB</ins>" in html
    assert f'href="/admin/audit/{entry.id}"' not in html  # the current entry is not a link


def test_the_audit_log_is_read_only(app, client, login_as):
    login_as("admin")
    entry = make_audit_entry(at=dt.datetime(2024, 3, 10, 2, 0, tzinfo=UTC))
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open(f"/admin/audit/{entry.id}", method=method).status_code == 405
        assert client.open(f"/admin/audit/{entry.id}/edit", method=method).status_code == 404
