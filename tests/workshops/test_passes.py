"""Personal check-in passes (``tracker.services.passes``): the rules directly."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from tests.factories import make_person
from tests.workshops.factories_workshops import invite, make_now_workshop, make_workshop
from tracker.extensions import db
from tracker.models import AttendanceStatus
from tracker.models.base import utcnow
from tracker.services import passes
from tracker.services.errors import DomainError


def test_a_token_is_long_stable_and_stored_only_hashed(app: Flask) -> None:
    invitation = invite(make_now_workshop(), make_person())
    token = passes.issue(invitation)
    db.session.commit()
    assert len(token) >= 43  # 256 bits in URL-safe base64
    assert passes.issue(invitation) == token == passes.token_for(invitation)
    assert invitation.pass_hash is not None and token not in invitation.pass_hash
    assert passes.find(token) is invitation


def test_forged_malformed_revoked_and_foreign_tokens_find_nothing(app: Flask) -> None:
    workshop = make_now_workshop()
    invitation = invite(workshop, make_person())
    token = passes.issue(invitation)
    other = invite(make_now_workshop(), make_person())
    other_token = passes.issue(other)
    db.session.commit()
    assert passes.find(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert passes.find("") is None and passes.find("x" * 500) is None
    assert passes.find(other_token, workshop_id=workshop.id) is None
    new_token = passes.revoke(invitation)
    db.session.commit()
    assert new_token != token
    assert passes.find(token) is None
    assert passes.find(new_token) is invitation


def test_an_arrival_is_recorded_once_at_the_time_of_arrival(app: Flask) -> None:
    invitation = invite(make_now_workshop(), make_person())
    now = utcnow()
    scanned = now - dt.timedelta(minutes=5)
    first = passes.record_arrival(invitation, arrived_at=scanned, now=now, via="door")
    second = passes.record_arrival(invitation, arrived_at=now, now=now, via="pass")
    db.session.commit()
    assert first.changed and not second.changed
    assert invitation.status is AttendanceStatus.HADIR
    assert invitation.checked_in_at == scanned
    assert invitation.checked_in_via == "door"


def test_a_named_representative_arrives_as_diwakili(app: Flask) -> None:
    invitation = invite(
        make_now_workshop(), make_person(), representative_name="Drs. Wahyu Hidayat"
    )
    passes.record_arrival(invitation, arrived_at=utcnow(), now=utcnow(), via="door")
    assert invitation.status is AttendanceStatus.DIWAKILI


def test_no_arrival_outside_the_window(app: Flask) -> None:
    invitation = invite(make_workshop(), make_person())  # in a week
    with pytest.raises(DomainError, match="Presensi dibuka"):
        passes.record_arrival(invitation, arrived_at=utcnow(), now=utcnow(), via="pass")
