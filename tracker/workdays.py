"""Working days: weekends and Indonesian public holidays (the `holidays` package) skipped.

Extra non-working days (e.g. *cuti bersama* decided each year by joint ministerial decree)
can be configured as ``EXTRA_HOLIDAYS = ["2026-12-24", …]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays
from flask import current_app, has_app_context


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def _extra() -> frozenset[dt.date]:
    if not has_app_context():
        return frozenset()
    raw: Iterable[str | dt.date] = current_app.config.get("EXTRA_HOLIDAYS", ()) or ()
    return frozenset(d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in raw)


def holiday_name(day: dt.date) -> str | None:
    name = holidays.country_holidays("ID", years=day.year, language="id").get(day)
    return str(name) if name else None


def is_working_day(day: dt.date, extra: frozenset[dt.date] | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    extra = _extra() if extra is None else extra
    return day not in _national(day.year) and day not in extra


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    extra = _extra()
    while not is_working_day(day, extra):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The date ``count`` working days after ``day`` (before it when negative)."""
    extra = _extra()
    step = dt.timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, extra):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end == start:
        return 0
    extra = _extra()
    sign = 1 if end > start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    count = 0
    day = low + dt.timedelta(days=1)
    while day <= high:
        if is_working_day(day, extra):
            count += 1
        day += dt.timedelta(days=1)
    return sign * count
