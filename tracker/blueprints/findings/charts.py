"""The grades history as a hand-written SVG line chart (no styles, so no CSP exceptions).

The y axis is the grade (D … AA), which every result has; a result entered with its score
shows the score next to the point.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from tracker.i18n import number
from tracker.models.finding import Grade
from tracker.services.grades import Comparison

WIDTH = 720
HEIGHT = 340
LEFT = 56
RIGHT = 170
TOP = 24
BOTTOM = 44
COLOURS = ("#0b4f6c", "#d97706", "#2e7d32", "#7b1fa2", "#c62828", "#546e7a", "#00838f")


def _score_text(score: Decimal | float) -> str:
    """'85,50' in Indonesian, '85.50' in English."""
    return number(score, 2)


def grades_svg(comparison: Comparison, *, title: str, empty_text: str) -> str:
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    grades = list(reversed(list(Grade)))  # D … AA, bottom to top
    step_y = plot_h / (len(grades) - 1)

    def y_of(grade: Grade) -> float:
        return TOP + plot_h - (grade.rank - 1) * step_y

    years = comparison.years
    step_x = plot_w / max(len(years) - 1, 1)

    def x_of(year: int) -> float:
        if len(years) == 1:
            return LEFT + plot_w / 2
        return LEFT + years.index(year) * step_x

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for grade in grades:
        y = y_of(grade)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 10}" y="{y + 4:.1f}" text-anchor="end" fill="#333333">'
            f"{grade.value}</text>"
        )
    for year in years:
        parts.append(
            f'<text x="{x_of(year):.1f}" y="{HEIGHT - BOTTOM + 22}" text-anchor="middle" '
            f'fill="#333333">{year}</text>'
        )
    if not years:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" '
            f'text-anchor="middle" fill="#666666">{escape(empty_text)}</text>'
        )
    count = len(comparison.regions)
    for index, region in enumerate(comparison.regions):
        colour = COLOURS[index % len(COLOURS)]
        # Equal grades would hide each other: each region's line is shifted a little.
        shift = (index - (count - 1) / 2) * 4
        points = [
            (x_of(year), y_of(result.grade) + shift, result)
            for year, result in comparison.series(region)
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _r in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        for x, y, result in points:
            label = result.grade.value
            if result.score is not None:
                label += f" ({_score_text(result.score)})"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">'
                f"<title>{escape(region)} {result.year}: {escape(label)}</title></circle>"
            )
            if result.score is not None:
                text_y = y - 8 if y - 8 > TOP + 6 else y + 16
                parts.append(
                    f'<text x="{x + 6:.1f}" y="{text_y:.1f}" fill="{colour}" '
                    f'font-size="10">{_score_text(result.score)}</text>'
                )
        legend_y = TOP + 8 + index * 20
        legend_x = WIDTH - RIGHT + 16
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 22}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{legend_x + 28}" y="{legend_y + 4}" fill="#222222">'
            f"{escape(region[:22])}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        f'stroke="#888888" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
