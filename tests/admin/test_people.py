"""Officials: list (read by leadership too), create, edit, deactivate."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.admin.factories_admin import form_data
from tests.factories import make_opd, make_person, make_user
from tracker.extensions import db
from tracker.models import AuditAction, AuditLog, HierarchyRole, Person

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NIP = "197501012000031001"


def _valid(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Dr. Husnul Muarif",
        "nip": NIP,
        "position": "Kepala Dinas Kesehatan",
        "hierarchy_role": "kepala_opd",
        "opd_id": "",
        "email": "kadinkes@malangkota.go.id",
        "phone": "+62 341-406878",
        "notify_by": "email",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_create_person(client, login_as):
    opd = make_opd(code="DINKES")
    user = login_as("inspektorat")
    response = client.post("/admin/people/new", data=_valid(opd_id=str(opd.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    person = db.session.scalar(select(Person).where(Person.nip == NIP))
    assert person is not None
    assert person.opd_id == opd.id
    assert person.hierarchy_role is HierarchyRole.KEPALA_OPD
    assert person.phone == "62341406878"
    assert person.notes is None
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity_type == "Person", AuditLog.entity_id == person.id)
    )
    assert entry.action is AuditAction.CREATE
    assert entry.actor_id == user.id
    assert entry.changes["nip"] == [None, NIP]


def test_person_without_nip_or_opd(client, login_as):
    login_as("admin")
    response = client.post("/admin/people/new", data=_valid(nip="", email=""))
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.scalar(select(Person))
    assert (person.nip, person.opd_id, person.email) == (None, None, None)


def test_person_validation(client, login_as):
    make_person(nip=NIP)
    inactive = make_opd(active=False)
    login_as("admin")
    cases = [
        ({"nip": "12345"}, "The NIP must be exactly 18 digits."),
        ({"nip": "19750101200003100A"}, "The NIP must be exactly 18 digits."),
        ({"nip": "1975010120000310011"}, "The NIP must be exactly 18 digits."),
        ({}, f"Another official already has the NIP {NIP}."),
        ({"nip": "", "email": "not-an-email"}, "Enter a valid e-mail address."),
        ({"nip": "", "phone": "0341 abc"}, "Use only digits, +, spaces and dashes."),
        ({"nip": "", "phone": "1" * 31}, "30"),
        ({"nip": "", "notes": "x" * 2001}, "2000"),
        ({"nip": "", "name": "x" * 201}, "200"),
        ({"nip": "", "position": ""}, "This field is required"),
        ({"nip": "", "hierarchy_role": "raja"}, "Not a valid choice"),
        ({"nip": "", "opd_id": str(inactive.id)}, "Not a valid choice"),
        ({"nip": "", "opd_id": "abc"}, "Invalid Choice"),
    ]
    for overrides, message in cases:
        response = client.post("/admin/people/new", data=_valid(**overrides))
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), (overrides, message)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1


def test_edit_person_and_conflict(client, login_as):
    opd = make_opd()
    person = make_person(opd, name="Budi", position="Sekretaris")
    login_as("inspektorat")
    data = form_data(client.get(f"/admin/people/{person.id}/edit").get_data(as_text=True))
    assert data["opd_id"] == str(opd.id)
    data.update(position="Sekretaris Dinas", nip=NIP)
    assert client.post(f"/admin/people/{person.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert (person.position, person.nip, person.version) == ("Sekretaris Dinas", NIP, 2)
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "Person").order_by(AuditLog.id.desc())
    ).first()
    assert entry.changes == {"position": ["Sekretaris", "Sekretaris Dinas"], "nip": [None, NIP]}

    # A stale form: someone moved the official to no OPD meanwhile.
    stale = form_data(client.get(f"/admin/people/{person.id}/edit").get_data(as_text=True))
    person.opd_id = None
    db.session.commit()
    stale["name"] = "Budi Santoso"
    response = client.post(f"/admin/people/{person.id}/edit", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    conflict = re.search(r'data-testid="conflict".*?</div>', html, re.S).group(0)
    assert "OPD" in conflict
    assert opd.name in conflict  # shown by name, not by id
    db.session.expire_all()
    assert db.session.get(Person, person.id).name == "Budi"


def test_keeps_an_inactive_opd_when_editing(client, login_as):
    opd = make_opd(active=False)
    person = make_person(opd)
    login_as("admin")
    data = form_data(client.get(f"/admin/people/{person.id}/edit").get_data(as_text=True))
    assert data["opd_id"] == str(opd.id)
    data["position"] = "Baru"
    assert client.post(f"/admin/people/{person.id}/edit", data=data).status_code == 302


def test_toggle_person(client, login_as):
    person = make_person(name="Siti")
    login_as("inspektorat")
    client.post(f"/admin/people/{person.id}/toggle")
    db.session.expire_all()
    assert db.session.get(Person, person.id).active is False
    html = client.get("/admin/people?status=inactive").get_data(as_text=True)
    assert "Siti" in html


def test_list_filters(client, login_as):
    dinkes = make_opd(code="DINKES")
    dispendik = make_opd(code="DISPENDIK")
    head = make_person(dinkes, name="Kepala Kes", hierarchy_role=HierarchyRole.KEPALA_OPD)
    make_person(dinkes, name="Sekretaris Kes", hierarchy_role=HierarchyRole.SEKRETARIS_OPD)
    make_person(
        dispendik, name="Kepala Pendidikan", hierarchy_role=HierarchyRole.KEPALA_OPD, nip=NIP
    )
    make_person(None, name="Wali Kota", hierarchy_role=HierarchyRole.WALI_KOTA)
    make_user("opd", opd=dinkes, person=head)
    login_as("pimpinan")

    def names(query: str) -> list[str]:
        html = client.get(f"/admin/people{query}").get_data(as_text=True)
        return re.findall(r'<div class="fw-semibold">([^<]+)</div>', html)

    assert names("") == ["Kepala Kes", "Kepala Pendidikan", "Sekretaris Kes", "Wali Kota"]
    assert names(f"?opd={dinkes.id}") == ["Kepala Kes", "Sekretaris Kes"]
    assert names("?opd=none") == ["Wali Kota"]
    assert names("?role=kepala_opd") == ["Kepala Kes", "Kepala Pendidikan"]
    assert names(f"?q={NIP[:10]}") == ["Kepala Pendidikan"]
    assert names("?q=sekretaris") == ["Sekretaris Kes"]
    assert names("?sort=role") == ["Wali Kota", "Kepala Kes", "Kepala Pendidikan", "Sekretaris Kes"]
    assert names("?opd=abc&role=raja") == names("")
    html = client.get("/admin/people").get_data(as_text=True)
    assert html.count('data-testid="has-login"') == 1


def test_search_by_nip_typed_with_spaces(client, login_as):
    make_person(name="Sri Wahyuni", nip=NIP)
    make_person(name="Budi Santoso", nip="198001012005011002")
    login_as("inspektorat")
    html = client.get("/admin/people?q=19750101+200003+1+001").get_data(as_text=True)
    assert "Sri Wahyuni" in html
    assert "Budi Santoso" not in html
