"""Evidence uploads: limits, types checked by content, hostile names, guarded downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.commitments.factories_commitments import (
    PNG_BYTES,
    docx_bytes,
    make_commitment,
    pdf_bytes,
    upload,
)
from tests.factories import make_opd, make_user
from tracker.extensions import db
from tracker.models.commitment import Commitment, CommitmentEvidence, ProgressUpdate

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _stored_files(app) -> list[Path]:
    folder = Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def setup(app, client, login):
    opd = make_opd("DINKES")
    commitment = make_commitment(opd)
    secretary = login(make_user("opd", opd=opd))
    return commitment, secretary


def _post(client, commitment, files, **extra):
    data = {
        "progress-version": str(commitment.version),
        "progress-note": "Bukti kegiatan",
        "progress-progress": "40",
        "progress-refers_to_on": "2023-09-01",
        "progress-files": files,
    }
    data.update(extra)
    return client.post(
        f"/commitments/{commitment.id}/progress", data=data, content_type="multipart/form-data"
    )


def _evidence_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CommitmentEvidence)) or 0


def test_allowed_types_are_kept_under_generated_names(app, client, setup):
    commitment, secretary = setup
    response = _post(
        client,
        commitment,
        [
            upload(pdf_bytes(), "laporan.pdf"),
            upload(PNG_BYTES, "foto kegiatan.PNG"),
            upload(docx_bytes(), "notulen.docx"),
        ],
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    items = db.session.scalars(select(CommitmentEvidence).order_by(CommitmentEvidence.id)).all()
    assert [i.original_name for i in items] == ["laporan.pdf", "foto kegiatan.PNG", "notulen.docx"]
    assert [i.content_type for i in items] == [
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert all(i.uploaded_by_id == secretary.id for i in items)
    assert all(len(i.sha256) == 64 and i.size > 0 for i in items)
    for item in items:
        assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|png|docx)", item.stored_name)
    files = _stored_files(app)
    assert len(files) == 3
    static = Path(app.static_folder).resolve()
    assert all(static not in f.resolve().parents for f in files)
    assert all(Path(app.instance_path).resolve() in f.resolve().parents for f in files)
    # Never served from static/.
    assert client.get(f"/static/{items[0].stored_name}").status_code == 404
    assert client.get(f"/static/uploads/{items[0].stored_name}").status_code == 404


def test_download_only_for_those_who_may_see_the_commitment(app, client, setup, login):
    commitment, _ = setup
    assert _post(client, commitment, [upload(pdf_bytes("rahasia"), "bukti.pdf")]).status_code == 302
    db.session.expire_all()
    item = db.session.scalar(select(CommitmentEvidence))
    url = f"/commitments/{commitment.id}/evidence/{item.id}"

    response = client.get(url)
    assert response.status_code == 200
    assert response.data == pdf_bytes("rahasia")
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert "bukti.pdf" in response.headers["Content-Disposition"]

    # The same evidence under another commitment's URL is not found.
    other_own = make_commitment(commitment.opd)
    assert client.get(f"/commitments/{other_own.id}/evidence/{item.id}").status_code == 404
    assert client.get(f"/commitments/{commitment.id}/evidence/999999").status_code == 404

    client.post("/logout")
    assert client.get(url).status_code == 302  # to the login page
    login(make_user("opd", opd=make_opd()))
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(make_user("pimpinan"))
    assert client.get(url).status_code == 200

    # A file gone from the disk is a 404, not a 500.
    for path in _stored_files(app):
        path.unlink()
    assert client.get(url).status_code == 404


@pytest.mark.app_config(UPLOAD_MAX_FILE_SIZE=2048)
def test_file_too_large(app, client, setup):
    commitment, _ = setup
    big = pdf_bytes() + b"0" * 4096
    response = _post(client, commitment, [upload(pdf_bytes(), "ok.pdf"), upload(big, "besar.pdf")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "larger than the limit of 2 KB" in html
    assert _evidence_count() == 0
    assert _stored_files(app) == []  # the first file, already kept, is removed again
    assert db.session.get(Commitment, commitment.id).progress == 0


@pytest.mark.app_config(MAX_CONTENT_LENGTH=50_000)
def test_request_too_large(app, client, setup):
    """Over MAX_CONTENT_LENGTH: the form comes back with the text typed and the files
    named as not kept; far over it (5×), a 413 page says the limits."""
    commitment, _ = setup
    response = _post(client, commitment, [upload(pdf_bytes() + b"0" * 60_000, "besar.pdf")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "together they were larger than 49 KB" in html
    assert re.search(r'data-testid="file-not-kept">besar\.pdf<', html)
    assert "Bukti kegiatan" in html  # the note typed is still there
    assert _evidence_count() == 0
    assert _stored_files(app) == []

    response = _post(client, commitment, [upload(pdf_bytes() + b"0" * 260_000, "besar.pdf")])
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "larger than 49 KB in all" in html
    assert "Nothing was saved" in html
    assert _evidence_count() == 0
    assert _stored_files(app) == []


def test_too_many_files(app, client, setup):
    commitment, _ = setup
    files = [upload(pdf_bytes(str(i)), f"bukti-{i}.pdf") for i in range(6)]
    response = _post(client, commitment, files)
    assert response.status_code == 400
    assert "Attach at most 5 files per update." in response.get_data(as_text=True)
    assert _evidence_count() == 0
    assert _stored_files(app) == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "bukti.pdf", "not an allowed type"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "setup.exe", "not an allowed type"),
        (b"#!/bin/sh\nrm -rf /\n", "skrip.sh", "not an allowed type"),
        (PNG_BYTES, "foto.pdf", "does not match its extension"),
        (pdf_bytes(), "laporan.docx", "does not match its extension"),
        (b"PK\x03\x04not really a zip", "arsip.docx", "not an allowed type"),
        (b"", "kosong.pdf", "is empty"),
    ],
)
def test_wrong_types_are_refused(app, client, setup, content, name, message):
    commitment, _ = setup
    response = _post(client, commitment, [upload(content, name)])
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _evidence_count() == 0
    assert _stored_files(app) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == 1


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("../../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.pdf", None),
        ("<script>alert(1)</script>.pdf", "script>.pdf"),
        ("lap\x07or\x1ban.pdf", "laporan.pdf"),
        ('bukti"; filename="evil.html.pdf', None),
        ("." * 3 + "pdf", "pdf"),
    ],
)
def test_hostile_file_names(app, client, setup, hostile, shown):
    commitment, _ = setup
    response = _post(client, commitment, [upload(pdf_bytes(), hostile)])
    if response.status_code != 302:
        # A name that loses its extension is refused with a reason, never a 500.
        assert response.status_code == 400
        return
    db.session.expire_all()
    item = db.session.scalar(select(CommitmentEvidence))
    assert "/" not in item.original_name and "\\" not in item.original_name
    assert "\r" not in item.original_name and "\n" not in item.original_name
    assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.pdf", item.stored_name)
    (path,) = _stored_files(app)
    assert path.name == item.stored_name.rsplit("/", 1)[1]
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    download = client.get(f"/commitments/{commitment.id}/evidence/{item.id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    if shown is not None:  # (how a client encodes some names is up to the client)
        assert item.original_name == shown


@pytest.mark.app_config(UPLOAD_FOLDER=None)
def test_upload_folder_is_configurable(app, client, setup, tmp_path):
    commitment, _ = setup
    elsewhere = tmp_path / "bukti-tersimpan"
    app.config["UPLOAD_FOLDER"] = str(elsewhere)
    assert _post(client, commitment, [upload(pdf_bytes(), "a.pdf")]).status_code == 302
    assert len([p for p in elsewhere.rglob("*") if p.is_file()]) == 1
    db.session.expire_all()
    item = db.session.scalar(select(CommitmentEvidence))
    assert client.get(f"/commitments/{commitment.id}/evidence/{item.id}").status_code == 200


def test_links_are_shown_but_not_served(app, client, setup):
    commitment, _ = setup
    response = _post(
        client, commitment, [], **{"progress-links": "https://malangkota.go.id/berita/123"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.scalar(select(CommitmentEvidence))
    assert client.get(f"/commitments/{commitment.id}/evidence/{item.id}").status_code == 404
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert 'href="https://malangkota.go.id/berita/123"' in page
    response = _post(client, commitment, [], **{"progress-links": "javascript:alert(1)"})
    assert response.status_code == 400
    assert "Only http:// or https:// links are allowed" in response.get_data(as_text=True)


def _updates_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ProgressUpdate)) or 0


def test_a_full_disk_is_a_clear_error_and_keeps_no_file_and_no_row(app, client, setup, monkeypatch):
    commitment, _secretary = setup
    before = _updates_count()
    import tracker.uploads

    real_open = tracker.uploads.open_private

    class FullDisk:
        def __init__(self, path):
            self.handle = real_open(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, _chunk):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(tracker.uploads, "open_private", FullDisk)
    response = _post(client, commitment, [upload(pdf_bytes(), "laporan.pdf")])
    assert response.status_code in (200, 400)
    assert "could not be stored on the server" in response.get_data(as_text=True)
    assert _evidence_count() == 0
    assert _updates_count() == before
    assert _stored_files(app) == []


def test_an_archive_member_is_never_inflated_beyond_a_few_bytes(app, client, setup):
    import io
    import tracemalloc
    import zipfile

    commitment, _secretary = setup
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"\0" * (64 * 1024 * 1024))  # 64 MB inflated
        archive.writestr("content.xml", b"<x/>")
    bomb = buffer.getvalue()
    assert len(bomb) < 200 * 1024
    tracemalloc.start()
    try:
        response = _post(client, commitment, [upload(bomb, "laporan.odt")])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code in (200, 400)
    assert "not an allowed type" in response.get_data(as_text=True)
    assert peak < 16 * 1024 * 1024, peak
    assert _stored_files(app) == []


def test_kept_files_and_folders_are_private(app, client, setup):
    import stat

    commitment, _secretary = setup
    response = _post(client, commitment, [upload(pdf_bytes(), "laporan.pdf")])
    assert response.status_code == 302
    (kept,) = _stored_files(app)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    folder = kept.parent
    while folder != Path(app.instance_path).parent:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent
