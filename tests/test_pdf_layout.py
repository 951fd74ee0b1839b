"""Every PDF the tracker prints, read back word by word with its position (pdfplumber).

For each document, on a world of realistic size (Kota Malang's demo data plus an audit
report with amounts in the billions, many recommendations and a workshop with a long
invitation list, so that tables span pages):

- no two words' boxes intersect on a page, and no word crosses a table's column rule
  (a money column running into the next one does either);
- the signature block is whole on one page and never alone on it: something of the
  document stands above it (swept over lengths so that the block falls at every place
  of a page, including the foot of one);
- numbers are written the Indonesian way ("52,63%", "12.345.678.901", "Rp 23.800.000"),
  never "52.63%", "100.00" or "12,345,678".
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pdfplumber
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests import factories
from tests.findings import factories as ff
from tests.workshops import factories_workshops as wf
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Person, Role, User
from tracker.models.finding import (
    Outcome,
    ReportKind,
    UnfollowableReason,
)

SEMESTER = "2023-S2"
BIG_YEAR = 2023
INSPEKTUR_NAME = "Dr. Hadi Santoso Wiryaatmadja, S.E., M.Si., Ak., CA."
INSPEKTUR_NIP = "197402151999031004"
# Lengths swept so that the signature block falls at every height of a page: a page of the
# matrix holds about 12 of these recommendations, a page of the sheet about 30 invitees;
# stepping by 2 and 3 they never skip the few lengths whose block would fall alone.
MATRIX_SWEEP = range(1, 14, 4)  # report year 2005 + n holds n recommendations
SHEET_SWEEP = range(15, 45, 5)  # a workshop per length of the invitation list
# The amounts of the big report's financial findings (value to recover, repaid).
AMOUNTS = [
    (Decimal("12345678901"), Decimal("2345678901")),
    (Decimal("98765432100"), Decimal("8765432100")),
    (Decimal("4500000000"), Decimal("4500000000")),
    (Decimal("23800000"), Decimal("0")),
    (Decimal("1234567890.50"), Decimal("234567890.25")),
    (Decimal("56789012345"), Decimal("6789012345")),
]
OUTCOMES = [
    Outcome.SESUAI,
    Outcome.BELUM_SESUAI,
    Outcome.BELUM_DITINDAKLANJUTI,
    Outcome.TIDAK_DAPAT_DITINDAKLANJUTI,
    None,
]
LONG_TEXT = (
    "Memerintahkan Kepala {opd} agar menyusun dan menetapkan standar operasional prosedur "
    "pengelolaan {what}, menagih kekurangan volume pekerjaan kepada penyedia dan menyetorkannya "
    "ke Kas Daerah, serta melaporkan hasilnya kepada Inspektur."
)


# --- the world ------------------------------------------------------------------------


@dataclass
class PrintWorld:
    opd_id: int
    opd_code: str
    workshop_id: int
    sweep_workshops: dict[int, int]  # number of invitees -> workshop id
    users: dict[str, int]


def _seed_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output


def _opds_by_name_length() -> list[Opd]:
    opds = list(db.session.scalars(select(Opd).where(Opd.active.is_(True))))
    return sorted(opds, key=lambda o: (-len(o.name), o.code))


def _big_report(opds: list[Opd], reviewer: User) -> None:
    report = ff.make_report(
        kind=ReportKind.LHP_BPK,
        year=BIG_YEAR,
        number="45.B/LHP/XVIII.SBY/05/2023",
        issuer="BPK RI Perwakilan Provinsi Jawa Timur",
        title=(
            "Laporan Hasil Pemeriksaan atas Laporan Keuangan Pemerintah Kota Malang "
            "Tahun Anggaran 2022"
        ),
        issued_on=dt.date(2023, 5, 22),
        received_on=dt.date(2023, 5, 26),
    )
    n = 0
    for index, opd in enumerate(opds[:12]):
        amount = AMOUNTS[index % len(AMOUNTS)] if index < 9 else None
        finding = ff.make_finding(
            report,
            [opd],
            number=f"{index + 1}",
            title=(
                f"Kekurangan volume atas {index + 2} paket pekerjaan belanja modal gedung dan "
                f"bangunan pada {opd.name}"
            ),
            is_financial=amount is not None,
            amount_to_recover=amount[0] if amount else None,
        )
        if amount and amount[1]:
            ff.make_repayment(finding, str(amount[1]), recorded_by=reviewer)
        for sub in range(2):
            n += 1
            rec = ff.make_recommendation(
                finding,
                opd,
                number=f"{sub + 1}",
                text=LONG_TEXT.format(opd=opd.name, what="aset tetap dan persediaan"),
            )
            follow_up = ff.make_follow_up(
                rec,
                description=(
                    "Telah disusun rancangan Peraturan Wali Kota tentang pengelolaan aset dan "
                    f"disetorkan sebagian ke Kas Daerah melalui STS nomor 900/{n}/35.73.401/2023."
                ),
                submitted_at=dt.datetime(2023, 8, 1 + n % 20, 3, 0, tzinfo=dt.UTC),
            )
            ff.make_link_evidence(follow_up)
            outcome = OUTCOMES[n % len(OUTCOMES)]
            if outcome is not None:
                ff.make_review(
                    rec,
                    outcome,
                    period=SEMESTER,
                    reviewer=reviewer,
                    reason=(
                        UnfollowableReason.COURT_PROCEEDINGS
                        if outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
                        else None
                    ),
                    note="Bukti setor belum lengkap; mohon dilengkapi rekening koran bulan Juli.",
                    reviewed_at=dt.datetime(2023, 11, 20, 3, 0, tzinfo=dt.UTC),
                )


def _sweep_reports(opd: Opd, reviewer: User) -> None:
    """Report year 2005 + n has n recommendations: the matrix of one year ends at a
    different height of its last page for each n."""
    for count in MATRIX_SWEEP:
        year = 2005 + count
        report = ff.make_report(
            kind=ReportKind.LHP_INSPEKTORAT,
            year=year,
            number=f"700/{year - 2000}/LHP/35.73.203/{year + 1}",
            title=f"Pemeriksaan reguler tahun {year}",
            received_on=dt.date(2023, 3, 1),
        )
        finding = ff.make_finding(
            report,
            [opd],
            number="1",
            title="Penatausahaan barang milik daerah belum tertib",
            is_financial=True,
            amount_to_recover=Decimal("1500000000"),
        )
        for k in range(count):
            rec = ff.make_recommendation(
                finding, opd, number=f"{k + 1}", text=f"Menertibkan kartu inventaris barang {k + 1}"
            )
            ff.make_review(rec, Outcome.SESUAI, period=SEMESTER, reviewer=reviewer)


def _invitees(count: int, start: int, opds: list[Opd]) -> list[Person]:
    return [
        factories.make_person(
            opds[(start + i) % len(opds)],
            name=f"Drs. Bambang Sutrisno Wicaksono, M.Si. ({start + i})",
            position=f"Kepala Bidang Perencanaan dan Pengendalian Pembangunan {start + i}",
        )
        for i in range(count)
    ]


def build_print_world(app: Flask) -> PrintWorld:
    _seed_demo(app)
    inspektur = db.session.scalars(
        select(Person).where(Person.hierarchy_role == HierarchyRole.INSPEKTUR)
    ).first()
    assert inspektur is not None
    inspektur.name = INSPEKTUR_NAME
    inspektur.nip = INSPEKTUR_NIP
    db.session.commit()

    opds = _opds_by_name_length()
    reviewer = factories.make_user(Role.INSPEKTORAT)
    _big_report(opds, reviewer)
    _sweep_reports(opds[0], reviewer)

    long_list = _invitees(70, 0, opds)
    workshop = wf.make_workshop(
        title=(
            "Workshop Penguatan Kapasitas Perangkat Daerah: Pembangunan Komitmen Pencegahan "
            "Korupsi dan Tindak Lanjut Hasil Evaluasi SAKIP dan Reformasi Birokrasi"
        ),
        starts_at=dt.datetime(2023, 7, 26, 1, 0, tzinfo=dt.UTC),
        invite=long_list,
        organiser_opd_id=inspektur.opd_id,
    )
    sweep = {}
    for count in SHEET_SWEEP:
        people = [
            factories.make_person(
                opds[i % len(opds)], name=f"Peserta {count}-{i}", position="Sekretaris"
            )
            for i in range(count)
        ]
        sweep[count] = wf.make_workshop(
            title=f"Rapat koordinasi {count}",
            starts_at=dt.datetime(2023, 8, 1, 1, 0, tzinfo=dt.UTC),
            invite=people,
            organiser_opd_id=inspektur.opd_id,
        ).id

    own = opds[1]  # not the OPD of the sweep reports
    users = {
        "inspektorat": factories.make_user(Role.INSPEKTORAT),
        "inspektorat_en": factories.make_user(Role.INSPEKTORAT, locale="en"),
        "pimpinan": factories.make_user(Role.PIMPINAN),
        "opd": factories.make_user(Role.OPD, opd=own),
    }
    return PrintWorld(
        opd_id=own.id,
        opd_code=own.code,
        workshop_id=workshop.id,
        sweep_workshops=sweep,
        users={key: user.id for key, user in users.items()},
    )


pytestmark = pytest.mark.database(snapshot=build_print_world)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The layout depends on the templates and the data, not on the database: one backend."""
    return str(request.param)


@pytest.fixture
def world(app: Flask, snapshot: PrintWorld) -> PrintWorld:
    return snapshot


@pytest.fixture
def printer(client: FlaskClient, login: Any, world: PrintWorld) -> Any:
    """``printer(user_key, url)``: the PDF bytes ``url`` answers to that user."""
    current: list[str] = []

    def fetch(who: str, url: str) -> bytes:
        if current != [who]:
            if current:
                client.post("/logout")
            login(db.session.get(User, world.users[who]))
            current[:] = [who]
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.mimetype == "application/pdf"
        return response.data

    return fetch


# --- reading a PDF back ---------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    def intersects(self, other: Box, slack: float = 0.5) -> bool:
        """Whether the boxes overlap by more than ``slack`` points both ways (touching is
        allowed)."""
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > slack
            and min(self.bottom, other.bottom) - max(self.top, other.top) > slack
        )


@dataclass
class Page:
    number: int
    words: list[Box]
    rules: list[Box]  # vertical lines (table column rules)
    lines: list[Box]  # text lines, top to bottom


def read_pdf(data: bytes) -> list[Page]:
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            # In the order the text was drawn: text running into a neighbour's text starts
            # a new word there (sorted by position, the two would be merged into one).
            words = [
                Box(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                for w in page.extract_words(use_text_flow=True, x_tolerance=1.5)
            ]
            rules = [
                Box("|", e["x0"], e["x1"], e["top"], e["bottom"])
                for e in page.edges
                if e["orientation"] == "v" and e["bottom"] - e["top"] > 4 and _is_table_rule(e)
            ]
            lines = [
                Box(line["text"], line["x0"], line["x1"], line["top"], line["bottom"])
                for line in page.extract_text_lines(return_chars=False)
            ]
            pages.append(Page(number, words, rules, lines))
    return pages


def _is_table_rule(edge: dict[str, Any]) -> bool:
    """A table's border (drawn in black by css/pdf.css), not a chart's grey grid line."""
    colour = edge.get("stroking_color")
    return (
        edge.get("object_type") == "line"
        and isinstance(colour, tuple | list)
        and all(component < 0.3 for component in colour)
    )


def overlaps(page: Page) -> list[tuple[str, str]]:
    found = []
    words = sorted(page.words, key=lambda w: w.top)
    for i, word in enumerate(words):
        for other in words[i + 1 :]:
            if other.top >= word.bottom:
                break
            if word.intersects(other):
                found.append((word.text, other.text))
    return found


def crossed_rules(page: Page) -> list[str]:
    """Words a vertical rule runs through (text wider than its cell)."""
    found = []
    for word in page.words:
        for rule in page.rules:
            x = (rule.x0 + rule.x1) / 2
            if (
                word.x0 + 0.5 < x < word.x1 - 0.5
                and min(word.bottom, rule.bottom) - max(word.top, rule.top) > 1
            ):
                found.append(word.text)
                break
    return found


SIGNATURE_FIRST = re.compile(r"^Malang, (\w+, )?\d{1,2} \w+ \d{4}$")
NIP_LINE = f"NIP {INSPEKTUR_NIP}"


def signature_problems(pages: list[Page], last_line: str = NIP_LINE) -> list[str]:
    """The signature block starts with 'Malang, <date>' and ends with ``last_line`` (the
    signer's NIP): both on one page, below some of the document's other text."""
    starts = [
        (page, line) for page in pages for line in page.lines if SIGNATURE_FIRST.match(line.text)
    ]
    if len(starts) != 1:
        return [f"expected one signature block, found {len(starts)}"]
    page, first = starts[0]
    problems = []
    if not any(
        line.text.replace("NIP.", "NIP") == last_line and line.top > first.top
        for line in page.lines
    ):
        problems.append(f"page {page.number}: {last_line!r} is not below {first.text!r}")
    if not any(line.bottom <= first.top for line in page.lines):
        problems.append(f"page {page.number} holds only the signature block")
    return problems


TIME_FOLLOWERS = {"WIB", "WIB)", "–", "-", "s.d."}
ENGLISH_DECIMAL = re.compile(r"^\(?\d+\.\d{2}%?\)?[.,;:]?$")
ENGLISH_PERCENT = re.compile(r"\d\.\d+\s?%")
ENGLISH_GROUPING = re.compile(r"(?<![\d.,])\d{1,3}(,\d{3})+(?![\d,])")


def english_numbers(pages: list[Page]) -> list[str]:
    """Numbers written the English way: '52.63%', '100.00', '12,345,678'. A time of day
    ('08.30 WIB', '13.00 – 16.00 WIB') is Indonesian and allowed."""
    found = []
    for page in pages:
        words = page.words
        for i, word in enumerate(words):
            following = words[i + 1].text if i + 1 < len(words) else ""
            decimal = ENGLISH_DECIMAL.match(word.text) and following not in TIME_FOLLOWERS
            if decimal or ENGLISH_PERCENT.search(word.text) or ENGLISH_GROUPING.search(word.text):
                found.append(word.text)
    return found


def layout_problems(data: bytes) -> Iterator[str]:
    pages = read_pdf(data)
    for page in pages:
        for pair in overlaps(page):
            yield f"page {page.number}: words overlap: {pair}"
        for text in crossed_rules(page):
            yield f"page {page.number}: a column rule runs through {text!r}"


def words_of(data: bytes) -> list[str]:
    return [w.text for page in read_pdf(data) for w in page.words]


# --- the documents --------------------------------------------------------------------


def test_matrix_of_the_big_report_fits_its_columns(printer):
    data = printer("inspektorat", f"/findings/matrix.pdf?semester={SEMESTER}&year={BIG_YEAR}")
    pages = read_pdf(data)
    assert len(pages) > 2  # the table spans pages
    assert list(layout_problems(data)) == []
    assert english_numbers(pages) == []
    assert signature_problems(pages) == []
    words = words_of(data)
    # the largest amounts, whole and Indonesian (value, repaid, balance)
    for amount in ("98.765.432.100", "8.765.432.100", "90.000.000.000", "1.234.567.890,50"):
        assert amount in words
    assert f"NIP {INSPEKTUR_NIP}" in {line.text for p in pages for line in p.lines}


def test_matrix_in_english(printer):
    data = printer("inspektorat_en", f"/findings/matrix.pdf?semester={SEMESTER}&year={BIG_YEAR}")
    assert list(layout_problems(data)) == []
    assert signature_problems(read_pdf(data)) == []


def test_matrix_of_the_demo_reports(printer):
    data = printer("inspektorat", f"/findings/matrix.pdf?semester={SEMESTER}&year=2022")
    pages = read_pdf(data)
    assert list(layout_problems(data)) == []
    assert english_numbers(pages) == []
    assert signature_problems(pages) == []


def test_matrix_as_an_opd_secretary(printer, world):
    data = printer("opd", f"/findings/matrix.pdf?semester={SEMESTER}")
    pages = read_pdf(data)
    assert world.opd_code in words_of(data)
    assert list(layout_problems(data)) == []
    assert english_numbers(pages) == []
    assert signature_problems(pages) == []


def test_matrix_signature_never_stands_alone(printer):
    """One report per length: the block ends up at every height of a page."""
    problems = {}
    for count in MATRIX_SWEEP:
        year = 2005 + count
        data = printer("inspektorat", f"/findings/matrix.pdf?semester={SEMESTER}&year={year}")
        pages = read_pdf(data)
        found = signature_problems(pages) + list(layout_problems(data))
        if found:
            problems[year] = found
    assert problems == {}


def test_attendance_sheet_of_a_long_invitation_list(printer, world):
    data = printer("inspektorat", f"/workshops/{world.workshop_id}/daftar-hadir.pdf")
    pages = read_pdf(data)
    assert len(pages) > 2
    assert list(layout_problems(data)) == []
    assert english_numbers(pages) == []
    assert signature_problems(pages) == []


def test_attendance_sheet_signature_never_stands_alone(printer, world):
    problems = {}
    for count, workshop_id in world.sweep_workshops.items():
        data = printer("inspektorat", f"/workshops/{workshop_id}/daftar-hadir.pdf")
        found = signature_problems(read_pdf(data)) + list(layout_problems(data))
        if found:
            problems[count] = found
    assert problems == {}


@pytest.mark.parametrize("query", ["period=2023-S2", "period=all", "period=2023"])
def test_dashboard_report(printer, query):
    data = printer("pimpinan", f"/dashboard.pdf?{query}")
    pages = read_pdf(data)
    assert len(pages) > 2
    assert list(layout_problems(data)) == []
    assert english_numbers(pages) == []
    assert signature_problems(pages) == []


def test_the_checks_catch_what_they_look_for():
    """The readers find overlapping words, a rule through a word, a lone signature and
    English numbers in PDFs made to have them."""
    from weasyprint import HTML

    overlapping = HTML(
        string=(
            '<p style="position:absolute;left:10mm;top:10mm">Rp 12.345.678.901</p>'
            '<p style="position:absolute;left:22mm;top:10mm">Rp 1.000</p>'
        )
    ).write_pdf()
    assert list(layout_problems(overlapping))

    too_wide = HTML(
        string=(
            '<table style="table-layout:fixed;width:60mm;border-collapse:collapse">'
            '<tr><td style="width:10mm;border:1px solid;white-space:nowrap">12.345.678.901</td>'
            '<td style="border:1px solid">x</td></tr></table>'
        )
    ).write_pdf()
    assert any("column rule" in p for p in layout_problems(too_wide))

    lone = HTML(
        string=(
            '<p>Isi</p><p style="break-before:page">Malang, 1 Desember 2023</p>'
            "<p>Inspektur Kota Malang</p><p>Nama</p>"
        )
    ).write_pdf()
    assert signature_problems(read_pdf(lone), "Nama") == ["page 2 holds only the signature block"]

    english = HTML(string="<p>52.63% 100.00 12,345,678 (08.30 WIB) 52,63% 1.234.567</p>")
    assert english_numbers(read_pdf(english.write_pdf())) == ["52.63%", "100.00", "12,345,678"]
