"""Charts as hand-written SVG, rendered on the server.

The same markup is inlined in the pages (it works without JavaScript) and in the PDFs
(WeasyPrint draws inline SVG). Only presentation attributes are used (``fill=``,
``stroke=``, ``font-size=``), never a ``<style>`` element nor a ``style=""`` attribute, so
the pages keep the Content-Security-Policy ``style-src 'self'``. Every chart carries a
``<title>`` and a ``<desc>`` (referenced by ``aria-labelledby``); the pages put a table with
the same figures next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
TEXT = "#222222"
MUTED = "#666666"
GRID = "#dddddd"
AXIS = "#888888"
PRIMARY = "#0b4f6c"
LINE = "#d97706"


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart; ``text`` is the value as shown next to it."""

    label: str
    value: float
    text: str
    colour: str = PRIMARY


@dataclass(frozen=True)
class Series:
    """One series of a column chart; ``texts`` (optional) label each column."""

    name: str
    colour: str
    values: Sequence[float | None]
    texts: Sequence[str] | None = None


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    """'12', '2,5' (at most one decimal, written as the interface's language writes it)."""
    from tracker.i18n import number

    rounded = round(value, 1)
    return number(rounded, 0 if rounded == int(rounded) else 1)


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum`` (1, 2 or 5 × 10ⁿ apart)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1 and maximum >= 1:
        step = 1.0
    top = math.ceil(maximum / step) * step
    ticks = []
    value = 0.0
    while value <= top + step / 2:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" id="{_e(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" '
        f'font-family="{FONT}" font-size="12" data-chart="{_e(chart_id)}">',
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def wrap(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken between words (a word
    longer than a line is split); never shortened."""
    limit = max(limit, 1)
    lines: list[str] = []
    current = ""
    for word in str(text).split():
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:limit])
            word = word[limit:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= limit:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def _text_lines(lines: Sequence[str], *, x: float, y: float, line_height: float, attrs: str) -> str:
    """A ``<text>`` whose lines are ``<tspan>`` elements, the first one's baseline at ``y``."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else line_height:.1f}">{_e(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" {attrs}>{spans}</text>'


def hbar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    desc: str,
    maximum: float | None = None,
    width: int = 640,
    label_width: int = 210,
    empty_text: str = "",
    percent_axis: bool = False,
) -> Markup:
    """Horizontal bars, one row per item, the value written after each bar; a label
    longer than its column wraps onto more lines (the row grows), it is never cut."""
    line_h, pad, top, bottom, value_w = 14, 12, 10, 26, 78
    chars = max(label_width // 7, 10)
    labels = [wrap(bar.label, chars) for bar in bars]
    rows_h = [max(26, len(lines) * line_h + pad) for lines in labels] or [26]
    height = top + sum(rows_h) + bottom
    plot_x = label_width
    plot_w = width - label_width - value_w
    top_value = maximum if maximum is not None else max((b.value for b in bars), default=0)
    ticks = [0.0, 25.0, 50.0, 75.0, 100.0] if percent_axis else nice_ticks(top_value or 1)
    scale_max = ticks[-1] or 1
    parts = _open(chart_id, width, height, title, desc)
    axis_y = top + sum(rows_h)
    for tick in ticks:
        x = plot_x + plot_w * tick / scale_max
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}" '
            f'stroke-width="1"/>'
        )
        label = _num(tick) + ("%" if percent_axis else "")
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="10">{_e(label)}</text>'
        )
    if not bars and empty_text:
        parts.append(
            f'<text x="{plot_x + plot_w / 2:.1f}" y="{top + rows_h[0] / 2 + 4:.1f}" '
            f'text-anchor="middle" fill="{MUTED}">{_e(empty_text)}</text>'
        )
    y = float(top)
    for bar, lines, row_h in zip(bars, labels, rows_h, strict=False):
        middle = y + row_h / 2
        length = max(plot_w * min(bar.value, scale_max) / scale_max, 0)
        first_line = middle + 4 - (len(lines) - 1) * line_h / 2
        parts.append(
            _text_lines(
                lines,
                x=plot_x - 8,
                y=first_line,
                line_height=line_h,
                attrs=f'text-anchor="end" fill="{TEXT}"',
            )
        )
        bar_h = 16
        parts.append(
            f'<rect x="{plot_x}" y="{middle - bar_h / 2:.1f}" width="{length:.1f}" '
            f'height="{bar_h}" fill="{_e(bar.colour)}"><title>{_e(bar.label)}: '
            f"{_e(bar.text)}</title></rect>"
        )
        parts.append(
            f'<text x="{plot_x + length + 6:.1f}" y="{middle + 4:.1f}" '
            f'fill="{TEXT}">{_e(bar.text)}</text>'
        )
        y += row_h
    parts.append(
        f'<line x1="{plot_x}" y1="{top}" x2="{plot_x}" y2="{axis_y}" stroke="{AXIS}" '
        f'stroke-width="1"/>'
    )
    parts.append("</svg>")
    return Markup("\n".join(parts))


def column_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    desc: str,
    stacked: bool = True,
    y_ticks: Sequence[tuple[float, str]] | None = None,
    line: Series | None = None,
    line_label: str = "",
    width: int = 720,
    height: int = 300,
    empty_text: str = "",
) -> Markup:
    """Columns per category: stacked series, or grouped side by side (``stacked=False``).

    ``y_ticks`` replaces the numeric axis with labelled ticks (e.g. grades); ``line`` draws
    a percentage (0–100) against a right-hand axis."""
    left, right, top, line_h = 46, 46 if line else 14, 14, 13
    plot_w = width - left - right
    n = max(len(categories), 1)
    slot = plot_w / n
    step_label = max(1, math.ceil(len(categories) / 14))
    # Labels wrap (never cut): the axis labels within their column, the legend's within
    # a third of the plot; the chart grows by the extra lines, the plot keeps its height.
    category_lines = [
        wrap(c, max(int(slot * step_label / 6.5), 3)) if i % step_label == 0 else []
        for i, c in enumerate(categories)
    ]
    axis_lines = max((len(lines) for lines in category_lines), default=1) or 1
    legend = [(s.name, s.colour, "box") for s in series]
    if line:
        legend.append((line_label or line.name, LINE, "line"))
    col_w = plot_w / 3
    legend_names = [wrap(name, max(int((col_w - 22) / 6.2), 8)) for name, _c, _k in legend]
    legend_heights = [
        max((len(lines) for lines in legend_names[k : k + 3]), default=1) * line_h + 5
        for k in range(0, max(len(legend), 1), 3)
    ]
    plot_h = height - top - 52
    legend_top = top + plot_h + 20 + axis_lines * line_h
    height = legend_top + sum(legend_heights) + 4

    if stacked:
        totals = [
            sum((s.values[i] or 0) for s in series) if i < len(categories) else 0
            for i in range(len(categories))
        ]
        peak = max(totals, default=0)
    else:
        peak = max((v or 0 for s in series for v in s.values), default=0)
    if y_ticks:
        ticks = [t for t, _label in y_ticks]
        labels = [label for _t, label in y_ticks]
        scale_max = max(ticks) or 1
    else:
        ticks = nice_ticks(peak or 1)
        labels = [_num(t) for t in ticks]
        scale_max = ticks[-1] or 1

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / scale_max

    parts = _open(chart_id, width, height, title, desc)
    for tick, label in zip(ticks, labels, strict=True):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" '
            f'font-size="10">{_e(label)}</text>'
        )
    if line:
        for pct in (0, 50, 100):
            y = top + plot_h - plot_h * pct / 100
            parts.append(
                f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="{LINE}" '
                f'font-size="10">{pct}%</text>'
            )
    if not categories and empty_text:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
            f'text-anchor="middle" fill="{MUTED}">{_e(empty_text)}</text>'
        )
    for i, category in enumerate(categories):
        x0 = left + i * slot
        if category_lines[i]:
            parts.append(
                _text_lines(
                    category_lines[i],
                    x=x0 + slot / 2,
                    y=top + plot_h + 16,
                    line_height=line_h,
                    attrs=f'text-anchor="middle" fill="{TEXT}" font-size="11"',
                )
            )
        if stacked:
            bar_w = min(slot * 0.7, 48)
            x = x0 + (slot - bar_w) / 2
            base = 0.0
            for s in series:
                value = (s.values[i] if i < len(s.values) else None) or 0
                if value <= 0:
                    continue
                y_top, y_bottom = y_of(base + value), y_of(base)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                    f'height="{max(y_bottom - y_top, 0):.1f}" fill="{_e(s.colour)}">'
                    f"<title>{_e(category)} · {_e(s.name)}: {_e(_num(value))}</title></rect>"
                )
                base += value
        else:
            count = max(len(series), 1)
            bar_w = min(slot * 0.8 / count, 28)
            group_x = x0 + (slot - bar_w * count) / 2
            for j, s in enumerate(series):
                value = s.values[i] if i < len(s.values) else None
                if value is None:
                    continue
                x = group_x + j * bar_w
                y_top = y_of(value)
                text = s.texts[i] if s.texts and i < len(s.texts) else _num(value)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar_w - 2:.1f}" '
                    f'height="{max(top + plot_h - y_top, 0):.1f}" fill="{_e(s.colour)}">'
                    f"<title>{_e(category)} · {_e(s.name)}: {_e(text)}</title></rect>"
                )
                parts.append(
                    f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y_top - 3:.1f}" '
                    f'text-anchor="middle" fill="{TEXT}" font-size="9">{_e(text)}</text>'
                )
    if line and categories:
        points = []
        for i, value in enumerate(line.values[: len(categories)]):
            if value is None:
                continue
            x = left + i * slot + slot / 2
            y = top + plot_h - plot_h * min(max(value, 0), 100) / 100
            points.append((x, y, value))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5"/>'
            )
        for x, y, value in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}">'
                f"<title>{_e(line.name)}: {_e(_num(value))}%</title></circle>"
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    row_top = legend_top
    for k, (_name, colour, kind) in enumerate(legend):
        if k and k % 3 == 0:
            row_top += legend_heights[k // 3 - 1]
        lx = left + (k % 3) * col_w
        ly = row_top + 10
        if kind == "box":
            parts.append(
                f'<rect x="{lx:.1f}" y="{ly - 9}" width="12" height="12" fill="{_e(colour)}"/>'
            )
        else:
            parts.append(
                f'<line x1="{lx:.1f}" y1="{ly - 3}" x2="{lx + 12:.1f}" y2="{ly - 3}" '
                f'stroke="{_e(colour)}" stroke-width="3"/>'
            )
        parts.append(
            _text_lines(
                legend_names[k],
                x=lx + 17,
                y=ly + 1,
                line_height=line_h,
                attrs=f'fill="{TEXT}" font-size="11"',
            )
        )
    parts.append("</svg>")
    return Markup("\n".join(parts))
