"""The hand-written SVG charts: valid XML, accessible, no styles (CSP), escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tracker.charts import Bar, Series, column_chart, hbar_chart, nice_ticks, wrap

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def test_nice_ticks():
    assert nice_ticks(0) == [0.0, 1.0]
    assert nice_ticks(7) == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert nice_ticks(15) == [0.0, 5.0, 10.0, 15.0]
    assert nice_ticks(1234)[-1] >= 1234
    assert nice_ticks(3) == [0.0, 1.0, 2.0, 3.0]


def test_bar_chart_is_accessible_and_escaped():
    svg = hbar_chart(
        [Bar("Dinas <Kesehatan> & co", 50, "50,00%"), Bar("Lain", 0, "0,00%", "#c62828")],
        chart_id="chart-x",
        title='Completion "by" OPD',
        desc="Dinas: 50%",
        percent_axis=True,
    )
    root = _parse(svg)
    assert root.tag == NS + "svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-x-title chart-x-desc"
    assert root.find(NS + "title").text == 'Completion "by" OPD'
    assert root.find(NS + "desc").text == "Dinas: 50%"
    assert "<Kesehatan>" not in str(svg)
    assert "Dinas &lt;Kesehatan&gt; &amp; co" in str(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag != NS + "style"
    rects = [r for r in root.iter(NS + "rect") if r.find(NS + "title") is not None]
    assert [r.get("fill") for r in rects] == ["#0b4f6c", "#c62828"]
    assert float(rects[1].get("width")) == 0


def test_column_chart_stacked_with_line_and_grouped_with_ticks():
    stacked = _parse(
        column_chart(
            ["Jan", "Feb", "Mar"],
            [Series("Verified", "#2e7d32", [1, 2, 0]), Series("Overdue", "#c62828", [0, 1, 3])],
            chart_id="trend",
            title="Trend",
            desc="…",
            line=Series("Cumulative", "#d97706", [100.0, 75.0, None]),
        )
    )
    bars = [r for r in stacked.iter(NS + "rect") if r.find(NS + "title") is not None]
    assert len(bars) == 4  # zero values are not drawn
    assert len(list(stacked.iter(NS + "circle"))) == 2
    assert stacked.find(NS + "polyline") is not None
    grouped = _parse(
        column_chart(
            ["2022", "2023"],
            [Series("Kota Malang", "#0b4f6c", [6, None], ["A", ""])],
            chart_id="grades",
            title="Grades",
            desc="…",
            stacked=False,
            y_ticks=[(1, "D"), (7, "AA")],
        )
    )
    texts = [t.text for t in grouped.iter(NS + "text")]
    assert "AA" in texts and "D" in texts and "A" in texts


def test_empty_charts_say_so():
    svg = str(hbar_chart([], chart_id="e", title="t", desc="d", empty_text="Nothing yet"))
    assert "Nothing yet" in svg
    svg = str(column_chart([], [], chart_id="c", title="t", desc="d", empty_text="Nothing yet"))
    assert "Nothing yet" in svg
    _parse(svg)


def test_wrap_breaks_between_words_and_never_shortens():
    assert wrap("Sedang berjalan, belum terlambat", 20) == ["Sedang berjalan,", "belum terlambat"]
    assert wrap("pendek", 20) == ["pendek"]
    assert wrap("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]
    assert wrap("", 5) == [""]
    text = "Pengentasan Kemiskinan (termasuk Kemiskinan Ekstrem)"
    assert " ".join(wrap(text, 12)) == text


def _lines(text: ET.Element) -> list[str]:
    spans = text.findall(NS + "tspan")
    return [s.text or "" for s in spans] if spans else [text.text or ""]


def test_long_labels_wrap_onto_more_lines_in_taller_rows():
    long = "Dilaporkan selesai, menunggu verifikasi oleh Inspektorat"
    short = hbar_chart([Bar("Draf", 1, "1")], chart_id="s", title="t", desc="d")
    svg = hbar_chart(
        [Bar(long, 3, "3"), Bar("Draf", 1, "1")], chart_id="w", title="t", desc="d", label_width=140
    )
    root = _parse(svg)
    assert "…" not in str(svg)
    texts = [_lines(t) for t in root.iter(NS + "text")]
    wrapped = next(lines for lines in texts if len(lines) > 1)
    assert " ".join(wrapped) == long
    assert all(len(line) <= 140 // 7 for line in wrapped)
    # The chart grows with the extra lines.
    assert int(root.get("height")) > int(_parse(short).get("height")) + 26


def test_column_chart_legend_and_categories_wrap():
    name = "Tingkat penyelesaian kumulatif seluruh komitmen yang jatuh tempo"
    svg = column_chart(
        ["Januari 2023", "Februari 2023"],
        [Series(name, "#2e7d32", [1, 2])],
        chart_id="c",
        title="t",
        desc="d",
    )
    root = _parse(svg)
    assert "…" not in str(svg)
    legend = next(t for t in root.iter(NS + "text") if len(_lines(t)) > 1)
    assert " ".join(_lines(legend)) == name
    texts = [" ".join(_lines(t)) for t in root.iter(NS + "text")]
    assert "Januari 2023" in texts
