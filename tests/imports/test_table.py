"""Reading uploaded spreadsheets: the header row wherever it is, two-row headings, synonyms,
CSV encodings and delimiters, the file type by content, and the limits (size, rows, zip
bombs)."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile

import pytest

from tests.imports import files
from tracker.imports.base import Column, ImportRefused
from tracker.imports.table import normalise_heading, read_table

COLUMNS = (
    Column("report", "Nomor LHP", ("No. LHP", "No LHP"), required=True),
    Column("finding_code", "Kode Temuan", ("Temuan Kode",)),
    Column("finding", "Uraian Temuan", ("Temuan", "Temuan Uraian")),
    Column("finding_value", "Nilai Temuan (Rp)", ("Temuan Nilai (Rp)",)),
    Column("recommendation", "Uraian Rekomendasi", ("Rekomendasi", "Rekomendasi Uraian")),
    Column("recommendation_value", "Nilai Rekomendasi (Rp)", ("Rekomendasi Nilai (Rp)",)),
    Column("opd", "OPD", ("Kode OPD", "Nama OPD"), required=True),
    Column("date", "Tanggal LHP", ("Tgl LHP",)),
)
HEADER = ["Nomor LHP", "Uraian Temuan", "OPD", "Tanggal LHP"]


def _refusal(data: bytes, name: str, columns=COLUMNS) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_table(data, name, columns)
    return caught.value.message


pytestmark = pytest.mark.usefixtures("plain_app")


# --- headings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Nomor LHP", "nomor lhp"),
        ("  NOMOR   lhp :", "nomor lhp"),
        ("No.", "no"),
        ("No.LHP", "no. lhp"),
        ("Nilai(Rp)", "nilai (rp)"),
        ("Nilai ( Rp )", "nilai (rp)"),
        ("Uraian\nTemuan", "uraian temuan"),
        ("Kode\u00a0OPD", "kode opd"),
        (None, ""),
    ],
)
def test_headings_are_compared_without_case_spacing_or_trailing_dots(written, normalised):
    assert normalise_heading(written) == normalised


def test_the_header_row_is_found_under_title_rows_and_blank_rows():
    data = files.xlsx(
        [[], [], HEADER, ["LHP-1", "Kas kurang setor", "DINKES", dt.datetime(2023, 7, 26)]],
        title_rows=["PEMERINTAH KOTA MALANG", "MATRIKS PEMANTAUAN TINDAK LANJUT", "Semester I"],
    )
    table = read_table(data, "matriks.xlsx", COLUMNS)
    # three titles, the blank row under them, two more blank rows: the header is row 7
    assert table.header_row == 7
    assert table.found == {
        "report": "Nomor LHP",
        "finding": "Uraian Temuan",
        "opd": "OPD",
        "date": "Tanggal LHP",
    }
    (row,) = table.rows
    assert row.number == 8
    assert row.cells == {
        "report": "LHP-1",
        "finding": "Kas kurang setor",
        "opd": "DINKES",
        "date": dt.datetime(2023, 7, 26),
    }


def test_synonyms_case_and_spacing_match_and_unknown_columns_are_dropped():
    data = files.xlsx(
        [
            ["NO.", "no.  lhp", "KODE OPD:", "Keterangan", "tgl lhp"],
            [1, "LHP-1", "dinkes", "catatan", "26/07/2023"],
        ]
    )
    table = read_table(data, "x.xlsx", COLUMNS)
    # the heading as written, one space between words
    assert table.found == {"report": "no. lhp", "opd": "KODE OPD:", "date": "tgl lhp"}
    assert table.rows[0].cells == {"report": "LHP-1", "opd": "dinkes", "date": "26/07/2023"}


def test_two_row_headings_under_merged_group_cells():
    header = [
        ["No", "No. LHP", "Temuan", None, None, "Rekomendasi", None, "OPD"],
        [None, None, "Kode", "Uraian", "Nilai (Rp)", "Uraian", "Nilai (Rp)", None],
    ]
    data = files.xlsx(
        [
            *header,
            [
                1,
                "LHP-1",
                "1.01.01",
                "Kas kurang setor",
                23800000,
                "Setor ke kas",
                23800000,
                "BPKAD",
            ],
            [None, None, None, None, None, "Tegur bendahara", None, None],
            [2, "LHP-1", "1.02.01", "Aset tidak tercatat", 0, "Catat aset", None, "BPKAD"],
        ],
        title_rows=2,
        # title rows 1-2, blank row 3, header rows 4-5: the groups and the headings
        # merged down over both header rows, and the first finding merged over rows 6-7
        merges=["C4:E4", "F4:G4", "A4:A5", "B4:B5", "H4:H5", "C6:C7", "D6:D7", "E6:E7"],
    )
    table = read_table(data, "matriks.xlsx", COLUMNS)
    assert table.header_row == 5
    assert table.found == {
        "report": "No. LHP",
        "finding_code": "Temuan Kode",
        "finding": "Temuan Uraian",
        "finding_value": "Temuan Nilai (Rp)",
        "recommendation": "Rekomendasi Uraian",
        "recommendation_value": "Rekomendasi Nilai (Rp)",
        "opd": "OPD",
    }
    assert [row.number for row in table.rows] == [6, 7, 8]
    # the merged finding cells come as empty cells below the first: the kind continues
    assert table.rows[1].cells == {"recommendation": "Tegur bendahara"}
    assert table.rows[0].cells["finding_value"] == 23800000
    assert table.rows[2].cells["finding_value"] == 0


def test_the_best_sheet_is_read_whatever_comes_before_it():
    data = files.xlsx(
        [HEADER, ["LHP-9", "Temuan", "DISHUB", None]],
        sheet="Matriks",
        before=[("Petunjuk", [["Kolom", "Isi"], ["Nomor LHP", "nomor laporan"], ["OPD", "kode"]])],
    )
    table = read_table(data, "x.xlsx", COLUMNS)
    assert table.rows[0].cells["report"] == "LHP-9"


def test_required_columns_missing_are_named():
    data = files.xlsx([["Uraian Temuan", "Tanggal LHP"], ["x", "y"]])
    assert _refusal(data, "x.xlsx") == "Kolom wajib tidak ditemukan: Nomor LHP, OPD"


def test_a_file_without_any_heading_says_what_was_expected():
    optional = (Column("name", "Nama"), Column("position", "Jabatan"))
    message = _refusal(files.csv([["a", "b"], ["c", "d"]]), "x.csv", optional)
    assert message == (
        "Tidak ada judul kolom impor ini dalam 30 baris pertama; "
        "judul yang diharapkan antara lain Nama, Jabatan."
    )


def test_a_header_below_the_scanned_rows_is_not_found():
    data = files.xlsx([*([["catatan"]] * 30), HEADER, ["LHP-1", "x", "DINKES", None]])
    assert _refusal(data, "x.xlsx").startswith("Kolom wajib tidak ditemukan")


# --- rows and cells -----------------------------------------------------------------------


def test_empty_rows_and_totals_rows_are_skipped_and_cells_stripped():
    data = files.xlsx(
        [
            ["Nomor LHP", "OPD", "Nilai Temuan (Rp)"],
            ["  LHP-1 ", "DINKES", 1000],
            [None, None, None],
            ["   ", None, None],
            ["LHP-2", "DISHUB", 2500.5],
            ["Jumlah", None, 3500.5],
            ["TOTAL:", None, 3500.5],
        ]
    )
    table = read_table(data, "x.xlsx", COLUMNS)
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, {"report": "LHP-1", "opd": "DINKES", "finding_value": 1000}),
        (5, {"report": "LHP-2", "opd": "DISHUB", "finding_value": 2500.5}),
    ]


def test_a_row_reading_total_with_key_cells_is_data():
    data = files.csv([["Nomor LHP", "OPD"], ["Total", "DINKES"]])
    (row,) = read_table(data, "x.csv", COLUMNS).rows
    assert row.cells == {"report": "Total", "opd": "DINKES"}


def test_a_totals_label_outside_the_read_columns_is_recognised():
    data = files.xlsx(
        [
            ["No", "Nomor LHP", "OPD", "Nilai Temuan (Rp)"],
            [1, "LHP-1", "X", 5],
            ["Jumlah", None, None, 5],
        ]
    )
    assert [row.number for row in read_table(data, "x.xlsx", COLUMNS).rows] == [2]


def test_text_starting_with_equals_stays_text_and_formulas_give_their_values():
    data = files.xlsx(
        [["Nomor LHP", "OPD", "Uraian Temuan"], ["=SUM(A1:A9)", "DINKES", "=HYPERLINK(1)"]]
    )
    assert read_table(data, "x.xlsx", COLUMNS).rows[0].cells == {
        "report": "=SUM(A1:A9)",
        "opd": "DINKES",
        "finding": "=HYPERLINK(1)",
    }
    formulas = files.xlsx(
        [["Nomor LHP", "OPD", "Nilai Temuan (Rp)"], ["LHP-1", "X", "=SUM(1,2)"]], formulas=True
    )
    cached = files.cache_formulas(formulas, {"C2": 3})
    assert read_table(cached, "x.xlsx", COLUMNS).rows[0].cells["finding_value"] == 3
    # never evaluated: a formula without a value Excel stored reads as empty
    assert "finding_value" not in read_table(formulas, "x.xlsx", COLUMNS).rows[0].cells
    data = files.csv([["Nomor LHP", "OPD"], ["=SUM(A1:A9)", '=cmd|"/c calc"!A1']])
    assert read_table(data, "x.csv", COLUMNS).rows[0].cells == {
        "report": "=SUM(A1:A9)",
        "opd": '=cmd|"/c calc"!A1',
    }


def test_dates_and_numbers_keep_their_types():
    data = files.xlsx(
        [
            ["Nomor LHP", "OPD", "Tanggal LHP", "Nilai Temuan (Rp)"],
            ["LHP-1", "X", dt.date(2023, 7, 26), 23800000],
            ["LHP-2", "X", dt.datetime(2023, 7, 26, 9, 30), 1.5],
        ],
        number_formats={"C2": "dd/mm/yyyy"},
    )
    first, second = read_table(data, "x.xlsx", COLUMNS).rows
    assert first.cells["date"] == dt.datetime(2023, 7, 26)
    assert isinstance(first.cells["finding_value"], int)
    assert second.cells["date"] == dt.datetime(2023, 7, 26, 9, 30)
    assert second.cells["finding_value"] == 1.5


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize(
    ("encoding", "bom"), [("cp1252", False), ("utf-8", False), ("utf-8", True)]
)
def test_csv_in_each_encoding_and_delimiter(encoding, bom, delimiter):
    rows = [
        ["Daftar temuan"],
        [],
        ["Nomor LHP", "OPD", "Uraian Temuan"],
        ["LHP-1", "Dinas Pendidikan", "Kas kurang Rp 1.500.000,00; dikembalikan"],
        ["LHP-2", "Badan Keuangan", "Honor “lebih bayar” – café"],
    ]
    data = files.csv(rows, delimiter=delimiter, encoding=encoding, bom=bom)
    table = read_table(data, "temuan.csv", COLUMNS)
    assert table.header_row == 3
    assert [(row.number, row.cells) for row in table.rows] == [
        (
            4,
            {
                "report": "LHP-1",
                "opd": "Dinas Pendidikan",
                "finding": "Kas kurang Rp 1.500.000,00; dikembalikan",
            },
        ),
        (5, {"report": "LHP-2", "opd": "Badan Keuangan", "finding": "Honor “lebih bayar” – café"}),
    ]


def test_csv_rows_are_numbered_by_the_line_they_start_on():
    data = files.csv(
        [
            ["Nomor LHP", "OPD", "Uraian Temuan"],
            ["LHP-1", "X", "baris satu\nbaris dua"],
            ["LHP-2", "Y"],
        ],
        delimiter=",",
    )
    rows = read_table(data, "x.csv", COLUMNS).rows
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].cells["finding"] == "baris satu\nbaris dua"


def test_a_csv_record_the_reader_cannot_take_is_refused_with_its_line():
    data = files.csv([["Nomor LHP", "OPD"], ["LHP-1", "X"], ["LHP-2", "x" * 200_000]])
    assert _refusal(data, "x.csv") == "Baris 3 berkas CSV tidak dapat dibaca."


# --- file types ----------------------------------------------------------------------------

WRONG_TYPE = (
    "Berkas ini tidak dapat dibaca: hanya berkas .xlsx (buku kerja Excel) atau .csv "
    "yang dapat diimpor."
)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\x00\x01", "matriks.pdf"),
        (b"%PDF-1.7\n\x00\x01\x02 binary", "matriks.csv"),  # a PDF renamed .csv
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "matriks.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "matriks.xlsx"),
        ("Nomor LHP;OPD\n".encode("utf-16"), "utf16.csv"),
        (b"Nomor LHP;OPD\nLHP-1;X\n", "matriks.xlsx"),  # a CSV renamed .xlsx
        (b"Nomor LHP;OPD\nLHP-1;X\n", "matriks.docx"),
        (files.zip_file({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<T/>"}), "a.xlsx"),
        (files.zip_file({"readme.txt": b"hello"}), "a.zip"),
    ],
)
def test_anything_but_xlsx_or_csv_is_refused_by_its_content(data, name):
    assert _refusal(data, name) == WRONG_TYPE


def test_a_workbook_is_read_whatever_its_name_and_a_csv_may_be_txt():
    data = files.xlsx([HEADER, ["LHP-1", "x", "DINKES", None]])
    assert read_table(data, "unduhan", COLUMNS).rows[0].cells["report"] == "LHP-1"
    assert read_table(data, "matriks.csv", COLUMNS).rows[0].cells["report"] == "LHP-1"
    text = files.csv([HEADER, ["LHP-1", "x", "DINKES", None]])
    assert read_table(text, "matriks.txt", COLUMNS).rows[0].cells["opd"] == "DINKES"


def test_a_damaged_workbook_is_refused():
    data = files.xlsx([HEADER])
    broken = files.zip_file(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook><sheets>",
        }
    )
    assert _refusal(broken, "x.xlsx") == (
        "Buku kerja tidak dapat dibuka; mungkin rusak. Simpan ulang di Excel."
    )
    assert _refusal(data[: len(data) // 2], "x.xlsx") == WRONG_TYPE  # a cut-off upload


def test_an_empty_file_is_refused():
    assert _refusal(b"", "x.csv") == "Berkas kosong."


# --- limits --------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(plain_app):
    plain_app.config["IMPORT_MAX_BYTES"] = 1000
    data = files.csv([HEADER] + [["LHP", "x" * 50, "DINKES", ""]] * 30)
    assert len(data) > 1000
    assert _refusal(data, "x.csv") == (
        "Berkas terlalu besar (0,0 MB); paling besar 0,0 MB yang dapat diimpor."
    )
    plain_app.config["IMPORT_MAX_BYTES"] = 10 * 1024 * 1024
    assert len(read_table(data, "x.csv", COLUMNS).rows) == 30


def test_the_default_size_limit_is_ten_megabytes():
    data = b"Nomor LHP;OPD\n" + b"LHP-1;X\n" * (10 * 1024 * 1024 // 8)
    assert _refusal(data, "x.csv") == (
        "Berkas terlalu besar (10,0 MB); paling besar 10,0 MB yang dapat diimpor."
    )


def test_a_file_over_the_row_limit_is_refused(plain_app):
    plain_app.config["IMPORT_MAX_ROWS"] = 5
    rows = [HEADER] + [[f"LHP-{n}", "x", "DINKES", None] for n in range(5)]
    assert len(read_table(files.xlsx(rows), "x.xlsx", COLUMNS).rows) == 5
    rows.append(["LHP-6", "x", "DINKES", None])
    message = "Berkas berisi lebih dari 5 baris; pecah menjadi beberapa berkas yang lebih kecil."
    assert _refusal(files.xlsx(rows), "x.xlsx") == message
    assert _refusal(files.csv(rows), "x.csv") == message


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return files.zip_bomb(256 * 1024 * 1024)


def test_a_zip_bomb_is_refused_without_being_inflated(bomb, monkeypatch):
    assert len(bomb) < 1024 * 1024

    def never(*_args, **_kwargs):
        raise AssertionError("the bomb was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    monkeypatch.setattr(zipfile.ZipFile, "read", never)
    started = time.perf_counter()
    message = _refusal(bomb, "matriks.xlsx")
    assert time.perf_counter() - started < 2
    assert message == (
        "Buku kerja ini akan membesar lebih dari 100,0 MB saat dibuka; simpan sebagai "
        "berkas yang lebih kecil atau pecah menjadi beberapa berkas."
    )


def test_a_highly_compressed_workbook_is_refused_by_its_ratio(monkeypatch):
    small_bomb = files.zip_bomb(20 * 1024 * 1024)  # under the total, about 1000:1

    def never(*_args, **_kwargs):
        raise AssertionError("the bomb was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    message = _refusal(small_bomb, "matriks.xlsx")
    assert message.startswith("Buku kerja ini dimampatkan secara mencurigakan (")
    assert message.endswith(" kali) dan tidak dibuka.")


def test_a_normal_workbook_passes_the_zip_checks():
    rows = [HEADER] + [[f"LHP-{n}", "Kas kurang setor " * 5, "DINKES", None] for n in range(3000)]
    assert len(read_table(files.xlsx(rows), "x.xlsx", COLUMNS).rows) == 3000


def test_ten_thousand_rows_of_a_real_matrix_are_read(capsys):
    header = [
        ["No", "No. LHP", "Tgl LHP", "Temuan", None, None, "Rekomendasi", None, "OPD", "Ket"],
        [None, None, None, "Kode", "Uraian", "Nilai (Rp)", "Uraian", "Nilai (Rp)", None, None],
    ]
    rows = [
        [
            n,
            f"700/{n // 10}/LHP/2023",
            dt.datetime(2023, 7, 26),
            "1.01.01" if n % 3 == 0 else None,
            f"Kekurangan volume pekerjaan {n}" if n % 3 == 0 else None,
            23800000 + n if n % 3 == 0 else None,
            f"Memerintahkan PPK menagih kelebihan bayar {n}",
            "Rp 1.500.000,00",
            "Dinas Pekerjaan Umum",
            "=catatan",
        ]
        for n in range(10_000)
    ]
    data = files.xlsx([*header, *rows], title_rows=3)
    started = time.perf_counter()
    table = read_table(data, "besar.xlsx", COLUMNS)
    elapsed = time.perf_counter() - started
    assert len(table.rows) == 10_000
    assert table.rows[-1].number == 4 + 2 + 10_000
    assert table.rows[-1].cells["recommendation_value"] == "Rp 1.500.000,00"
    with capsys.disabled():
        print(f"\n10,000-row workbook ({len(data):,} bytes) read in {elapsed:.2f} s")


def test_a_workbook_declaring_a_wrong_size_is_read_in_full():
    """Some programs write <dimension ref="A1"/> whatever the sheet holds; read-only
    openpyxl would then stop at A1."""
    data = files.xlsx([HEADER, ["LHP-1", "x", "DINKES", None], ["LHP-2", "y", "DISHUB", None]])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', content
                )
                assert count == 1
            target.writestr(info, content)
    table = read_table(out.getvalue(), "x.xlsx", COLUMNS)
    assert [row.cells["opd"] for row in table.rows] == ["DINKES", "DISHUB"]
