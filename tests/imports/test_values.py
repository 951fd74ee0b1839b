"""Reading one cell: money, dates, text, NIPs, e-mail addresses, percentages, outcomes, and
OPDs and officials looked up in one query each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tracker.imports import values
from tracker.imports.values import BadValue, OpdLookup, PersonLookup
from tracker.models.finding import Outcome


def _bad(parser, value, *args) -> str:
    with pytest.raises(BadValue) as caught:
        parser(value, *args)
    assert isinstance(caught.value, ValueError)
    return caught.value.message


MONEY_MESSAGE = "Isikan jumlah dalam rupiah, mis. 12.500.000."


@pytest.fixture
def plain(plain_app):
    return plain_app


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        (23800000, Decimal("23800000.00")),
        (23800000.0, Decimal("23800000.00")),
        (1250.5, Decimal("1250.50")),
        (Decimal("99.99"), Decimal("99.99")),
        (0.1 + 0.2, Decimal("0.30")),  # a formula's float noise
        (1234567.89 - 0.01, Decimal("1234567.88")),
        ("Rp 23.800.000", Decimal("23800000.00")),
        ("Rp. 23.800.000", Decimal("23800000.00")),
        ("23.800.000,00", Decimal("23800000.00")),
        ("23800000", Decimal("23800000.00")),
        ("Rp23.800.000,-", Decimal("23800000.00")),
        ("23.800.000.-", Decimal("23800000.00")),
        ("23,800,000.00", Decimal("23800000.00")),
        ("1.250,50", Decimal("1250.50")),
        ("\u00a0Rp\u00a023.800.000 ", Decimal("23800000.00")),
        (0, Decimal("0.00")),
        ("-", None),
        ("Nihil", None),
        (None, None),
        ("   ", None),
    ],
)
def test_money_reads_numbers_and_rupiah_as_typed(plain, cell, amount):
    assert values.money(cell) == amount


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("dua juta", MONEY_MESSAGE),
        ("23.80.000", MONEY_MESSAGE),
        ("Rp 1,5 juta", MONEY_MESSAGE),
        (True, MONEY_MESSAGE),
        (-5000, "Nilai tidak boleh negatif."),
        ("-5.000", "Nilai tidak boleh negatif."),
        ("Rp -5.000", "Nilai tidak boleh negatif."),
        (10.125, "Gunakan paling banyak dua angka desimal."),
    ],
)
def test_money_refuses_what_is_not_an_amount(plain, cell, message):
    assert _bad(values.money, cell) == message


# --- dates --------------------------------------------------------------------------------

JULY_26 = dt.date(2023, 7, 26)


@pytest.mark.parametrize(
    "cell",
    [
        dt.datetime(2023, 7, 26, 0, 0),
        dt.datetime(2023, 7, 26, 14, 5),
        JULY_26,
        "26/07/2023",
        "26/7/2023",
        "26-07-2023",
        "26.07.2023",
        "2023-07-26",
        "2023-07-26 00:00:00",
        "26 Juli 2023",
        "26 JULI 2023",
        "26 Jul 2023",
        "26-Jul-2023",
        "26 July 2023",
        "July 26, 2023",
        "Rabu, 26 Juli 2023",
        " 26  juli   2023 ",
        45133,  # a date cell that lost its format: Excel's serial number
        "45133",
    ],
)
def test_dates_in_every_usual_form(plain, cell):
    assert values.date(cell) == JULY_26


@pytest.mark.parametrize(
    ("cell", "month"),
    [
        ("1 Agustus 2023", 8),
        ("1 Agt 2023", 8),
        ("1 Okt 2023", 10),
        ("1 Oct 2023", 10),
        ("1 Mei 2023", 5),
        ("1 May 2023", 5),
        ("1 Desember 2023", 12),
        ("1 Dec 2023", 12),
        ("1 Pebruari 2023", 2),
        ("1 Nopember 2023", 11),
    ],
)
def test_indonesian_and_english_month_names(plain, cell, month):
    assert values.date(cell) == dt.date(2023, month, 1)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("besok", "'besok' bukan tanggal; tulis seperti 26/07/2023 atau 26 Juli 2023."),
        ("26/07/23", "'26/07/23' bukan tanggal; tulis seperti 26/07/2023 atau 26 Juli 2023."),
        (
            "26 Juno 2023",
            "'26 Juno 2023' bukan tanggal; tulis seperti 26/07/2023 atau 26 Juli 2023.",
        ),
        ("31/02/2023", "'31/02/2023' bukan tanggal yang ada."),
        ("2023-13-01", "'2023-13-01' bukan tanggal yang ada."),
        (7, "'7' bukan tanggal; tulis seperti 26/07/2023 atau 26 Juli 2023."),
    ],
)
def test_dates_refused_with_the_forms_to_use(plain, cell, message):
    assert _bad(values.date, cell) == message


def test_blank_dates_are_none(plain):
    assert values.date(None) is None
    assert values.date("  ") is None


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("  Kas kurang setor  ", "Kas kurang setor"),
        ("=SUM(A1:A3)", "=SUM(A1:A3)"),
        (12, "12"),
        (12.0, "12"),
        (1.5, "1.5"),
        (dt.datetime(2023, 7, 26), "26/07/2023"),
        ("baris satu\nbaris dua", "baris satu\nbaris dua"),
        ("", None),
        (None, None),
    ],
)
def test_text(plain, cell, text):
    assert values.text(cell, 50) == text


def test_text_over_its_limit(plain):
    assert values.text("x" * 10, 10) == "x" * 10
    assert _bad(values.text, "x" * 11, 10) == "Paling banyak 10 karakter."


# --- NIP and e-mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "197503122000032004",
        "19750312 200003 2 004",
        "19750312.200003.2.004",
        "19750312-200003-2-004",
        "'197503122000032004",
        197503122000032004,  # an int openpyxl read exactly
    ],
)
def test_nip_with_spaces_dots_or_dashes(plain, cell):
    assert values.nip(cell) == "197503122000032004"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1975031220000320", "NIP harus tepat 18 digit."),
        ("19750312 200003 2 00A", "NIP harus tepat 18 digit."),
        (
            1.97503122000032e17,
            "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom "
            "sebagai teks lalu ketik ulang.",
        ),
        (
            "1.97503E+17",
            "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom "
            "sebagai teks lalu ketik ulang.",
        ),
    ],
)
def test_nip_refused(plain, cell, message):
    assert _bad(values.nip, cell) == message


@pytest.mark.parametrize(
    ("cell", "address"),
    [
        ("Siti.Aminah@Malangkota.go.id", "siti.aminah@malangkota.go.id"),
        (" mailto:dinkes@malangkota.go.id ", "dinkes@malangkota.go.id"),
        (None, None),
    ],
)
def test_email(plain, cell, address):
    assert values.email(cell) == address


@pytest.mark.parametrize(
    "cell", ["siti", "siti@", "siti@malangkota", "siti aminah@malangkota.go.id", "a@b@c.id"]
)
def test_email_refused(plain, cell):
    assert _bad(values.email, cell) == "Masukkan alamat email yang valid."


# --- percent and outcome -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "result"),
    [
        (80, 80),
        (0, 0),
        (100, 100),
        ("80", 80),
        ("80%", 80),
        ("80 %", 80),
        (0.8, 80),  # an Excel cell formatted as percent
        (0.25, 25),
        (80.0, 80),
        ("80,0", 80),
        (None, None),
    ],
)
def test_percent(plain, cell, result):
    assert values.percent(cell) == result


@pytest.mark.parametrize("cell", [101, -1, "80,5", "delapan puluh", 0.805, True, "150%"])
def test_percent_refused(plain, cell):
    assert (
        _bad(values.percent, cell) == "Masukkan persentase berupa bilangan bulat dari 0 sampai 100."
    )


@pytest.mark.parametrize(
    ("cell", "result"),
    [
        (1, Outcome.SESUAI),
        (2.0, Outcome.BELUM_SESUAI),
        ("3", Outcome.BELUM_DITINDAKLANJUTI),
        ("4.", Outcome.TIDAK_DAPAT_DITINDAKLANJUTI),
        ("Sesuai", Outcome.SESUAI),
        ("BELUM SESUAI", Outcome.BELUM_SESUAI),
        ("Belum ditindaklanjuti", Outcome.BELUM_DITINDAKLANJUTI),
        ("Belum ditindak lanjuti", Outcome.BELUM_DITINDAKLANJUTI),
        ("Tidak dapat ditindaklanjuti", Outcome.TIDAK_DAPAT_DITINDAKLANJUTI),
        ("Tindak lanjut telah sesuai dengan rekomendasi", Outcome.SESUAI),
        ("Tindak lanjut belum sesuai dengan rekomendasi", Outcome.BELUM_SESUAI),
        ("Rekomendasi belum ditindaklanjuti", Outcome.BELUM_DITINDAKLANJUTI),
        ("2. Belum sesuai", Outcome.BELUM_SESUAI),
        ("3 - Belum ditindaklanjuti", Outcome.BELUM_DITINDAKLANJUTI),
        ("1. Tindak lanjut sesuai dengan rekomendasi", Outcome.SESUAI),
        ("Cannot be followed up", Outcome.TIDAK_DAPAT_DITINDAKLANJUTI),
        ("belum_sesuai", Outcome.BELUM_SESUAI),
        (None, None),
    ],
)
def test_outcome(plain, cell, result):
    assert values.outcome(cell) is result


@pytest.mark.parametrize("cell", [0, 5, "5", "TS", "2. Sesuai", "selesai", 1.5])
def test_outcome_refused(plain, cell):
    assert _bad(values.outcome, cell) == (
        f"'{cell}' bukan status: tulis angka 1 sampai 4 atau namanya (Sesuai, Belum sesuai, "
        "Belum ditindaklanjuti, Tidak dapat ditindaklanjuti)."
    )


# --- lookups --------------------------------------------------------------------------------


def test_opd_lookup_by_code_or_name_in_one_query(app, count_queries):
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    dishub = factories.make_opd("DISHUB", "Dinas Perhubungan", active=False)
    factories.make_opd("BPKAD", "Badan Pengelola Keuangan dan Aset Daerah")
    with count_queries() as queries:
        lookup = OpdLookup()
        found = [
            lookup.find("DINKES"),
            lookup.find(" dinkes "),
            lookup.find("dinas   KESEHATAN"),
            lookup.find("Dishub"),
            lookup.find(None),
            lookup.get("DINAS X"),
        ]
    assert queries.count == 1
    assert found == [dinkes, dinkes, dinkes, dishub, None, None]


def test_an_unknown_opd_suggests_the_closest_code(app):
    factories.make_opd("DINKES", "Dinas Kesehatan")
    factories.make_opd("DISHUB", "Dinas Perhubungan")
    factories.make_opd("BPKAD", "Badan Pengelola Keuangan dan Aset Daerah")
    lookup = OpdLookup()
    assert _bad(lookup.find, "Dinkes Kota") == "'Dinkes Kota' tidak dikenal; maksud Anda DINKES?"
    assert _bad(lookup.find, "Dinas Perhubugan") == (
        "'Dinas Perhubugan' tidak dikenal; maksud Anda DISHUB?"
    )
    assert _bad(lookup.find, "BPKD") == "'BPKD' tidak dikenal; maksud Anda BPKAD?"
    assert _bad(lookup.find, "Satpol PP") == "'Satpol PP' tidak dikenal."


def test_person_lookup_by_nip_or_email_in_one_query(app, count_queries):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    siti = factories.make_person(opd, nip="197503122000032004", email="Siti@malangkota.go.id")
    budi = factories.make_person(opd, nip=None, email="budi@malangkota.go.id")
    factories.make_person(opd, nip=None, email="sekretariat@malangkota.go.id")
    factories.make_person(opd, nip=None, email="sekretariat@malangkota.go.id")
    with count_queries() as queries:
        lookup = PersonLookup()
        found = [
            lookup.find("19750312 200003 2 004"),
            lookup.find("siti@malangkota.go.id"),
            lookup.find("BUDI@malangkota.go.id"),
            lookup.by_nip("199001012020121001"),
            lookup.by_email("nobody@malangkota.go.id"),
            lookup.find(""),
        ]
    assert queries.count == 1
    assert found == [siti, siti, budi, None, None, None]
    assert _bad(lookup.find, "199001012020121001") == (
        "Tidak ada pejabat dengan NIP atau email 199001012020121001."
    )
    assert _bad(lookup.find, "1990") == "NIP harus tepat 18 digit."
    assert _bad(lookup.find, "sekretariat@malangkota.go.id") == (
        "Beberapa pejabat memakai email sekretariat@malangkota.go.id; gunakan NIP."
    )
