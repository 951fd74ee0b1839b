"""Helpers for the commitment tests: records, workshops with attendance, tiny valid files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from tests import factories
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Person, User
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
    UpdateKind,
)
from tracker.models.workshop import AttendanceStatus, Invitation, Workshop


def make_commitment(
    opd: Opd | None = None,
    *,
    status: CommitmentStatus = CommitmentStatus.ACTIVE,
    due_on: dt.date | None = None,
    evidence: bool = False,
    **kw: Any,
) -> Commitment:
    """A committed commitment with its 'recorded' history entry (and a link as evidence)."""
    opd = opd or factories.make_opd()
    commitment = Commitment(
        opd=opd,
        statement=kw.pop("statement", "Menyusun SOP layanan digital"),
        indicator=kw.pop("indicator", "Jumlah SOP yang ditetapkan"),
        target=kw.pop("target", "3 SOP"),
        due_on=due_on or dt.date(2030, 12, 31),
        status=status,
        progress=kw.pop("progress", 0),
        **kw,
    )
    db.session.add(commitment)
    db.session.flush()
    update = ProgressUpdate(
        commitment_id=commitment.id,
        version=commitment.version,
        kind=UpdateKind.CREATE,
        at=utcnow(),
        author_label="factory",
        status_to=status,
    )
    db.session.add(update)
    if evidence:
        db.session.flush()
        db.session.add(
            CommitmentEvidence(
                progress_update_id=update.id,
                commitment_id=commitment.id,
                kind=EvidenceKind.LINK,
                url="https://malangkota.go.id/",
                original_name="https://malangkota.go.id/",
                refers_to_on=dt.date(2023, 8, 1),
            )
        )
    db.session.commit()
    return commitment


def make_workshop(
    title: str = "Workshop Penguatan Kapasitas Perangkat Daerah",
    *,
    starts_at: dt.datetime | None = None,
    attendance: list[tuple[Person, AttendanceStatus]] = (),  # type: ignore[assignment]
) -> Workshop:
    starts = starts_at or dt.datetime(2023, 7, 26, 1, 0, tzinfo=dt.UTC)
    workshop = Workshop(
        title=title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        venue="Ballroom Balai Kota Malang",
    )
    db.session.add(workshop)
    db.session.flush()
    for person, status in attendance:
        db.session.add(Invitation(workshop_id=workshop.id, person_id=person.id, status=status))
    db.session.commit()
    return workshop


def make_officials(opd: Opd) -> tuple[Person, Person]:
    head = factories.make_person(opd, hierarchy_role=HierarchyRole.KEPALA_OPD)
    secretary = factories.make_person(opd, hierarchy_role=HierarchyRole.SEKRETARIS_OPD)
    return head, secretary


def opd_user(opd: Opd) -> User:
    return factories.make_user("opd", opd=opd)


# --- small files that pass the content checks -------------------------------------------


def pdf_bytes(text: str = "Bukti") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"% " + text.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    """A file for the test client's ``data=`` (it wants (stream, filename))."""
    return io.BytesIO(data), name
