"""Loads the Kota Malang demo data; idempotent: adds only what is missing, never overwrites.

Each step looks a record up by its natural key (OPD code, or name; person by OPD, hierarchy
role and position, or e-mail; thematic area by year and code; user by e-mail), adds what is
missing, flushes and returns how many rows it added. Nothing here commits: the caller (the
``seed demo`` command) does. Later steps (workshops, commitments, findings) follow the same
pattern: a ``_seed_<kind>(report, now)`` function called from :func:`load_demo`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select

from tracker import phones
from tracker.demo import data
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Person, ThematicArea, User
from tracker.services import accounts

CREDENTIALS_FILENAME = "demo_credentials.txt"
LOGIN_PATH = "/login"

#: Indonesian labels of the kinds counted in a report, in display order.
KIND_LABELS: dict[str, str] = {
    "opd": "OPD",
    "person": "pejabat",
    "thematic_area": "area tematik",
    "user": "akun",
    "workshop": "workshop",
    "invitation": "undangan",
    "commitment": "komitmen",
    "progress_update": "riwayat komitmen",
    "evidence": "bukti",
    "report": "laporan hasil evaluasi/audit",
    "finding": "temuan",
    "recommendation": "rekomendasi",
    "review": "reviu",
    "follow_up": "tindak lanjut",
    "repayment": "setoran",
    "evaluation_result": "predikat SAKIP/RB",
}


@dataclass
class DemoReport:
    """What one run added, and the credentials of the accounts it created."""

    created: dict[str, int] = field(default_factory=dict)
    #: (role, e-mail, password) of each account created in this run; shown once.
    credentials: list[tuple[str, str, str]] = field(default_factory=list)
    credentials_file: str | None = None

    def add(self, kind: str, count: int) -> None:
        self.created[kind] = self.created.get(kind, 0) + count

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    def _file_hint(self) -> str:
        return self.credentials_file or f"instance/{CREDENTIALS_FILENAME}"

    def summary(self) -> str:
        if self.total_created == 0:
            return "\n".join(
                [
                    "Data demo Kota Malang sudah ada; tidak ada yang ditambahkan.",
                    "Kata sandi akun demo hanya ditampilkan sekali, saat akun dibuat.",
                    f"Lihat {self._file_hint()} (jika belum dihapus), buat akun baru dengan",
                    "  flask --app wsgi users create EMAIL --role ROLE [--opd KODE]",
                    "atau minta administrator mengatur ulang kata sandi di Admin → Pengguna "
                    "(/admin/users).",
                ]
            )
        lines = ["Data demo Kota Malang dimuat. Ditambahkan:"]
        kinds = list(KIND_LABELS) + [k for k in self.created if k not in KIND_LABELS]
        lines += [
            f"  - {KIND_LABELS.get(kind, kind)}: {self.created.get(kind, 0)}" for kind in kinds
        ]
        lines.append("")
        if self.credentials:
            lines += self._credentials_block()
        else:
            lines += [
                "Akun demo sudah ada; kata sandinya tidak ditampilkan lagi.",
                f"Lihat {self._file_hint()} atau atur ulang kata sandi di Admin → Pengguna "
                "(/admin/users), atau gunakan `flask --app wsgi users create`.",
            ]
        return "\n".join(lines)

    def _credentials_block(self) -> list[str]:
        role_width = max(len("peran"), *(len(role) for role, _, _ in self.credentials))
        email_width = max(len("e-mail"), *(len(email) for _, email, _ in self.credentials))
        lines = [
            "Akun demo (kata sandi hanya ditampilkan sekali):",
            f"  {'peran':<{role_width}}  {'e-mail':<{email_width}}  kata sandi",
        ]
        lines += [
            f"  {role:<{role_width}}  {email:<{email_width}}  {password}"
            for role, email, password in self.credentials
        ]
        lines += [
            f"Masuk di {LOGIN_PATH} (mis. http://127.0.0.1:{os.environ.get('PORT', '5000')}"
            f"{LOGIN_PATH}) dan ganti kata "
            "sandi setelah masuk.",
            f"Salinan disimpan di {self._file_hint()} (mode 0600); hapus setelah dicatat.",
        ]
        return lines


def load_demo(*, now: dt.datetime, core_only: bool = False) -> DemoReport:
    """Add whatever of the demo data is missing; flushes, never commits.

    ``core_only`` stops after OPDs, officials, thematic areas and logins (the areas'
    own tests then seed their part themselves)."""
    report = DemoReport(
        credentials_file=str(Path(current_app.instance_path) / CREDENTIALS_FILENAME)
    )
    report.add("opd", _seed_opds())
    report.add("person", _seed_people())
    report.add("thematic_area", _seed_thematic_areas())
    report.add("user", _seed_accounts(report, now=now))
    if not core_only:
        from tracker.demo.commitments import seed_commitments
        from tracker.demo.findings import seed_findings
        from tracker.demo.workshops import seed_workshops

        for step in (seed_workshops, seed_commitments, seed_findings):
            for kind, count in step(now).items():
                report.add(kind, count)
    if report.credentials:
        _write_credentials(report, now=now)
    return report


# --- steps -----------------------------------------------------------------------------


def _find_opd(spec: data.OpdSpec) -> Opd | None:
    """The OPD with this code, or else with this name (an admin may have changed the code)."""
    opd = db.session.scalar(select(Opd).where(func.upper(Opd.code) == spec.code))
    if opd is None:
        opd = db.session.scalar(select(Opd).where(func.lower(Opd.name) == spec.name.lower()))
    return opd


def _opds_by_code() -> dict[str, Opd]:
    found = {spec.code: _find_opd(spec) for spec in data.OPDS}
    return {code: opd for code, opd in found.items() if opd is not None}


def _seed_opds() -> int:
    added = 0
    for spec in data.OPDS:
        if _find_opd(spec) is not None:
            continue
        db.session.add(
            Opd(
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                sort_order=spec.sort_order,
                active=True,
            )
        )
        added += 1
    db.session.flush()
    return added


def _find_person(spec: data.PersonSpec, opd: Opd | None) -> Person | None:
    same_post = (Person.hierarchy_role == spec.role) & (Person.position == spec.position)
    same_post &= Person.opd_id.is_(None) if opd is None else Person.opd_id == opd.id
    return db.session.scalars(
        select(Person)
        .where(or_(same_post, func.lower(Person.email) == spec.email.lower()))
        .order_by(Person.id)
        .limit(1)
    ).first()


def _seed_people() -> int:
    opds = _opds_by_code()
    added = 0
    for spec in data.PEOPLE:
        opd = opds.get(spec.opd_code) if spec.opd_code else None
        if spec.opd_code and opd is None:
            continue  # the OPD is missing and could not be added: skip its officials
        if _find_person(spec, opd) is not None:
            continue
        db.session.add(
            Person(
                name=spec.name,
                position=spec.position,
                hierarchy_role=spec.role,
                opd=opd,
                email=spec.email,
                phone=phones.normalise(spec.phone),
                notify_by=spec.notify_by,
                notes=spec.notes,
                active=True,
            )
        )
        added += 1
    db.session.flush()
    return added


def _seed_thematic_areas() -> int:
    added = 0
    for spec in data.THEMATIC_AREAS:
        exists = db.session.scalar(
            select(ThematicArea.id).where(
                ThematicArea.year == spec.year, func.upper(ThematicArea.code) == spec.code
            )
        )
        if exists is not None:
            continue
        db.session.add(
            ThematicArea(
                year=spec.year,
                code=spec.code,
                name=spec.name,
                description=spec.description,
                is_priority=spec.is_priority,
                sort_order=spec.sort_order,
                active=True,
            )
        )
        added += 1
    db.session.flush()
    return added


def _person_for(
    key: tuple[str | None, HierarchyRole, str] | None, opds: dict[str, Opd]
) -> Person | None:
    if key is None:
        return None
    spec = next(p for p in data.PEOPLE if p.key == key)
    opd = opds.get(spec.opd_code) if spec.opd_code else None
    if spec.opd_code and opd is None:
        return None
    return _find_person(spec, opd)


def _seed_accounts(report: DemoReport, *, now: dt.datetime) -> int:
    opds = _opds_by_code()
    added = 0
    for spec in data.ACCOUNTS:
        email = accounts.normalise_email(spec.email)
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
            continue
        opd = opds.get(spec.opd_code) if spec.opd_code else None
        if spec.opd_code and opd is None:
            continue
        person = _person_for(spec.person, opds)
        if person is not None and person.user is not None:
            person = None  # that official already has a login of their own
        password = accounts.generate_password()
        user = accounts.create_user(
            email=email,
            name=spec.name or (person.name if person else email.split("@", 1)[0]),
            role=spec.role,
            password=password,
            opd=opd,
            person=person,
            now=now,
        )
        user.approves_decisions = spec.approves_decisions
        report.credentials.append((spec.role.value, email, password))
        added += 1
    return added


def _write_credentials(report: DemoReport, *, now: dt.datetime) -> None:
    """Append this run's credentials to the instance file, readable by the owner only."""
    assert report.credentials_file is not None
    path = Path(report.credentials_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"# Akun demo tracker, dibuat {stamp}. Masuk di {LOGIN_PATH}; ganti kata sandi.",
        "# peran\te-mail\tkata sandi",
        *(f"{role}\t{email}\t{password}" for role, email, password in report.credentials),
        "",
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.chmod(path, 0o600)  # also when the file existed with a wider mode
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
