"""``flask seed demo``: Kota Malang's demo data, loaded idempotently."""

from __future__ import annotations

import re
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tracker.demo import data
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, OpdKind, Person, Role, ThematicArea, User

REQUIRED_OPDS = {
    "SETDA": OpdKind.SEKRETARIAT,
    "SETWAN": OpdKind.SEKRETARIAT,
    "INSPEKTORAT": OpdKind.INSPEKTORAT,
    "DINKES": OpdKind.DINAS,
    "DISKOMINFO": OpdKind.DINAS,
    "BAPPEDA": OpdKind.BADAN,
    "BKPSDM": OpdKind.BADAN,
    "BKAD": OpdKind.BADAN,
    "BAPENDA": OpdKind.BADAN,
    "BPBD": OpdKind.BADAN,
    "BAKESBANGPOL": OpdKind.BADAN,
    "RSUD": OpdKind.RSUD,
    "SATPOL_PP": OpdKind.SATPOL_PP,
    "KEC_BLIMBING": OpdKind.KECAMATAN,
    "KEC_KEDUNGKANDANG": OpdKind.KECAMATAN,
    "KEC_KLOJEN": OpdKind.KECAMATAN,
    "KEC_LOWOKWARU": OpdKind.KECAMATAN,
    "KEC_SUKUN": OpdKind.KECAMATAN,
}
PROTOCOL_KINDS = [
    OpdKind.SEKRETARIAT,
    OpdKind.INSPEKTORAT,
    OpdKind.DINAS,
    OpdKind.BADAN,
    OpdKind.RSUD,
    OpdKind.SATPOL_PP,
    OpdKind.KECAMATAN,
]
# The four RB priorities of 2023 (the Wali Kota's at the workshop of 26 July 2023).
PRIORITY_CODES = {"KEMISKINAN", "INVESTASI", "DIGITALISASI", "STUNTING"}
# RB Tematik 2023 areas that are not the city's priorities, and the RB General areas.
GENERAL_CODES = {
    "PDN",
    "INFLASI",
    "MANAJEMEN_PERUBAHAN",
    "DEREGULASI",
    "PENATAAN_ORGANISASI",
    "TATA_LAKSANA",
    "SDM_APARATUR",
    "AKUNTABILITAS",
    "PENGAWASAN",
    "PELAYANAN_PUBLIK",
}
CREDENTIAL_LINE = re.compile(r"^\s+(admin|inspektorat|opd|pimpinan)\s+(\S+@example\.org)\s+(\S+)$")


def _seed(app: Flask) -> Any:
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    return result


def seed_demo(app: Flask) -> str:
    """The first ``flask seed demo`` on an empty database: what it printed."""
    return str(_seed(app).output)


# Every test starts from a copy of the database (and instance folder) of one first run.
pytestmark = pytest.mark.database(snapshot=seed_demo)


@dataclass
class FirstRun:
    output: str


@pytest.fixture
def seeded(app: Flask, snapshot: str) -> FirstRun:
    return FirstRun(snapshot)


def _credentials(output: str) -> dict[str, tuple[str, str]]:
    """e-mail -> (role, password) as printed by the command."""
    found: dict[str, tuple[str, str]] = {}
    for line in output.splitlines():
        match = CREDENTIAL_LINE.match(line)
        if match:
            found[match.group(2)] = (match.group(1), match.group(3))
    return found


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _counts() -> dict[str, int]:
    return {m.__name__: _count(m) for m in (Opd, Person, ThematicArea, User)}


def _opd(code: str) -> Opd:
    opd = db.session.scalar(select(Opd).where(Opd.code == code))
    assert opd is not None, code
    return opd


def _only(role: HierarchyRole) -> Person:
    people = db.session.scalars(select(Person).where(Person.hierarchy_role == role)).all()
    assert len(people) == 1, role
    return people[0]


def test_opds_have_codes_kinds_and_protocol_order(app, seeded):
    result = seeded
    assert f"OPD: {len(data.OPDS)}" in result.output
    for code, kind in REQUIRED_OPDS.items():
        assert _opd(code).kind is kind, code
    opds = db.session.scalars(select(Opd).order_by(Opd.sort_order)).all()
    assert [o.code for o in opds[:3]] == ["SETDA", "SETWAN", "INSPEKTORAT"]
    ranks = [PROTOCOL_KINDS.index(o.kind) for o in opds]
    assert ranks == sorted(ranks)
    assert len({o.sort_order for o in opds}) == len(opds)
    assert all(o.active and re.fullmatch(r"[A-Z0-9_]{2,20}", o.code) for o in opds)
    assert sum(o.kind is OpdKind.KECAMATAN for o in opds) == 5


def test_every_opd_has_exactly_one_head_and_one_secretary(app, seeded):
    for opd in db.session.scalars(select(Opd).where(Opd.active.is_(True))):
        roles = Counter(p.hierarchy_role for p in opd.people)
        heads = sum(roles[r] for r in data.HEAD_ROLES)
        assert heads == 1, opd.code
        assert roles[HierarchyRole.SEKRETARIS_OPD] == 1, opd.code
    assert _opd("SETDA").people
    assert _only(HierarchyRole.SEKDA).opd.code == "SETDA"
    head = db.session.scalar(
        select(Person).where(
            Person.opd_id == _opd("DINKES").id, Person.hierarchy_role == HierarchyRole.KEPALA_OPD
        )
    )
    assert head.position == "Kepala Dinas Kesehatan"
    assert head.email == "kepala.dinkes@example.org"
    camat = db.session.scalar(
        select(Person).where(
            Person.opd_id == _opd("KEC_KLOJEN").id,
            Person.hierarchy_role == HierarchyRole.KEPALA_OPD,
        )
    )
    assert camat.position == "Camat Klojen"


def test_leaders_of_the_2023_workshop(app, seeded):
    wali_kota = _only(HierarchyRole.WALI_KOTA)
    assert "Sutiaji" in wali_kota.name
    assert wali_kota.opd is None
    wawali = _only(HierarchyRole.WAWALI)
    assert "Sofyan Edi Jarwoko" in wawali.name
    assert wawali.opd is None
    sekda = _only(HierarchyRole.SEKDA)
    assert "Erik Setyo Santoso" in sekda.name
    assert sekda.opd.code == "SETDA"
    inspektur = _only(HierarchyRole.INSPEKTUR)
    assert inspektur.opd.code == "INSPEKTORAT"
    staff = db.session.scalars(
        select(Person).where(Person.hierarchy_role == HierarchyRole.INSPEKTORAT)
    ).all()
    assert len(staff) >= 2
    assert all(p.opd.code == "INSPEKTORAT" for p in staff)
    assert (
        db.session.scalar(select(func.count()).select_from(Person).where(Person.nip.is_not(None)))
        == 0
    )


def test_thematic_areas_2023(app, seeded):
    areas = db.session.scalars(select(ThematicArea).where(ThematicArea.year == 2023)).all()
    by_code = {a.code: a for a in areas}
    assert set(by_code) >= PRIORITY_CODES | GENERAL_CODES
    assert all(by_code[c].is_priority for c in PRIORITY_CODES)
    assert not any(by_code[c].is_priority for c in GENERAL_CODES)
    assert {a.code for a in areas if a.is_priority} == PRIORITY_CODES
    assert by_code["STUNTING"].name == "Percepatan Penurunan Stunting"


def test_one_account_per_role_and_printed_passwords_log_in(app, seeded):
    result = seeded
    assert "Akun demo (kata sandi hanya ditampilkan sekali)" in result.output
    assert "/login" in result.output
    printed = _credentials(result.output)
    assert {role for role, _ in printed.values()} == {r.value for r in Role}
    assert len(printed) == 5

    accounts = list(db.session.scalars(select(User)))
    assert len(accounts) == 5
    inspektur = next(u for u in accounts if u.email == "inspektur@example.org")
    assert inspektur.role is Role.INSPEKTORAT
    assert inspektur.approves_decisions
    assert inspektur.person.hierarchy_role is HierarchyRole.INSPEKTUR
    users = {u.role: u for u in accounts if u is not inspektur}
    assert not users[Role.INSPEKTORAT].approves_decisions
    assert users[Role.ADMIN].email == "admin@example.org"
    assert users[Role.ADMIN].opd is None
    assert users[Role.ADMIN].person is None
    assert users[Role.INSPEKTORAT].email == "inspektorat@example.org"
    assert users[Role.INSPEKTORAT].person.hierarchy_role is HierarchyRole.INSPEKTORAT
    assert users[Role.PIMPINAN].email == "pimpinan@example.org"
    assert users[Role.PIMPINAN].person.hierarchy_role is HierarchyRole.WALI_KOTA
    opd_user = users[Role.OPD]
    assert opd_user.email == "opd.dinkes@example.org"
    assert opd_user.opd.code == "DINKES"
    assert opd_user.person.hierarchy_role is HierarchyRole.SEKRETARIS_OPD
    assert opd_user.person.opd.code == "DINKES"
    assert all(u.password_hash.startswith("scrypt:") for u in users.values())

    for email, (role, password) in printed.items():
        assert email in {u.email for u in accounts if u.role is Role(role)}
        response = app.test_client().post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, (role, response.get_data(as_text=True)[:500])
    wrong = app.test_client().post(
        "/login", data={"email": "admin@example.org", "password": "salah-123456"}
    )
    assert wrong.status_code != 302


@pytest.mark.database(snapshot=None)  # the printed path is this test's own
def test_credentials_file_is_private(app):
    result = _seed(app)
    path = Path(app.instance_path) / "demo_credentials.txt"
    assert str(path) in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text(encoding="utf-8")
    for email, (_role, password) in _credentials(result.output).items():
        assert f"{email}\t{password}" in content


def test_rerun_adds_nothing_and_shows_no_password(app, seeded):
    first = seeded
    passwords = [p for _, p in _credentials(first.output).values()]
    before = _counts()
    hashes = {u.email: u.password_hash for u in db.session.scalars(select(User))}
    path = Path(app.instance_path) / "demo_credentials.txt"
    file_before = path.read_text(encoding="utf-8")

    second = _seed(app)
    assert _counts() == before
    assert {u.email: u.password_hash for u in db.session.scalars(select(User))} == hashes
    assert _credentials(second.output) == {}
    assert not any(p in second.output for p in passwords)
    assert "sudah ada" in second.output
    assert "demo_credentials.txt" in second.output
    assert "flask --app wsgi users create" in second.output
    assert path.read_text(encoding="utf-8") == file_before

    posts = Counter(
        (p.opd_id, p.hierarchy_role, p.position) for p in db.session.scalars(select(Person))
    )
    assert max(posts.values()) == 1
    assert len(data.PEOPLE) == before["Person"]


def test_rerun_adds_only_what_is_missing_and_overwrites_nothing(app, seeded):
    dinkes = _opd("DINKES")
    dinkes.name = "Dinas Kesehatan Kota Malang"  # an admin's edit
    from tracker.models.commitment import Commitment

    unused_area = db.session.scalar(
        select(ThematicArea)
        .where(
            ~ThematicArea.id.in_(
                select(Commitment.thematic_area_id).where(Commitment.thematic_area_id.is_not(None))
            )
        )
        .order_by(ThematicArea.id)
    )
    db.session.delete(unused_area)
    db.session.delete(db.session.scalar(select(User).where(User.email == "pimpinan@example.org")))
    db.session.commit()
    before = _counts()

    result = _seed(app)
    assert _counts() == {
        **before,
        "ThematicArea": before["ThematicArea"] + 1,
        "User": before["User"] + 1,
    }
    assert "area tematik: 1" in result.output
    assert "akun: 1" in result.output
    assert [role for role, _ in _credentials(result.output).values()] == ["pimpinan"]
    assert _opd("DINKES").name == "Dinas Kesehatan Kota Malang"
    content = (Path(app.instance_path) / "demo_credentials.txt").read_text(encoding="utf-8")
    assert content.count("pimpinan@example.org") == 2  # the first run's block is kept


def test_all_demo_emails_are_on_example_org(app, seeded):
    emails = [p.email for p in db.session.scalars(select(Person))]
    emails += [u.email for u in db.session.scalars(select(User))]
    assert emails
    assert all(e and e.endswith("@example.org") for e in emails)
    person_emails = [p.email for p in db.session.scalars(select(Person))]
    assert len(set(person_emails)) == len(person_emails)
