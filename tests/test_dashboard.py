"""The home page: what each role sees, and a constant number of queries."""

from __future__ import annotations

from tests import factories
from tracker.models import HierarchyRole, Role


def _city(n_opds: int, start: int = 0) -> None:
    for i in range(start, start + n_opds):
        opd = factories.make_opd(f"OPD{i}", f"Badan Contoh {i}")
        factories.make_person(opd, hierarchy_role=HierarchyRole.KEPALA_OPD, name=f"Kepala {i}")
        factories.make_person(
            opd, hierarchy_role=HierarchyRole.SEKRETARIS_OPD, name=f"Sekretaris {i}"
        )


def test_readers_see_every_opd_with_its_leaders(app, client, login):
    _city(3)
    factories.make_thematic_area(2023, name="Percepatan penurunan stunting", is_priority=True)
    login(factories.make_user(Role.PIMPINAN))
    page = client.get("/").get_data(as_text=True)
    for i in range(3):
        assert f"Badan Contoh {i}" in page
        assert f"Kepala {i}" in page
        assert f"Sekretaris {i}" in page
    assert "Percepatan penurunan stunting" in page
    assert 'data-testid="count-opds">3<' in page


def test_opd_user_sees_own_opd_only_and_no_city_counts(app, client, login):
    _city(2)
    own = factories.make_opd("DINKES", "Dinas Kesehatan")
    factories.make_person(own, hierarchy_role=HierarchyRole.KEPALA_OPD, name="Kepala Dinkes")
    login(factories.make_user(Role.OPD, opd=own))
    page = client.get("/").get_data(as_text=True)
    assert "Kepala Dinkes" in page
    assert "Badan Contoh" not in page
    assert "count-opds" not in page


def test_empty_state_without_thematic_areas(app, client, login):
    login(factories.make_user(Role.INSPEKTORAT))
    assert 'data-testid="empty-state"' in client.get("/").get_data(as_text=True)


def test_query_count_does_not_grow_with_data(app, client, login, count_queries):
    login(factories.make_user(Role.ADMIN))
    _city(2)
    with count_queries() as small:
        assert client.get("/").status_code == 200
    _city(25, start=100)
    with count_queries() as large:
        assert client.get("/").status_code == 200
    assert small.count == large.count
