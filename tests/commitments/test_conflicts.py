"""No lost updates: a write made on a stale version is refused (409) with what changed
meanwhile, and nothing of it is stored. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.admin.factories_admin import form_data
from tests.commitments.factories_commitments import make_commitment, pdf_bytes, upload
from tests.factories import DEFAULT_PASSWORD, make_opd, make_user
from tracker.extensions import db
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    ProgressUpdate,
    UpdateKind,
)
from tracker.services import commitments as service
from tracker.services.errors import ConflictError

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _session(app, user):
    """A second browser: its own client and its own login."""
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def _version(html: str, prefix: str) -> str:
    match = re.search(rf'name="{prefix}-version"[^>]*value="(\d+)"', html)
    assert match, prefix
    return match.group(1)


def _conflict_box(html: str) -> str:
    match = re.search(r'data-testid="conflict".*?</ol>', html, re.S)
    assert match, "no conflict box"
    return match.group(0)


def test_two_secretaries_post_progress_at_once(app, backend):
    opd = make_opd("DINKES")
    commitment = make_commitment(opd, progress=10)
    first = _session(app, make_user("opd", opd=opd, name="Budi"))
    second = _session(app, make_user("opd", opd=opd, name="Sari"))
    url = f"/commitments/{commitment.id}"
    # Both open the same commitment.
    v1 = _version(first.get(url).get_data(as_text=True), "progress")
    v2 = _version(second.get(url).get_data(as_text=True), "progress")
    assert v1 == v2

    response = first.post(
        f"{url}/progress",
        data={
            "progress-version": v1,
            "progress-note": "Rapat koordinasi",
            "progress-progress": "40",
        },
    )
    assert response.status_code == 302
    response = second.post(
        f"{url}/progress",
        data={
            "progress-version": v2,
            "progress-note": "Sosialisasi kelurahan",
            "progress-progress": "30",
            "progress-refers_to_on": "2023-09-01",
            "progress-files": [upload(pdf_bytes(), "sosialisasi.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed by someone else" in html
    box = _conflict_box(html)
    assert "Rapat koordinasi" in box and "40%" in box and "Budi" in box
    # The chosen file was not kept: the page names it, to be chosen again.
    assert re.search(r'data-testid="file-not-kept">sosialisasi\.pdf<', html)
    # Nothing of the second update was stored: no entry, no progress, no file.
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.progress == 40
    notes = [u.note for u in commitment.updates]
    assert "Sosialisasi kelurahan" not in notes
    assert db.session.scalar(select(func.count()).select_from(CommitmentEvidence)) == 0
    uploads = Path(app.instance_path) / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]
    # The form came back with the user's text and the current version: sending it again works.
    assert "Sosialisasi kelurahan" in html
    v_now = _version(html, "progress")
    assert v_now == str(commitment.version)
    response = second.post(
        f"{url}/progress",
        data={
            "progress-version": v_now,
            "progress-note": "Sosialisasi kelurahan",
            "progress-progress": "45",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).progress == 45


def test_two_officers_edit_at_once(app, backend):
    commitment = make_commitment(target="3 SOP")
    first = _session(app, make_user("inspektorat"))
    second = _session(app, make_user("inspektorat", name="Dewi Auditor"))
    url = f"/commitments/{commitment.id}/edit"
    form_a = form_data(first.get(url).get_data(as_text=True))
    form_b = form_data(second.get(url).get_data(as_text=True))
    form_a["target"] = "5 SOP"
    assert first.post(url, data=form_a).status_code == 302
    form_b["due_on"] = "2035-01-01"
    response = second.post(url, data=form_b)
    assert response.status_code == 409
    box = _conflict_box(response.get_data(as_text=True))
    assert "Target" in box and "3 SOP" in box and "5 SOP" in box
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.target == "5 SOP"
    assert commitment.due_on.year == 2030  # the stale edit was not applied
    edits = [u for u in commitment.updates if u.kind is UpdateKind.EDIT]
    assert len(edits) == 1


def test_status_change_on_a_stale_page(app, backend):
    opd = make_opd()
    commitment = make_commitment(opd, evidence=True)
    officer = _session(app, make_user("inspektorat"))
    secretary = _session(app, make_user("opd", opd=opd))
    url = f"/commitments/{commitment.id}"
    stale = _version(officer.get(url).get_data(as_text=True), "cancel")
    done = _version(secretary.get(url).get_data(as_text=True), "done")
    assert secretary.post(f"{url}/report-done", data={"done-version": done}).status_code == 302
    response = officer.post(
        f"{url}/cancel", data={"cancel-version": stale, "cancel-reason": "Tidak relevan lagi"}
    )
    assert response.status_code == 409
    assert "Reported done" in _conflict_box(response.get_data(as_text=True))
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.status is CommitmentStatus.REPORTED_DONE
    assert commitment.cancel_reason is None


def test_concurrent_writes_race_on_postgresql(app, backend):
    """Two database sessions read the same version and write at the same moment: the
    second UPDATE waits for the first to commit, then finds the version changed and is
    refused; nothing of it is stored."""
    if backend != "postgresql":
        pytest.skip("a real concurrent write needs PostgreSQL's row locks")
    commitment = make_commitment(target="3 SOP")
    officer = make_user("inspektorat")
    other_officer = make_user("inspektorat")
    commitment_id, version = commitment.id, commitment.version
    values = {f: getattr(commitment, f) for f in service.FIELDS}
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        with app.app_context():
            mine = db.session.get(Commitment, commitment_id)
            actor = db.session.get(type(other_officer), other_officer.id)
            assert mine.version == version  # the first write is not committed yet
            try:
                service.edit_commitment(
                    mine,
                    {**values, "target": "7 SOP"},
                    actor=actor,
                    now=utcnow(),
                    expected_version=version,
                )
                db.session.commit()
                outcome["result"] = "saved"
            except ConflictError as exc:
                db.session.rollback()
                outcome["result"] = exc
            except BaseException as exc:  # surfaced by the assertions below
                db.session.rollback()
                outcome["error"] = exc
            finally:
                db.session.remove()

    # The first writer updates the row and holds its lock, uncommitted.
    service.edit_commitment(
        commitment,
        {**values, "target": "5 SOP"},
        actor=officer,
        now=utcnow(),
        expected_version=version,
    )
    thread = threading.Thread(target=second_writer)
    thread.start()
    with db.engine.connect() as watcher:
        waiting = 0
        for _ in range(600):  # up to 30 s on a busy machine
            if not thread.is_alive():
                break
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            # pg_stat_activity is read once per transaction: end it to see the next state.
            watcher.rollback()
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, f"the second writer never waited for the row lock: {outcome}"
    db.session.commit()
    thread.join(timeout=30)
    assert isinstance(outcome.get("result"), ConflictError), outcome

    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment_id)
    assert commitment.target == "5 SOP"
    assert commitment.version == version + 1
    edits = db.session.scalars(
        select(ProgressUpdate).where(
            ProgressUpdate.commitment_id == commitment_id, ProgressUpdate.kind == UpdateKind.EDIT
        )
    ).all()
    assert [e.author_id for e in edits] == [officer.id]
