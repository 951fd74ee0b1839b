"""The import service: the dry run keeps the file and writes nothing else; the import is
all or nothing, planned again at confirmation, once however often it is confirmed, and
recorded in the audit log with its file name and counts by whoever confirmed it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from tests import factories
from tracker.extensions import db
from tracker.imports.base import Action
from tracker.models import AuditLog, Opd, Role
from tracker.models.enums import AuditAction
from tracker.models.import_batch import ImportBatch, ImportStatus
from tracker.permissions import can_import
from tracker.services import imports as svc
from tracker.services.errors import ConflictError, DomainError, NotAllowed

NOW = dt.datetime(2023, 8, 1, 3, 0, tzinfo=dt.UTC)
HEADER = "Kode OPD;Nama OPD;Jenis;Urutan tampilan\n"


def opd_csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


GOOD = opd_csv("DINKES;Dinas Kesehatan;;10", "BAPPEDA;Badan Perencanaan Pembangunan Daerah;;20")


def _opds() -> int:
    return db.session.scalar(select(func.count()).select_from(Opd)) or 0


def _batches() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportBatch)) or 0


@pytest.fixture
def admin():
    return factories.make_user(Role.ADMIN, name="Admin Kota")


def test_the_dry_run_keeps_the_file_and_writes_nothing_else(app, admin):
    batch, plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    assert plan.ok
    assert [r.action for r in plan.rows] == [Action.CREATE, Action.CREATE]
    assert _opds() == 0
    assert batch.status is ImportStatus.CHECKED
    assert (batch.kind, batch.file_name, batch.rows, batch.problems) == ("opds", "opd.csv", 2, 0)
    assert batch.uploaded_by_id == admin.id and batch.uploaded_at == NOW
    assert batch.size == len(GOOD)
    assert svc.stored_path(batch).read_bytes() == GOOD
    assert batch.stored_name.startswith("imports/2023/08/")
    assert batch.stored_name.endswith(".csv")


def test_confirm_imports_every_row_in_order(app, admin):
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    plan = svc.confirm(batch, actor=admin, now=NOW)
    db.session.commit()
    assert plan.count(Action.CREATE) == 2
    codes = set(db.session.scalars(select(Opd.code)))
    assert codes == {"DINKES", "BAPPEDA"}
    assert batch.status is ImportStatus.IMPORTED
    assert (batch.created, batch.updated, batch.unchanged, batch.problems) == (2, 0, 0, 0)
    assert batch.imported_by_id == admin.id and batch.imported_at == NOW
    assert svc.imported_text(plan) == "Diimpor: 2 dibuat, 0 diperbarui, 0 tidak berubah"


def test_a_file_with_one_bad_row_changes_nothing(app, admin):
    data = opd_csv("DINKES;Dinas Kesehatan;;10", "BAPPEDA;;;20", "DISKOMINFO;Dinas Kominfo;;30")
    batch, plan = svc.check("opds", data, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    assert not plan.ok
    assert batch.problems == len(plan.problems) >= 1
    texts = [svc.problem_text(p) for p in plan.problems]
    assert any(t.startswith("Baris 3, kolom Nama OPD: ") for t in texts), texts
    with pytest.raises(DomainError) as refused:
        svc.confirm(batch, actor=admin, now=NOW)
    assert "tidak ada yang diimpor" in refused.value.message
    db.session.rollback()
    assert _opds() == 0
    db.session.refresh(batch)
    assert batch.status is ImportStatus.CHECKED


def test_confirm_plans_again_and_refuses_what_changed_meanwhile(app, admin):
    batch, plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    assert plan.ok
    # Meanwhile someone gives another OPD the name the file brings in.
    factories.make_opd("DINKES2", "Dinas Kesehatan")
    db.session.commit()
    with pytest.raises(DomainError):
        svc.confirm(batch, actor=admin, now=NOW)
    db.session.rollback()
    assert set(db.session.scalars(select(Opd.code))) == {"DINKES2"}
    replanned = svc.replan(batch, actor=admin, now=NOW)
    assert not replanned.ok


def test_confirm_plans_again_and_counts_what_it_finds(app, admin):
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=10)
    db.session.commit()
    plan = svc.confirm(batch, actor=admin, now=NOW)
    db.session.commit()
    assert (plan.count(Action.CREATE), plan.count(Action.UNCHANGED)) == (1, 1)
    assert (batch.created, batch.unchanged) == (1, 1)
    assert _opds() == 2


def test_a_batch_confirmed_twice_imports_once(app, admin):
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    svc.confirm(batch, actor=admin, now=NOW)
    db.session.commit()
    with pytest.raises(DomainError) as second:
        svc.confirm(batch, actor=admin, now=NOW)
    assert second.value.message == svc.already_imported()
    db.session.rollback()
    assert _opds() == 2


def test_a_confirmation_racing_another_fails_its_version_check(app, admin):
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    # Another request confirmed the same batch and committed; this one still holds the
    # batch as it was when it loaded it (checked, the old version).
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id)
        .values(status=ImportStatus.IMPORTED, version=ImportBatch.version + 1)
        .execution_options(synchronize_session=False)
    )
    assert batch.status is ImportStatus.CHECKED
    with pytest.raises(ConflictError):
        svc.confirm(batch, actor=admin, now=NOW)
    db.session.rollback()
    assert _opds() == 0


def test_the_audit_log_records_the_import_by_whoever_confirmed_it(app, admin):
    uploader = factories.make_user(Role.ADMIN, name="Pengunggah")
    batch, _plan = svc.check("opds", GOOD, "daftar opd.csv", actor=uploader, now=NOW)
    db.session.commit()
    svc.confirm(batch, actor=admin, now=NOW)
    db.session.commit()
    entries = list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == "ImportBatch", AuditLog.entity_id == batch.id)
            .order_by(AuditLog.id)
        )
    )
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    imported = entries[-1]
    assert "daftar opd.csv" in imported.entity_label
    assert imported.changes["status"] == ["checked", "imported"]
    assert imported.changes["created"] == [0, 2]
    assert imported.changes["imported_by_id"] == [None, admin.id]


def test_a_refused_file_records_nothing(app, admin):
    with pytest.raises(DomainError) as refused:
        svc.check("opds", b"%PDF-1.4\n%%EOF\n", "opd.pdf", actor=admin, now=NOW)
    assert refused.value.field == "file"
    with pytest.raises(DomainError):
        svc.check("opds", b"Nama;Alamat\nA;B\n", "opd.csv", actor=admin, now=NOW)
    db.session.rollback()
    assert _batches() == 0


@pytest.mark.app_config(IMPORT_MAX_BYTES=100)
def test_a_file_over_the_limit_is_refused_with_the_reason(app, admin):
    data = opd_csv(*(f"OPD{i};Dinas Nomor {i};;{i}" for i in range(10)))
    assert len(data) > 100
    with pytest.raises(DomainError) as refused:
        svc.check("opds", data, "opd.csv", actor=admin, now=NOW)
    assert "terlalu besar" in refused.value.message
    db.session.rollback()
    assert _batches() == 0


def test_who_may_import_what(app, admin):
    staff = factories.make_user(Role.INSPEKTORAT)
    lead = factories.make_user(Role.PIMPINAN)
    opd_user = factories.make_user(Role.OPD, opd=factories.make_opd("DINKES", "Dinas Kesehatan"))
    assert svc.allowed_kinds(admin) == ["opds", "officials", "commitments", "findings"]
    assert svc.allowed_kinds(staff) == ["commitments", "findings"]
    assert svc.allowed_kinds(lead) == svc.allowed_kinds(opd_user) == []
    assert not can_import("nonsense", admin)
    with pytest.raises(NotAllowed):
        svc.check("opds", GOOD, "opd.csv", actor=staff, now=NOW)
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    with pytest.raises(NotAllowed):
        svc.confirm(batch, actor=staff, now=NOW)
    with pytest.raises(DomainError):
        svc.check("everything", GOOD, "opd.csv", actor=admin, now=NOW)


def test_problem_text_names_row_and_column(app):
    from tracker.imports.base import Problem

    assert (
        svc.problem_text(Problem(14, "OPD", "'Dinkes Kota' tidak dikenal; maksud Anda DINKES?"))
        == "Baris 14, kolom OPD: 'Dinkes Kota' tidak dikenal; maksud Anda DINKES?"
    )
    assert svc.problem_text(Problem(3, None, "kosong")) == "Baris 3: kosong"
    assert svc.problem_text(Problem(None, "Versi", "x")) == "Kolom Versi: x"
    assert svc.problem_text(Problem(None, None, "x")) == "x"


def test_run_imports_at_once_with_a_batch_or_changes_nothing(app, admin):
    dry = svc.run("opds", GOOD, "opd.csv", now=NOW, actor=admin, dry_run=True)
    assert dry.plan.ok and not dry.imported and dry.batch is None
    db.session.rollback()
    assert (_opds(), _batches()) == (0, 0)
    bad = svc.run("opds", opd_csv("DINKES;;;1"), "opd.csv", now=NOW, actor=admin)
    assert not bad.imported and bad.batch is None
    db.session.rollback()
    assert (_opds(), _batches()) == (0, 0)
    done = svc.run("opds", GOOD, "opd.csv", now=NOW, actor=admin)
    db.session.commit()
    assert done.imported and done.batch is not None
    assert done.batch.status is ImportStatus.IMPORTED and done.batch.created == 2
    assert svc.stored_path(done.batch).read_bytes() == GOOD
    assert _opds() == 2
    again = svc.run("opds", GOOD, "opd.csv", now=NOW, actor=admin)
    db.session.commit()
    assert again.plan.count(Action.UNCHANGED) == 2
    assert _opds() == 2


def test_the_template_has_the_headings_and_an_explanation_sheet(app):
    import io

    from openpyxl import load_workbook

    from tracker.imports.kinds import planner

    for kind in ("opds", "officials", "commitments", "findings"):
        module = planner(kind)
        book = svc.template_workbook(kind)
        buffer = io.BytesIO()
        book.save(buffer)
        workbook = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
        first, explained = workbook.worksheets
        rows = list(first.iter_rows(values_only=True))
        assert list(rows[0]) == [c.heading for c in module.COLUMNS]
        assert len(rows) == 1 + len(module.TEMPLATE_EXAMPLE)
        assert explained.title == "Penjelasan"
        lines = list(explained.iter_rows(values_only=True))
        assert list(lines[0]) == ["Kolom", "Wajib", "Yang diisikan"]
        by_heading = {line[0]: line for line in lines[1:]}
        for column in module.COLUMNS:
            assert by_heading[column.heading][1] == ("Ya" if column.required else "Tidak")
            assert (by_heading[column.heading][2] or "") == str(column.help or "")


def test_every_template_reads_back_with_every_column(app):
    import io

    from tracker.imports.kinds import planner
    from tracker.imports.table import read_table

    for kind in ("opds", "officials", "commitments", "findings"):
        columns = planner(kind).COLUMNS
        buffer = io.BytesIO()
        svc.template_workbook(kind).save(buffer)
        table = read_table(buffer.getvalue(), f"templat-{kind}.xlsx", columns)
        assert set(table.found) == {c.key for c in columns}, kind
        assert len(table.rows) == len(planner(kind).TEMPLATE_EXAMPLE), kind


def test_the_dry_run_page_plans_a_checked_file_and_reports_a_lost_one(app, admin):
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    plan, error = svc.dry_run(batch, actor=admin, now=NOW)
    assert error is None and plan is not None and plan.ok
    svc.stored_path(batch).unlink()
    plan, error = svc.dry_run(batch, actor=admin, now=NOW)
    assert plan is None
    assert error == "Berkas impor ini sudah tidak ada di server; unggah lagi."
    batch.status = ImportStatus.IMPORTED
    assert svc.dry_run(batch, actor=admin, now=NOW) == (None, None)
