"""City-scale benchmark of the dashboard, the commitment list and the findings list.

Run it as ``.venv/bin/python -m bench.run`` (``make bench``). It

1. builds a separate database — by default the SQLite file ``bench-data/bench.db``
   (``bench-data/`` is ignored by git); with ``BENCH_DATABASE_URL`` (or ``--database-url``)
   a PostgreSQL database whose name must contain "bench", as every table in it is dropped;
2. generates a city: 40 OPDs, 5 years (this year and the 4 before), about 20,000
   commitments with 100,000 progress updates, 5,000 recommendations (with their reports,
   findings, reviews, follow-ups and repayments), workshops with attendance, grades — with
   SQLAlchemy Core bulk inserts (``connection.execute(table.insert(), rows)``), no ORM
   objects, no audit log;
3. serves pages in-process through the Flask test client, logged in as an administrator:
   after a warm-up, N requests per page; the server time is the wall time around
   ``client.get``; the queries per request are counted with an engine event;
4. compares each page with a trivial page (``GET /login``, anonymous) measured the same way
   in the same run, prints a table and writes ``bench-data/results.json``.

It is a benchmark, not a test: nothing fails on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "bench-data"
PASSWORD = "Bench-Rahasia-2024"
WIB = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Scale:
    opds: int = 40
    years: int = 5
    commitments: int = 20_000
    updates_per_commitment: int = 5
    recommendations: int = 5_000
    workshops_per_year: int = 4

    def scaled(self, factor: float) -> Scale:
        return Scale(
            opds=max(int(self.opds * min(factor, 1) or 1), 2),
            years=self.years,
            commitments=max(int(self.commitments * factor), 10),
            updates_per_commitment=self.updates_per_commitment,
            recommendations=max(int(self.recommendations * factor), 10),
            workshops_per_year=self.workshops_per_year,
        )


@dataclass
class PageResult:
    name: str
    path: str
    status: int
    requests: int
    median_ms: float
    p95_ms: float
    mean_ms: float
    min_ms: float
    queries: float
    ratio: float | None = None
    #: "computed" (no body cache), "cached" (the dashboard's default) or "-" (no cache)
    mode: str = "-"


# --- data ------------------------------------------------------------------------------


def _utc(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WIB).astimezone(dt.UTC)


class Generator:
    """Rows for every table, inserted in chunks with Core ``executemany``."""

    def __init__(self, conn: sa.Connection, scale: Scale, today: dt.date, seed: int = 7) -> None:
        self.conn = conn
        self.scale = scale
        self.today = today
        self.rnd = random.Random(seed)
        self.now = dt.datetime.now(dt.UTC)
        self.counts: dict[str, int] = {}
        self.years = list(range(today.year - scale.years + 1, today.year + 1))

    def insert(self, table: sa.Table, rows: list[dict[str, Any]], chunk: int = 5_000) -> None:
        # executemany wants the same keys in every row: missing ones are NULL.
        keys: set[str] = set().union(*rows) if rows else set()
        rows = [{key: row.get(key) for key in keys} for row in rows]
        for start in range(0, len(rows), chunk):
            self.conn.execute(table.insert(), rows[start : start + chunk])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def stamp(self, **row: Any) -> dict[str, Any]:
        row.setdefault("created_at", self.now)
        row.setdefault("updated_at", self.now)
        row.setdefault("version", 1)
        return row

    def run(self) -> dict[str, int]:
        from tracker.models import Opd, Person, ThematicArea, User

        s = self.scale
        # OPDs, each with a head, a secretary and three staff; the city's leaders.
        kinds = ["dinas"] * 20 + ["badan"] * 8 + ["kecamatan"] * 5 + ["sekretariat", "rsud"]
        self.insert(
            Opd.__table__,
            [
                self.stamp(
                    id=i,
                    code=f"OPD{i:02d}",
                    name=f"Perangkat Daerah Contoh {i:02d}",
                    kind=kinds[i % len(kinds)],
                    active=True,
                    sort_order=i,
                )
                for i in range(1, s.opds + 1)
            ],
        )
        people: list[dict[str, Any]] = []
        self.heads: dict[int, int] = {}
        self.secretaries: dict[int, int] = {}
        pid = 0
        for opd in range(1, s.opds + 1):
            for role in ("kepala_opd", "sekretaris_opd", "other", "other", "other"):
                pid += 1
                people.append(
                    self.stamp(
                        id=pid,
                        name=f"Pejabat {pid}",
                        position=f"Jabatan {pid}",
                        hierarchy_role=role,
                        opd_id=opd,
                        email=f"pejabat{pid}@bench.example.org",
                        active=True,
                    )
                )
                if role == "kepala_opd":
                    self.heads[opd] = pid
                elif role == "sekretaris_opd":
                    self.secretaries[opd] = pid
        leaders = ("wali_kota", "wawali", "sekda", "inspektur")
        for role in leaders:
            pid += 1
            people.append(
                self.stamp(
                    id=pid,
                    name=f"{role.replace('_', ' ').title()} Kota Malang",
                    position=role,
                    hierarchy_role=role,
                    opd_id=1 if role == "inspektur" else None,
                    nip="197001011990031001" if role == "inspektur" else None,
                    active=True,
                )
            )
        self.leader_ids = list(range(pid - len(leaders) + 1, pid + 1))
        self.insert(Person.__table__, people)

        password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        users = [
            self.stamp(
                id=n,
                email=f"{role}@bench.example.org",
                name=f"Bench {role}",
                password_hash=password,
                role=role,
                opd_id=None,
                active=True,
                password_changed_at=self.now,
            )
            for n, role in enumerate(("admin", "inspektorat", "pimpinan"), start=1)
        ]
        users += [
            self.stamp(
                id=3 + opd,
                email=f"opd{opd:02d}@bench.example.org",
                name=f"Sekretaris OPD {opd:02d}",
                password_hash=password,
                role="opd",
                opd_id=opd,
                person_id=self.secretaries[opd],
                active=True,
                password_changed_at=self.now,
            )
            for opd in range(1, s.opds + 1)
        ]
        self.insert(User.__table__, users)

        areas = []
        self.areas: dict[int, list[int]] = {}
        names = [
            ("KEMISKINAN", "Pengentasan Kemiskinan", True),
            ("INVESTASI", "Peningkatan Investasi", True),
            ("DIGITAL", "Digitalisasi Administrasi Pemerintahan", True),
            ("STUNTING", "Percepatan Penurunan Stunting", True),
            ("PDN", "Peningkatan Penggunaan Produk Dalam Negeri", False),
            ("TATALAKSANA", "Penataan Tata Laksana", False),
            ("SDM", "Penataan Sumber Daya Manusia Aparatur", False),
            ("AKUNTABILITAS", "Penguatan Akuntabilitas", False),
            ("PELAYANAN", "Peningkatan Kualitas Pelayanan Publik", False),
        ]
        aid = 0
        for year in self.years:
            for order, (code, name, priority) in enumerate(names, start=1):
                aid += 1
                areas.append(
                    self.stamp(
                        id=aid,
                        year=year,
                        code=code,
                        name=name,
                        is_priority=priority,
                        sort_order=order,
                        active=True,
                    )
                )
                self.areas.setdefault(year, []).append(aid)
        self.insert(ThematicArea.__table__, areas)

        self._workshops()
        self._commitments()
        self._findings()
        self._grades()
        return self.counts

    def _workshops(self) -> None:
        from tracker.models.workshop import Invitation, Workshop

        s, rnd = self.scale, self.rnd
        workshops, invitations = [], []
        wid = iid = 0
        invitees = [*self.heads.values(), *self.secretaries.values(), *self.leader_ids]
        self.workshop_by_year: dict[int, int] = {}
        for year in self.years:
            for k in range(s.workshops_per_year):
                day = dt.date(year, 2 + 3 * k, 20)
                wid += 1
                held = day < self.today
                start = _utc(day, 8)
                workshops.append(
                    self.stamp(
                        id=wid,
                        title=f"Workshop Penguatan Kapasitas {year} #{k + 1}",
                        kind="workshop",
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=6),
                        venue="Balai Kota Malang",
                        status="held" if held else "planned",
                        ical_uid=f"bench-{wid}@tracker",
                    )
                )
                self.workshop_by_year.setdefault(year, wid)
                for person in invitees:
                    iid += 1
                    status = "invited"
                    if held:
                        status = rnd.choices(
                            ["hadir", "diwakili", "izin", "tidak_hadir"], [70, 15, 10, 5]
                        )[0]
                    invitations.append(
                        self.stamp(
                            id=iid,
                            workshop_id=wid,
                            person_id=person,
                            status=status,
                            self_checked_in=False,
                        )
                    )
        self.insert(Workshop.__table__, workshops)
        self.insert(Invitation.__table__, invitations)

    def _commitments(self) -> None:
        from tracker.models.commitment import Commitment, ProgressUpdate

        s, rnd, today = self.scale, self.rnd, self.today
        per_year = s.commitments // len(self.years)
        commitments: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        cid = uid = 0
        for year in self.years:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            span = (last - first).days
            for _n in range(per_year):
                cid += 1
                opd = rnd.randint(1, s.opds)
                due = first + dt.timedelta(days=rnd.randint(0, span))
                if due < today:
                    status = rnd.choices(
                        ["verified", "reported_done", "active", "cancelled"], [70, 8, 17, 5]
                    )[0]
                else:
                    status = rnd.choices(["active", "reported_done", "draft"], [85, 10, 5])[0]
                progress = {"verified": 100, "reported_done": 100}.get(
                    status, rnd.randint(0, 90) if status == "active" else 0
                )
                created = _utc(first - dt.timedelta(days=rnd.randint(10, 60)))
                verified_at = None
                if status == "verified":
                    verified_at = _utc(min(due + dt.timedelta(days=rnd.randint(-20, 20)), today))
                commitments.append(
                    self.stamp(
                        id=cid,
                        statement=f"Komitmen {cid}: meningkatkan capaian indikator kinerja",
                        opd_id=opd,
                        workshop_id=self.workshop_by_year.get(year),
                        made_by_id=self.heads[opd],
                        carried_out_by_id=self.secretaries[opd],
                        thematic_area_id=rnd.choice(self.areas[year])
                        if rnd.random() > 0.05
                        else None,
                        indicator="Persentase capaian",
                        target="100%",
                        due_on=due,
                        status=status,
                        progress=progress,
                        verified_at=verified_at,
                        verified_by_id=2 if verified_at else None,
                        reported_done_at=verified_at,
                        last_progress_at=created + dt.timedelta(days=30),
                        created_by_id=2,
                        created_at=created,
                        version=s.updates_per_commitment,
                        cancel_reason="Tidak relevan lagi" if status == "cancelled" else None,
                    )
                )
                for v in range(1, s.updates_per_commitment + 1):
                    uid += 1
                    last_entry = v == s.updates_per_commitment
                    updates.append(
                        {
                            "id": uid,
                            "commitment_id": cid,
                            "version": v,
                            "kind": "create" if v == 1 else "progress",
                            "at": created + dt.timedelta(days=15 * v),
                            "author_id": 3 + opd if v > 1 else 2,
                            "author_label": "Bench",
                            "note": f"Kemajuan tahap {v}",
                            "progress": progress if last_entry else min(progress, 20 * v),
                            "status_to": "active" if v == 1 else None,
                        }
                    )
        self.insert(Commitment.__table__, commitments)
        self.insert(ProgressUpdate.__table__, updates)

    def _findings(self) -> None:
        from tracker.models.finding import (
            Finding,
            FollowUp,
            Recommendation,
            RecommendationReview,
            Repayment,
            Report,
            finding_opd,
        )

        s, rnd, today = self.scale, self.rnd, self.today
        reports, findings, links, recs, reviews, follow_ups, repayments = [], [], [], [], [], [], []
        per_report_findings = 50
        n_findings = max(s.recommendations // 2, 1)
        n_reports = max(n_findings // per_report_findings, 1)
        kinds = ["lhe_sakip", "lhe_rb", "lhp_bpk", "lhp_inspektorat"]
        rec_id = review_id = fu_id = pay_id = 0
        for rid in range(1, n_reports + 1):
            year = self.years[(rid - 1) % len(self.years)]
            received = dt.date(year, 1 + (rid * 5) % 11, 10)
            if received >= today:
                received = today - dt.timedelta(days=90)
            reports.append(
                self.stamp(
                    id=rid,
                    kind=kinds[rid % len(kinds)],
                    year=year - 1,
                    number=f"R-{rid:03d}/{year}",
                    issuer="BPK RI" if kinds[rid % len(kinds)] == "lhp_bpk" else "Inspektorat",
                    issued_on=received - dt.timedelta(days=7),
                    received_on=received,
                )
            )
            for f in range(per_report_findings):
                fid = (rid - 1) * per_report_findings + f + 1
                if fid > n_findings:
                    break
                opd = rnd.randint(1, s.opds)
                financial = rnd.random() < 0.1
                amount = Decimal(rnd.randint(10, 900)) * 1_000_000 if financial else None
                findings.append(
                    self.stamp(
                        id=fid,
                        report_id=rid,
                        number=str(f + 1),
                        title=f"Temuan {fid}",
                        condition="Kondisi",
                        is_financial=financial,
                        amount_to_recover=amount,
                    )
                )
                links.append({"finding_id": fid, "opd_id": opd})
                if financial and amount is not None:
                    for _k in range(rnd.randint(0, 2)):
                        pay_id += 1
                        repayments.append(
                            {
                                "id": pay_id,
                                "finding_id": fid,
                                "paid_on": received + dt.timedelta(days=rnd.randint(30, 200)),
                                "amount": (amount / 4).quantize(Decimal("0.01")),
                                "recorded_by_id": 2,
                                "created_at": self.now,
                                "updated_at": self.now,
                            }
                        )
                for r in range(2):
                    rec_id += 1
                    due = received + dt.timedelta(days=60)
                    outcome = None
                    if due < today:
                        outcome = rnd.choices(
                            [
                                None,
                                "sesuai",
                                "belum_sesuai",
                                "belum_ditindaklanjuti",
                                "tidak_dapat_ditindaklanjuti",
                            ],
                            [10, 55, 20, 12, 3],
                        )[0]
                    new_due = due + dt.timedelta(days=180) if outcome == "belum_sesuai" else None
                    reviewed_at = _utc(min(due + dt.timedelta(days=30), today)) if outcome else None
                    period = (
                        f"{reviewed_at.year}-S{1 if reviewed_at.month <= 6 else 2}"
                        if reviewed_at
                        else None
                    )
                    follow_at = _utc(due - dt.timedelta(days=5)) if outcome else None
                    recs.append(
                        self.stamp(
                            id=rec_id,
                            finding_id=fid,
                            number=str(r + 1),
                            text=f"Rekomendasi {rec_id}: menindaklanjuti temuan",
                            opd_id=opd,
                            original_due_on=due,
                            due_on=new_due or due,
                            outcome=outcome,
                            outcome_period=period,
                            last_follow_up_at=follow_at,
                            last_reviewed_at=reviewed_at,
                        )
                    )
                    if outcome:
                        fu_id += 1
                        follow_ups.append(
                            {
                                "id": fu_id,
                                "recommendation_id": rec_id,
                                "author_id": 3 + opd,
                                "submitted_at": follow_at,
                                "description": "Telah ditindaklanjuti.",
                                "created_at": self.now,
                                "updated_at": self.now,
                            }
                        )
                        review_id += 1
                        reviews.append(
                            self.stamp(
                                id=review_id,
                                recommendation_id=rec_id,
                                period=period,
                                outcome=outcome,
                                reason="tidak_efektif"
                                if outcome == "tidak_dapat_ditindaklanjuti"
                                else None,
                                new_due_on=new_due,
                                reviewer_id=2,
                                reviewed_at=reviewed_at,
                            )
                        )
        self.insert(Report.__table__, reports)
        self.insert(Finding.__table__, findings)
        self.insert(finding_opd, links)
        self.insert(Recommendation.__table__, recs)
        self.insert(FollowUp.__table__, follow_ups)
        self.insert(RecommendationReview.__table__, reviews)
        self.insert(Repayment.__table__, repayments)

    def _grades(self) -> None:
        from tracker.models.finding import EvaluationResult

        rows = []
        grades = ["BB", "A", "A", "A", "AA"]
        for instrument in ("sakip", "rb"):
            for k, year in enumerate(self.years[:-1]):
                for region, shift in (
                    ("Kota Malang", 0),
                    ("Kab. Banyuwangi", 1),
                    ("Kota Surabaya", 1),
                ):
                    rows.append(
                        self.stamp(
                            instrument=instrument,
                            year=year,
                            region=region,
                            grade=grades[min(k + shift, len(grades) - 1)],
                        )
                    )
        self.insert(EvaluationResult.__table__, rows)


# --- indexes suggested for the dashboard (not in the app's schema yet) -------------------

SUGGESTED_INDEXES = {
    # The period aggregates (per OPD, per area, per month) read only these columns of the
    # commitments due in the period: an index-only range scan instead of table lookups.
    "ix_commitment_due_on_opd_status": (
        "commitment",
        ("due_on", "opd_id", "status", "thematic_area_id", "progress"),
    ),
    # "Verified during the month": a range of verified_at within status 'verified'.
    "ix_commitment_status_verified_at": ("commitment", ("status", "verified_at")),
    # Recommendations of the period (by first deadline), with what the counts read.
    "ix_recommendation_original_due_on": (
        "recommendation",
        ("original_due_on", "opd_id", "outcome", "due_on"),
    ),
}


def create_suggested_indexes(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for name, (table, columns) in SUGGESTED_INDEXES.items():
            conn.execute(
                sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")
            )
        conn.execute(sa.text("ANALYZE"))


# --- timing ----------------------------------------------------------------------------


@contextmanager
def counting(engine: sa.Engine) -> Iterator[list[int]]:
    counter = [0]

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            counter[0] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def measure(
    name: str, path: str, get: Callable[[str], Any], engine: sa.Engine, n: int, warmup: int
) -> PageResult:
    status = 0
    for _ in range(warmup):
        status = get(path).status_code
    times: list[float] = []
    queries: list[int] = []
    for _ in range(n):
        with counting(engine) as counter:
            start = time.perf_counter()
            response = get(path)
            elapsed = time.perf_counter() - start
        status = response.status_code
        times.append(elapsed * 1000)
        queries.append(counter[0])
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return PageResult(
        name=name,
        path=path,
        status=status,
        requests=n,
        median_ms=round(statistics.median(times), 2),
        p95_ms=round(p95, 2),
        mean_ms=round(statistics.fmean(times), 2),
        min_ms=round(ordered[0], 2),
        queries=round(statistics.fmean(queries), 2),
    )


def _database_url(args: argparse.Namespace, folder: Path) -> str:
    url = args.database_url or os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{folder / 'bench.db'}"
    parsed = sa.engine.make_url(url)
    if "bench" not in (parsed.database or ""):
        sys.exit(
            "BENCH_DATABASE_URL: the database name must contain 'bench' "
            "(every table in it is dropped)."
        )
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--scale", type=float, default=1.0, help="data size factor (1 = city)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--output", type=Path, default=DEFAULT_DIR / "results.json")
    parser.add_argument(
        "--suggested-indexes",
        action="store_true",
        help="also create the indexes suggested for the dashboard (see SUGGESTED_INDEXES)",
    )
    parser.add_argument("--database-url", default="", help="default: BENCH_DATABASE_URL or SQLite")
    args = parser.parse_args(argv)

    folder = DEFAULT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    url = _database_url(args, folder)
    scale = Scale().scaled(args.scale)

    from tracker import create_app
    from tracker.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key",
            "INSTANCE_PATH": str(folder / "instance"),
            "WTF_CSRF_ENABLED": False,
            "LOGIN_MAX_FAILURES_PER_IP": 10_000,
        }
    )
    today = dt.datetime.now(WIB).date()
    counts: dict[str, int] = {}
    generated_in = 0.0
    with app.app_context():
        engine = db.engine
        backend = engine.dialect.name
        marker = folder / "bench.scale.json"
        wanted = json.dumps({"scale": asdict(scale), "url": url, "today": str(today)})
        if args.reuse and marker.exists() and marker.read_text() == wanted:
            print(f"Reusing the data in {engine.url.render_as_string(hide_password=True)}")
        else:
            print(f"Generating the city in {engine.url.render_as_string(hide_password=True)} …")
            start = time.perf_counter()
            db.drop_all()
            db.create_all()
            with engine.begin() as conn:
                counts = Generator(conn, scale, today).run()
            with engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
            generated_in = time.perf_counter() - start
            marker.write_text(wanted)
            print(f"  {sum(counts.values()):,} rows in {generated_in:.1f} s")
            for table, count in sorted(counts.items()):
                print(f"  {table:<24} {count:>8,}")
        indexes = sorted(
            name
            for name in SUGGESTED_INDEXES
            if name
            in {
                i["name"]
                for t in ("commitment", "recommendation")
                for i in sa.inspect(engine).get_indexes(t)
            }
        )
        if args.suggested_indexes:
            create_suggested_indexes(engine)
            indexes = sorted(SUGGESTED_INDEXES)
        elif indexes:
            print(
                "Note: the suggested indexes exist in this database (from a run with "
                "--suggested-indexes); drop them or regenerate to measure without them."
            )

    reader = app.test_client()
    response = reader.post(
        "/login", data={"email": "admin@bench.example.org", "password": PASSWORD}
    )
    if response.status_code != 302:
        print("Could not log in as the bench administrator.", file=sys.stderr)
        return 1
    opd_client = app.test_client()
    opd_client.post("/login", data={"email": "opd01@bench.example.org", "password": PASSWORD})
    anonymous = app.test_client()

    trivial_page = ("trivial page (GET /login, anonymous)", "/login", anonymous.get)
    dashboards: list[tuple[str, str, Callable[[str], Any]]] = [
        ("dashboard, this year (default)", "/", reader.get),
        ("dashboard, all time", "/?period=all", reader.get),
        ("dashboard of one OPD", "/opd/OPD01", reader.get),
        ("dashboard of an opd user", "/", opd_client.get),
    ]
    lists: list[tuple[str, str, Callable[[str], Any]]] = [
        ("commitment list", "/commitments/", reader.get),
        ("findings list", "/findings/", reader.get),
    ]
    with app.app_context():
        engine = db.engine

    def run(pages: list[tuple[str, str, Callable[[str], Any]]], mode: str) -> list[PageResult]:
        out = []
        for name, path, get in pages:
            result = measure(name, path, get, engine, args.requests, args.warmup)
            result.mode = mode
            out.append(result)
        return out

    # Without the dashboard's body cache: every request computes and renders everything
    # (also what the first request after any change costs). Then with it (the default).
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    results = run([trivial_page], "-")
    results += run(dashboards, "computed")
    results += run(lists, "-")
    app.config["DASHBOARD_CACHE_SECONDS"] = 300
    app.extensions.pop("tracker.dashboard.cache", None)
    results += run(dashboards, "cached")
    results += run([trivial_page], "- (again)")
    trivial = statistics.median(r.median_ms for r in results if r.path == "/login" and r.name)
    for result in results:
        result.ratio = round(result.median_ms / trivial, 2) if trivial else None

    print()
    print(f"Backend: {backend} · {args.requests} requests per page after {args.warmup} warm-up")
    print(f"Suggested indexes: {', '.join(indexes) if indexes else 'none (the app schema as is)'}")
    print(f"Trivial page median (both measurements): {trivial:.2f} ms")
    header = (
        f"{'page':<38} {'body':<10} {'status':>6} {'median ms':>10} {'p95 ms':>8} "
        f"{'queries':>8} {'× trivial':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = f"{r.ratio:.1f}" if r.ratio is not None else "—"
        print(
            f"{r.name:<38} {r.mode:<10} {r.status:>6} {r.median_ms:>10.1f} {r.p95_ms:>8.1f} "
            f"{r.queries:>8.1f} {ratio:>10}"
        )
    payload = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "database": sa.engine.make_url(url).render_as_string(hide_password=True),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version if backend == "sqlite" else None,
        "cpu_count": os.cpu_count(),
        "scale": asdict(scale),
        "rows": counts or None,
        "generation_seconds": round(generated_in, 1) if counts else None,
        "suggested_indexes": indexes,
        "requests_per_page": args.requests,
        "warmup": args.warmup,
        "trivial_median_ms": trivial,
        "pages": [asdict(r) for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWritten {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
