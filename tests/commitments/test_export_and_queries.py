"""The XLSX export of the filtered list, parsed back; query counts at two data sizes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.commitments.factories_commitments import (
    make_commitment,
    make_officials,
    make_workshop,
)
from tests.factories import make_opd, make_thematic_area, make_user
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models.base import utcnow
from tracker.models.commitment import (
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
    UpdateKind,
)
from tracker.models.workshop import AttendanceStatus

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

S = CommitmentStatus


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "No.")
    headers = rows[header_at]
    return [dict(zip(headers, r, strict=True)) for r in rows[header_at + 1 :]], rows[:header_at]


def test_export_matches_the_filtered_list(client, login_as):
    today = today_wib()
    dinkes = make_opd("DINKES", "Dinas Kesehatan")
    kominfo = make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    head, secretary = make_officials(dinkes)
    area = make_thematic_area(code="STUNTING", name="Percepatan Penurunan Stunting")
    workshop = make_workshop()
    late = make_commitment(
        dinkes,
        statement="Posyandu aktif; 100% balita ditimbang",
        thematic_area=area,
        made_by=head,
        carried_out_by=secretary,
        workshop=workshop,
        progress=60,
        due_on=today - dt.timedelta(days=10),
    )
    make_commitment(dinkes, status=S.VERIFIED, due_on=dt.date(2023, 12, 31))
    make_commitment(kominfo, due_on=today + dt.timedelta(days=2))
    login_as("inspektorat")

    rows, title = _sheet(client.get("/commitments/export.xlsx"))
    assert len(rows) == 3
    assert "Commitments" in title[0]
    rows, _ = _sheet(client.get(f"/commitments/export.xlsx?opd={dinkes.id}&deadline=overdue"))
    assert len(rows) == 1
    (row,) = rows
    assert row["OPD code"] == "DINKES"
    assert row["Commitment"] == late.statement
    assert row["Thematic area"] == "Percepatan Penurunan Stunting"
    assert row["Status"] == "In progress"
    assert row["Progress (%)"] == 60
    assert row["Deadline"] == "Overdue"
    assert row["Made by"] == head.name
    assert row["Carried out by"] == secretary.name
    assert row["Workshop"] == workshop.title
    due = row["Due date"]
    assert (due.date() if isinstance(due, dt.datetime) else due) == late.due_on

    # Search and sort are those of the list; no pagination.
    rows, _ = _sheet(client.get("/commitments/export.xlsx?q=posyandu"))
    assert [r["Commitment"] for r in rows] == [late.statement]
    rows, _ = _sheet(client.get("/commitments/export.xlsx?sort=due&dir=desc"))
    dues = [r["Due date"] for r in rows]
    assert dues == sorted(dues, reverse=True)
    assert (
        client.get("/commitments/export.xlsx?due_from=2030-01-01&due_to=2020-01-01").status_code
        == 400
    )


@pytest.mark.app_config(PER_PAGE=5)
def test_export_has_every_row_and_respects_scope(client, login):
    own = make_opd("DINKES")
    for i in range(12):
        make_commitment(own, statement=f"Komitmen {i}")
    make_commitment(own, status=S.DRAFT)
    make_commitment(make_opd("DISHUB"))
    login(make_user("opd", opd=own))
    rows, _ = _sheet(client.get("/commitments/export.xlsx"))
    assert len(rows) == 12
    assert {r["OPD code"] for r in rows} == {"DINKES"}
    # Another OPD in the query string does not widen the scope.
    other = make_opd("DLH")
    rows, _ = _sheet(client.get(f"/commitments/export.xlsx?opd={other.id}"))
    assert {r["OPD code"] for r in rows} == {"DINKES"}


# --- query counts ---------------------------------------------------------------------


def _grow(n: int, opd, area, workshop) -> None:
    """Add ``n`` commitments of various OPDs with history and evidence."""
    for j in range(n):
        other = make_opd()
        owner = other if j % 2 else opd
        head, secretary = make_officials(owner)
        commitment = make_commitment(
            owner,
            made_by=head,
            carried_out_by=secretary,
            thematic_area=area if j % 3 else None,
            workshop=workshop if j % 4 < 2 else None,
            due_on=today_wib() + dt.timedelta(days=(-5, 3, 30)[(j // 2) % 3]),
            status=S.REPORTED_DONE if j % 5 == 4 else S.ACTIVE,
        )
        update = ProgressUpdate(
            commitment_id=commitment.id,
            version=commitment.version,
            kind=UpdateKind.PROGRESS,
            at=utcnow(),
            author_label="x",
            note="x",
            progress=10,
        )
        db.session.add(update)
        db.session.flush()
        db.session.add(
            CommitmentEvidence(
                progress_update_id=update.id,
                commitment_id=commitment.id,
                kind=EvidenceKind.LINK,
                url="https://e.org/",
                original_name="https://e.org/",
            )
        )
        db.session.commit()


def _history(commitment, n: int) -> None:
    for _ in range(n):
        update = ProgressUpdate(
            commitment_id=commitment.id,
            version=commitment.version,
            kind=UpdateKind.PROGRESS,
            at=utcnow(),
            author_label="x",
            note="x",
            progress=20,
        )
        db.session.add(update)
        db.session.flush()
        for _ in range(2):
            db.session.add(
                CommitmentEvidence(
                    progress_update_id=update.id,
                    commitment_id=commitment.id,
                    kind=EvidenceKind.LINK,
                    url="https://e.org/",
                    original_name="https://e.org/",
                )
            )
    db.session.commit()


LIST_PAGES = [
    "/commitments/",
    "/commitments/?sort=opd&status=open",
    "/commitments/?deadline=overdue&sort=area",
    "/commitments/?q=SOP&sort=status&dir=desc",
    "/commitments/export.xlsx",
    "/commitments/export.xlsx?deadline=due_soon",
    "/commitments/new",
]


@pytest.mark.parametrize("url", LIST_PAGES)
@pytest.mark.parametrize("role", ["inspektorat", "opd"])
def test_list_query_count_is_constant(client, login, count_queries, url, role):
    opd = make_opd("DINKES")
    area = make_thematic_area()
    head, _ = make_officials(opd)
    workshop = make_workshop(attendance=[(head, AttendanceStatus.HADIR)])
    user = login(make_user(role, opd=opd if role == "opd" else None))
    if role == "opd" and url.endswith("/new"):
        pytest.skip("not for OPD users")
    del user
    _grow(6, opd, area, workshop)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(30, opd, area, workshop)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_record_pages_query_count_is_constant(client, login, count_queries):
    opd = make_opd("DINKES")
    area = make_thematic_area()
    head, secretary = make_officials(opd)
    workshop = make_workshop(attendance=[(head, AttendanceStatus.HADIR)])
    commitment = make_commitment(
        opd, made_by=head, carried_out_by=secretary, thematic_area=area, workshop=workshop
    )
    reported = make_commitment(opd, status=S.REPORTED_DONE, made_by=head)
    login(make_user("inspektorat"))
    urls = [
        f"/commitments/{commitment.id}",
        f"/commitments/{reported.id}",
        f"/commitments/{commitment.id}/edit",
        f"/commitments/bulk?workshop={workshop.id}",
        "/commitments/bulk",
    ]
    _history(commitment, 2)
    _history(reported, 2)
    _grow(2, opd, area, workshop)
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200, url
        small[url] = counter.count
    _history(commitment, 25)
    _history(reported, 25)
    _grow(25, opd, area, workshop)
    for _ in range(10):
        other = make_opd()
        other_head, _ = make_officials(other)
        make_workshop(attendance=[(other_head, AttendanceStatus.HADIR)])
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == small[url], (url, "\n".join(counter.statements))
