"""The commitment pages: list with filters, detail with timeline, entry, edits, actions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests.admin.factories_admin import form_data
from tests.commitments.factories_commitments import (
    make_commitment,
    make_officials,
    make_workshop,
    pdf_bytes,
    upload,
)
from tests.factories import make_opd, make_person, make_thematic_area, make_user
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import AuditAction, AuditLog, HierarchyRole
from tracker.models.commitment import (
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    UpdateKind,
)
from tracker.models.workshop import AttendanceStatus

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

S = CommitmentStatus


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="commitment-row" data-id="(\d+)"', html)]


def _valid(opd, **overrides):
    data = {
        "opd_id": str(opd.id),
        "workshop_id": "",
        "thematic_area_id": "",
        "statement": "Mengintegrasikan layanan perizinan ke Mal Pelayanan Publik digital",
        "indicator": "Jumlah layanan terintegrasi",
        "target": "25 layanan",
        "due_on": "2024-06-30",
        "made_by_id": "",
        "carried_out_by_id": "",
        "activate": "y",
    }
    data.update(overrides)
    return data


# --- entry -----------------------------------------------------------------------------


def test_create_commitment(client, login_as):
    opd = make_opd("DISKOMINFO")
    head, secretary = make_officials(opd)
    area = make_thematic_area(code="DIGITALISASI", name="Digitalisasi")
    user = login_as("inspektorat")
    page = client.get(f"/commitments/new?opd={opd.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-opd="{opd.id}"' in html  # the options say their OPD for preselection
    response = client.post(
        "/commitments/new",
        data=_valid(
            opd,
            thematic_area_id=str(area.id),
            made_by_id=str(head.id),
            carried_out_by_id=str(secretary.id),
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    commitment = db.session.scalar(select(Commitment))
    assert response.headers["Location"].endswith(f"/commitments/{commitment.id}")
    assert commitment.status is S.ACTIVE
    assert (commitment.made_by_id, commitment.carried_out_by_id) == (head.id, secretary.id)
    assert commitment.due_on == dt.date(2024, 6, 30)
    assert commitment.created_by_id == user.id
    assert [u.kind for u in commitment.updates] == [UpdateKind.CREATE]
    entry = db.session.scalar(
        select(AuditLog).where(
            AuditLog.entity_type == "Commitment", AuditLog.entity_id == commitment.id
        )
    )
    assert entry.action is AuditAction.CREATE
    assert entry.actor_id == user.id


def test_create_as_draft_is_hidden_from_the_opd(client, login_as, login):
    opd = make_opd()
    login_as("admin")
    data = _valid(opd)
    del data["activate"]
    assert client.post("/commitments/new", data=data).status_code == 302
    db.session.expire_all()
    commitment = db.session.scalar(select(Commitment))
    assert commitment.status is S.DRAFT
    client.post("/logout")
    login(make_user("opd", opd=opd))
    assert client.get(f"/commitments/{commitment.id}").status_code == 404
    assert _rows(client.get("/commitments/").get_data(as_text=True)) == []


def test_create_validation(client, login_as):
    opd = make_opd()
    other = make_opd()
    stranger = make_person(other, hierarchy_role=HierarchyRole.SEKRETARIS_OPD)
    inactive = make_opd(active=False)
    workshop = make_workshop()
    login_as("inspektorat")
    cases = [
        ({"statement": ""}, "This field is required"),
        ({"statement": "x" * 2001}, "2000"),
        ({"indicator": ""}, "This field is required"),
        ({"target": "x" * 501}, "500"),
        ({"due_on": ""}, "This field is required"),
        ({"due_on": "31-12-2024"}, "Not a valid date value"),
        ({"due_on": "1999-12-31"}, "Enter a date between 2000 and 2100."),
        ({"opd_id": ""}, "Choose an active OPD."),
        ({"opd_id": str(inactive.id)}, "Not a valid choice"),
        ({"opd_id": "abc"}, "Invalid Choice"),
        ({"carried_out_by_id": str(stranger.id)}, "must belong to"),
        ({"workshop_id": str(workshop.id), "due_on": "2023-07-01"}, "before the workshop"),
        ({"thematic_area_id": "999999"}, "Not a valid choice"),
    ]
    for overrides, message in cases:
        response = client.post("/commitments/new", data=_valid(opd, **overrides))
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), (overrides, message)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0


# --- list ------------------------------------------------------------------------------


def test_opd_user_lists_only_their_own_opd(client, login):
    own = make_opd("DINKES")
    other = make_opd("DISKOMINFO")
    mine = make_commitment(own, statement="Penurunan stunting di 57 kelurahan")
    reported = make_commitment(own, status=S.REPORTED_DONE)
    make_commitment(own, status=S.DRAFT)
    theirs = make_commitment(other)
    login(make_user("opd", opd=own))
    html = client.get("/commitments/").get_data(as_text=True)
    assert sorted(_rows(html)) == sorted([mine.id, reported.id])
    assert 'name="opd"' not in html  # no OPD filter for a single OPD
    assert "New commitment" not in html
    assert client.get(f"/commitments/{theirs.id}").status_code == 404
    # Filtering by another OPD does not widen the scope.
    html = client.get(f"/commitments/?opd={other.id}").get_data(as_text=True)
    assert theirs.id not in _rows(html)


def test_list_filters_search_and_badges(client, login_as):
    today = today_wib()
    dinkes = make_opd("DINKES", "Dinas Kesehatan")
    kominfo = make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    stunting = make_thematic_area(code="STUNTING", name="Percepatan Penurunan Stunting")
    workshop = make_workshop()
    overdue = make_commitment(
        dinkes,
        due_on=today - dt.timedelta(days=40),
        thematic_area=stunting,
        statement="Posyandu aktif di seluruh kelurahan",
        workshop=workshop,
    )
    soon = make_commitment(kominfo, due_on=today + dt.timedelta(days=3))
    later = make_commitment(kominfo, due_on=today + dt.timedelta(days=60), statement="Satu Data")
    done_late = make_commitment(dinkes, status=S.REPORTED_DONE, due_on=today - dt.timedelta(days=5))
    verified = make_commitment(dinkes, status=S.VERIFIED, due_on=dt.date(2023, 12, 31))
    login_as("pimpinan")

    def ids(query: str) -> list[int]:
        response = client.get(f"/commitments/?{query}")
        assert response.status_code == 200, query
        return sorted(_rows(response.get_data(as_text=True)))

    assert ids("") == sorted([overdue.id, soon.id, later.id, done_late.id, verified.id])
    assert ids("deadline=overdue") == [overdue.id]  # reported done is not overdue
    assert ids("deadline=due_soon") == [soon.id]
    assert ids(f"opd={dinkes.id}") == sorted([overdue.id, done_late.id, verified.id])
    assert ids(f"area={stunting.id}") == [overdue.id]
    assert ids(f"workshop={workshop.id}") == [overdue.id]
    assert ids("status=verified") == [verified.id]
    assert ids("status=open") == sorted([overdue.id, soon.id, later.id, done_late.id])
    assert ids(f"due_from={today.isoformat()}") == sorted([soon.id, later.id])
    assert ids(f"due_to={(today - dt.timedelta(days=1)).isoformat()}") == sorted(
        [overdue.id, done_late.id, verified.id]
    )
    assert ids("q=posyandu") == [overdue.id]
    assert ids("q=kominfo") == sorted([soon.id, later.id])
    assert ids("q=100%25") == []
    assert ids("status=nonsense&deadline=x&opd=abc") == ids("")

    html = client.get("/commitments/?sort=due").get_data(as_text=True)
    assert _rows(html) == [verified.id, overdue.id, done_late.id, soon.id, later.id]
    html_desc = client.get("/commitments/?sort=due&dir=desc").get_data(as_text=True)
    assert _rows(html_desc) == list(reversed(_rows(html)))
    row = re.search(rf'data-id="{overdue.id}".*?</tr>', html, re.S).group(0)
    assert 'data-testid="badge-overdue"' in row
    assert "text-bg-danger" in row
    row = re.search(rf'data-id="{soon.id}".*?</tr>', html, re.S).group(0)
    assert 'data-testid="badge-due-soon"' in row
    assert "text-bg-warning" in row
    row = re.search(rf'data-id="{done_late.id}".*?</tr>', html, re.S).group(0)
    assert "badge-overdue" not in row


def test_list_bad_dates_and_pagination(client, login_as):
    opd = make_opd()
    for i in range(30):
        make_commitment(opd, due_on=dt.date(2030, 1, 1) + dt.timedelta(days=i))
    login_as("inspektorat")
    response = client.get("/commitments/?due_from=2031-01-01&due_to=2030-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    response = client.get("/commitments/?due_from=not-a-date")
    assert response.status_code == 400
    first = _rows(client.get("/commitments/").get_data(as_text=True))
    second = _rows(client.get("/commitments/?page=2").get_data(as_text=True))
    assert len(first) == 25
    assert len(second) == 5
    assert not set(first) & set(second)
    assert "26–30 of 30" in client.get("/commitments/?page=2").get_data(as_text=True)


# --- detail and actions ---------------------------------------------------------------


def _detail_form(client, commitment, prefix):
    html = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    version = re.search(rf'name="{prefix}-version"[^>]*value="(\d+)"', html)
    assert version, f"no {prefix} form on the page"
    return {f"{prefix}-version": version.group(1)}


def test_secretary_reports_progress_and_done_then_inspektorat_verifies(client, login, app):
    opd = make_opd("DINKES")
    commitment = make_commitment(opd)
    secretary = make_user("opd", opd=opd)
    login(secretary)
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert 'data-testid="progress-form"' in page
    assert 'data-testid="review-form"' not in page
    assert 'data-testid="commitment-edit"' not in page
    assert 'data-testid="cancel-form"' not in page

    # Reporting done without any evidence is refused.
    data = _detail_form(client, commitment, "done")
    response = client.post(f"/commitments/{commitment.id}/report-done", data=data)
    assert response.status_code == 400
    assert "before reporting done" in response.get_data(as_text=True)

    data = _detail_form(client, commitment, "progress")
    data.update(
        {
            "progress-note": "Pendataan balita di 57 kelurahan selesai.",
            "progress-progress": "60",
            "progress-links": "https://malangkota.go.id/laporan-stunting",
            "progress-refers_to_on": "2023-08-15",
            "progress-files": [upload(pdf_bytes(), "laporan agustus.pdf")],
        }
    )
    response = client.post(
        f"/commitments/{commitment.id}/progress", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.progress == 60
    assert commitment.last_progress_at is not None
    update = commitment.updates[-1]
    assert (update.kind, update.progress, update.author_id) == (
        UpdateKind.PROGRESS,
        60,
        secretary.id,
    )
    assert sorted(e.kind.value for e in update.evidence) == ["file", "link"]
    assert all(e.refers_to_on == dt.date(2023, 8, 15) for e in update.evidence)

    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert "Pendataan balita di 57 kelurahan selesai." in page
    assert "laporan agustus.pdf" in page
    assert 'rel="noopener noreferrer nofollow"' in page

    data = _detail_form(client, commitment, "done")
    data["done-note"] = "Seluruh target tercapai."
    response = client.post(f"/commitments/{commitment.id}/report-done", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert (commitment.status, commitment.progress) == (S.REPORTED_DONE, 100)
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert 'data-testid="progress-form"' not in page
    assert 'data-testid="awaiting-verification"' in page
    # The secretary cannot verify.
    response = client.post(
        f"/commitments/{commitment.id}/review",
        data={"review-version": str(commitment.version), "review-decision": "verify"},
    )
    assert response.status_code == 403

    officer = make_user("inspektorat")
    client.post("/logout")
    login(officer)
    data = _detail_form(client, commitment, "review")
    data["review-decision"] = "verify"
    response = client.post(f"/commitments/{commitment.id}/review", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.status is S.VERIFIED
    assert commitment.verified_by_id == officer.id
    kinds = [u.kind for u in commitment.updates]
    assert kinds == [
        UpdateKind.CREATE,
        UpdateKind.PROGRESS,
        UpdateKind.REPORT_DONE,
        UpdateKind.VERIFY,
    ]
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    entries = re.findall(r'data-testid="timeline-entry" data-kind="(\w+)"', page)
    assert entries == ["create", "progress", "report_done", "verify"]


def test_return_needs_a_note_and_cancel_a_reason(client, login_as):
    commitment = make_commitment(status=S.REPORTED_DONE, progress=100)
    login_as("inspektorat")
    data = _detail_form(client, commitment, "review")
    data["review-decision"] = "return"
    response = client.post(f"/commitments/{commitment.id}/review", data=data)
    assert response.status_code == 400
    assert "Say what is missing" in response.get_data(as_text=True)
    data.update({"review-note": "Foto kegiatan belum ada.", "review-progress": "80"})
    assert client.post(f"/commitments/{commitment.id}/review", data=data).status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert (commitment.status, commitment.progress) == (S.ACTIVE, 80)
    assert commitment.updates[-1].note == "Foto kegiatan belum ada."
    assert commitment.updates[-1].kind is UpdateKind.RETURN

    data = _detail_form(client, commitment, "cancel")
    assert client.post(f"/commitments/{commitment.id}/cancel", data=data).status_code == 400
    data["cancel-reason"] = "Program dihentikan oleh pemerintah pusat."
    assert client.post(f"/commitments/{commitment.id}/cancel", data=data).status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.status is S.CANCELLED
    assert commitment.cancel_reason == "Program dihentikan oleh pemerintah pusat."

    data = _detail_form(client, commitment, "reopen")
    data["reopen-note"] = "Dibatalkan karena salah input."
    assert client.post(f"/commitments/{commitment.id}/reopen", data=data).status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert (commitment.status, commitment.cancel_reason) == (S.ACTIVE, None)


def test_activate_a_draft(client, login_as):
    commitment = make_commitment(status=S.DRAFT)
    login_as("inspektorat")
    data = _detail_form(client, commitment, "activate")
    assert client.post(f"/commitments/{commitment.id}/activate", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).status is S.ACTIVE


def test_wrong_transition_is_refused_with_a_message(client, login_as):
    commitment = make_commitment(status=S.VERIFIED)
    login_as("inspektorat")
    response = client.post(
        f"/commitments/{commitment.id}/cancel",
        data={"cancel-version": str(commitment.version), "cancel-reason": "x"},
    )
    assert response.status_code == 400
    assert "cannot become" in response.get_data(as_text=True)


def test_opd_cannot_act_on_another_opds_commitment(client, login):
    own = make_opd()
    theirs = make_commitment(make_opd())
    login(make_user("opd", opd=own))
    for action, prefix in (("progress", "progress"), ("report-done", "done")):
        response = client.post(
            f"/commitments/{theirs.id}/{action}",
            data={f"{prefix}-version": str(theirs.version), f"{prefix}-note": "x"},
        )
        assert response.status_code == 404, action


def test_pimpinan_reads_but_cannot_act(client, login_as):
    commitment = make_commitment()
    login_as("pimpinan")
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert 'data-testid="progress-form"' not in page
    assert 'data-testid="commitment-edit"' not in page
    response = client.post(
        f"/commitments/{commitment.id}/progress",
        data={"progress-version": "1", "progress-note": "x", "progress-progress": "10"},
    )
    assert response.status_code == 403


def test_progress_only_while_in_progress(client, login):
    opd = make_opd()
    commitment = make_commitment(opd, status=S.REPORTED_DONE)
    login(make_user("opd", opd=opd))
    response = client.post(
        f"/commitments/{commitment.id}/progress",
        data={
            "progress-version": str(commitment.version),
            "progress-note": "Tambahan",
            "progress-progress": "100",
        },
    )
    assert response.status_code == 400
    assert "only be reported while" in response.get_data(as_text=True)


def test_secretary_cannot_change_statement_target_or_due_date(client, login):
    opd = make_opd()
    commitment = make_commitment(opd)
    login(make_user("opd", opd=opd))
    assert client.get(f"/commitments/{commitment.id}/edit").status_code == 403
    data = {
        "version": str(commitment.version),
        "statement": "Diubah",
        "target": "0",
        "due_on": "2099-01-01",
    }
    assert client.post(f"/commitments/{commitment.id}/edit", data=data).status_code == 403
    # Extra fields sent with a progress update are ignored.
    response = client.post(
        f"/commitments/{commitment.id}/progress",
        data={
            "progress-version": str(commitment.version),
            "progress-note": "Rapat koordinasi",
            "progress-progress": "10",
            "statement": "Diubah",
            "progress-statement": "Diubah",
            "progress-due_on": "2099-01-01",
            "due_on": "2099-01-01",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.statement == "Menyusun SOP layanan digital"
    assert commitment.due_on == dt.date(2030, 12, 31)
    assert commitment.target == "3 SOP"


# --- edit ------------------------------------------------------------------------------


def test_inspektorat_edits_any_field_audited(client, login_as):
    opd = make_opd()
    commitment = make_commitment(opd, progress=20)
    user = login_as("inspektorat")
    data = form_data(client.get(f"/commitments/{commitment.id}/edit").get_data(as_text=True))
    assert data["statement"] == "Menyusun SOP layanan digital"
    assert data["due_on"] == "2030-12-31"
    data.update(target="5 SOP", due_on="2031-03-31", progress="30", note="Hasil rapat evaluasi")
    response = client.post(f"/commitments/{commitment.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert (commitment.target, commitment.due_on, commitment.progress) == (
        "5 SOP",
        dt.date(2031, 3, 31),
        30,
    )
    update = commitment.updates[-1]
    assert update.kind is UpdateKind.EDIT
    assert update.changes == {
        "target": ["3 SOP", "5 SOP"],
        "due_on": ["2030-12-31", "2031-03-31"],
        "progress": [20, 30],
    }
    assert update.note == "Hasil rapat evaluasi"
    audit = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "Commitment", AuditLog.entity_id == commitment.id)
        .order_by(AuditLog.id.desc())
    ).first()
    assert audit.actor_id == user.id
    assert audit.changes["target"] == ["3 SOP", "5 SOP"]
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert "Hasil rapat evaluasi" in page
    assert "31 Mar 2031" in page

    # Saving unchanged records nothing.
    data = form_data(client.get(f"/commitments/{commitment.id}/edit").get_data(as_text=True))
    assert client.post(f"/commitments/{commitment.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Commitment, commitment.id).updates) == 2


def test_edit_validation(client, login_as):
    commitment = make_commitment()
    login_as("admin")
    data = form_data(client.get(f"/commitments/{commitment.id}/edit").get_data(as_text=True))
    data.update(progress="101")
    response = client.post(f"/commitments/{commitment.id}/edit", data=data)
    assert response.status_code == 400
    data.update(progress="50", statement="")
    assert client.post(f"/commitments/{commitment.id}/edit", data=data).status_code == 400
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).version == commitment.version


# --- bulk entry -------------------------------------------------------------------------


def _bulk_setup():
    dinkes = make_opd("DINKES", "Dinas Kesehatan", sort_order=105)
    kominfo = make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika", sort_order=145)
    absent = make_opd("DLH", "Dinas Lingkungan Hidup", sort_order=130)
    dinkes_head, dinkes_sec = make_officials(dinkes)
    kominfo_head, kominfo_sec = make_officials(kominfo)
    absent_head, _ = make_officials(absent)
    from tracker.models.workshop import AttendanceStatus as A

    workshop = make_workshop(
        attendance=[
            (dinkes_head, A.HADIR),
            (dinkes_sec, A.HADIR),
            (kominfo_head, A.DIWAKILI),
            (absent_head, A.IZIN),
            (make_person(None, hierarchy_role=HierarchyRole.WALI_KOTA), A.HADIR),
        ]
    )
    return workshop, (dinkes, dinkes_head, dinkes_sec), (kominfo, kominfo_head, kominfo_sec)


def test_bulk_entry_rows_and_prefill(client, login_as):
    workshop, (dinkes, head, sec), (_kominfo, k_head, k_sec) = _bulk_setup()
    login_as("inspektorat")
    picker = client.get("/commitments/bulk").get_data(as_text=True)
    assert workshop.title in picker
    response = client.get(f"/commitments/bulk?workshop={workshop.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.findall(r'data-testid="bulk-row" data-opd="(\w+)"', html) == ["DINKES", "DISKOMINFO"]
    data = form_data(html.replace('data-testid="bulk-form"', 'data-testid="edit-form"'))
    assert data["rows-0-opd_id"] == str(dinkes.id)
    assert data["rows-0-made_by_id"] == str(head.id)
    assert data["rows-0-carried_out_by_id"] == str(sec.id)
    assert data["rows-1-made_by_id"] == str(k_head.id)
    assert data["rows-1-carried_out_by_id"] == str(k_sec.id)
    assert data["default_due_on"] == "2023-12-31"


def test_bulk_entry_saves_all_or_nothing(client, login_as):
    workshop, (dinkes, head, sec), (kominfo, _, _) = _bulk_setup()
    area = make_thematic_area(code="STUNTING")
    login_as("inspektorat")
    html = client.get(f"/commitments/bulk?workshop={workshop.id}").get_data(as_text=True)
    data = form_data(html.replace('data-testid="bulk-form"', 'data-testid="edit-form"'))

    # Row 0 valid, row 1 half-filled: nothing is saved, row 1 shows its own messages.
    data.update(
        {
            "rows-0-statement": "Menurunkan prevalensi stunting",
            "rows-0-indicator": "Prevalensi stunting",
            "rows-0-target": "di bawah 14%",
            "rows-0-thematic_area_id": str(area.id),
            "rows-1-statement": "Integrasi aplikasi layanan",
            "rows-1-due_on": "2023-07-01",
        }
    )
    response = client.post(f"/commitments/bulk?workshop={workshop.id}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    rows = re.split(r'data-testid="bulk-row"', html)[1:]
    assert "is-invalid" not in rows[0]
    assert "This field is required." in rows[1]
    assert "before the workshop" in rows[1]
    assert "1 row has errors; nothing was saved." in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0

    # Fixed: both saved together, the default due date fills row 0.
    data.update({"rows-1-indicator": "Jumlah layanan", "rows-1-target": "10", "rows-1-due_on": ""})
    response = client.post(f"/commitments/bulk?workshop={workshop.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.scalars(select(Commitment).order_by(Commitment.id)).all()
    assert [c.opd_id for c in saved] == [dinkes.id, kominfo.id]
    assert all(c.workshop_id == workshop.id for c in saved)
    assert all(c.due_on == dt.date(2023, 12, 31) for c in saved)
    assert saved[0].made_by_id == head.id and saved[0].carried_out_by_id == sec.id
    assert saved[0].thematic_area_id == area.id
    assert all(c.status is S.ACTIVE for c in saved)


def test_bulk_entry_skips_empty_rows_and_refuses_foreign_opds(client, login_as):
    workshop, (_dinkes, _, _), _ = _bulk_setup()
    outsider = make_opd("DISHUB")
    login_as("admin")
    html = client.get(f"/commitments/bulk?workshop={workshop.id}").get_data(as_text=True)
    data = form_data(html.replace('data-testid="bulk-form"', 'data-testid="edit-form"'))
    response = client.post(f"/commitments/bulk?workshop={workshop.id}", data=data)
    assert response.status_code == 400
    assert "Fill in at least one row." in response.get_data(as_text=True)

    data.update(
        {
            "rows-0-opd_id": str(outsider.id),
            "rows-0-statement": "x",
            "rows-0-indicator": "x",
            "rows-0-target": "x",
        }
    )
    response = client.post(f"/commitments/bulk?workshop={workshop.id}", data=data)
    assert response.status_code == 400
    assert "did not attend the workshop" in response.get_data(as_text=True)
    assert client.get("/commitments/bulk?workshop=999999").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0


def test_history_is_append_only(app):
    commitment = make_commitment()
    update = db.session.scalar(select(ProgressUpdate))
    update.note = "diubah"
    with pytest.raises(Exception, match="never edited"):
        db.session.flush()
    db.session.rollback()
    assert commitment.id


def test_pages_have_no_inline_scripts_or_styles(client, login_as):
    opd = make_opd()
    head, _secretary = make_officials(opd)
    workshop = make_workshop(attendance=[(head, AttendanceStatus.HADIR)])
    commitments = [
        make_commitment(opd, status=status, evidence=True, made_by=head, workshop=workshop)
        for status in S
    ]
    login_as("admin")
    urls = [
        "/commitments/",
        "/commitments/new",
        "/commitments/bulk",
        f"/commitments/bulk?workshop={workshop.id}",
        *(f"/commitments/{c.id}" for c in commitments),
        f"/commitments/{commitments[0].id}/edit",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag, (url, tag)
        assert " style=" not in page, url
