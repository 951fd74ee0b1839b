"""Roles, permissions and query scoping."""

from __future__ import annotations

from tests import factories
from tracker.extensions import db
from tracker.models import Person, Role
from tracker.permissions import ROLE_PERMISSIONS, P, Permission, can_see_opd, has_permission, scope


def test_admin_holds_every_permission():
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)


def test_only_admin_manages_users_and_reads_the_audit_log():
    for role in Role:
        assert (P.MANAGE_USERS in ROLE_PERMISSIONS[role]) == (role is Role.ADMIN)
        assert (P.VIEW_AUDIT_LOG in ROLE_PERMISSIONS[role]) == (role is Role.ADMIN)


def test_leadership_reads_but_does_not_write():
    writes = {
        p for p in Permission if p.value.startswith(("manage_", "verify", "report_", "answer_"))
    }
    assert not ROLE_PERMISSIONS[Role.PIMPINAN] & writes
    assert P.VIEW_ALL in ROLE_PERMISSIONS[Role.PIMPINAN]


def test_opd_users_do_not_see_everything():
    assert P.VIEW_ALL not in ROLE_PERMISSIONS[Role.OPD]


def test_scope_limits_an_opd_user_to_their_opd(app):
    own, other = factories.make_opd(), factories.make_opd()
    mine = factories.make_person(own)
    factories.make_person(other)
    factories.make_person(None)
    opd_user = factories.make_user(Role.OPD, opd=own)
    inspector = factories.make_user(Role.INSPEKTORAT)

    def visible(user):
        return set(db.session.scalars(scope(db.select(Person), Person.opd_id, user)))

    assert visible(opd_user) == {mine}
    assert len(visible(inspector)) == 3
    assert can_see_opd(own.id, opd_user)
    assert not can_see_opd(other.id, opd_user)
    assert not can_see_opd(None, opd_user)
    assert can_see_opd(other.id, inspector)


def test_inactive_or_anonymous_users_hold_nothing(app):
    user = factories.make_user(Role.ADMIN, active=False)
    assert not has_permission(user, P.VIEW_DASHBOARD)
    assert not has_permission(None, P.VIEW_DASHBOARD)


def test_opd_dashboard_shows_only_its_own_opd(app, client, login):
    own = factories.make_opd("DINKES", "Dinas Kesehatan")
    factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    login(factories.make_user(Role.OPD, opd=own))
    page = client.get("/").get_data(as_text=True)
    assert "Dinas Kesehatan" in page
    assert "Dinas Komunikasi dan Informatika" not in page
