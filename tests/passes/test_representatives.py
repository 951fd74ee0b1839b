"""Naming a representative ("diwakili oleh") from the personal pass."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_person
from tests.passes.test_pass_page import NAVIGATION, _fresh
from tests.workshops.factories_workshops import invite, make_city, make_workshop
from tracker.extensions import db
from tracker.models import AttendanceStatus, AuditLog, HierarchyRole, Workshop
from tracker.models.base import utcnow
from tracker.services import passes, representatives
from tracker.services.errors import DomainError


def _soon(**kw: object) -> Workshop:
    return make_workshop(starts_at=utcnow() + dt.timedelta(days=3), **kw)


def test_the_wakil_wali_kota_is_never_offered_the_wali_kota(app: Flask) -> None:
    city = make_city(2)
    offered = representatives.candidates(city.wawali)
    assert city.wali_kota not in offered
    assert city.wawali not in offered
    assert city.sekda in offered and city.inspektur in offered
    assert set(city.heads) <= set(offered)
    assert not set(city.secretaries) & set(offered)
    # the Wali Kota may send the Wakil Wali Kota
    assert city.wawali in representatives.candidates(city.wali_kota)


def test_an_opd_head_is_offered_the_officials_of_their_opd(app: Flask) -> None:
    city = make_city(2)
    staff = make_person(city.opds[0], hierarchy_role=HierarchyRole.OTHER)
    gone = make_person(city.opds[0], hierarchy_role=HierarchyRole.OTHER, active=False)
    offered = representatives.candidates(city.heads[0])
    assert offered == [city.secretaries[1], staff]  # own OPD, below the head, active
    assert gone not in offered and city.heads[1] not in offered
    # a secretary is not offered the head above them
    assert city.heads[0] not in representatives.candidates(city.secretaries[1])


def test_naming_refuses_an_official_not_offered(app: Flask) -> None:
    city = make_city(1)
    invitation = invite(_soon(), city.wawali)
    with pytest.raises(DomainError) as refused:
        representatives.name_representative(invitation, now=utcnow(), person_id=city.wali_kota.id)
    assert refused.value.field == "person_id"
    representatives.name_representative(invitation, now=utcnow(), person_id=city.sekda.id)
    assert invitation.representative_person_id == city.sekda.id
    assert invitation.status is AttendanceStatus.INVITED


def _page(client: FlaskClient, token: str) -> str:
    return client.get(f"/hadir/{token}").get_data(as_text=True)


def test_an_invitee_names_changes_and_removes_a_representative(
    app: Flask, client: FlaskClient
) -> None:
    city = make_city(1)
    invitation = invite(_soon(), city.heads[0])
    token = passes.issue(invitation)
    db.session.commit()
    html = _page(client, token)
    assert 'data-testid="pass-representative-form"' in html
    assert city.secretaries[1].name in html  # offered
    assert city.wali_kota.name not in html

    typed = client.post(
        f"/hadir/{token}/representative",
        data={
            "rep-person_id": "",
            "rep-name": "Drs. Wahyu Hidayat",
            "rep-position": "Kepala Bidang Pelayanan",
            "rep-nip": "19750312 200003 2 004",
        },
    )
    assert typed.status_code == 200
    assert 'data-testid="pass-notice"' in typed.get_data(as_text=True)
    stored = _fresh(invitation)
    assert stored.representative_name == "Drs. Wahyu Hidayat"
    assert stored.representative_position == "Kepala Bidang Pelayanan"
    assert stored.representative_nip == "197503122000032004"
    assert stored.status is AttendanceStatus.INVITED
    entry = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "Invitation", AuditLog.entity_id == invitation.id)
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry is not None and entry.actor_id is None
    assert entry.actor_label == f"pass: {city.heads[0].name}"
    assert entry.changes["representative_name"] == [None, "Drs. Wahyu Hidayat"]

    bad_nip = client.post(
        f"/hadir/{token}/representative",
        data={"rep-name": "Budi", "rep-position": "Kasubag", "rep-nip": "1975 0312"},
    )
    assert bad_nip.status_code == 400
    assert "18 digit" in bad_nip.get_data(as_text=True)
    missing = client.post(f"/hadir/{token}/representative", data={"rep-name": "Budi"})
    assert missing.status_code == 400
    assert _fresh(invitation).representative_name == "Drs. Wahyu Hidayat"

    chosen = client.post(
        f"/hadir/{token}/representative",
        data={"rep-person_id": str(city.secretaries[1].id)},
    )
    assert chosen.status_code == 200
    stored = _fresh(invitation)
    assert stored.representative_person_id == city.secretaries[1].id
    assert stored.representative_name is None and stored.representative_nip is None

    foreign = client.post(
        f"/hadir/{token}/representative", data={"rep-person_id": str(city.wali_kota.id)}
    )
    assert foreign.status_code == 400
    assert _fresh(invitation).representative_person_id == city.secretaries[1].id

    removed = client.post(f"/hadir/{token}/representative/remove")
    assert removed.status_code == 200
    assert _fresh(invitation).representative_person_id is None


def test_the_representative_arrives_as_diwakili_and_then_cannot_be_changed(
    app: Flask, client: FlaskClient
) -> None:
    city = make_city(1)
    workshop = make_workshop(starts_at=utcnow() - dt.timedelta(minutes=10))
    invitation = invite(workshop, city.heads[0])
    token = passes.issue(invitation)
    db.session.commit()
    # during the window, from a page opened without navigation
    named = client.post(
        f"/hadir/{token}/representative",
        data={"rep-name": "Drs. Wahyu Hidayat", "rep-position": "Kepala Bidang"},
    )
    assert named.status_code == 200
    assert _fresh(invitation).status is AttendanceStatus.INVITED
    html = client.get(f"/hadir/{token}", headers=NAVIGATION).get_data(as_text=True)
    assert "Drs. Wahyu Hidayat" in html and 'data-testid="pass-checked-in"' in html
    assert _fresh(invitation).status is AttendanceStatus.DIWAKILI
    refused = client.post(
        f"/hadir/{token}/representative",
        data={"rep-name": "Orang Lain", "rep-position": "Staf"},
    )
    assert refused.status_code == 400
    assert "tidak dapat diubah" in refused.get_data(as_text=True)
    assert client.post(f"/hadir/{token}/representative/remove").status_code == 400
    assert _fresh(invitation).representative_name == "Drs. Wahyu Hidayat"


def test_no_change_after_the_window_has_closed(app: Flask) -> None:
    city = make_city(1)
    invitation = invite(make_workshop(starts_at=utcnow() - dt.timedelta(days=2)), city.heads[0])
    with pytest.raises(DomainError):
        representatives.name_representative(invitation, now=utcnow(), name="A", position="B")
