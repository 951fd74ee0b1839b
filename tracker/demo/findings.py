"""Demo data of last year's notes: the LHE SAKIP and LHE RB 2022 with their notes, an LHP
BPK 2022 with financial findings and repayments, reviews with all four outcomes, and the
SAKIP and RB grades of Kota Malang and its peers.

The LHP BPK is recorded as BPK codes it: finding and recommendation codes, values and the
parties responsible for its financial findings; two of its follow-ups went to BPK through
SIPTL (for one, BPK's outcome differs from the Inspektorat's: the reconciliation page lists
it); an auditor's proposed review awaits the Inspektur's approval; and Dinas Kesehatan,
whose one financial finding is repaid, holds an issued SKBT anyone can verify.

The grades are public facts (sources in each row; scores only where one was published:
for Kota Malang none was found, so its rows carry the grade alone). The reports' numbers,
the findings and the recommendations are illustrative: typical notes of such evaluations
and audits, not the text of the real documents (each report says so in its note).

Idempotent by natural keys (report: kind + number; finding: report + number;
recommendation: finding + number; review: recommendation + semester; follow-up:
recommendation + text; repayment: finding + date + amount; result: instrument + year +
region). Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Opd, Role, User
from tracker.models.finding import (
    EvaluationResult,
    EvidenceKind,
    Finding,
    FindingEvidence,
    FindingParty,
    FollowUp,
    Grade,
    Instrument,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReportKind,
    ReviewProposal,
    SiptlSubmission,
    UnfollowableReason,
)
from tracker.models.letter import Skbt, SkbtSubject
from tracker.models.reference import AuditCode, CodeKind
from tracker.services import codes as code_lists
from tracker.services import skbt as skbt_service
from tracker.services.findings import default_due_on, refresh_outcome

ILLUSTRATIVE = (
    "Data demo: nomor laporan, catatan dan rekomendasi bersifat ilustratif (contoh catatan "
    "yang lazim), bukan isi dokumen resmi."
)
INSPEKTORAT_EMAIL = "inspektorat@example.org"
INSPEKTUR_EMAIL = "inspektur@example.org"
DINKES_EMAIL = "opd.dinkes@example.org"
KEMENPANRB = "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi"


def _at(day: str, hour: int = 10) -> dt.datetime:
    """A WIB wall-clock time as UTC."""
    return dt.datetime.fromisoformat(day).replace(hour=hour - 7, tzinfo=dt.UTC)


@dataclass(frozen=True)
class ReviewSpec:
    period: str
    outcome: Outcome
    at: str
    note: str | None = None
    new_due_on: str | None = None
    reason: UnfollowableReason | None = None


@dataclass(frozen=True)
class FollowUpSpec:
    at: str
    text: str
    links: tuple[tuple[str, str, str], ...] = ()  # (url, label, refers to)


@dataclass(frozen=True)
class SiptlSpec:
    """A follow-up sent to BPK through SIPTL: (semester, date, receipt, BPK's outcome)."""

    period: str
    submitted_on: str
    receipt: str
    bpk_outcome: Outcome | None = None


@dataclass(frozen=True)
class ProposalSpec:
    """A review proposed by an auditor and still awaiting the Inspektur's approval."""

    period: str
    outcome: Outcome
    at: str
    note: str
    new_due_on: str | None = None


@dataclass(frozen=True)
class RecSpec:
    number: str
    opd: str
    text: str
    reviews: tuple[ReviewSpec, ...] = ()
    follow_ups: tuple[FollowUpSpec, ...] = ()
    code: str | None = None
    value: str | None = None
    siptl: tuple[SiptlSpec, ...] = ()
    proposal: ProposalSpec | None = None


@dataclass(frozen=True)
class FindingSpec:
    number: str
    title: str
    opds: tuple[str, ...]
    recs: tuple[RecSpec, ...]
    condition: str | None = None
    criteria: str | None = None
    cause: str | None = None
    effect: str | None = None
    amount: str | None = None
    repayments: tuple[tuple[str, str, str], ...] = ()  # (date, amount, note)
    code: str | None = None
    cause_code: str | None = None
    value: str | None = None
    parties: tuple[tuple[str, str, str], ...] = ()  # (name, position, amount)


@dataclass(frozen=True)
class ReportSpec:
    kind: ReportKind
    year: int
    number: str
    title: str
    issuer: str
    issued_on: str
    received_on: str
    findings: tuple[FindingSpec, ...]
    grade: Grade | None = None


S1 = "2023-S1"
S2 = "2023-S2"
SESUAI, BELUM_SESUAI = Outcome.SESUAI, Outcome.BELUM_SESUAI
BELUM_TL, TIDAK_DAPAT = Outcome.BELUM_DITINDAKLANJUTI, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI

LHE_SAKIP = ReportSpec(
    kind=ReportKind.LHE_SAKIP,
    year=2022,
    number="B/0001/AA.05/2022 (contoh)",
    title="Laporan Hasil Evaluasi atas Implementasi SAKIP Pemerintah Kota Malang Tahun 2022",
    issuer=KEMENPANRB,
    issued_on="2022-12-07",
    received_on="2022-12-19",
    grade=Grade.A,
    findings=(
        FindingSpec(
            "1",
            "Indikator kinerja utama belum seluruhnya berorientasi hasil",
            ("BAPPEDA", "DINKES", "DISDIKBUD"),
            condition=(
                "Sebagian IKU perangkat daerah masih mengukur keluaran kegiatan (jumlah "
                "kegiatan, dokumen), belum dampak bagi masyarakat."
            ),
            criteria=(
                "PermenPANRB 88/2021 tentang Evaluasi Akuntabilitas Kinerja Instansi Pemerintah."
            ),
            recs=(
                RecSpec(
                    "1",
                    "BAPPEDA",
                    "Mereviu IKU seluruh perangkat daerah agar berorientasi hasil dan selaras "
                    "dengan sasaran RPJMD.",
                    reviews=(
                        ReviewSpec(S1, BELUM_TL, "2023-06-20"),
                        ReviewSpec(S2, SESUAI, "2023-12-12", "Reviu IKU telah ditetapkan."),
                    ),
                ),
                RecSpec(
                    "2",
                    "DINKES",
                    "Menetapkan ulang IKU Dinas Kesehatan yang mengukur hasil, antara lain "
                    "prevalensi stunting dan cakupan imunisasi dasar lengkap.",
                    follow_ups=(
                        FollowUpSpec(
                            "2023-05-15",
                            "IKU Dinas Kesehatan telah direviu bersama Bappeda; rancangan "
                            "keputusan kepala dinas tentang IKU sedang diproses.",
                            (
                                (
                                    "https://example.org/demo/dinkes/rancangan-iku-2023.pdf",
                                    "Rancangan keputusan IKU",
                                    "2023-05-12",
                                ),
                            ),
                        ),
                        FollowUpSpec(
                            "2023-08-21",
                            "Keputusan Kepala Dinas Kesehatan tentang IKU 2023-2026 telah "
                            "ditetapkan dan diunggah ke aplikasi SAKIP.",
                            (
                                (
                                    "https://example.org/demo/dinkes/kepkadin-iku-2023.pdf",
                                    "Keputusan Kepala Dinas tentang IKU",
                                    "2023-08-14",
                                ),
                            ),
                        ),
                    ),
                    reviews=(
                        ReviewSpec(
                            S1,
                            BELUM_SESUAI,
                            "2023-06-20",
                            "Masih rancangan; tetapkan keputusan IKU.",
                            new_due_on="2023-08-31",
                        ),
                        ReviewSpec(S2, SESUAI, "2023-12-12", "Keputusan IKU telah ditetapkan."),
                    ),
                ),
                RecSpec(
                    "3",
                    "DISDIKBUD",
                    "Menetapkan ulang IKU Dinas Pendidikan dan Kebudayaan yang mengukur hasil "
                    "layanan pendidikan.",
                    reviews=(
                        ReviewSpec(
                            S2,
                            BELUM_SESUAI,
                            "2023-12-12",
                            "Rancangan IKU belum ditetapkan.",
                            new_due_on="2024-02-29",
                        ),
                    ),
                ),
            ),
        ),
        FindingSpec(
            "2",
            "Penjenjangan kinerja (cascading) belum sampai ke tingkat individu",
            ("BKPSDM", "DINKES"),
            cause="Pohon kinerja belum dijadikan dasar penyusunan sasaran kinerja pegawai.",
            recs=(
                RecSpec(
                    "1",
                    "BKPSDM",
                    "Menyusun pedoman penjenjangan kinerja sampai sasaran kinerja pegawai.",
                    reviews=(ReviewSpec(S2, BELUM_TL, "2023-12-12", "Belum ada tindak lanjut."),),
                ),
                RecSpec(
                    "2",
                    "DINKES",
                    "Menyusun pohon kinerja Dinas Kesehatan sampai tingkat puskesmas dan individu.",
                    follow_ups=(
                        FollowUpSpec(
                            "2024-01-10",
                            "Pohon kinerja sampai tingkat puskesmas telah disusun; tingkat "
                            "individu menunggu pedoman BKPSDM.",
                            (
                                (
                                    "https://example.org/demo/dinkes/pohon-kinerja.pdf",
                                    "Pohon kinerja Dinas Kesehatan",
                                    "2024-01-08",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        FindingSpec(
            "3",
            "Hasil evaluasi akuntabilitas kinerja internal belum dimanfaatkan untuk perbaikan",
            ("INSPEKTORAT",),
            recs=(
                RecSpec(
                    "1",
                    "INSPEKTORAT",
                    "Memantau tindak lanjut rekomendasi evaluasi AKIP internal setiap semester.",
                    reviews=(ReviewSpec(S2, SESUAI, "2023-12-12"),),
                ),
            ),
        ),
        FindingSpec(
            "4",
            "Laporan kinerja belum menyajikan analisis efisiensi penggunaan sumber daya",
            ("DINKES", "BKAD"),
            recs=(
                RecSpec(
                    "1",
                    "DINKES",
                    "Menyajikan analisis efisiensi anggaran per sasaran dalam laporan kinerja "
                    "Dinas Kesehatan.",
                    reviews=(ReviewSpec(S2, BELUM_TL, "2023-12-12"),),
                ),
                RecSpec(
                    "2",
                    "BKAD",
                    "Menyediakan data realisasi anggaran per sasaran untuk analisis efisiensi.",
                    reviews=(ReviewSpec(S2, SESUAI, "2023-12-12"),),
                ),
            ),
        ),
    ),
)

LHE_RB = ReportSpec(
    kind=ReportKind.LHE_RB,
    year=2022,
    number="B/0002/RB.06/2022 (contoh)",
    title="Laporan Hasil Evaluasi Reformasi Birokrasi Pemerintah Kota Malang Tahun 2022",
    issuer=KEMENPANRB,
    issued_on="2022-12-20",
    received_on="2023-01-09",
    grade=Grade.BB,
    findings=(
        FindingSpec(
            "1",
            "Sasaran RB tematik penurunan stunting dan kemiskinan belum didukung data "
            "kinerja yang terukur",
            ("DINKES", "DINSOS_P3AP2KB"),
            recs=(
                RecSpec(
                    "1",
                    "DINKES",
                    "Menyusun basis data balita stunting by name by address yang "
                    "dimutakhirkan setiap bulan.",
                    follow_ups=(
                        FollowUpSpec(
                            "2023-06-05",
                            "Data balita stunting by name by address dari 16 puskesmas telah "
                            "dihimpun dalam aplikasi dan dimutakhirkan bulanan.",
                            (
                                (
                                    "https://example.org/demo/dinkes/dashboard-stunting",
                                    "Dasbor data stunting",
                                    "2023-06-01",
                                ),
                            ),
                        ),
                    ),
                    reviews=(ReviewSpec(S1, SESUAI, "2023-06-22", "Data telah tersedia."),),
                ),
                RecSpec(
                    "2",
                    "DINSOS_P3AP2KB",
                    "Memadankan data kemiskinan ekstrem dengan data kependudukan.",
                    reviews=(
                        ReviewSpec(
                            S2,
                            BELUM_SESUAI,
                            "2023-12-13",
                            "Pemadanan baru 60%.",
                            new_due_on="2024-03-31",
                        ),
                    ),
                ),
            ),
        ),
        FindingSpec(
            "2",
            "Layanan publik digital belum terintegrasi dalam satu portal",
            ("DISKOMINFO", "DISPENDUKCAPIL"),
            recs=(
                RecSpec(
                    "1",
                    "DISKOMINFO",
                    "Mengintegrasikan aplikasi layanan perangkat daerah ke portal layanan "
                    "publik kota.",
                    reviews=(ReviewSpec(S2, BELUM_TL, "2023-12-13"),),
                ),
                RecSpec(
                    "2",
                    "DISPENDUKCAPIL",
                    "Menyediakan layanan dokumen kependudukan daring melalui portal kota.",
                    reviews=(ReviewSpec(S2, SESUAI, "2023-12-13"),),
                ),
            ),
        ),
        FindingSpec(
            "3",
            "Survei kepuasan masyarakat belum dilaksanakan berkala di seluruh unit layanan",
            ("DINKES", "RSUD"),
            recs=(
                RecSpec(
                    "1",
                    "DINKES",
                    "Melaksanakan survei kepuasan masyarakat di seluruh puskesmas setiap "
                    "semester dan menindaklanjuti hasilnya.",
                ),
                RecSpec(
                    "2",
                    "RSUD",
                    "Melaksanakan survei kepuasan masyarakat setiap semester.",
                    reviews=(ReviewSpec(S2, SESUAI, "2023-12-13"),),
                ),
            ),
        ),
    ),
)

LHP_BPK = ReportSpec(
    kind=ReportKind.LHP_BPK,
    year=2022,
    number="00/LHP/XVIII.SBY/05/2023 (contoh)",
    title=(
        "LHP atas Kepatuhan terhadap Peraturan Perundang-undangan dalam rangka Pemeriksaan "
        "atas Laporan Keuangan Pemerintah Kota Malang Tahun 2022"
    ),
    issuer="BPK RI Perwakilan Provinsi Jawa Timur",
    issued_on="2023-05-22",
    received_on="2023-05-24",
    findings=(
        FindingSpec(
            "1",
            "Kekurangan volume pekerjaan belanja modal jalan, irigasi dan jaringan",
            ("DPUPRPKP",),
            condition=(
                "Pemeriksaan fisik atas tiga paket pekerjaan jalan menunjukkan kekurangan "
                "volume yang telah dibayar penuh."
            ),
            criteria=(
                "Perpres 16/2018 jo. Perpres 12/2021 tentang Pengadaan Barang/Jasa Pemerintah."
            ),
            cause="PPK dan pengawas lapangan kurang cermat dalam pengendalian kontrak.",
            effect="Kelebihan pembayaran kepada penyedia sebesar nilai kekurangan volume.",
            amount="187450000",
            code="1.01.03",
            value="187450000",
            parties=(
                ("CV A (penyedia paket jalan 1, contoh)", "Penyedia", "112450000"),
                ("CV B (penyedia paket jalan 2, contoh)", "Penyedia", "75000000"),
            ),
            repayments=(
                ("2023-07-14", "75000000", "Setoran penyedia CV A (STS 0714)"),
                ("2023-10-02", "50000000", "Setoran penyedia CV B (STS 1002)"),
            ),
            recs=(
                RecSpec(
                    "1",
                    "DPUPRPKP",
                    "Memproses kelebihan pembayaran sebesar Rp187.450.000 dan menyetorkannya "
                    "ke Kas Daerah.",
                    code="01",
                    value="187450000",
                    siptl=(
                        SiptlSpec(S2, "2024-01-10", "TT-SIPTL/2024/0117 (contoh)", BELUM_SESUAI),
                    ),
                    reviews=(
                        ReviewSpec(
                            S2,
                            BELUM_SESUAI,
                            "2023-12-14",
                            "Telah disetor Rp125.000.000; sisa Rp62.450.000.",
                            new_due_on="2024-01-31",
                        ),
                    ),
                ),
                RecSpec(
                    "2",
                    "DPUPRPKP",
                    "Memerintahkan PPK dan pengawas lapangan lebih cermat mengendalikan "
                    "pelaksanaan kontrak.",
                    code="05",
                    reviews=(ReviewSpec(S2, SESUAI, "2023-12-14", "Surat perintah terbit."),),
                ),
            ),
        ),
        FindingSpec(
            "2",
            "Kelebihan pembayaran honorarium dan perjalanan dinas pada Dinas Kesehatan",
            ("DINKES",),
            amount="23800000",
            code="1.01.07",
            value="23800000",
            parties=(("Bendahara Pengeluaran Dinas Kesehatan (contoh)", "Bendahara", "23800000"),),
            repayments=(("2023-07-20", "23800000", "Setoran bendahara pengeluaran (STS 0720)"),),
            recs=(
                RecSpec(
                    "1",
                    "DINKES",
                    "Memerintahkan bendahara pengeluaran memproses pengembalian kelebihan "
                    "pembayaran sebesar Rp23.800.000 ke Kas Daerah.",
                    code="01",
                    value="23800000",
                    follow_ups=(
                        FollowUpSpec(
                            "2023-07-24",
                            "Kelebihan pembayaran telah disetor seluruhnya ke Kas Daerah pada "
                            "20 Juli 2023.",
                            (
                                (
                                    "https://example.org/demo/dinkes/sts-0720.pdf",
                                    "Surat tanda setoran",
                                    "2023-07-20",
                                ),
                            ),
                        ),
                    ),
                    reviews=(ReviewSpec(S2, SESUAI, "2023-08-10", "Lunas."),),
                ),
            ),
        ),
        FindingSpec(
            "3",
            "Penatausahaan aset tetap belum tertib",
            ("BKAD",),
            code="2.01.01",
            recs=(
                RecSpec(
                    "1",
                    "BKAD",
                    "Melakukan inventarisasi dan rekonsiliasi aset tetap dengan seluruh "
                    "perangkat daerah.",
                    code="07",
                    reviews=(ReviewSpec(S2, BELUM_TL, "2023-12-14"),),
                    proposal=ProposalSpec(
                        "2024-S1",
                        BELUM_SESUAI,
                        "2024-06-20",
                        "Inventarisasi selesai di sebagian perangkat daerah; rekonsiliasi "
                        "dengan BKAD belum dilakukan.",
                        new_due_on="2024-09-30",
                    ),
                ),
            ),
        ),
        FindingSpec(
            "4",
            "Kekurangan penerimaan pajak daerah dari wajib pajak yang dinyatakan pailit",
            ("BAPENDA",),
            amount="64200000",
            code="1.03.01",
            value="64200000",
            recs=(
                RecSpec(
                    "1",
                    "BAPENDA",
                    "Menagih kekurangan penerimaan pajak daerah sebesar Rp64.200.000.",
                    code="01",
                    value="64200000",
                    siptl=(
                        SiptlSpec(
                            S2,
                            "2024-01-10",
                            "TT-SIPTL/2024/0118 (contoh)",
                            BELUM_TL,
                        ),
                    ),
                    reviews=(
                        ReviewSpec(
                            S2,
                            TIDAK_DAPAT,
                            "2023-12-14",
                            "Wajib pajak dalam proses kepailitan di pengadilan niaga.",
                            reason=UnfollowableReason.COURT_PROCEEDINGS,
                        ),
                    ),
                ),
            ),
        ),
    ),
)

REPORTS: tuple[ReportSpec, ...] = (LHE_SAKIP, LHE_RB, LHP_BPK)


@dataclass(frozen=True)
class ResultSpec:
    instrument: Instrument
    year: int
    region: str
    grade: Grade
    source: str
    score: str | None = None


_MALANG_2023 = "https://malangkota.go.id/2023/12/06/panen-prestasi-kota-malang-raih-sakip-2023-kategori-a-memuaskan"
_MALANG_2021 = (
    "https://jatimtimes.com/baca/263798/20220406/075000/ (hasil evaluasi 2021: SAKIP A, RB BB)"
)
_MALANG_2020 = (
    "https://malangkota.go.id/en/2021/09/07/wali-kota-sutiaji-saya-butuh-super-tim-bukan-superman/"
)
_WORKSHOP_2023 = (
    "https://malang-post.com/2023/07/26/empat-area-rb-jadi-fokus-pembahasan-di-workshop/"
)
_FIVE_YEARS = (
    "https://sudutkota.id/pemkot-malang-tampilkan-inovasi-sakip-digital-wali-kota-wahyu-"
    "tegaskan-komitmen-akuntabilitas (SAKIP A lima tahun berturut-turut)"
)
_BWI_2023 = "https://artik.id/news-8494-banyuwangi-raih-sakip-penghargaan-diterima-ipuk-fiestiandani-dari-wapres"
_BWI_2024 = "https://www.goindonesia.id/banyuwangi-raih-predikat-aa-dalam-sakip-bukti-kinerja-birokrasi-yang-unggul/"
_BWI_2022 = (
    "http://visfmbanyuwangi.com/2022/12/14/keren-penghujung-2022-banyuwangi-borong-7-penghargaan/"
)
_SBY_2024 = "https://amp.suara.com/news/2024/10/02/192812/jadi-kota-pertama-di-indonesia-yang-raih-predikat-teratas-surabaya-raih-sakip-aa"
_SBY_2024_SCORE = "https://www.pustakajc.co/news/view/5293/surabaya-raih-nilai-tertinggi-nasional-reformasi-birokrasi-2024"
_SBY_2025 = "https://m.jpnn.com/news/surabaya-raih-predikat-sakip-aa-walkot-ini-hasil-kerja-kolektif-berkelanjutan"

SAKIP, RB = Instrument.SAKIP, Instrument.RB
MALANG, BANYUWANGI, SURABAYA = "Kota Malang", "Kab. Banyuwangi", "Kota Surabaya"

RESULTS: tuple[ResultSpec, ...] = (
    ResultSpec(SAKIP, 2020, MALANG, Grade.A, _MALANG_2020),
    ResultSpec(SAKIP, 2021, MALANG, Grade.A, _MALANG_2021),
    ResultSpec(SAKIP, 2022, MALANG, Grade.A, _FIVE_YEARS),
    ResultSpec(SAKIP, 2023, MALANG, Grade.A, _MALANG_2023),
    ResultSpec(SAKIP, 2024, MALANG, Grade.A, _FIVE_YEARS),
    ResultSpec(RB, 2021, MALANG, Grade.BB, _MALANG_2021),
    ResultSpec(RB, 2022, MALANG, Grade.BB, _WORKSHOP_2023),
    ResultSpec(RB, 2023, MALANG, Grade.BB, _WORKSHOP_2023),
    ResultSpec(SAKIP, 2021, BANYUWANGI, Grade.A, _BWI_2024 + " (A sejak 2017)"),
    ResultSpec(SAKIP, 2022, BANYUWANGI, Grade.A, _BWI_2022),
    ResultSpec(SAKIP, 2023, BANYUWANGI, Grade.A, _BWI_2023),
    ResultSpec(SAKIP, 2024, BANYUWANGI, Grade.AA, _BWI_2024),
    ResultSpec(RB, 2021, BANYUWANGI, Grade.BB, _BWI_2022),
    ResultSpec(RB, 2022, BANYUWANGI, Grade.A, _BWI_2022),
    ResultSpec(SAKIP, 2022, SURABAYA, Grade.A, _SBY_2024 + " (A pertama kali 2022)"),
    ResultSpec(SAKIP, 2023, SURABAYA, Grade.A, _SBY_2024 + " (AA pertama kali 2024)"),
    ResultSpec(SAKIP, 2024, SURABAYA, Grade.AA, _SBY_2024_SCORE, "90.24"),
    ResultSpec(SAKIP, 2025, SURABAYA, Grade.AA, _SBY_2025, "91.83"),
)


# --- loading ---------------------------------------------------------------------------


@dataclass
class _Counts:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n


def _user(email: str, roles: tuple[Role, ...]) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = db.session.scalars(
            select(User).where(User.role.in_(roles), User.active.is_(True)).order_by(User.id)
        ).first()
    return user


def _report(spec: ReportSpec, counts: _Counts) -> Report:
    report = db.session.scalar(
        select(Report).where(Report.kind == spec.kind, Report.number == spec.number)
    )
    if report is None:
        report = Report(
            kind=spec.kind,
            year=spec.year,
            number=spec.number,
            title=spec.title,
            issuer=spec.issuer,
            issued_on=dt.date.fromisoformat(spec.issued_on),
            received_on=dt.date.fromisoformat(spec.received_on),
            grade=spec.grade,
            note=ILLUSTRATIVE,
        )
        db.session.add(report)
        db.session.flush()
        counts.add("report")
    return report


def _finding(report: Report, spec: FindingSpec, opds: dict[str, Opd], counts: _Counts) -> Finding:
    finding = db.session.scalar(
        select(Finding).where(Finding.report_id == report.id, Finding.number == spec.number)
    )
    if finding is None:
        finding = Finding(
            report=report,
            number=spec.number,
            title=spec.title,
            condition=spec.condition,
            criteria=spec.criteria,
            cause=spec.cause,
            effect=spec.effect,
            is_financial=spec.amount is not None,
            amount_to_recover=Decimal(spec.amount) if spec.amount else None,
            opds=[opds[c] for c in spec.opds],
        )
        db.session.add(finding)
        db.session.flush()
        counts.add("finding")
    _bpk_attributes(finding, spec, counts)
    return finding


def _code(kind: CodeKind, code: str | None) -> AuditCode | None:
    return code_lists.by_code(kind, code) if code else None


def _bpk_attributes(finding: Finding, spec: FindingSpec, counts: _Counts) -> None:
    """The codes, value and responsible parties as the LHP states them (filled in where
    missing, so a demo database made before they existed gains them too)."""
    if finding.finding_code_id is None and spec.code:
        finding.finding_code = _code(CodeKind.FINDING, spec.code)
    if finding.cause_code_id is None and spec.cause_code:
        finding.cause_code = _code(CodeKind.CAUSE, spec.cause_code)
    if finding.value is None and spec.value:
        finding.value = Decimal(spec.value)
    if spec.parties and not finding.parties:
        for order, (name, position, amount) in enumerate(spec.parties):
            finding.parties.append(
                FindingParty(name=name, position=position, amount=Decimal(amount), sort_order=order)
            )
            counts.add("finding_party")
    db.session.flush()


def _recommendation(finding: Finding, spec: RecSpec, opd: Opd, counts: _Counts) -> Recommendation:
    rec = db.session.scalar(
        select(Recommendation).where(
            Recommendation.finding_id == finding.id, Recommendation.number == spec.number
        )
    )
    if rec is None:
        due = default_due_on(finding.report.received_on)
        rec = Recommendation(
            finding=finding,
            number=spec.number,
            text=spec.text,
            opd=opd,
            original_due_on=due,
            due_on=due,
        )
        db.session.add(rec)
        db.session.flush()
        counts.add("recommendation")
    if rec.code_id is None and spec.code:
        rec.code = _code(CodeKind.RECOMMENDATION, spec.code)
    if rec.value is None and spec.value:
        rec.value = Decimal(spec.value)
    return rec


def _siptl(rec: Recommendation, spec: RecSpec, recorder: User | None, counts: _Counts) -> None:
    if recorder is None:
        return
    known = set(
        db.session.scalars(
            select(SiptlSubmission.period).where(SiptlSubmission.recommendation_id == rec.id)
        )
    )
    for item in spec.siptl:
        if item.period in known:
            continue
        db.session.add(
            SiptlSubmission(
                recommendation=rec,
                period=item.period,
                submitted_on=dt.date.fromisoformat(item.submitted_on),
                receipt_number=item.receipt,
                bpk_outcome=item.bpk_outcome,
                recorded_by=recorder,
            )
        )
        counts.add("siptl_submission")
    db.session.flush()


def _proposal(rec: Recommendation, spec: RecSpec, auditor: User | None, counts: _Counts) -> None:
    """An auditor's proposal awaiting approval (only while the recommendation has none)."""
    item = spec.proposal
    if auditor is None or item is None:
        return
    if db.session.scalar(
        select(ReviewProposal.id).where(ReviewProposal.recommendation_id == rec.id)
    ):
        return
    db.session.add(
        ReviewProposal(
            recommendation=rec,
            period=item.period,
            outcome=item.outcome,
            new_due_on=dt.date.fromisoformat(item.new_due_on) if item.new_due_on else None,
            note=item.note,
            proposed_by=auditor,
            proposed_at=_at(item.at, 11),
        )
    )
    counts.add("review_proposal")
    db.session.flush()


def _follow_ups(
    rec: Recommendation, specs: tuple[FollowUpSpec, ...], author: User | None, counts: _Counts
) -> None:
    if author is None:
        return
    for spec in specs:
        exists = db.session.scalar(
            select(FollowUp.id).where(
                FollowUp.recommendation_id == rec.id, FollowUp.description == spec.text
            )
        )
        if exists is not None:
            continue
        at = _at(spec.at)
        follow_up = FollowUp(
            recommendation=rec, author=author, submitted_at=at, description=spec.text
        )
        db.session.add(follow_up)
        for url, label, day in spec.links:
            db.session.add(
                FindingEvidence(
                    follow_up=follow_up,
                    kind=EvidenceKind.LINK,
                    url=url,
                    label=label,
                    refers_to_on=dt.date.fromisoformat(day),
                )
            )
        rec.last_follow_up_at = max(filter(None, [rec.last_follow_up_at, at]))
        counts.add("follow_up")
    db.session.flush()


def _reviews(
    rec: Recommendation, specs: tuple[ReviewSpec, ...], reviewer: User | None, counts: _Counts
) -> None:
    if reviewer is None or not specs:
        return
    existing = {
        r.period
        for r in db.session.scalars(
            select(RecommendationReview).where(RecommendationReview.recommendation_id == rec.id)
        )
    }
    added = False
    for spec in specs:
        if spec.period in existing:
            continue
        review = RecommendationReview(
            recommendation=rec,
            period=spec.period,
            outcome=spec.outcome,
            reason=spec.reason,
            new_due_on=dt.date.fromisoformat(spec.new_due_on) if spec.new_due_on else None,
            note=spec.note,
            reviewer=reviewer,
            reviewed_at=_at(spec.at, 14),
        )
        db.session.add(review)
        counts.add("review")
        added = True
    if added:
        db.session.flush()
        db.session.refresh(rec, ["reviews"])
        for review in sorted(rec.reviews, key=lambda r: r.period):
            if review.outcome is Outcome.BELUM_SESUAI and review.new_due_on:
                rec.due_on = review.new_due_on
        refresh_outcome(rec)
        db.session.flush()


def _repayments(
    finding: Finding, spec: FindingSpec, recorder: User | None, counts: _Counts
) -> None:
    if recorder is None:
        return
    for day, amount, note in spec.repayments:
        paid_on, value = dt.date.fromisoformat(day), Decimal(amount)
        exists = db.session.scalar(
            select(Repayment.id).where(
                Repayment.finding_id == finding.id,
                Repayment.paid_on == paid_on,
                Repayment.amount == value,
            )
        )
        if exists is not None:
            continue
        db.session.add(
            Repayment(
                finding=finding, paid_on=paid_on, amount=value, note=note, recorded_by=recorder
            )
        )
        counts.add("repayment")
    db.session.flush()


#: The demo's issued SKBT: Dinas Kesehatan repaid its one financial finding in full.
SKBT_OPD = "DINKES"
SKBT_PURPOSE = "Kelengkapan berkas penilaian kinerja perangkat daerah (contoh)"
SKBT_DAY = "2024-02-05"


def _skbt(opds: dict[str, Opd], counts: _Counts) -> None:
    """One SKBT issued to an OPD whose financial findings are settled (dated in the demo's
    history; its number follows the SKBT pattern)."""
    opd = opds.get(SKBT_OPD)
    signer = _user(INSPEKTUR_EMAIL, (Role.ADMIN,))
    if opd is None or signer is None:
        return
    if db.session.scalar(select(Skbt.id).where(Skbt.opd_id == opd.id)) is not None:
        return
    at = _at(SKBT_DAY, 9)
    skbt = skbt_service.request(
        signer, subject=SkbtSubject.OPD, purpose=SKBT_PURPOSE, opd_id=opd.id, now=at
    )
    skbt_service.issue(signer, skbt, today=at.date(), now=at)
    counts.add("skbt")


def _results(counts: _Counts) -> None:
    for spec in RESULTS:
        exists = db.session.scalar(
            select(EvaluationResult.id).where(
                EvaluationResult.instrument == spec.instrument,
                EvaluationResult.year == spec.year,
                func.lower(EvaluationResult.region) == spec.region.lower(),
            )
        )
        if exists is not None:
            continue
        db.session.add(
            EvaluationResult(
                instrument=spec.instrument,
                year=spec.year,
                region=spec.region,
                grade=spec.grade,
                score=Decimal(spec.score) if spec.score else None,
                source=spec.source[:500],
            )
        )
        counts.add("evaluation_result")
    db.session.flush()


def seed_findings(now: dt.datetime) -> dict[str, int]:
    """Add whatever of the findings demo data is missing; flushes, never commits.

    ``now`` is accepted for the common seed signature; the demo history is dated 2022–2024.
    """
    del now
    counts = _Counts()
    code_lists.seed()
    reviewer = _user(INSPEKTORAT_EMAIL, (Role.INSPEKTORAT, Role.ADMIN))
    codes = {c for spec in REPORTS for f in spec.findings for c in f.opds}
    opds = {
        o.code: o for o in db.session.scalars(select(Opd).where(func.upper(Opd.code).in_(codes)))
    }
    authors = {
        code: db.session.scalars(
            select(User)
            .where(User.role == Role.OPD, User.opd_id == opd.id, User.active.is_(True))
            .order_by(User.id)
        ).first()
        for code, opd in opds.items()
    }
    for report_spec in REPORTS:
        findings = [f for f in report_spec.findings if all(c in opds for c in f.opds)]
        if not findings:
            continue
        report = _report(report_spec, counts)
        for finding_spec in findings:
            finding = _finding(report, finding_spec, opds, counts)
            for rec_spec in finding_spec.recs:
                rec = _recommendation(finding, rec_spec, opds[rec_spec.opd], counts)
                _follow_ups(rec, rec_spec.follow_ups, authors.get(rec_spec.opd), counts)
                _reviews(rec, rec_spec.reviews, reviewer, counts)
                _siptl(rec, rec_spec, reviewer, counts)
                _proposal(rec, rec_spec, reviewer, counts)
            _repayments(finding, finding_spec, reviewer, counts)
    _skbt(opds, counts)
    _results(counts)
    return counts.created
