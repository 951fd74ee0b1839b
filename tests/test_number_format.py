"""Numbers as Indonesians write them ('52,63%', 'Rp 23.800.000'), English on request: the
formatters of tracker.i18n, their Jinja filters, and the outputs built on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale

from tracker.blueprints.findings.charts import _score_text
from tracker.blueprints.findings.matrix import completion_text, money, rate_text
from tracker.charts import _num
from tracker.documents import breakable_number
from tracker.i18n import amount, number, percent, rupiah
from tracker.models.finding import Repayment
from tracker.uploads import human_size


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("id", ["1.234.567", "52,63", "0,50", "52,63%", "100,00%", "—", "Rp 23.800.000"]),
        ("en", ["1,234,567", "52.63", "0.50", "52.63%", "100.00%", "—", "Rp 23,800,000"]),
    ],
)
def test_formatters_in_both_languages(locale, expected):
    assert [
        number(1234567, locale=locale),
        number(Decimal("52.634"), 2, locale=locale),
        number(0.5, 2, locale=locale),
        percent(Decimal("52.63"), locale=locale),
        percent(100, locale=locale),
        percent(None, locale=locale),
        rupiah(Decimal("23800000.00"), locale=locale),
    ] == expected


def test_money_has_cents_only_when_there_are_some():
    assert rupiah(Decimal("1250.50"), "id") == "Rp 1.250,50"
    assert rupiah(Decimal("1250.00"), "id") == "Rp 1.250"
    assert rupiah(-5000, "id") == "-Rp 5.000"
    assert rupiah(0, "id") == "Rp 0"
    assert rupiah(None) == ""
    assert amount(Decimal("98765432100"), "id") == "98.765.432.100"
    assert amount(Decimal("1234567890.5"), "en") == "1,234,567,890.50"
    assert amount(None) == number(None) == ""


def test_formatters_follow_the_interface_language(app):
    with app.test_request_context():
        assert (number(1234.5, 1), percent(52.63), rupiah(1500000)) == (
            "1.234,5",
            "52,63%",
            "Rp 1.500.000",
        )
        with force_locale("en"):
            assert (number(1234.5, 1), percent(52.63), rupiah(1500000)) == (
                "1,234.5",
                "52.63%",
                "Rp 1,500,000",
            )


def test_jinja_filters(app):
    with app.test_request_context():
        text = render_template_string(
            "{{ 1234567|number }} · {{ 52.634|number(2) }} · {{ 52.634|percent }} · "
            "{{ 23800000|rupiah }} · {{ 1250.5|amount }}"
        )
    assert text == "1.234.567 · 52,63 · 52,63% · Rp 23.800.000 · 1.250,50"


def test_a_long_number_wraps_only_after_a_separator():
    assert breakable_number("98.765.432.100") == "98.<wbr>765.<wbr>432.<wbr>100"
    assert breakable_number("1.250,50") == "1.<wbr>250,<wbr>50"
    assert breakable_number("<b>1.5</b>") == "&lt;b&gt;1.<wbr>5&lt;/b&gt;"
    assert breakable_number("Rp 500") == "Rp 500"


def test_matrix_texts(app):
    with app.test_request_context():
        assert rate_text(Decimal("52.63")) == "52,63"
        assert rate_text(Decimal("100.00")) == "100,00"
        assert rate_text(None) == "—"
        assert completion_text(Decimal("52.63")) == "Tingkat penyelesaian: 52,63%"
        assert completion_text(None) == "Tingkat penyelesaian: —"
        assert money(Decimal("23800000.00")) == "23.<wbr>800.<wbr>000"
        with force_locale("en"):
            assert completion_text(Decimal("52.63")) == "Completion rate: 52.63%"


def test_sizes_chart_labels_and_scores(app):
    with app.test_request_context():
        assert human_size(10 * 1024 * 1024) == "10 MB"
        assert human_size(3 * 1024 * 1024 // 2) == "1,5 MB"
        assert human_size(500 * 1024) == "500 KB"
        assert human_size(10) == "1 KB"
        assert [_num(66.666), _num(50.0), _num(2.5)] == ["66,7", "50", "2,5"]
        assert _score_text(Decimal("85.5")) == "85,50"
        with force_locale("en"):
            assert (human_size(3 * 1024 * 1024 // 2), _num(2.5), _score_text(85.5)) == (
                "1.5 MB",
                "2.5",
                "85.50",
            )


def test_a_repayment_is_named_in_rupiah_in_the_audit_log():
    repayment = Repayment(paid_on=dt.date(2023, 5, 10), amount=Decimal("1500000.00"))
    assert repayment.audit_label() == "2023-05-10 Rp 1.500.000"
