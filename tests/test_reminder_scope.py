"""Who reads which reminder: by OPD scope and by the recipient's records, never by an
e-mail address that happens to match."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tracker.extensions import db
from tracker.models import HierarchyRole, Role, User


def _city():
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    kominfo = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    head = factories.make_person(
        dinkes, hierarchy_role=HierarchyRole.KEPALA_OPD, email="kepala.dinkes@example.org"
    )
    other_head = factories.make_person(
        kominfo, hierarchy_role=HierarchyRole.KEPALA_OPD, email="kepala.kominfo@example.org"
    )
    return dinkes, kominfo, head, other_head


def test_an_opd_user_reads_the_digests_of_their_opd_only(client, login):
    dinkes, _kominfo, head, other_head = _city()
    secretary = factories.make_user(Role.OPD, opd=dinkes, email="sekretaris.dinkes@example.org")
    own = factories.make_digest(head.email, recipient_person_id=head.id)
    # Addressed to the other OPD's head, with the secretary's own address typed in.
    spoofed = factories.make_digest(secretary.email, recipient_person_id=other_head.id)
    # No person, no login: nobody's.
    stray = factories.make_digest(secretary.email, for_date=dt.date(2023, 9, 4))
    login(secretary)
    assert client.get(f"/reminders/{own.id}").status_code == 200
    assert client.get(f"/reminders/{spoofed.id}").status_code == 404
    assert client.get(f"/reminders/{stray.id}").status_code == 404
    page = client.get("/reminders/").get_data(as_text=True)
    assert f"/reminders/{own.id}" in page
    assert f"/reminders/{spoofed.id}" not in page


def test_a_leader_reads_the_digests_sent_to_their_login_or_official(client, login):
    _dinkes, _kominfo, head, _other_head = _city()
    wali_kota = factories.make_person(None, hierarchy_role=HierarchyRole.WALI_KOTA)
    leader = factories.make_user(Role.PIMPINAN, email="walikota@example.org")
    leader.person_id = wali_kota.id
    db.session.commit()
    to_person = factories.make_digest("lama@example.org", recipient_person_id=wali_kota.id)
    to_login = factories.make_digest("lain@example.org", recipient_user_id=leader.id)
    by_address = factories.make_digest(leader.email, recipient_person_id=head.id)
    login(leader)
    assert client.get(f"/reminders/{to_person.id}").status_code == 200
    assert client.get(f"/reminders/{to_login.id}").status_code == 200
    assert client.get(f"/reminders/{by_address.id}").status_code == 404


def test_an_opd_login_cannot_be_linked_to_an_official_of_another_opd(client, login_as):
    dinkes, _kominfo, _head, other_head = _city()
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/users/new",
        data={
            "email": "baru@example.org",
            "name": "Sekretaris Baru",
            "role": "opd",
            "opd_id": str(dinkes.id),
            "person_id": str(other_head.id),
            "password": "Rahasia-12345",
            "password_confirm": "Rahasia-12345",
        },
    )
    assert response.status_code in (200, 400)
    assert "OPD yang sama" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "baru@example.org")) is None
