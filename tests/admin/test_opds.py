"""OPDs: list, create, edit with optimistic locking, deactivate."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.admin.factories_admin import form_data
from tests.factories import make_opd
from tracker.extensions import db
from tracker.models import AuditAction, AuditLog, Opd, OpdKind

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _audit(entity: str, entity_id: int) -> list[AuditLog]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == entity, AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        )
    )


def test_create_opd(client, login_as):
    admin = login_as("admin")
    response = client.post(
        "/admin/opds/new",
        data={"code": " dinkes ", "name": "Dinas Kesehatan", "kind": "dinas", "sort_order": "10"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/opds")
    db.session.expire_all()
    opd = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
    assert opd is not None
    assert (opd.name, opd.kind, opd.sort_order, opd.active) == (
        "Dinas Kesehatan",
        OpdKind.DINAS,
        10,
        True,
    )
    (entry,) = _audit("Opd", opd.id)
    assert entry.action is AuditAction.CREATE
    assert entry.actor_id == admin.id
    assert entry.changes["code"] == [None, "DINKES"]
    page = client.get("/admin/opds").get_data(as_text=True)
    assert "DINKES" in page


def test_create_opd_validation(client, login_as):
    make_opd(code="DINKES", name="Dinas Kesehatan")
    login_as("admin")
    cases = [
        ({"code": "DINKES", "name": "Lain"}, "already exists"),
        ({"code": "dinkes", "name": "Lain"}, "already exists"),
        ({"code": "BARU", "name": "dinas kesehatan"}, "already exists"),
        ({"code": "DIN KES", "name": "Lain"}, "capital letters, digits and underscores"),
        ({"code": "A" * 21, "name": "Lain"}, "20"),
        ({"code": "BARU", "name": "x" * 201}, "200"),
        ({"code": "", "name": "Lain"}, "This field is required"),
        ({"code": "BARU", "name": "Lain", "kind": "planet"}, "Not a valid choice"),
        ({"code": "BARU", "name": "Lain", "sort_order": "abc"}, "Not a valid integer"),
    ]
    for data, message in cases:
        payload = {"kind": "dinas", "sort_order": "5", **data}
        response = client.post("/admin/opds/new", data=payload)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in html, (data, message)
        assert 'data-testid="form-errors"' in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Opd)) == 1


def test_edit_opd_writes_audit_before_after(client, login_as):
    opd = make_opd(code="DINKES", name="Dinas Kesehatan")
    login_as("admin")
    page = client.get(f"/admin/opds/{opd.id}/edit")
    assert page.status_code == 200
    data = form_data(page.get_data(as_text=True))
    assert data["version"] == "1"
    assert data["code"] == "DINKES"
    data.update(name="Dinas Kesehatan Kota Malang", kind="badan")
    response = client.post(f"/admin/opds/{opd.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    opd = db.session.get(Opd, opd.id)
    assert opd.name == "Dinas Kesehatan Kota Malang"
    assert opd.kind is OpdKind.BADAN
    assert opd.version == 2
    entry = _audit("Opd", opd.id)[-1]
    assert entry.action is AuditAction.UPDATE
    assert entry.changes == {
        "name": ["Dinas Kesehatan", "Dinas Kesehatan Kota Malang"],
        "kind": ["dinas", "badan"],
    }


def test_edit_opd_duplicate_code(client, login_as):
    make_opd(code="DINKES")
    other = make_opd(code="DISPENDIK")
    login_as("admin")
    data = form_data(client.get(f"/admin/opds/{other.id}/edit").get_data(as_text=True))
    data["code"] = "DINKES"
    response = client.post(f"/admin/opds/{other.id}/edit", data=data)
    assert response.status_code == 400
    assert "An OPD with the code DINKES already exists." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opd, other.id).code == "DISPENDIK"


def test_edit_conflict_shows_what_changed_and_saves_nothing(client, login_as):
    opd = make_opd(code="DINKES", name="Dinas Kesehatan")
    login_as("admin")
    data = form_data(client.get(f"/admin/opds/{opd.id}/edit").get_data(as_text=True))

    # Someone else renames the OPD meanwhile.
    opd.name = "Dinas Kesehatan (baru)"
    db.session.commit()

    data.update(name="Nama saya", sort_order="7")
    response = client.post(f"/admin/opds/{opd.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html
    assert "Dinas Kesehatan (baru)" in html  # the value set meanwhile
    assert 'value="Nama saya"' in html  # the user's input is kept
    db.session.expire_all()
    stored = db.session.get(Opd, opd.id)
    assert (stored.name, stored.sort_order, stored.version) == ("Dinas Kesehatan (baru)", 1000, 2)

    # The page now carries the current version: saving again overwrites knowingly.
    again = form_data(html)
    assert again["version"] == "2"
    assert client.post(f"/admin/opds/{opd.id}/edit", data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(Opd, opd.id).name == "Nama saya"


def test_forged_original_still_refuses_a_stale_edit(client, login_as):
    opd = make_opd(name="Dinas A")
    login_as("admin")
    data = form_data(client.get(f"/admin/opds/{opd.id}/edit").get_data(as_text=True))
    opd.name = "Dinas B"
    db.session.commit()
    data.update(original="forged", name="Dinas C")
    response = client.post(f"/admin/opds/{opd.id}/edit", data=data)
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Opd, opd.id).name == "Dinas B"


def test_toggle_opd(client, login_as):
    opd = make_opd(code="DINKES")
    login_as("admin")
    page = client.get("/admin/opds").get_data(as_text=True)
    assert f'action="/admin/opds/{opd.id}/toggle"' in page
    assert "data-confirm=" in page
    response = client.post(f"/admin/opds/{opd.id}/toggle", follow_redirects=True)
    assert response.status_code == 200
    assert "DINKES has been deactivated." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opd, opd.id).active is False
    assert _audit("Opd", opd.id)[-1].changes == {"active": [True, False]}
    client.post(f"/admin/opds/{opd.id}/toggle")
    db.session.expire_all()
    assert db.session.get(Opd, opd.id).active is True


def test_list_search_filter_sort_and_pages(client, login_as):
    make_opd(code="DINKES", name="Dinas Kesehatan")
    make_opd(code="DISPENDIK", name="Dinas Pendidikan")
    make_opd(code="BAPPEDA", name="Badan Perencanaan", kind=OpdKind.BADAN, active=False)
    login_as("admin")

    def codes(query: str) -> list[str]:
        html = client.get(f"/admin/opds{query}").get_data(as_text=True)
        return re.findall(r"<td><code>([A-Z0-9_]+)</code></td>", html)

    assert codes("") == ["BAPPEDA", "DINKES", "DISPENDIK"]
    assert codes("?sort=code&dir=desc") == ["DISPENDIK", "DINKES", "BAPPEDA"]
    assert codes("?q=pendidikan") == ["DISPENDIK"]
    assert codes("?q=dinkes") == ["DINKES"]
    assert codes("?status=inactive") == ["BAPPEDA"]
    assert codes("?status=active") == ["DINKES", "DISPENDIK"]
    assert codes("?sort=kind")[0] == "BAPPEDA"
    assert codes("?sort=nonsense&dir=sideways&status=bogus") == ["BAPPEDA", "DINKES", "DISPENDIK"]
    assert codes("?q=nothing-like-this") == []

    for _ in range(30):
        make_opd()
    first = client.get("/admin/opds?per_page=25").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/admin/opds?page=2").get_data(as_text=True)
    assert second.count('data-testid="opd-row"') == 33 - 25
    assert client.get("/admin/opds?page=99").status_code == 200
