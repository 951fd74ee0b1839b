"""The request guards every route gets: NUL bytes, out-of-range whole numbers."""

from __future__ import annotations

from tests import factories
from tracker.extensions import db
from tracker.models import Opd, Role


def test_nul_in_a_form_is_refused_with_a_message_and_nothing_is_stored(client, login_as):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/opds/new",
        data={"code": "DINKES", "name": "Dinas\x00 Kesehatan", "kind": "dinas", "sort_order": 1},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Opd)) == 0


def test_nul_in_the_query_string_path_and_login_is_refused(client, login_as):
    assert (
        client.post("/login", data={"email": "a\x00@example.org", "password": "x"}).status_code
        == 400
    )
    login_as(Role.INSPEKTORAT)
    for url in ("/commitments/?q=%00", "/findings/?q=a%00b", "/opd/DIN%00KES"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "NUL" in response.get_data(as_text=True)


def test_ids_beyond_the_database_integer_are_unknown_records(client, login_as):
    login_as(Role.ADMIN)
    for url in (
        "/commitments/99999999999999999999",
        "/commitments/2147483648",
        "/findings/reports/99999999999999999999",
        "/admin/audit/99999999999999999999",
        "/reminders/99999999999999999999",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/commitments/2147483647").status_code == 404  # in range, unknown


def test_a_whole_number_too_large_in_a_form_is_shown_at_its_field(client, login_as):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    login_as(Role.ADMIN)
    response = client.post(
        f"/admin/opds/{opd.id}/edit",
        data={
            "code": "DINKES",
            "name": "Dinas Kesehatan",
            "kind": "dinas",
            "sort_order": "99999999999999999999",
            "version": "99999999999999999999",
        },
    )
    assert response.status_code in (200, 400)
    assert "This number is too large." in response.get_data(as_text=True) or (
        "Angka ini terlalu besar." in response.get_data(as_text=True)
    )


def test_a_service_refusal_is_a_403_with_its_reason(app, client):
    from tracker.permissions import public
    from tracker.services.errors import NotAllowed

    @public
    def refuse():
        raise NotAllowed("Hanya Inspektorat yang menetapkan hasil tindak lanjut.")

    app.add_url_rule("/_refuse", "refuse", refuse)
    response = client.get("/_refuse")
    assert response.status_code == 403
    assert "Hanya Inspektorat yang menetapkan" in response.get_data(as_text=True)
