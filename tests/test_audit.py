"""The audit log records every create, update and delete, and is never edited."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from tests import factories
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import AuditAction, AuditLog, Opd, OpdKind
from tracker.models.audit import AuditLogImmutableError


def _entries(entity_type: str) -> list[AuditLog]:
    return list(
        db.session.scalars(
            db.select(AuditLog).where(AuditLog.entity_type == entity_type).order_by(AuditLog.id)
        )
    )


def test_create_update_delete_are_logged_with_before_and_after(app):
    with acting_as(Actor(None, "tester", "10.0.0.9")):
        opd = Opd(code="DINKES", name="Dinas Kesehatan", kind=OpdKind.DINAS)
        db.session.add(opd)
        db.session.commit()
        opd.name = "Dinas Kesehatan Kota Malang"
        opd.active = False
        db.session.commit()
        db.session.delete(opd)
        db.session.commit()
    created, updated, deleted = _entries("Opd")
    assert created.action is AuditAction.CREATE
    assert created.changes["code"] == [None, "DINKES"]
    assert created.changes["kind"] == [None, "dinas"]
    assert created.actor_label == "tester"
    assert created.ip == "10.0.0.9"
    assert updated.action is AuditAction.UPDATE
    assert updated.changes == {
        "name": ["Dinas Kesehatan", "Dinas Kesehatan Kota Malang"],
        "active": [True, False],
    }
    assert deleted.action is AuditAction.DELETE
    assert deleted.changes["name"] == ["Dinas Kesehatan Kota Malang", None]
    assert deleted.entity_id == created.entity_id


def test_no_row_when_nothing_changed(app):
    opd = factories.make_opd()
    opd.name = opd.name  # same value
    db.session.commit()
    assert [e.action for e in _entries("Opd")] == [AuditAction.CREATE]


def test_rollback_writes_nothing(app):
    db.session.add(Opd(code="X1", name="Dinas X", kind=OpdKind.DINAS))
    db.session.flush()
    db.session.rollback()
    assert _entries("Opd") == []


def test_audit_rows_cannot_be_edited_or_deleted(app):
    factories.make_opd()
    entry = _entries("Opd")[0]
    entry.actor_label = "someone else"
    with pytest.raises(AuditLogImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(_entries("Opd")[0])
    with pytest.raises(AuditLogImmutableError):
        db.session.flush()
    db.session.rollback()


def test_web_changes_are_attributed_to_the_user(app, client, login):
    user = login(factories.make_user("admin"))
    client.post("/language", data={"lang": "en"})
    db.session.expire_all()
    entry = _entries("User")[-1]
    assert entry.actor_id == user.id
    assert entry.actor_label == user.email
    assert entry.changes["locale"] == [None, "en"]


def _one_entry() -> AuditLog:
    with acting_as(Actor(None, "test")):
        factories.make_opd("DINKES", "Dinas Kesehatan")
    return _entries("Opd")[0]


@pytest.mark.parametrize(
    "statement",
    [
        lambda entry: update(AuditLog).where(AuditLog.id == entry.id).values(actor_label="x"),
        lambda entry: update(AuditLog).values(changes={}),
        lambda entry: delete(AuditLog).where(AuditLog.id == entry.id),
        lambda entry: text("DELETE FROM audit_log"),
        lambda entry: text("UPDATE audit_log SET entity_label = 'dipalsukan'"),
    ],
    ids=["bulk-update", "update-all", "bulk-delete", "raw-delete", "raw-update"],
)
def test_the_database_itself_refuses_to_edit_the_log(app, statement):
    entry = _one_entry()
    label = entry.entity_label
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement(entry))
    db.session.rollback()
    db.session.expire_all()
    (again,) = _entries("Opd")
    assert again.entity_label == label


def test_removing_a_user_only_clears_the_actor_of_their_entries(app):
    user = factories.make_user("admin")
    with acting_as(Actor(user.id, user.email)):
        factories.make_opd("DINKES", "Dinas Kesehatan")
    (entry,) = _entries("Opd")
    assert entry.actor_id == user.id
    db.session.execute(delete(type(user)).where(type(user).id == user.id))
    db.session.commit()
    db.session.expire_all()
    (entry,) = _entries("Opd")
    assert entry.actor_id is None
    assert entry.actor_label == user.email
