"""SAKIP and RB grades: the scale, and the history of this city and its peers.

The scale (DESIGN.md, the same for SAKIP and RB): AA > 90, A > 80, BB > 70, B > 60,
CC > 50, C > 30, D ≤ 30. A result entered with a score takes its grade from the score;
a result known only by its grade (the published predikat) is entered without a score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models.finding import EvaluationResult, Grade, Instrument
from tracker.permissions import P, has_permission
from tracker.services.errors import DomainError, NotAllowed
from tracker.services.records import apply_changes
from tracker.services.records import flush as _flush

#: (exclusive lower bound, grade), best first; anything not above 30 is D.
GRADE_SCALE: tuple[tuple[Decimal, Grade], ...] = (
    (Decimal(90), Grade.AA),
    (Decimal(80), Grade.A),
    (Decimal(70), Grade.BB),
    (Decimal(60), Grade.B),
    (Decimal(50), Grade.CC),
    (Decimal(30), Grade.C),
)
HOME_REGION = "Kota Malang"
PEER_REGIONS = ("Kab. Banyuwangi", "Kota Surabaya")
REGION_MAX = 120
SOURCE_MAX = 500


def to_score(value: Decimal | float | int | str) -> Decimal:
    """A score between 0 and 100 with at most two decimals; a comma is a decimal sign."""
    text = str(value).strip().replace(",", ".") if isinstance(value, str) else value
    try:
        score = Decimal(str(text))
    except InvalidOperation:
        raise DomainError(_("Enter a score between 0 and 100."), field="score") from None
    if not score.is_finite() or score < 0 or score > 100:
        raise DomainError(_("Enter a score between 0 and 100."), field="score")
    if score != score.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most two decimals."), field="score")
    return score.quantize(Decimal("0.01"))


def grade_for(score: Decimal | float | int | str) -> Grade:
    """The grade a score earns: 90 → A, 90.01 → AA, 30 → D."""
    value = to_score(score)
    for bound, grade in GRADE_SCALE:
        if value > bound:
            return grade
    return Grade.D


def resolve_grade(score: Decimal | None, grade: Grade | None) -> Grade:
    """The grade of a result: from the score when there is one, else the grade given."""
    if score is not None:
        derived = grade_for(score)
        if grade is not None and grade is not derived:
            raise DomainError(
                _(
                    "A score of %(score)s earns the grade %(grade)s; leave the grade empty "
                    "or correct the score.",
                    score=str(score).replace(".", ","),
                    grade=derived.value,
                ),
                field="grade",
            )
        return derived
    if grade is None:
        raise DomainError(
            _("Enter the score or, if only the grade is known, the grade."), field="grade"
        )
    return grade


# --- evaluation results ----------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not has_permission(actor, P.MANAGE_REFERENCE):
        raise NotAllowed(_("Only administrators enter the grades history."))


def _values(
    *,
    instrument: Instrument,
    year: int,
    region: str,
    score: Decimal | None,
    grade: Grade | None,
    source: str | None,
) -> dict[str, Any]:
    if not 2000 <= int(year) <= 2100:
        raise DomainError(_("Enter a year between 2000 and 2100."), field="year")
    region = " ".join((region or "").split())
    if not region:
        raise DomainError(_("This field is required."), field="region")
    if len(region) > REGION_MAX:
        raise DomainError(_("At most %(n)d characters.", n=REGION_MAX), field="region")
    source = (source or "").strip() or None
    if source is not None and len(source) > SOURCE_MAX:
        raise DomainError(_("At most %(n)d characters.", n=SOURCE_MAX), field="source")
    score = to_score(score) if score is not None else None
    return {
        "instrument": Instrument(instrument),
        "year": int(year),
        "region": region,
        "score": score,
        "grade": resolve_grade(score, Grade(grade) if grade else None),
        "source": source,
    }


def _check_unique(values: Mapping[str, Any], exclude_id: int | None) -> None:
    stmt = select(EvaluationResult.id).where(
        EvaluationResult.instrument == values["instrument"],
        EvaluationResult.year == values["year"],
        func.lower(EvaluationResult.region) == values["region"].lower(),
    )
    if exclude_id is not None:
        stmt = stmt.where(EvaluationResult.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            _(
                "%(region)s already has a %(instrument)s result for %(year)d.",
                region=values["region"],
                instrument=values["instrument"].label,
                year=values["year"],
            ),
            field="region",
        )


def create_result(
    actor: Any,
    *,
    instrument: Instrument,
    year: int,
    region: str,
    score: Decimal | None = None,
    grade: Grade | None = None,
    source: str | None = None,
) -> EvaluationResult:
    _require_admin(actor)
    values = _values(
        instrument=instrument, year=year, region=region, score=score, grade=grade, source=source
    )
    _check_unique(values, None)
    result = EvaluationResult(**values)
    db.session.add(result)
    _flush()
    return result


def update_result(
    actor: Any,
    result: EvaluationResult,
    *,
    instrument: Instrument,
    year: int,
    region: str,
    score: Decimal | None,
    grade: Grade | None,
    source: str | None,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    _require_admin(actor)
    if expected_version is not None and result.version != expected_version:
        apply_changes(
            result,
            {"instrument": instrument, "year": year, "region": region, "score": score},
            expected_version=expected_version,
            original=original,
        )
    values = _values(
        instrument=instrument, year=year, region=region, score=score, grade=grade, source=source
    )
    _check_unique(values, result.id)
    changed = apply_changes(result, values, expected_version=expected_version, original=original)
    _flush()
    return changed


def delete_result(actor: Any, result: EvaluationResult) -> None:
    _require_admin(actor)
    db.session.delete(result)
    _flush()


# --- comparison ------------------------------------------------------------------------


@dataclass
class Comparison:
    """Results of one instrument as a year × region table, this city first."""

    instrument: Instrument
    years: list[int]
    regions: list[str]
    cells: dict[tuple[int, str], EvaluationResult] = field(default_factory=dict)

    def cell(self, year: int, region: str) -> EvaluationResult | None:
        return self.cells.get((year, region))

    def series(self, region: str) -> list[tuple[int, EvaluationResult]]:
        return [(y, self.cells[(y, region)]) for y in self.years if (y, region) in self.cells]


def region_order(regions: set[str], home: str = HOME_REGION) -> list[str]:
    """This city first, then the known peers, then the others by name."""
    known = [home, *PEER_REGIONS]
    first = [r for r in known if r in regions]
    return first + sorted(regions - set(first), key=str.lower)


def comparisons(results: list[EvaluationResult], home: str = HOME_REGION) -> list[Comparison]:
    out = []
    for instrument in Instrument:
        rows = [r for r in results if r.instrument is instrument]
        years = sorted({r.year for r in rows})
        regions = region_order({r.region for r in rows}, home)
        comparison = Comparison(instrument, years, regions)
        comparison.cells = {(r.year, r.region): r for r in rows}
        out.append(comparison)
    return out
