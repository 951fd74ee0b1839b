"""Import of the TLHP monitoring matrix (kind ``findings``): reports, their findings and
recommendations, the responsible OPD, the follow-up text, BPK's outcome 1–4, values and
repayments.

Reading the rows (real matrices, not only our template):

* **One row per recommendation.** A row whose report cells are empty belongs to the report
  above it, a row whose finding cells are empty (or merged down) to the finding above it;
  a row with a finding and no recommendation opens the finding for the rows below it. A
  row whose only cell is a heading (a section title such as the tracker's own report rows
  "LHP BPK 2022 — …") is skipped, and the table ends at its totals ("Jumlah (Rp)",
  "Total", "Rekapitulasi …" in the No. column).
* **Numbers** (the natural key is report number + finding number + recommendation
  number, case-insensitively): the finding's number is its "No. temuan" column, else the
  leading number of the finding's text ("1. Kekurangan volume …"), else the No. column on
  the finding's row ("1", or "1" of "1.2"), else its place in the report (1, 2, …); a
  recommendation's number is its "No. rekomendasi" column, else what follows the first
  dot of the No. column ("2" of "1.2") or a No. on a continuation row, else its place in
  the finding. The same file thus always yields the same keys.
* **Reports** are found by number (and kind, when given). A new report needs its kind,
  year and date (Tanggal LHP); the date received defaults to the report's date, the issuer
  to the usual one of its kind. An existing report is never changed by an import: a
  report cell that says otherwise than the tracker is a problem of that row.
* **Codes** are BPK's codes as the tracker lists them (active, detailed); an LHP BPK needs
  the finding and recommendation codes. **OPDs** by code or name, case-insensitively.
* **An empty cell leaves the recorded value as it is**; a filled one that differs is an
  update, applied through the services (:mod:`tracker.services.findings`); a new
  recommendation is told to its OPD as when it is typed in.

What an imported row records:

* **Outcome** (a "Status" column with 1–4 or its name, or the four status columns of the
  standard matrix with a value or a mark under the row's outcome): history the
  Inspektorat already decided. It is recorded as the review of the semester the file
  refers to (its "Semester" column, else the current semester) by the importing user,
  dated the end of that semester (today while it runs), with the note "Imported from
  <file>"; no notice goes out for it. An outcome equal to the one in force in that
  semester (not reviewed yet counts as 3, as in the matrix) changes nothing. Outcome 2
  needs the new deadline (Batas waktu); outcome 4 a lawful reason named in Keterangan
  (keadaan kahar, proses peradilan, tidak efektif).
* **Follow-up text** becomes one follow-up recorded by the importing user at the same
  moment, unless the recommendation already has it: the text of its follow-ups, and the
  tracker's own rendering of them in the matrix ("26 Jul 2023: …"), are taken out first,
  and only what remains is new.
* **Repayments**: a financial finding is one with an amount to recover ("Nilai yang harus
  dipulihkan"; else, when a Saldo or a repaid amount is given, the amount already
  recorded, or for a finding not yet financial its Nilai temuan). What the
  file says was repaid (its "Telah disetor" column, else the amount minus the Saldo) and
  the tracker has not recorded yet becomes one repayment, dated by the row's "Tanggal
  setor", else the end of the file's semester (today while it runs). A Saldo above the
  recorded balance is a problem (repayments are removed on the finding's page).
* **Versions**: the tracker's matrix export writes a "Versi" cell ("T3 R5": the finding's
  and the recommendation's versions); a row that differs from the records while either is
  newer than the file's is a conflict, not an update. After the standard columns the
  export also writes the report's number and kind, the finding's and recommendation's
  numbers, the OPD, the deadline and the semester, so each of its rows reads back as
  itself (:func:`tracker.blueprints.findings.matrix.key_headers`).

Planning reads in a constant number of queries (the OPDs, the codes, the reports named
in the file with their findings, recommendations, reviews, follow-ups and repayments).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.i18n import WIB, rupiah
from tracker.imports import values
from tracker.imports.base import (
    Action,
    Column,
    Context,
    ImportKind,
    Plan,
    PlannedRow,
    Problem,
    Row,
    Table,
)
from tracker.models import Opd
from tracker.models.finding import (
    Finding,
    FollowUp,
    Outcome,
    Recommendation,
    RecommendationReview,
    Report,
    ReportKind,
    UnfollowableReason,
)
from tracker.models.reference import AuditCode, CodeKind
from tracker.permissions import P, has_permission
from tracker.services import findings as service
from tracker.services.errors import DomainError, NotAllowed

KIND = ImportKind.FINDINGS


def _col(key: str, heading: str, *synonyms: str, required: bool = False, help: Any = "") -> Column:
    return Column(key, heading, tuple(synonyms), required, help)  # type: ignore[arg-type]


#: The standard matrix's columns first (as the tracker's export writes them, in Indonesian
#: and in English), then the columns that identify a row and the report's own.
COLUMNS: tuple[Column, ...] = (
    _col("no", "No.", "No", "No Urut", "Nomor Urut", help=_l("Row number; optional.")),
    _col(
        "finding_code",
        "Kode temuan",
        "Temuan Kode",
        "Kode Temuan BPK",
        "Finding Code",
        help=_l("BPK finding code, e.g. 1.01.03; required for an LHP BPK."),
    ),
    _col(
        "finding_text",
        "Uraian temuan",
        "Temuan",
        "Temuan Uraian",
        "Judul Temuan",
        "Kondisi",
        "Temuan Pemeriksaan",
        "Finding Description",
        "Finding",
        help=_l("The finding; may start with its number (1. …). Empty: the finding above."),
    ),
    _col("cause_code", "Kode sebab", "Sebab Kode", "Cause Code", help=_l("BPK cause code.")),
    _col(
        "cause_text",
        "Uraian sebab",
        "Sebab",
        "Sebab Uraian",
        "Penyebab",
        "Cause Description",
        "Cause",
        help=_l("The cause of the finding."),
    ),
    _col(
        "finding_value",
        "Nilai temuan (Rp)",
        "Nilai Temuan",
        "Temuan Nilai (Rp)",
        "Temuan Nilai",
        "Nilai (Rp)",
        "Nilai",
        "Finding value (Rp)",
        help=_l("Rupiah, e.g. 23.800.000 or Rp 23.800.000,00."),
    ),
    _col(
        "rec_code",
        "Kode rekomendasi",
        "Rekomendasi Kode",
        "Recommendation Code",
        help=_l("BPK recommendation code, 01-14; required for an LHP BPK."),
    ),
    _col(
        "rec_text",
        "Uraian rekomendasi",
        "Rekomendasi",
        "Rekomendasi Uraian",
        "Saran",
        "Recommendation Description",
        "Recommendation",
        required=True,
        help=_l("The recommendation; one row per recommendation."),
    ),
    _col(
        "rec_value",
        "Nilai rekomendasi (Rp)",
        "Nilai Rekomendasi",
        "Rekomendasi Nilai (Rp)",
        "Rekomendasi Nilai",
        "Recommendation value (Rp)",
        help=_l("Rupiah."),
    ),
    _col(
        "follow_up",
        "Tindak lanjut",
        "Uraian Tindak Lanjut",
        "Tindak Lanjut Entitas",
        "Hasil Tindak Lanjut",
        "Follow-up",
        help=_l("What the OPD reported it did; recorded as one follow-up when new."),
    ),
    _col(
        "status",
        "Status",
        "Status TL",
        "Status Tindak Lanjut",
        "Hasil Pemantauan",
        help=_l(
            "1 Sesuai, 2 Belum sesuai, 3 Belum ditindaklanjuti, 4 Tidak dapat ditindaklanjuti."
        ),
    ),
    _col(
        "status_1",
        "Status 1 Sesuai",
        "1 Sesuai",
        "Sesuai",
        "Status Sesuai",
        "Sesuai dengan rekomendasi",
        "Status 1 Matches",
        help=_l("The standard matrix: a value or a mark under the row's status."),
    ),
    _col(
        "status_2",
        "Status 2 Belum sesuai",
        "2 Belum sesuai",
        "Belum sesuai",
        "Status Belum sesuai",
        "Belum sesuai dengan rekomendasi",
        "Status 2 Not yet matching",
        help=_l("The standard matrix: a value or a mark under the row's status."),
    ),
    _col(
        "status_3",
        "Status 3 Belum ditindaklanjuti",
        "3 Belum ditindaklanjuti",
        "Belum ditindaklanjuti",
        "Status Belum ditindaklanjuti",
        "Belum TL",
        "Status 3 Not followed up",
        help=_l("The standard matrix: a value or a mark under the row's status."),
    ),
    _col(
        "status_4",
        "Status 4 Tidak dapat ditindaklanjuti",
        "4 Tidak dapat ditindaklanjuti",
        "Tidak dapat ditindaklanjuti",
        "Status Tidak dapat ditindaklanjuti",
        "TDTL",
        "Status 4 Cannot be followed up",
        help=_l("The standard matrix: a value or a mark under the row's status."),
    ),
    _col(
        "balance",
        "Saldo (Rp)",
        "Saldo",
        "Sisa (Rp)",
        "Sisa",
        "Sisa Kerugian (Rp)",
        "Outstanding balance (Rp)",
        help=_l("What remains to be repaid of a financial finding."),
    ),
    _col(
        "remarks",
        "Keterangan",
        "Ket",
        "Catatan",
        "Remarks",
        help=_l("Remarks; for status 4 the lawful reason, and 'OPD: CODE' if no OPD column."),
    ),
    _col(
        "report_number",
        "Nomor LHP",
        "No. LHP",
        "No LHP",
        "Nomor Laporan",
        "No. Laporan",
        "Nomor LHE",
        "No. LHE",
        "LHP Nomor",
        "Report number",
        required=True,
        help=_l("The report's number. Empty: the report above."),
    ),
    _col(
        "report_kind",
        "Jenis laporan",
        "Jenis LHP",
        "Jenis",
        "Report kind",
        help=_l("LHP BPK, LHP Inspektorat, LHE SAKIP, LHE RB or Lainnya; for a new report."),
    ),
    _col(
        "finding_number",
        "No. temuan",
        "Nomor Temuan",
        "No Temuan",
        "Temuan No",
        "Temuan Nomor",
        "Finding number",
        help=_l("The finding's number in the report, e.g. 1 or 2.a."),
    ),
    _col(
        "rec_number",
        "No. rekomendasi",
        "Nomor Rekomendasi",
        "No Rekomendasi",
        "Rekomendasi No",
        "Rekomendasi Nomor",
        "Recommendation number",
        help=_l("The recommendation's number in the finding, e.g. 1 or a."),
    ),
    _col(
        "opd",
        "OPD",
        "Perangkat Daerah",
        "OPD Penanggung Jawab",
        "Penanggung Jawab",
        "Unit Kerja",
        "SKPD",
        help=_l("The responsible OPD, by code or name."),
    ),
    _col(
        "due_on",
        "Batas waktu",
        "Tenggat",
        "Jatuh Tempo",
        "Batas Waktu Tindak Lanjut",
        "Tanggal Jatuh Tempo",
        "Due date",
        help=_l("Date, e.g. 26/07/2023 or 26 Juli 2023; for status 2 the new deadline."),
    ),
    _col(
        "period",
        "Semester",
        "Periode",
        "Semester Pemantauan",
        "Periode Pemantauan",
        help=_l("The semester of the status, e.g. 2023-S2 or Semester II 2023."),
    ),
    _col("version", "Versi", "Version", help=_l("Written by the tracker's export; keep it.")),
    _col(
        "report_year",
        "Tahun",
        "Tahun Anggaran",
        "TA",
        "Tahun LHP",
        "Tahun Laporan",
        "Year",
        help=_l("The year the report covers; for a new report."),
    ),
    _col(
        "report_date",
        "Tanggal LHP",
        "Tgl LHP",
        "Tanggal Laporan",
        "LHP Tanggal",
        "Report date",
        help=_l("The report's date; for a new report."),
    ),
    _col(
        "report_received",
        "Tanggal diterima",
        "Tgl diterima",
        "Tanggal Terima",
        "Date received",
        help=_l("When the report was received; empty: its date."),
    ),
    _col(
        "report_issuer",
        "Penerbit",
        "Pemeriksa",
        "Instansi Pemeriksa",
        "Issuer",
        help=_l("Who issued the report; empty: the usual issuer of its kind."),
    ),
    _col("report_title", "Judul laporan", "Judul LHP", "Report title", help=_l("Optional.")),
    _col(
        "amount_to_recover",
        "Nilai yang harus dipulihkan (Rp)",
        "Nilai Kerugian (Rp)",
        "Nilai Kerugian",
        "Kerugian Daerah (Rp)",
        "Nilai yang harus disetor (Rp)",
        "Amount to recover (Rp)",
        help=_l("For a financial finding: the amount to recover."),
    ),
    _col(
        "repaid",
        "Telah disetor (Rp)",
        "Telah disetor",
        "Sudah disetor (Rp)",
        "Nilai Setor",
        "Jumlah Setoran",
        "Setoran (Rp)",
        "Repaid (Rp)",
        help=_l("For a financial finding: what has been repaid in all."),
    ),
    _col(
        "repaid_on",
        "Tanggal setor",
        "Tgl setor",
        "Tanggal Setoran",
        "Tanggal Penyetoran",
        help=_l("The date of the repayment; empty: the end of the semester."),
    ),
)
HEADINGS = {c.key: c.heading for c in COLUMNS}

REPORT_KEYS = (
    "report_kind",
    "report_year",
    "report_date",
    "report_received",
    "report_issuer",
    "report_title",
)
FINDING_KEYS = (
    "finding_number",
    "finding_code",
    "finding_text",
    "cause_code",
    "cause_text",
    "finding_value",
    "amount_to_recover",
    "balance",
    "repaid",
    "repaid_on",
)
REC_KEYS = (
    "rec_number",
    "rec_code",
    "rec_text",
    "rec_value",
    "opd",
    "follow_up",
    "status",
    "status_1",
    "status_2",
    "status_3",
    "status_4",
    "due_on",
    "period",
    "version",
)
STATUS_KEYS = ("status_1", "status_2", "status_3", "status_4")

_REPORT_NUMBER = "00/LHP/XVIII.SBY/05/2023"
TEMPLATE_EXAMPLE: list[dict[str, Any]] = [
    {
        "report_number": _REPORT_NUMBER,
        "report_kind": "LHP BPK",
        "report_year": 2022,
        "report_date": "22/05/2023",
        "report_received": "24/05/2023",
        "report_issuer": "BPK RI Perwakilan Provinsi Jawa Timur",
        "finding_number": "1",
        "finding_code": "1.01.03",
        "finding_text": "Kekurangan volume pekerjaan belanja modal jalan, irigasi dan jaringan",
        "cause_text": "PPK dan pengawas lapangan kurang cermat dalam pengendalian kontrak.",
        "finding_value": "187.450.000",
        "amount_to_recover": "187.450.000",
        "rec_number": "1",
        "rec_code": "01",
        "rec_text": "Memproses kelebihan pembayaran sebesar Rp187.450.000 dan menyetorkannya "
        "ke Kas Daerah.",
        "rec_value": "187.450.000",
        "opd": "DPUPRPKP",
        "follow_up": "Telah disetor Rp125.000.000 ke Kas Daerah.",
        "status": "2",
        "due_on": "31/01/2024",
        "period": "2023-S2",
        "balance": "62.450.000",
        "repaid_on": "02/10/2023",
    },
    {
        "report_number": _REPORT_NUMBER,
        "finding_number": "1",
        "rec_number": "2",
        "rec_code": "05",
        "rec_text": "Memerintahkan PPK dan pengawas lapangan lebih cermat mengendalikan "
        "pelaksanaan kontrak.",
        "opd": "DPUPRPKP",
        "follow_up": "Surat perintah kepada PPK telah terbit.",
        "status": "1",
        "period": "2023-S2",
    },
    {
        "report_number": _REPORT_NUMBER,
        "finding_number": "3",
        "finding_code": "2.01.01",
        "finding_text": "Penatausahaan aset tetap belum tertib",
        "rec_number": "1",
        "rec_code": "07",
        "rec_text": "Melakukan inventarisasi dan rekonsiliasi aset tetap dengan seluruh "
        "perangkat daerah.",
        "opd": "BKAD",
        "status": "3",
        "period": "2023-S2",
    },
    {
        "report_number": _REPORT_NUMBER,
        "finding_number": "4",
        "finding_code": "1.03.01",
        "finding_text": "Kekurangan penerimaan pajak daerah dari wajib pajak yang dinyatakan "
        "pailit",
        "finding_value": "64.200.000",
        "amount_to_recover": "64.200.000",
        "balance": "64.200.000",
        "rec_number": "1",
        "rec_code": "01",
        "rec_text": "Menagih kekurangan penerimaan pajak daerah sebesar Rp64.200.000.",
        "rec_value": "64.200.000",
        "opd": "Badan Pendapatan Daerah",
        "status": "4",
        "period": "2023-S2",
        "remarks": "Wajib pajak dalam proses peradilan (kepailitan di pengadilan niaga).",
    },
]

#: The usual issuer of a report of each kind, when the file names none.
DEFAULT_ISSUERS = {
    ReportKind.LHP_BPK: "Badan Pemeriksa Keuangan RI",
    ReportKind.LHE_SAKIP: "Kementerian PANRB",
    ReportKind.LHE_RB: "Kementerian PANRB",
}
KIND_NAMES = {
    "lhp bpk": ReportKind.LHP_BPK,
    "bpk": ReportKind.LHP_BPK,
    "lhp inspektorat": ReportKind.LHP_INSPEKTORAT,
    "inspektorat": ReportKind.LHP_INSPEKTORAT,
    "lhp apip": ReportKind.LHP_INSPEKTORAT,
    "lhe sakip": ReportKind.LHE_SAKIP,
    "sakip": ReportKind.LHE_SAKIP,
    "lhe rb": ReportKind.LHE_RB,
    "rb": ReportKind.LHE_RB,
    "lainnya": ReportKind.OTHER,
    "other": ReportKind.OTHER,
}
OUTCOME_NAMES = {
    "sesuai": Outcome.SESUAI,
    "s": Outcome.SESUAI,
    "tl sesuai": Outcome.SESUAI,
    "selesai": Outcome.SESUAI,
    "belum sesuai": Outcome.BELUM_SESUAI,
    "bs": Outcome.BELUM_SESUAI,
    "tl belum sesuai": Outcome.BELUM_SESUAI,
    "dalam proses": Outcome.BELUM_SESUAI,
    "belum ditindaklanjuti": Outcome.BELUM_DITINDAKLANJUTI,
    "belum di tindak lanjuti": Outcome.BELUM_DITINDAKLANJUTI,
    "belum tl": Outcome.BELUM_DITINDAKLANJUTI,
    "btl": Outcome.BELUM_DITINDAKLANJUTI,
    "tidak dapat ditindaklanjuti": Outcome.TIDAK_DAPAT_DITINDAKLANJUTI,
    "tidak dapat di tindak lanjuti": Outcome.TIDAK_DAPAT_DITINDAKLANJUTI,
    "tdtl": Outcome.TIDAK_DAPAT_DITINDAKLANJUTI,
    "tdd": Outcome.TIDAK_DAPAT_DITINDAKLANJUTI,
}
REASON_WORDS = (
    ("kahar", UnfollowableReason.FORCE_MAJEURE),
    ("force majeure", UnfollowableReason.FORCE_MAJEURE),
    ("peradilan", UnfollowableReason.COURT_PROCEEDINGS),
    ("pengadilan", UnfollowableReason.COURT_PROCEEDINGS),
    ("court", UnfollowableReason.COURT_PROCEEDINGS),
    ("efektif", UnfollowableReason.NOT_EFFECTIVE),
    ("effective", UnfollowableReason.NOT_EFFECTIVE),
)
END_WORDS = ("jumlah", "total", "rekap", "number of", "recap")
NUMBER_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-/]*$")
LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*[a-z]?)[.)]\s+(\S.*)$", re.S)
PERIOD_TEXT = re.compile(
    r"(?i)^(?:semester|smt|sem)\.?\s*(I{1,2}|[12])\s*(?:/|-|tahun|th\.?)?\s*(\d{4})$"
)
VERSION_RE = re.compile(r"(?i)^\s*T\s*(\d+)\D+R\s*(\d+)\s*$")


#: A cell that cannot be read: ``message`` says why (in the user's language).
Bad = values.BadValue


# --- reading cells ----------------------------------------------------------------------


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out or None


def key_text(value: Any) -> str | None:
    """A number or code cell as text ("1" for 1 or 1.0)."""
    return text(value)


def money(value: Any) -> Decimal | None:
    return values.money(value)


def date(value: Any) -> dt.date | None:
    return values.date(value)


def year(value: Any) -> int | None:
    raw = text(value)
    if raw is None:
        return None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Bad(_("Enter a year between 2000 and 2100."))
    return int(raw)


def report_kind(value: Any) -> ReportKind | None:
    raw = text(value)
    if raw is None:
        return None
    norm = " ".join(raw.lower().replace("_", " ").split())
    if norm in KIND_NAMES:
        return KIND_NAMES[norm]
    for kind in ReportKind:
        if norm in (kind.value.replace("_", " "), kind.short.lower(), str(kind.label).lower()):
            return kind
    raise Bad(
        _(
            "Choose one of: %(choices)s.",
            choices="LHP BPK, LHP Inspektorat, LHE SAKIP, LHE RB, Lainnya",
        )
    )


def outcome(value: Any) -> Outcome | None:
    """1-4 or the outcome's name (:func:`tracker.imports.values.outcome`), and the short
    forms matrices use ("TDTL", "BS", "Belum TL")."""
    try:
        return values.outcome(value)
    except values.BadValue:
        norm = " ".join(str(value).lower().replace(".", " ").split())
        if norm in OUTCOME_NAMES:
            return OUTCOME_NAMES[norm]
        raise


def period(value: Any) -> str | None:
    raw = text(value)
    if raw is None:
        return None
    match = PERIOD_TEXT.match(raw)
    if match:
        half = {"I": "1", "II": "2"}.get(match.group(1).upper(), match.group(1))
        raw = f"{match.group(2)}-S{half}"
    try:
        return service.parse_period(raw.upper())
    except DomainError as exc:
        raise Bad(exc.message) from None


def version(value: Any) -> tuple[int, int] | None:
    raw = text(value)
    if raw is None:
        return None
    match = VERSION_RE.match(raw)
    if not match:
        raise Bad(_("Keep the version as the export wrote it, e.g. T3 R5."))
    return int(match.group(1)), int(match.group(2))


def version_text(finding: Finding, rec: Recommendation) -> str:
    """The "Versi" cell of the matrix export."""
    return f"T{finding.version} R{rec.version}"


def rec_code(value: Any) -> str | None:
    """A recommendation code as BPK writes it, two digits ("01"), also when a spreadsheet
    kept it as the number 1."""
    raw = text(value)
    if raw is not None and raw.isdigit() and len(raw) == 1:
        return f"0{raw}"
    return raw


def marked(value: Any) -> bool:
    """A status column's cell that marks the row's status: a value or a mark, not a dash
    or a zero some matrices put under the other statuses."""
    if value is None:
        return False
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value != 0
    raw = str(value).strip()
    if raw in ("", "-", "–", "—", "0"):
        return False
    try:
        amount = values.money(raw)
    except values.BadValue:
        return True  # a mark: √, v, x, ✓
    return amount is not None and amount != 0


def number_key(value: str) -> str:
    return value.strip().lower()


# --- what the file says ----------------------------------------------------------------


@dataclass
class FileReport:
    number: str
    row: int
    kind: ReportKind | None = None
    values: dict[str, Any] = field(default_factory=dict)
    findings: list[FileFinding] = field(default_factory=list)
    by_number: dict[str, FileFinding] = field(default_factory=dict)
    #: the tracker's record, and the one created when applying
    record: Report | None = None
    #: the record's findings by number
    recorded: dict[str, Finding] = field(default_factory=dict)


@dataclass
class FileFinding:
    report: FileReport
    number: str
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    recs: list[FileRec] = field(default_factory=list)
    record: Finding | None = None


@dataclass
class FileRec:
    finding: FileFinding
    row: int
    number: str
    values: dict[str, Any] = field(default_factory=dict)
    record: Recommendation | None = None


class Reader:
    """Reads the rows into reports → findings → recommendations, with the problems."""

    def __init__(self, table: Table, plan: Plan) -> None:
        self.table = table
        self.plan = plan
        self.reports: dict[str, FileReport] = {}
        self.bad_rows: set[int] = set()

    def heading(self, key: str) -> str:
        return self.table.found.get(key) or HEADINGS[key]

    def problem(self, row: int, key: str | None, message: str) -> None:
        self.plan.problems.append(
            Problem(row=row, column=self.heading(key) if key else None, message=message)
        )
        self.bad_rows.add(row)

    def cell(self, row: Row, key: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(row.get(key))
        except Bad as exc:
            self.problem(row.number, key, exc.message)
            return None

    def read(self) -> list[FileReport]:
        report: FileReport | None = None
        finding: FileFinding | None = None
        seen: dict[tuple[str, str, str], int] = {}
        for row in self.table.rows:
            if self._is_end(row):
                break
            filled = [k for k in row.cells if k not in ("no", "remarks")]
            has_rec = any(row.get(k) is not None for k in ("rec_text", "rec_number", "rec_code"))
            if not has_rec and len(row.cells) == 1 and "report_number" not in row.cells:
                continue  # a section heading
            if not filled:
                continue
            number = text(row.get("report_number"))
            if number is not None:
                if report is None or number_key(number) != number_key(report.number):
                    report = self.reports.get(number_key(number))
                    if report is None:
                        report = FileReport(number=number, row=row.number)
                        self.reports[number_key(number)] = report
                    finding = None
                self._report_values(report, row)
            elif any(row.get(k) is not None for k in REPORT_KEYS) and report is not None:
                self._report_values(report, row)
            if report is None:
                self.problem(
                    row.number,
                    "report_number",
                    _(
                        "This row belongs to no report: fill in the report number on it "
                        "or on a row above."
                    ),
                )
                continue
            if not any(row.get(k) is not None for k in (*FINDING_KEYS, *REC_KEYS)):
                continue  # the report's own row; its findings follow
            finding = self._finding(report, finding, row)
            if finding is None:
                continue
            if not has_rec:
                if not any(row.get(k) is not None for k in REC_KEYS):
                    continue  # the finding's own row; its recommendations follow
                self.problem(row.number, "rec_text", _("This field is required."))
                continue
            rec = self._rec(finding, row)
            if rec is None:
                continue
            key = (number_key(report.number), number_key(finding.number), number_key(rec.number))
            if key in seen:
                self.problem(
                    row.number,
                    "rec_number",
                    _(
                        "The same report, finding and recommendation as row %(row)d.",
                        row=seen[key],
                    ),
                )
                continue
            seen[key] = row.number
            finding.recs.append(rec)
        for item in self.reports.values():
            for found in item.findings:
                if not found.recs and found.row not in self.bad_rows:
                    self.problem(
                        found.row,
                        "rec_text",
                        _("A finding without recommendations: add them on the rows below it."),
                    )
        return list(self.reports.values())

    def _is_end(self, row: Row) -> bool:
        label = text(row.get("no"))
        if label is None or any(row.get(k) is not None for k in ("rec_text", "finding_text")):
            return False
        lowered = label.lower()
        return any(lowered.startswith(word) for word in END_WORDS)

    def _report_values(self, report: FileReport, row: Row) -> None:
        parsers: dict[str, Callable[[Any], Any]] = {
            "report_kind": report_kind,
            "report_year": year,
            "report_date": date,
            "report_received": date,
            "report_issuer": text,
            "report_title": text,
        }
        for key, parse in parsers.items():
            if row.get(key) is None:
                continue
            value = self.cell(row, key, parse)
            if value is None:
                continue
            if key in report.values and report.values[key] != value:
                self.problem(
                    row.number,
                    key,
                    _(
                        "The report %(number)s is given otherwise in an earlier row.",
                        number=report.number,
                    ),
                )
                continue
            report.values[key] = value
        report.kind = report.values.get("report_kind")

    def _finding(
        self, report: FileReport, current: FileFinding | None, row: Row
    ) -> FileFinding | None:
        given = {k: row.get(k) for k in FINDING_KEYS if row.get(k) is not None}
        raw_text = text(row.get("finding_text"))
        number = text(row.get("finding_number"))
        title = raw_text
        if raw_text is not None:
            match = LEADING_NUMBER.match(raw_text)
            if match and (number is None or number_key(number) == number_key(match.group(1))):
                number = match.group(1)
                title = match.group(2).strip()
        no = text(row.get("no"))
        if number is None and no is not None and (raw_text is not None or current is None):
            head = no.split(".", 1)[0].strip()
            if head and NUMBER_RE.match(head):
                number = head
        starts = number is not None and (
            current is None or number_key(number) != number_key(current.number)
        )
        if not starts and number is None and title is not None:
            starts = current is None or current.values.get("title") != title
        if not starts and current is None:
            if not given:
                self.problem(
                    row.number,
                    "finding_text",
                    _(
                        "This row belongs to no finding: fill in the finding on it or on a "
                        "row above."
                    ),
                )
                return None
            starts = True
        if starts:
            if number is None:
                number = str(len(report.findings) + 1)
            if not NUMBER_RE.match(number) or len(number) > service.NUMBER_MAX:
                self.problem(
                    row.number,
                    "finding_number" if row.get("finding_number") is not None else "finding_text",
                    _("Use digits, letters, dots, dashes or slashes, e.g. 1, 2.a or 3.1."),
                )
                return None
            found = report.by_number.get(number_key(number))
            if found is None:
                found = FileFinding(report=report, number=number, row=row.number)
                report.findings.append(found)
                report.by_number[number_key(number)] = found
            current = found
        assert current is not None
        self._finding_values(current, row, title)
        return current

    def _finding_values(self, finding: FileFinding, row: Row, title: str | None) -> None:
        parsers: dict[str, Callable[[Any], Any]] = {
            "finding_code": key_text,
            "cause_code": key_text,
            "cause_text": text,
            "finding_value": money,
            "amount_to_recover": money,
            "balance": money,
            "repaid": money,
            "repaid_on": date,
        }
        values: dict[str, tuple[str, Any]] = {}
        if title is not None:
            values["title"] = ("finding_text", title)
        for key, parse in parsers.items():
            if row.get(key) is not None:
                value = self.cell(row, key, parse)
                if value is not None:
                    values[key] = (key, value)
        for name, (column, value) in values.items():
            if name in finding.values and finding.values[name] != value:
                self.problem(
                    row.number,
                    column,
                    _(
                        "Finding %(number)s is given otherwise in an earlier row.",
                        number=finding.number,
                    ),
                )
                continue
            finding.values[name] = value

    def _rec(self, finding: FileFinding, row: Row) -> FileRec | None:
        number = text(row.get("rec_number"))
        no = text(row.get("no"))
        if number is None and no is not None:
            if "." in no:
                number = no.split(".", 1)[1].strip().rstrip(".)") or None
            elif row.get("finding_text") is None and row.get("finding_number") is None:
                number = no.rstrip(".)") or None
        if number is None:
            number = str(len(finding.recs) + 1)
        key = "rec_number" if row.get("rec_number") is not None else "no"
        if not NUMBER_RE.match(number) or len(number) > service.NUMBER_MAX:
            self.problem(
                row.number,
                key,
                _("Use digits, letters, dots, dashes or slashes, e.g. 1, 2.a or 3.1."),
            )
            return None
        rec = FileRec(finding=finding, row=row.number, number=number)
        values = rec.values
        rec_text = text(row.get("rec_text"))
        if rec_text is None:
            self.problem(row.number, "rec_text", _("This field is required."))
        elif len(rec_text) > service.TEXT_MAX:
            self.problem(row.number, "rec_text", _("At most %(n)d characters.", n=service.TEXT_MAX))
        values["text"] = rec_text
        values["code"] = rec_code(row.get("rec_code"))
        values["value"] = self.cell(row, "rec_value", money)
        values["opd"] = text(row.get("opd"))
        values["follow_up"] = text(row.get("follow_up"))
        values["due_on"] = self.cell(row, "due_on", date)
        values["period"] = self.cell(row, "period", period)
        values["version"] = self.cell(row, "version", version)
        values["remarks"] = text(row.get("remarks"))
        values["outcome"] = self._outcome(row)
        if values["opd"] is None and values["remarks"]:
            match = re.search(r"(?im)^\s*OPD\s*:\s*(\S+)", values["remarks"])
            if match:
                values["opd"] = match.group(1)
        return rec

    def _outcome(self, row: Row) -> Outcome | None:
        single = self.cell(row, "status", outcome) if row.get("status") is not None else None
        chosen = [list(Outcome)[i] for i, k in enumerate(STATUS_KEYS) if marked(row.get(k))]
        if len(chosen) > 1:
            self.problem(
                row.number,
                STATUS_KEYS[list(Outcome).index(chosen[0])],
                _(
                    "Mark one status only; this row marks %(statuses)s.",
                    statuses=", ".join(str(o.number) for o in chosen),
                ),
            )
            return None
        if single is not None and chosen and chosen[0] is not single:
            self.problem(
                row.number,
                "status",
                _(
                    "Mark one status only; this row marks %(statuses)s.",
                    statuses=f"{single.number}, {chosen[0].number}",
                ),
            )
            return None
        return single or (chosen[0] if chosen else None)


# --- the tracker's records -------------------------------------------------------------


class Lookups:
    """Everything planning reads, loaded in bulk."""

    def __init__(self, reports: list[FileReport]) -> None:
        self.opds = values.OpdLookup()
        all_codes = list(db.session.scalars(select(AuditCode)))
        self.codes = {(c.kind, c.code): c for c in all_codes}
        self.groups = {(c.kind, c.parent_code) for c in all_codes if c.active and c.parent_code}
        numbers = sorted({number_key(r.number) for r in reports})
        self.reports: dict[str, list[Report]] = {}
        if numbers:
            stmt = (
                select(Report)
                .where(func.lower(Report.number).in_(numbers))
                .options(
                    selectinload(Report.findings).options(
                        selectinload(Finding.opds),
                        selectinload(Finding.repayments),
                        selectinload(Finding.recommendations).options(
                            selectinload(Recommendation.reviews),
                            selectinload(Recommendation.follow_ups).selectinload(FollowUp.evidence),
                        ),
                    )
                )
            )
            for report in db.session.scalars(stmt):
                self.reports.setdefault(number_key(report.number), []).append(report)

    def opd(self, value: str) -> Opd | None:
        return self.opds.get(value)


# --- planning --------------------------------------------------------------------------


@dataclass
class Moment:
    """The semester a row's outcome refers to, and when it is recorded."""

    period: str
    as_of: dt.date
    at: dt.datetime


def moment(value: str | None, context: Context) -> Moment:
    chosen = value or service.period_of(context.today)
    _start, end = service.period_bounds(chosen)
    as_of = min(end, context.today)
    at = dt.datetime.combine(as_of, dt.time(12), tzinfo=WIB).astimezone(dt.UTC)
    return Moment(chosen, as_of, min(at, context.now))


def _in_force(rec: Recommendation, chosen: str) -> tuple[RecommendationReview | None, dt.date]:
    """The review in force in a semester and the deadline then (as the matrix shows it)."""
    review = None
    due = rec.original_due_on
    for item in sorted(rec.reviews, key=lambda r: r.period):
        if item.period > chosen:
            break
        review = item
        if item.outcome is Outcome.BELUM_SESUAI and item.new_due_on is not None:
            due = item.new_due_on
    return review, due


def _rendered(follow_up: FollowUp) -> str:
    from tracker.blueprints.findings.matrix import follow_up_text

    return follow_up_text(SimpleNamespace(follow_ups=[follow_up]))  # type: ignore[arg-type]


def new_follow_up_text(cell: str | None, rec: Recommendation | None) -> str | None:
    """What the follow-up cell says that the recommendation's follow-ups do not."""
    if cell is None:
        return None
    rest = cell
    if rec is not None:
        known = []
        for item in rec.follow_ups:
            known += [_rendered(item), item.description]
        for piece in sorted(known, key=len, reverse=True):
            if piece:
                rest = rest.replace(piece, "")
    rest = rest.strip()
    # what the matrix's rendering in another language leaves: "26 Jul 2023:", "(1 evidence)"
    residue = re.sub(r"\(\d+ [^)]{1,30}\)", " ", rest)
    residue = re.sub(r"\b\d{1,2}[ /.\-]\w{1,9}\.?[ /.\-]\d{2,4}\s*:", " ", residue)
    return rest if re.search(r"\w", residue) else None


def reason_in(remarks: str | None) -> UnfollowableReason | None:
    if not remarks:
        return None
    lowered = remarks.lower()
    for reason in UnfollowableReason:
        if str(reason.label).lower() in lowered:
            return reason
    for word, reason in REASON_WORDS:
        if word in lowered:
            return reason
    return None


class Planner:
    def __init__(self, table: Table, context: Context, plan: Plan, reader: Reader) -> None:
        self.table = table
        self.context = context
        self.plan = plan
        self.reader = reader
        self.problem = reader.problem

    # codes -------------------------------------------------------------------------

    def code(
        self, kind: CodeKind, value: str | None, row: int, key: str, current: int | None
    ) -> AuditCode | None:
        if value is None:
            return None
        record = self.lookups.codes.get((kind, value))
        if record is None:
            self.problem(
                row, key, _("The code %(code)s is not in the list of BPK codes.", code=value)
            )
            return None
        if record.id == current:
            return record
        if not record.active:
            self.problem(
                row, key, _("The code %(code)s is no longer in use; choose another.", code=value)
            )
            return None
        if (kind, record.code) in self.lookups.groups:
            self.problem(
                row,
                key,
                _("%(code)s is a group; choose one of the detailed codes below it.", code=value),
            )
            return None
        return record

    # the whole plan ------------------------------------------------------------------

    def run(self, reports: list[FileReport]) -> None:
        self.lookups = Lookups(reports)
        rows: list[tuple[int, PlannedRow]] = []
        for report in reports:
            self.report(report)
            for finding in report.findings:
                rows += self.finding(finding)
        rows.sort(key=lambda item: item[0])
        self.plan.rows.extend(r for _n, r in rows)

    def report(self, report: FileReport) -> None:
        records = self.lookups.reports.get(number_key(report.number), [])
        if report.kind is not None:
            records = [r for r in records if r.kind is report.kind]
        if len(records) > 1:
            self.problem(
                report.row,
                "report_number",
                _(
                    "Several reports have the number %(number)s; add the report kind.",
                    number=report.number,
                ),
            )
            return
        values = report.values
        if records:
            record = report.record = records[0]
            report.recorded = _by_number(record.findings)
            for key, current in (
                ("report_year", record.year),
                ("report_date", record.issued_on),
                ("report_received", record.received_on),
                ("report_issuer", record.issuer),
                ("report_title", record.title),
            ):
                if key in values and values[key] != current:
                    self.problem(
                        report.row,
                        key,
                        _(
                            "The report in the tracker says %(value)s; change the report on "
                            "its page, or the file.",
                            value=current.strftime("%d/%m/%Y")
                            if isinstance(current, dt.date)
                            else current,
                        ),
                    )
            return
        missing = [k for k in ("report_kind", "report_year", "report_date") if k not in values]
        if missing:
            self.problem(
                report.row,
                "report_number",
                _(
                    "The report %(number)s is not in the tracker yet; to add it, fill in "
                    "%(columns)s.",
                    number=report.number,
                    columns=", ".join(self.reader.heading(k) for k in missing),
                ),
            )
            return
        if len(report.number) > service.REPORT_NUMBER_MAX:
            self.problem(
                report.row,
                "report_number",
                _("At most %(n)d characters.", n=service.REPORT_NUMBER_MAX),
            )
        received = values.get("report_received") or values["report_date"]
        if received < values["report_date"]:
            self.problem(
                report.row, "report_received", _("The report cannot be received before its date.")
            )
        if received > self.context.today:
            self.problem(
                report.row,
                "report_received" if "report_received" in values else "report_date",
                _("The date received cannot be in the future."),
            )
        kind = values["report_kind"]
        if (
            "report_issuer" not in values
            and kind not in DEFAULT_ISSUERS
            and kind is not ReportKind.LHP_INSPEKTORAT
        ):
            self.problem(report.row, "report_issuer", _("This field is required."))

    def report_fields(self, report: FileReport) -> dict[str, Any]:
        values = report.values
        kind = values["report_kind"]
        issuer = values.get("report_issuer") or DEFAULT_ISSUERS.get(kind)
        if issuer is None:
            issuer = f"Inspektorat {current_app.config.get('CITY_NAME', '')}".strip()
        return {
            "kind": kind,
            "year": values["report_year"],
            "number": report.number,
            "title": values.get("report_title"),
            "issuer": issuer,
            "issued_on": values["report_date"],
            "received_on": values.get("report_received") or values["report_date"],
            "grade": None,
            "score": None,
            "note": None,
        }

    def received_on(self, report: FileReport) -> dt.date | None:
        if report.record is not None:
            return report.record.received_on
        return report.values.get("report_received") or report.values.get("report_date")

    def report_kind_of(self, report: FileReport) -> ReportKind | None:
        return report.record.kind if report.record is not None else report.kind

    # a finding and its recommendations -----------------------------------------------

    def finding(self, item: FileFinding) -> list[tuple[int, PlannedRow]]:
        report = item.report
        record = None
        if report.record is not None:
            record = report.recorded.get(number_key(item.number))
        item.record = record
        kind = self.report_kind_of(report)
        values = item.values
        row = item.row
        # the finding's own checks
        finding_code = self.code(
            CodeKind.FINDING,
            values.get("finding_code"),
            row,
            "finding_code",
            record.finding_code_id if record else None,
        )
        cause_code = self.code(
            CodeKind.CAUSE,
            values.get("cause_code"),
            row,
            "cause_code",
            record.cause_code_id if record else None,
        )
        title = values.get("title")
        if record is None:
            if title is None:
                self.problem(row, "finding_text", _("This field is required."))
            if kind is ReportKind.LHP_BPK and finding_code is None and "finding_code" not in values:
                self.problem(
                    row, "finding_code", _("A finding of an LHP BPK carries its BPK finding code.")
                )
        if title is not None and len(title) > service.TEXT_MAX:
            self.problem(row, "finding_text", _("At most %(n)d characters.", n=service.TEXT_MAX))
        financial = self.financial(item, record)
        # the recommendations' OPDs
        opds: dict[int, Opd] = {o.id: o for o in (record.opds if record else [])}
        rec_opds: dict[int, Opd] = {}
        recorded = _by_number(record.recommendations) if record is not None else {}
        for rec in item.recs:
            existing = recorded.get(number_key(rec.number))
            rec.record = existing
            opd = self.rec_opd(rec)
            if opd is not None:
                rec_opds[opd.id] = opd
            elif existing is not None and rec.values.get("opd") is None:
                rec_opds[existing.opd_id] = existing.opd
        new_opds = {k: v for k, v in rec_opds.items() if k not in opds}
        all_opds = {**opds, **new_opds}
        if financial is not None and financial["is_financial"] and len(all_opds) > 1:
            self.problem(
                row,
                "opd",
                _(
                    "A financial finding is charged to one OPD, so that its value and "
                    "repayments add up per OPD. Record one finding per OPD."
                ),
            )
        changes: dict[str, tuple[Any, Any]] = {}
        update: dict[str, Any] = {}
        if record is not None:
            if title is not None and title not in (record.title, record.condition):
                changes[str(_("Finding"))] = (record.title, title)
                update.update(self.title_fields(title))
            if finding_code is not None and finding_code.id != record.finding_code_id:
                before = record.finding_code.code if record.finding_code else None
                changes[str(_("Finding code"))] = (before, finding_code.code)
                update["finding_code_id"] = finding_code.id
            if cause_code is not None and cause_code.id != record.cause_code_id:
                before = record.cause_code.code if record.cause_code else None
                changes[str(_("Cause code"))] = (before, cause_code.code)
                update["cause_code_id"] = cause_code.id
            if values.get("cause_text") is not None and values["cause_text"] != record.cause:
                changes[str(_("Cause"))] = (record.cause, values["cause_text"])
                update["cause"] = values["cause_text"]
            if values.get("finding_value") is not None and values["finding_value"] != record.value:
                changes[str(_("Finding value (Rp)"))] = (
                    _money_text(record.value),
                    _money_text(values["finding_value"]),
                )
                update["value"] = values["finding_value"]
            if financial is not None and (
                financial["is_financial"] != record.is_financial
                or financial["amount_to_recover"] != record.amount_to_recover
            ):
                changes[str(_("Value to recover (Rp)"))] = (
                    _money_text(record.amount_to_recover),
                    _money_text(financial["amount_to_recover"]),
                )
                update.update(financial)
            if new_opds:
                changes[str(_("OPD"))] = (
                    ", ".join(o.code for o in opds.values()),
                    ", ".join(o.code for o in all_opds.values()),
                )
                update["opd_ids"] = sorted(all_opds)
        repayment = self.repayment(item, record, financial)
        if repayment is not None and record is not None:
            changes[str(_("Repaid (Rp)"))] = (
                _money_text(record.paid if record else None),
                _money_text((record.paid if record else Decimal(0)) + repayment[1]),
            )
        state = FindingState(
            item=item,
            finding_code=finding_code,
            cause_code=cause_code,
            financial=financial,
            opd_ids=sorted(all_opds),
            update=update,
            repayment=repayment,
        )
        out = []
        for index, rec in enumerate(item.recs):
            planned = self.rec(rec, state, first=index == 0, finding_changes=changes)
            if planned is not None:
                out.append((rec.row, planned))
        return out

    def title_fields(self, title: str) -> dict[str, Any]:
        if len(title) <= service.TITLE_MAX:
            return {"title": title}
        return {"title": title[: service.TITLE_MAX - 1].rstrip() + "…", "condition": title}

    def financial(self, item: FileFinding, record: Finding | None) -> dict[str, Any] | None:
        """{"is_financial", "amount_to_recover"} when the file says the finding is a
        financial one; None when it says nothing of it."""
        values = item.values
        amount = values.get("amount_to_recover")
        says = (
            amount is not None
            or values.get("balance") is not None
            or values.get("repaid") is not None
        )
        if not says:
            return None
        if amount is None:
            if record is not None and record.is_financial:
                amount = record.amount_to_recover
            else:
                amount = values.get("finding_value")
        if amount is None or amount <= 0:
            self.problem(
                item.row,
                "amount_to_recover" if "amount_to_recover" in values else "finding_value",
                _("A financial finding needs the amount to recover."),
            )
            return None
        value = values.get("finding_value") or (record.value if record else None)
        if value is not None and value < amount:
            self.problem(
                item.row,
                "finding_value",
                _(
                    "The value of a financial finding is at least its amount to recover "
                    "(%(amount)s).",
                    amount=rupiah(amount),
                ),
            )
        return {"is_financial": True, "amount_to_recover": amount}

    def repayment(
        self, item: FileFinding, record: Finding | None, financial: dict[str, Any] | None
    ) -> tuple[dt.date, Decimal] | None:
        """(date, amount) of the repayment the file adds, if any."""
        if financial is None:
            return None
        values = item.values
        amount = financial["amount_to_recover"]
        balance, repaid = values.get("balance"), values.get("repaid")
        if balance is not None and repaid is not None and amount - repaid != balance:
            self.problem(
                item.row,
                "balance",
                _("The balance is not the amount to recover minus what was repaid."),
            )
            return None
        if repaid is None:
            repaid = amount - balance
        if repaid < 0 or repaid > amount:
            self.problem(
                item.row,
                "balance" if values.get("balance") is not None else "repaid",
                _("The balance is not the amount to recover minus what was repaid."),
            )
            return None
        first = item.recs[0] if item.recs else None
        chosen = moment(first.values.get("period") if first else None, self.context)
        day = values.get("repaid_on") or chosen.as_of
        # what the tracker had recorded by the file's as-of date (or its Tanggal setor)
        cutoff = max(day, chosen.as_of)
        paid = Decimal(0)
        if record is not None:
            paid = sum((p.amount for p in record.repayments if p.paid_on <= cutoff), paid)
        column = "balance" if values.get("balance") is not None else "repaid"
        if repaid < paid:
            self.problem(
                item.row,
                column,
                _(
                    "The tracker has already recorded repayments of %(paid)s, more than the "
                    "file says; remove a mistaken repayment on the finding's page.",
                    paid=rupiah(paid),
                ),
            )
            return None
        if repaid == paid:
            return None
        if day > self.context.today:
            self.problem(item.row, "repaid_on", _("The repayment date cannot be in the future."))
            return None
        balance_now = amount - (record.paid if record is not None else Decimal(0))
        if repaid - paid > balance_now:
            self.problem(
                item.row,
                column,
                _(
                    "The repayment of %(amount)s exceeds the balance of %(balance)s.",
                    amount=rupiah(repaid - paid),
                    balance=rupiah(balance_now),
                ),
            )
            return None
        return day, repaid - paid

    def rec_opd(self, rec: FileRec) -> Opd | None:
        value = rec.values.get("opd")
        if value is None:
            if rec.record is None:
                self.problem(rec.row, "opd", _("This field is required."))
            return None
        try:
            opd = self.lookups.opds.find(value)
        except values.BadValue as exc:
            self.problem(rec.row, "opd", exc.message)
            return None
        assert opd is not None
        if not opd.active and (rec.record is None or rec.record.opd_id != opd.id):
            self.problem(rec.row, "opd", _("Choose active OPDs from the list."))
            return None
        return opd

    def rec(
        self,
        rec: FileRec,
        state: FindingState,
        *,
        first: bool,
        finding_changes: dict[str, tuple[Any, Any]],
    ) -> PlannedRow | None:
        values = rec.values
        record = rec.record
        report = rec.finding.report
        kind = self.report_kind_of(report)
        code = self.code(
            CodeKind.RECOMMENDATION,
            values.get("code"),
            rec.row,
            "rec_code",
            record.code_id if record else None,
        )
        if record is None and kind is ReportKind.LHP_BPK and values.get("code") is None:
            self.problem(
                rec.row,
                "rec_code",
                _("A recommendation of an LHP BPK carries its BPK recommendation code."),
            )
        opd = self.lookups.opd(values["opd"]) if values.get("opd") else None
        chosen = moment(values.get("period"), self.context)
        received = self.received_on(report)
        if chosen.period > service.period_of(self.context.today):
            self.problem(rec.row, "period", _("The semester cannot be in the future."))
        elif received is not None and service.period_bounds(chosen.period)[1] < received:
            self.problem(
                rec.row,
                "period",
                _("The report was received after this semester; choose a later one."),
            )
        due = values.get("due_on")
        if due is not None and received is not None and due < received:
            self.problem(
                rec.row, "due_on", _("The due date cannot be before the report was received.")
            )
        result = values.get("outcome")
        status_key = (
            "status"
            if self.table.found.get("status")
            else next((k for k in STATUS_KEYS if k in self.table.found), "status")
        )
        reason = None
        if result is Outcome.BELUM_SESUAI and due is None:
            self.problem(rec.row, "due_on", _("Outcome 2 (not yet matching) needs a new deadline."))
        if result is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI:
            reason = reason_in(values.get("remarks"))
            if reason is None and record is not None:
                review, _due = _in_force(record, chosen.period)
                if review is not None and review.outcome is result:
                    reason = review.reason
            if reason is None:
                self.problem(
                    rec.row,
                    "remarks" if "remarks" in self.table.found else status_key,
                    _("Outcome 4 (cannot be followed up) needs one of the lawful reasons."),
                )
        follow_up = new_follow_up_text(values.get("follow_up"), record)

        changes: dict[str, tuple[Any, Any]] = dict(finding_changes) if first else {}
        update: dict[str, Any] = {}
        review_change = False
        if record is not None:
            if values.get("text") is not None and values["text"] != record.text:
                changes[str(_("Recommendation"))] = (record.text, values["text"])
                update["text"] = values["text"]
            if code is not None and code.id != record.code_id:
                changes[str(_("Recommendation code"))] = (
                    record.code.code if record.code else None,
                    code.code,
                )
                update["code_id"] = code.id
            if values.get("value") is not None and values["value"] != record.value:
                changes[str(_("Recommendation value (Rp)"))] = (
                    _money_text(record.value),
                    _money_text(values["value"]),
                )
                update["value"] = values["value"]
            if opd is not None and opd.id != record.opd_id:
                changes[str(_("OPD"))] = (record.opd.code, opd.code)
                update["opd_id"] = opd.id
            review, due_then = _in_force(record, chosen.period)
            current = review.outcome if review else Outcome.BELUM_DITINDAKLANJUTI
            moved = result is Outcome.BELUM_SESUAI and due is not None and due != due_then
            if result is not None and (result is not current or moved):
                changes[str(_("Status"))] = (current.numbered, result.numbered)
                review_change = True
            if due is not None and due != due_then and result is not Outcome.BELUM_SESUAI:
                changes[str(_("Due date"))] = (_date_text(due_then), _date_text(due))
                update["due_on"] = due
        elif result is not None:
            review_change = True
        if follow_up is not None and record is not None:
            last = record.follow_ups[-1].description if record.follow_ups else None
            changes[str(_("Follow-up"))] = (last, follow_up)

        label = _label(report.number, rec.finding.number, rec.number, values.get("text"))
        if rec.row in self.reader.bad_rows:
            return PlannedRow(
                row=rec.row, action=Action.UPDATE if record else Action.CREATE, label=label
            )
        if record is not None and not changes:
            return PlannedRow(row=rec.row, action=Action.UNCHANGED, label=label)
        stale = False
        given = values.get("version")
        if record is not None and given is not None and state.item.record is not None:
            stale = given[0] < state.item.record.version or given[1] < record.version
        if stale:
            return PlannedRow(row=rec.row, action=Action.CONFLICT, label=label, changes=changes)
        step = RecStep(
            planner=self,
            rec=rec,
            state=state,
            first=first,
            code=code,
            opd=opd,
            update=update,
            outcome=result if review_change else None,
            reason=reason,
            due=due,
            moment=chosen,
            follow_up=follow_up,
        )
        return PlannedRow(
            row=rec.row,
            action=Action.UPDATE if record is not None else Action.CREATE,
            label=label,
            changes=changes,
            apply=step.apply,
        )


def _by_number(records: list[Any]) -> dict[str, Any]:
    """Findings or recommendations by their number, case-insensitively."""
    return {number_key(r.number): r for r in records}


def _label(report: str, finding: str, rec: str, body: str | None) -> str:
    head = f"{report} · {finding}.{rec}"
    if body:
        short = body if len(body) <= 80 else body[:79] + "…"
        head += f" — {short}"
    return head


def _money_text(value: Decimal | None) -> str | None:
    return None if value is None else rupiah(value)


def _date_text(value: dt.date | None) -> str | None:
    return None if value is None else value.strftime("%d/%m/%Y")


# --- applying --------------------------------------------------------------------------


@dataclass
class FindingState:
    item: FileFinding
    finding_code: AuditCode | None
    cause_code: AuditCode | None
    financial: dict[str, Any] | None
    opd_ids: list[int]
    update: dict[str, Any]
    repayment: tuple[dt.date, Decimal] | None


@dataclass
class RecStep:
    planner: Planner
    rec: FileRec
    state: FindingState
    first: bool
    code: AuditCode | None
    opd: Opd | None
    update: dict[str, Any]
    outcome: Outcome | None
    reason: UnfollowableReason | None
    due: dt.date | None
    moment: Moment
    follow_up: str | None

    @property
    def actor(self) -> Any:
        return self.planner.context.actor

    @property
    def now(self) -> dt.datetime:
        return self.planner.context.now

    def apply(self) -> None:
        if self.first:
            self.apply_report()
            self.apply_finding()
        rec = self.apply_rec()
        if self.follow_up is not None:
            self.add_follow_up(rec)
        if self.outcome is not None:
            self.add_review(rec)

    def apply_report(self) -> None:
        report = self.rec.finding.report
        if report.record is None:
            report.record = service.create_report(
                self.actor, now=self.now, **self.planner.report_fields(report)
            )

    def apply_finding(self) -> None:
        item = self.state.item
        report = item.report.record
        assert report is not None
        values = item.values
        financial = self.state.financial or {"is_financial": False, "amount_to_recover": None}
        if item.record is None:
            title = self.planner.title_fields(values["title"])
            item.record = service.create_finding(
                self.actor,
                report,
                opd_ids=self.state.opd_ids,
                finding_code_id=self.state.finding_code.id if self.state.finding_code else None,
                cause_code_id=self.state.cause_code.id if self.state.cause_code else None,
                value=values.get("finding_value"),
                number=item.number,
                title=title["title"],
                condition=title.get("condition"),
                criteria=None,
                cause=values.get("cause_text"),
                effect=None,
                **financial,
            )
        elif self.state.update:
            finding = item.record
            fields: dict[str, Any] = {
                "number": finding.number,
                "title": finding.title,
                "condition": finding.condition,
                "criteria": finding.criteria,
                "cause": finding.cause,
                "effect": finding.effect,
                "is_financial": finding.is_financial,
                "amount_to_recover": finding.amount_to_recover,
                "finding_code_id": finding.finding_code_id,
                "cause_code_id": finding.cause_code_id,
                "value": finding.value,
                "opd_ids": [o.id for o in finding.opds],
            }
            fields.update(self.state.update)
            service.update_finding(self.actor, finding, expected_version=None, **fields)
        if self.state.repayment is not None:
            day, amount = self.state.repayment
            service.add_repayment(
                self.actor,
                item.record,
                paid_on=day,
                amount=amount,
                note=_("Imported from %(file)s", file=self.planner.table.file_name),
                now=self.now,
            )

    def apply_rec(self) -> Recommendation:
        finding = self.state.item.record
        assert finding is not None
        values = self.rec.values
        record = self.rec.record
        if record is None:
            due = self.due if self.outcome is not Outcome.BELUM_SESUAI else None
            record = self.rec.record = service.create_recommendation(
                self.actor,
                finding,
                number=self.rec.number,
                text=values["text"],
                opd_id=self.opd.id if self.opd else None,
                due_on=due,
                now=self.now,
                code_id=self.code.id if self.code else None,
                value=values.get("value"),
            )
        elif self.update:
            fields: dict[str, Any] = {
                "number": record.number,
                "text": record.text,
                "opd_id": record.opd_id,
                "due_on": record.due_on,
                "code_id": record.code_id,
                "value": record.value,
            }
            fields.update(self.update)
            service.update_recommendation(self.actor, record, expected_version=None, **fields)
        return record

    def add_follow_up(self, rec: Recommendation) -> None:
        at = self.moment.at
        rec.follow_ups.append(
            FollowUp(author=self.actor, submitted_at=at, description=self.follow_up)
        )
        rec.last_follow_up_at = max(filter(None, [rec.last_follow_up_at, at]))
        db.session.flush()

    def add_review(self, rec: Recommendation) -> None:
        """The imported outcome as the review of its semester (checked while planning; no
        notice goes out for history)."""
        if not has_permission(self.actor, P.MANAGE_FINDINGS):
            raise NotAllowed(_("Only the Inspektorat sets the outcome of a recommendation."))
        assert self.outcome is not None
        chosen = self.moment.period
        review = next((r for r in rec.reviews if r.period == chosen), None)
        if review is None:
            review = RecommendationReview(period=chosen)
            rec.reviews.append(review)
            db.session.add(review)
        review.outcome = self.outcome
        review.reason = self.reason if self.outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI else None  # type: ignore[assignment]
        review.new_due_on = self.due if self.outcome is Outcome.BELUM_SESUAI else None
        review.note = _("Imported from %(file)s", file=self.planner.table.file_name)
        review.reviewer = self.actor
        review.reviewed_at = self.moment.at
        latest = max(r.period for r in rec.reviews)
        if self.outcome is Outcome.BELUM_SESUAI and chosen == latest and self.due is not None:
            rec.due_on = self.due
        service.refresh_outcome(rec)
        db.session.flush()


# --- the entry point --------------------------------------------------------------------


def plan(table: Table, context: Context) -> Plan:
    """What importing ``table`` would do (reads only; each row's ``apply`` writes)."""
    result = Plan(kind=KIND)
    if not has_permission(context.actor, P.MANAGE_FINDINGS):
        result.problems.append(
            Problem(None, None, _("Only the Inspektorat records reports, findings and reviews."))
        )
        return result
    reader = Reader(table, result)
    reports = reader.read()
    Planner(table, context, result, reader).run(reports)
    result.problems.sort(key=lambda p: p.row or 0)
    return result


__all__ = ["COLUMNS", "KIND", "TEMPLATE_EXAMPLE", "plan", "version_text"]
