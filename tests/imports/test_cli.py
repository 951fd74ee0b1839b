"""``flask import KIND FILE [--dry-run]``: the plan, every problem by row and column, exit
status 0 when imported (or importable), 1 when a row has a problem or the file cannot be
read; ``--dry-run`` writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories
from tracker.extensions import db
from tracker.models import AuditLog, Opd, Role
from tracker.models.import_batch import ImportBatch, ImportStatus

HEADER = "Kode OPD;Nama OPD;Jenis;Urutan tampilan\n"
GOOD = HEADER + "DINKES;Dinas Kesehatan;;10\nBAPPEDA;Badan Perencanaan Pembangunan Daerah;;20\n"
BAD = HEADER + "DINKES;Dinas Kesehatan;;10\nBAPPEDA;;;20\n"


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def _file(tmp_path, text: str, name: str = "opd.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_prints_the_plan_and_exits_0(app, tmp_path):
    admin = factories.make_user(Role.ADMIN)
    db.session.commit()
    result = _run(app, "opds", _file(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert "opd.csv: 2 baris" in result.output
    assert "2 akan dibuat, 0 akan diperbarui, 0 tidak berubah" in result.output
    assert "Diimpor: 2 dibuat, 0 diperbarui, 0 tidak berubah" in result.output
    assert _count(Opd) == 2
    batch = db.session.scalar(select(ImportBatch))
    assert batch.status is ImportStatus.IMPORTED
    assert batch.imported_by_id == admin.id and batch.created == 2
    entry = db.session.scalar(
        select(AuditLog).where(
            AuditLog.entity_type == "ImportBatch", AuditLog.entity_id == batch.id
        )
    )
    assert entry.actor_label == "cli"
    assert entry.changes["file_name"] == [None, "opd.csv"]
    assert entry.changes["created"] == [None, 2]
    created = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "Opd")).all()
    assert {e.actor_label for e in created} == {"cli"}
    again = _run(app, "opds", _file(tmp_path, GOOD))
    assert again.exit_code == 0, again.output
    assert "0 akan dibuat, 0 akan diperbarui, 2 tidak berubah" in again.output
    assert _count(Opd) == 2


def test_a_row_with_an_error_exits_1_and_imports_nothing(app, tmp_path):
    factories.make_user(Role.ADMIN)
    db.session.commit()
    result = _run(app, "opds", _file(tmp_path, BAD))
    assert result.exit_code == 1, result.output
    assert "Baris 3, kolom Nama OPD: " in result.output
    assert "tidak ada yang diimpor" in result.output
    assert (_count(Opd), _count(ImportBatch)) == (0, 0)
    dry = _run(app, "opds", _file(tmp_path, BAD), "--dry-run")
    assert dry.exit_code == 1
    assert "Baris 3, kolom Nama OPD: " in dry.output


def test_dry_run_writes_nothing_and_exits_0_when_importable(app, tmp_path):
    factories.make_user(Role.ADMIN)
    db.session.commit()
    audit_before = _count(AuditLog)
    result = _run(app, "opds", _file(tmp_path, GOOD), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 akan dibuat" in result.output
    assert "uji coba" in result.output
    assert (_count(Opd), _count(ImportBatch), _count(AuditLog)) == (0, 0, audit_before)
    uploads = tmp_path / "instance" / "uploads" / "imports"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_without_any_login_the_organisation_still_imports(app, tmp_path):
    result = _run(app, "opds", _file(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert _count(Opd) == 2
    assert _count(ImportBatch) == 0


def test_an_unreadable_or_refused_file_exits_1(app, tmp_path):
    missing = _run(app, "opds", str(tmp_path / "tidak-ada.xlsx"))
    assert missing.exit_code == 1
    assert "tidak dapat dibaca" in missing.output
    pdf = tmp_path / "opd.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    refused = _run(app, "opds", str(pdf))
    assert refused.exit_code == 1
    assert refused.output.strip()
    assert _count(Opd) == 0


def test_as_names_the_login_and_its_rights(app, tmp_path):
    staff = factories.make_user(Role.INSPEKTORAT, email="staf@example.org")
    db.session.commit()
    refused = _run(app, "opds", _file(tmp_path, GOOD), "--as", staff.email)
    assert refused.exit_code == 1
    assert _count(Opd) == 0
    unknown = _run(app, "opds", _file(tmp_path, GOOD), "--as", "nobody@example.org")
    assert unknown.exit_code == 2
    wrong_kind = _run(app, "everything", _file(tmp_path, GOOD))
    assert wrong_kind.exit_code == 2
