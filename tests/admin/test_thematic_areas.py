"""Thematic areas: a reference list per year."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.admin.factories_admin import form_data
from tests.factories import make_thematic_area
from tracker.extensions import db
from tracker.models import AuditLog, ThematicArea

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _valid(**overrides: str) -> dict[str, str]:
    data = {
        "year": "2024",
        "code": "stunting",
        "name": "Percepatan penurunan stunting",
        "description": "Prioritas RB tematik",
        "is_priority": "y",
        "sort_order": "2",
    }
    data.update(overrides)
    return data


def test_create_area(client, login_as):
    login_as("admin")
    assert client.get("/admin/thematic-areas/new").status_code == 200
    response = client.post("/admin/thematic-areas/new", data=_valid())
    assert response.status_code == 302
    db.session.expire_all()
    area = db.session.scalar(select(ThematicArea))
    assert (area.year, area.code, area.is_priority, area.sort_order) == (2024, "STUNTING", True, 2)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "ThematicArea"))
    assert entry.changes["code"] == [None, "STUNTING"]


def test_same_code_in_another_year_is_fine(client, login_as):
    make_thematic_area(year=2023, code="STUNTING")
    login_as("admin")
    assert client.post("/admin/thematic-areas/new", data=_valid()).status_code == 302


def test_area_validation(client, login_as):
    make_thematic_area(year=2024, code="STUNTING")
    login_as("admin")
    cases = [
        ({}, "A thematic area with the code STUNTING already exists for 2024."),
        ({"year": "1999"}, "2000"),
        ({"year": "tahun"}, "Not a valid integer"),
        ({"code": "STUN TING"}, "capital letters, digits and underscores"),
        ({"code": "X" * 31}, "30"),
        ({"code": "BARU", "name": ""}, "This field is required"),
        ({"code": "BARU", "description": "x" * 2001}, "2000"),
    ]
    for overrides, message in cases:
        response = client.post("/admin/thematic-areas/new", data=_valid(**overrides))
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), (overrides, message)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ThematicArea)) == 1


def test_edit_area_and_conflict(client, login_as):
    area = make_thematic_area(year=2024, code="INVESTASI", name="Investasi")
    make_thematic_area(year=2024, code="STUNTING")
    login_as("admin")
    data = form_data(client.get(f"/admin/thematic-areas/{area.id}/edit").get_data(as_text=True))
    assert (data["year"], data["code"]) == ("2024", "INVESTASI")
    assert "is_priority" not in data

    duplicate = client.post(
        f"/admin/thematic-areas/{area.id}/edit", data={**data, "code": "STUNTING"}
    )
    assert duplicate.status_code == 400

    response = client.post(
        f"/admin/thematic-areas/{area.id}/edit",
        data={**data, "is_priority": "y", "name": "Peningkatan investasi"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    area = db.session.get(ThematicArea, area.id)
    assert (area.name, area.is_priority) == ("Peningkatan investasi", True)
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "ThematicArea").order_by(AuditLog.id.desc())
    ).first()
    assert entry.changes == {
        "name": ["Investasi", "Peningkatan investasi"],
        "is_priority": [False, True],
    }

    # data still carries version 1: a stale form.
    response = client.post(
        f"/admin/thematic-areas/{area.id}/edit", data={**data, "name": "Lama sekali"}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Peningkatan investasi" in html
    db.session.expire_all()
    assert db.session.get(ThematicArea, area.id).name == "Peningkatan investasi"


def test_toggle_and_year_filter(client, login_as):
    old = make_thematic_area(year=2023, code="KEMISKINAN")
    make_thematic_area(year=2024, code="DIGITAL")
    login_as("admin")

    def codes(query: str) -> list[str]:
        html = client.get(f"/admin/thematic-areas{query}").get_data(as_text=True)
        return re.findall(r"<td><code>([A-Z0-9_]+)</code></td>", html)

    assert codes("") == ["DIGITAL", "KEMISKINAN"]  # newest year first
    assert codes("?year=2023") == ["KEMISKINAN"]
    assert codes("?year=abc") == ["DIGITAL", "KEMISKINAN"]
    assert client.post(f"/admin/thematic-areas/{old.id}/toggle").status_code == 302
    assert codes("?status=active") == ["DIGITAL"]
    assert codes("?status=inactive&q=miskin") == ["KEMISKINAN"]
