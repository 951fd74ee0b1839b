"""Demo commitments: what the OPD heads committed to at the workshop of 26 July 2023, and
how their secretaries carried it out since (progress, evidence, reviews).

* The OPDs: every OPD whose head or secretary was present (``hadir``) or represented
  (``diwakili``) at the July 2023 workshop when it is recorded (see
  :mod:`tracker.demo.workshops`); otherwise every active OPD, without a workshop link.
* Each commitment gets a history from August 2023 on, following one of a few scenarios:
  verified, returned by the Inspektorat then resumed, reported done and awaiting
  verification, in progress, due within a week, overdue. Due dates of the open ones are
  relative to ``now``, so some are overdue whenever the demo is loaded.
* ``DINKES`` has several (stunting, JKN coverage of the extreme poor, electronic medical
  records, satisfaction surveys). Kota Malang has 57 kelurahan in 5 kecamatan and 16
  puskesmas (public facts); targets and progress are made up for the demo.
* Evidence: links on example.org and small generated PDF reports, stored like uploads.

Idempotent: a commitment is looked up by its OPD and statement and left as it is when it
exists. Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import HierarchyRole, Opd, OpdKind, Person, ThematicArea, User
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
    UpdateKind,
)
from tracker.models.workshop import AttendanceStatus, Invitation, Workshop
from tracker.services import notices
from tracker.uploads import store_upload

WORKSHOP_TITLE = "Workshop Penguatan Kapasitas Perangkat Daerah"
WORKSHOP_DAY = dt.date(2023, 7, 26)
AREA_YEAR = 2023
INSPEKTORAT_EMAIL = "inspektorat@example.org"
HEAD_ROLES = (HierarchyRole.KEPALA_OPD, HierarchyRole.SEKDA, HierarchyRole.INSPEKTUR)
S = CommitmentStatus


@dataclass(frozen=True)
class Spec:
    statement: str
    area: str
    indicator: str
    target: str
    scenario: str


# --- what was committed -----------------------------------------------------------------

SPECS: dict[str, tuple[Spec, ...]] = {
    "DINKES": (
        Spec(
            "Melaksanakan penimbangan serentak dan pemantauan status gizi seluruh balita di "
            "posyandu Kota Malang",
            "STUNTING",
            "Persentase balita ditimbang dan dipantau status gizinya",
            "100% balita di 57 kelurahan",
            "verified",
        ),
        Spec(
            "Menurunkan prevalensi stunting melalui pemberian makanan tambahan bagi balita "
            "berisiko dan ibu hamil kurang energi kronis",
            "STUNTING",
            "Prevalensi stunting balita (e-PPGBM)",
            "Di bawah 14%",
            "overdue",
        ),
        Spec(
            "Menerapkan rekam medis elektronik yang terintegrasi di seluruh puskesmas",
            "DIGITALISASI",
            "Jumlah puskesmas dengan rekam medis elektronik terintegrasi",
            "16 puskesmas",
            "returned",
        ),
        Spec(
            "Memastikan seluruh warga miskin ekstrem terdaftar sebagai peserta JKN "
            "penerima bantuan iuran",
            "KEMISKINAN",
            "Persentase warga miskin ekstrem (data P3KE) yang terdaftar JKN",
            "100%",
            "reported",
        ),
        Spec(
            "Menerapkan survei kepuasan masyarakat daring di seluruh puskesmas",
            "PELAYANAN_PUBLIK",
            "Jumlah puskesmas yang melaporkan indeks kepuasan masyarakat daring",
            "16 puskesmas, tiap triwulan",
            "due_soon",
        ),
    ),
    "DISKOMINFO": (
        Spec(
            "Mengintegrasikan aplikasi layanan publik perangkat daerah ke portal layanan "
            "tunggal Kota Malang",
            "DIGITALISASI",
            "Jumlah aplikasi layanan yang terintegrasi dengan portal",
            "30 aplikasi",
            "verified",
        ),
        Spec(
            "Menerapkan Satu Data Kota Malang dengan walidata di setiap perangkat daerah",
            "DIGITALISASI",
            "Persentase perangkat daerah yang memublikasikan data di portal Satu Data",
            "100% perangkat daerah",
            "returned",
        ),
    ),
    "DINSOS_P3AP2KB": (
        Spec(
            "Memutakhirkan data warga miskin ekstrem bersama kelurahan dan memadankannya "
            "dengan data kependudukan",
            "KEMISKINAN",
            "Persentase data P3KE yang telah diverifikasi dan dipadankan dengan NIK",
            "100% data P3KE",
            "overdue_long",
        ),
        Spec(
            "Mendampingi keluarga berisiko stunting melalui Tim Pendamping Keluarga",
            "STUNTING",
            "Persentase keluarga berisiko stunting yang didampingi",
            "90%",
            "active",
        ),
    ),
    "DISNAKER_PMPTSP": (
        Spec(
            "Mempercepat penerbitan perizinan berusaha berbasis risiko melalui OSS RBA",
            "INVESTASI",
            "Rata-rata waktu penerbitan izin berusaha",
            "Paling lama 3 hari kerja",
            "verified",
        ),
        Spec(
            "Menyusun profil peluang investasi Kota Malang dan mempromosikannya",
            "INVESTASI",
            "Jumlah proyek peluang investasi yang siap ditawarkan",
            "5 proyek",
            "overdue",
        ),
    ),
    "DISPENDUKCAPIL": (
        Spec(
            "Memperluas aktivasi Identitas Kependudukan Digital bagi penduduk wajib KTP",
            "DIGITALISASI",
            "Persentase penduduk wajib KTP yang mengaktivasi IKD",
            "25%",
            "due_soon",
        ),
    ),
    "BAPPEDA": (
        Spec(
            "Menyusun rencana aksi daerah penanggulangan kemiskinan ekstrem yang terintegrasi "
            "dengan RKPD",
            "KEMISKINAN",
            "Dokumen rencana aksi yang ditetapkan",
            "1 dokumen ditetapkan dengan Keputusan Wali Kota",
            "verified",
        ),
    ),
    "BKAD": (
        Spec(
            "Menindaklanjuti seluruh rekomendasi BPK atas laporan keuangan daerah",
            "AKUNTABILITAS",
            "Persentase rekomendasi yang telah ditindaklanjuti sesuai",
            "100%",
            "active",
        ),
    ),
    "BAPENDA": (
        Spec(
            "Memperluas pembayaran pajak daerah secara nontunai",
            "DIGITALISASI",
            "Persentase penerimaan pajak daerah melalui kanal nontunai",
            "80%",
            "reported",
        ),
    ),
    "DISKOPINDAG": (
        Spec(
            "Meningkatkan belanja produk dalam negeri dan UMKM lokal melalui katalog "
            "elektronik lokal",
            "PDN",
            "Persentase belanja barang/jasa untuk produk dalam negeri",
            "Minimal 40% dari belanja pengadaan",
            "overdue",
        ),
    ),
    "DPUPRPKP": (
        Spec(
            "Merehabilitasi rumah tidak layak huni milik warga miskin ekstrem",
            "KEMISKINAN",
            "Jumlah rumah tidak layak huni yang direhabilitasi",
            "150 rumah",
            "returned",
        ),
    ),
    "DISPANGTAN": (
        Spec(
            "Menyalurkan bantuan pangan bergizi bagi keluarga berisiko stunting",
            "STUNTING",
            "Jumlah keluarga berisiko stunting penerima bantuan pangan",
            "1.000 keluarga",
            "verified",
        ),
    ),
    "BKPSDM": (
        Spec(
            "Menerapkan manajemen talenta aparatur sipil negara",
            "SDM_APARATUR",
            "Dokumen manajemen talenta dan jumlah jabatan yang diisi melalui talent pool",
            "1 dokumen dan 10 jabatan",
            "active",
        ),
    ),
    "SETDA": (
        Spec(
            "Menyusun peta proses bisnis Pemerintah Kota Malang yang selaras dengan "
            "arsitektur SPBE",
            "TATA_LAKSANA",
            "Peta proses bisnis yang ditetapkan",
            "1 dokumen ditetapkan",
            "reported",
        ),
    ),
    "INSPEKTORAT": (
        Spec(
            "Mendampingi unit kerja yang diusulkan menuju Wilayah Bebas dari Korupsi",
            "PENGAWASAN",
            "Jumlah unit kerja yang lolos penilaian internal zona integritas",
            "4 unit kerja",
            "verified",
        ),
    ),
}

GENERIC_SCENARIOS = ("active", "verified", "overdue", "returned", "due_soon", "reported")


def _generic(opd: Opd, index: int) -> Spec:
    """A commitment for an OPD without a specific one above, by the kind of OPD."""
    scenario = GENERIC_SCENARIOS[index % len(GENERIC_SCENARIOS)]
    if opd.kind is OpdKind.KECAMATAN:
        return Spec(
            f"Mengoordinasikan kelurahan di wilayah {opd.name} untuk pendampingan keluarga "
            "berisiko stunting dan pemutakhiran data warga miskin ekstrem",
            "STUNTING",
            "Persentase kelurahan yang melaporkan data stunting dan kemiskinan tiap bulan",
            "100% kelurahan",
            scenario,
        )
    if index % 2:
        return Spec(
            f"Mendigitalisasi layanan {opd.name} dan mengintegrasikannya ke portal layanan "
            "publik Kota Malang",
            "DIGITALISASI",
            "Jumlah layanan yang dapat diajukan secara daring",
            "Seluruh layanan utama",
            scenario,
        )
    return Spec(
        f"Menerapkan standar pelayanan dan survei kepuasan masyarakat daring di {opd.name}",
        "PELAYANAN_PUBLIK",
        "Indeks kepuasan masyarakat",
        "Minimal 85 (kategori baik)",
        scenario,
    )


# --- how it went ------------------------------------------------------------------------


def _wib(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=WIB).astimezone(dt.UTC)


@dataclass(frozen=True)
class Step:
    kind: UpdateKind
    at: dt.datetime
    progress: int | None = None
    note: str | None = None
    link: bool = False
    file: bool = False


def _scenario(name: str, spec: Spec, today: dt.date) -> tuple[dt.date, list[Step]]:
    """The due date and the history after the workshop, for one scenario."""
    what = spec.indicator[0].lower() + spec.indicator[1:]
    P = UpdateKind.PROGRESS  # noqa: N806
    start = Step(
        P,
        _wib(2023, 8, 14),
        20,
        f"Rapat koordinasi internal dan pembagian tugas; pendataan awal untuk {what}.",
        link=True,
    )
    if name == "verified":
        return dt.date(2023, 12, 29), [
            start,
            Step(
                P, _wib(2023, 10, 16), 70, "Pelaksanaan kegiatan berjalan sesuai jadwal.", file=True
            ),
            Step(
                UpdateKind.REPORT_DONE,
                _wib(2023, 12, 18),
                100,
                f"Target tercapai: {spec.target}. Laporan akhir dan dokumentasi terlampir.",
            ),
            Step(UpdateKind.VERIFY, _wib(2024, 1, 8), None, "Bukti lengkap dan sesuai target."),
        ]
    if name == "returned":
        return today + dt.timedelta(days=60), [
            Step(P, _wib(2023, 8, 21), 40, start.note, link=True),
            Step(UpdateKind.REPORT_DONE, _wib(2023, 11, 20), 100, "Kegiatan telah selesai."),
            Step(
                UpdateKind.RETURN,
                _wib(2023, 12, 4),
                70,
                "Bukti belum menunjukkan capaian target: lampirkan rekapitulasi per "
                "kelurahan/unit dan berita acara.",
            ),
            Step(
                P,
                _wib(2024, 2, 12),
                85,
                "Rekapitulasi dilengkapi; sisa unit dijadwalkan.",
                file=True,
            ),
        ]
    if name == "overdue":
        return today - dt.timedelta(days=40), [
            Step(P, _wib(2023, 8, 28), 20, start.note, link=True),
            Step(P, _wib(2024, 1, 15), 45, "Pelaksanaan terkendala anggaran perubahan."),
        ]
    if name == "overdue_long":
        return today - dt.timedelta(days=75), [
            Step(P, _wib(2023, 9, 11), 10, start.note, link=True),
        ]
    if name == "due_soon":
        return today + dt.timedelta(days=5), [
            Step(P, _wib(2023, 9, 4), 35, start.note, link=True),
            Step(P, _wib(2024, 3, 11), 80, "Sebagian besar target tercapai.", file=True),
        ]
    if name == "reported":
        return today + dt.timedelta(days=30), [
            Step(P, _wib(2023, 8, 30), 50, start.note, link=True),
            Step(P, _wib(2023, 11, 6), 90, "Tahap akhir pelaksanaan.", file=True),
            Step(
                UpdateKind.REPORT_DONE,
                _wib(2024, 4, 22),
                100,
                f"Target tercapai: {spec.target}. Mohon verifikasi.",
            ),
        ]
    # active
    return today + dt.timedelta(days=150), [
        Step(P, _wib(2023, 9, 18), 30, start.note, link=True),
    ]


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF report (valid: objects, cross-reference table and trailer)."""

    def escape(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content_lines = ["BT", "/F1 14 Tf", "50 790 Td", f"({escape(title)}) Tj", "/F1 10 Tf"]
    for line in lines:
        content_lines += ["0 -18 Td", f"({escape(line)}) Tj"]
    content_lines.append("ET")
    stream = "\n".join(content_lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# --- seeding ----------------------------------------------------------------------------


def _workshop() -> Workshop | None:
    workshops = db.session.scalars(
        select(Workshop)
        .where(func.lower(Workshop.title) == WORKSHOP_TITLE.lower())
        .order_by(Workshop.starts_at, Workshop.id)
    ).all()
    for workshop in workshops:
        if workshop.starts_at.astimezone(WIB).date() == WORKSHOP_DAY:
            return workshop
    return workshops[0] if workshops else None


def _opds(workshop: Workshop | None) -> list[Opd]:
    stmt = select(Opd).where(Opd.active.is_(True))
    if workshop is not None:
        attended = (
            select(Person.opd_id)
            .join(Invitation, Invitation.person_id == Person.id)
            .where(
                Invitation.workshop_id == workshop.id,
                Invitation.status.in_([AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI]),
                Person.hierarchy_role.in_([*HEAD_ROLES, HierarchyRole.SEKRETARIS_OPD]),
            )
        )
        stmt = select(Opd).where(Opd.id.in_(attended))
    return list(db.session.scalars(stmt.order_by(Opd.sort_order, Opd.name)))


def _official(opd: Opd, roles: tuple[HierarchyRole, ...]) -> Person | None:
    return db.session.scalars(
        select(Person)
        .where(Person.opd_id == opd.id, Person.hierarchy_role.in_(roles))
        .order_by(Person.active.desc(), Person.id)
        .limit(1)
    ).first()


def _areas() -> dict[str, ThematicArea]:
    return {
        a.code.upper(): a
        for a in db.session.scalars(select(ThematicArea).where(ThematicArea.year == AREA_YEAR))
    }


class _Seeder:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.today = now.astimezone(WIB).date()
        self.workshop = _workshop()
        self.areas = _areas()
        self.officer = db.session.scalar(
            select(User).where(func.lower(User.email) == INSPEKTORAT_EMAIL)
        )
        self.counts = {"commitment": 0, "progress_update": 0, "evidence": 0}

    def run(self) -> dict[str, int]:
        generic = 0
        for opd in _opds(self.workshop):
            specs = SPECS.get(opd.code)
            if specs is None:
                specs = (_generic(opd, generic),)
                generic += 1
            for spec in specs:
                self._commitment(opd, spec)
        db.session.flush()
        return self.counts

    def _at(self, when: dt.datetime) -> dt.datetime:
        # A demo loaded before a step's date keeps its history in the past.
        return min(when, self.now - dt.timedelta(hours=1))

    def _commitment(self, opd: Opd, spec: Spec) -> None:
        exists = db.session.scalar(
            select(Commitment.id).where(
                Commitment.opd_id == opd.id, Commitment.statement == spec.statement
            )
        )
        if exists is not None:
            return
        due_on, steps = _scenario(spec.scenario, spec, self.today)
        head = _official(opd, HEAD_ROLES)
        secretary = _official(opd, (HierarchyRole.SEKRETARIS_OPD,))
        reporter = db.session.scalars(
            select(User)
            .where(User.opd_id == opd.id, User.active.is_(True))
            .order_by(User.id)
            .limit(1)
        ).first()
        area = self.areas.get(spec.area)
        created = self._at(_wib(2023, 7, 26, 16))
        commitment = Commitment(
            statement=spec.statement,
            opd_id=opd.id,
            workshop_id=self.workshop.id if self.workshop else None,
            made_by_id=head.id if head else None,
            carried_out_by_id=secretary.id if secretary else None,
            thematic_area_id=area.id if area else None,
            indicator=spec.indicator,
            target=spec.target,
            due_on=due_on,
            status=S.ACTIVE,
            progress=0,
            created_by_id=self.officer.id if self.officer else None,
            created_at=created,
            updated_at=created,
        )
        db.session.add(commitment)
        db.session.flush()
        self._entry(
            commitment,
            UpdateKind.CREATE,
            created,
            self.officer,
            "Inspektorat Daerah",
            status_to=S.ACTIVE,
            progress=0,
        )
        self.counts["commitment"] += 1
        for step in steps:
            self._step(commitment, step, reporter, secretary)

    def _entry(
        self,
        commitment: Commitment,
        kind: UpdateKind,
        at: dt.datetime,
        user: User | None,
        label: str,
        **values: Any,
    ) -> ProgressUpdate:
        update = ProgressUpdate(
            commitment_id=commitment.id,
            version=commitment.version,
            kind=kind,
            at=at,
            author_id=user.id if user else None,
            author_label=(user.name if user else label)[:254],
            **values,
        )
        db.session.add(update)
        db.session.flush()
        self.counts["progress_update"] += 1
        return update

    def _step(
        self,
        commitment: Commitment,
        step: Step,
        reporter: User | None,
        secretary: Person | None,
    ) -> None:
        at = self._at(step.at)
        by_opd = step.kind in (UpdateKind.PROGRESS, UpdateKind.REPORT_DONE)
        user = reporter if by_opd else self.officer
        label = (secretary.name if secretary else "Sekretaris OPD") if by_opd else "Inspektorat"
        before = commitment.status
        # Change the commitment the way the services do, so its version moves with its
        # history (each step is one version).
        commitment.updated_at = at
        if step.kind is UpdateKind.PROGRESS:
            commitment.progress = step.progress or 0
            commitment.last_progress_at = at
        elif step.kind is UpdateKind.REPORT_DONE:
            commitment.status = S.REPORTED_DONE
            commitment.progress = 100
            commitment.reported_done_at = at
            commitment.last_progress_at = at
        elif step.kind is UpdateKind.VERIFY:
            commitment.status = S.VERIFIED
            commitment.verified_at = at
            commitment.verified_by_id = self.officer.id if self.officer else None
        elif step.kind is UpdateKind.RETURN:
            commitment.status = S.ACTIVE
            commitment.reported_done_at = None
            if step.progress is not None:
                commitment.progress = step.progress
        db.session.flush()
        changed_status = before != commitment.status
        update = self._entry(
            commitment,
            step.kind,
            at,
            user,
            label,
            note=step.note,
            progress=step.progress,
            status_from=before if changed_status else None,
            status_to=commitment.status if changed_status else None,
        )
        if step.kind in (UpdateKind.RETURN, UpdateKind.VERIFY):
            # The OPD sees in the app what the Inspektorat decided (nothing leaves the demo
            # by e-mail or WhatsApp).
            notices.commitment_event(
                commitment, step.kind, actor=self.officer, now=at, note=step.note, channels=()
            )
        refers_to = (at.astimezone(WIB) - dt.timedelta(days=3)).date()
        if step.link:
            url = (
                f"https://example.org/demo/{commitment.opd.code.lower()}/"
                f"laporan-{at.astimezone(WIB):%Y-%m}"
            )
            self._evidence(
                update, kind=EvidenceKind.LINK, url=url, original_name=url, refers_to_on=refers_to
            )
        if step.file:
            report = _pdf(
                f"Laporan progres komitmen - {commitment.opd.code}",
                [
                    commitment.statement[:90],
                    f"Indikator: {commitment.indicator}"[:90],
                    f"Target: {commitment.target}"[:90],
                    f"Capaian: {step.progress}%",
                    f"Per tanggal {refers_to:%d-%m-%Y}",
                    "Dokumen contoh (data demo).",
                ],
            )
            name = f"laporan-progres-{commitment.opd.code.lower()}-{at.astimezone(WIB):%Y%m%d}.pdf"
            kept = store_upload(
                FileStorage(io.BytesIO(report), filename=name, content_type="application/pdf"),
                today=at.astimezone(WIB).date(),
            )
            self._evidence(
                update,
                kind=EvidenceKind.FILE,
                stored_name=kept.stored_name,
                original_name=kept.original_name,
                content_type=kept.content_type,
                size=kept.size,
                sha256=kept.sha256,
                refers_to_on=refers_to,
            )

    def _evidence(self, update: ProgressUpdate, **values: Any) -> None:
        update.evidence.append(
            CommitmentEvidence(
                commitment_id=update.commitment_id,
                uploaded_at=update.at,
                uploaded_by_id=update.author_id,
                **values,
            )
        )
        db.session.flush()
        self.counts["evidence"] += 1


def seed_commitments(now: dt.datetime) -> dict[str, int]:
    """Add the demo commitments that are missing; returns how many rows were added."""
    return _Seeder(now).run()
