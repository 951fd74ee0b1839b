"""Language and time: Indonesian by default, English on request; dates shown in WIB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, current_app, has_app_context, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from tracker import phones
from tracker.extensions import babel

WIB = ZoneInfo("Asia/Jakarta")
DEFAULT_LOCALE = "id"  # outside an application (a chart drawn by a script, a unit test)
TRANSLATIONS_DIR = str(Path(__file__).resolve().parent / "translations")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        chosen = session.get("lang")
        if chosen in languages:
            return str(chosen)
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return str(current_user.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def to_wib(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(WIB)


def today_wib() -> dt.date:
    return dt.datetime.now(WIB).date()


def date_long(value: dt.date | dt.datetime | None) -> str:
    """'Rabu, 26 Juli 2023'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_wib(value).date()
    return format_date(value, "EEEE, d MMMM y")


def date_short(value: dt.date | dt.datetime | None) -> str:
    """'26 Jul 2023'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_wib(value).date()
    return format_date(value, "d MMM y")


def time_wib(value: dt.datetime | None) -> str:
    """'09.00 WIB'."""
    if value is None:
        return ""
    return f"{format_datetime(value, 'HH.mm' if _is_id() else 'HH:mm')} WIB"


def datetime_wib(value: dt.datetime | None) -> str:
    """'Rabu, 26 Juli 2023, 09.00 WIB'."""
    if value is None:
        return ""
    return f"{date_long(value)}, {time_wib(value)}"


def number(value: Decimal | float | int | None, digits: int = 0, locale: str | None = None) -> str:
    """'1.234.567' and '52,63' in Indonesian, '1,234,567' and '52.63' in English: grouped,
    with exactly ``digits`` decimals."""
    if value is None:
        return ""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    if locale is None and not has_app_context():
        locale = DEFAULT_LOCALE
    if locale:
        return babel_format_decimal(value, format=fmt, locale=locale)
    return format_decimal(value, format=fmt)


def percent(value: Decimal | float | int | None, digits: int = 2, locale: str | None = None) -> str:
    """A value in percent: '52,63%' in Indonesian, '52.63%' in English; '—' for none."""
    if value is None:
        return "—"
    return f"{number(value, digits, locale)}%"


def amount(value: Decimal | float | int | None, locale: str | None = None) -> str:
    """A sum of money without its currency, for a column headed '(Rp)': '23.800.000';
    cents only when there are some ('1.250,50'); '' for none."""
    if value is None:
        return ""
    exact = _decimal(value)
    digits = 0 if exact == exact.to_integral_value() else 2
    return number(exact, digits, locale)


def rupiah(value: Decimal | float | int | None, locale: str | None = None) -> str:
    """'Rp 23.800.000' in Indonesian ('Rp 23,800,000' in English); cents only when there
    are some ('Rp 1.250,50'); '-Rp 5.000' below zero; '' for none."""
    if value is None:
        return ""
    exact = _decimal(value)
    return f"{'-' if exact < 0 else ''}Rp {amount(abs(exact), locale)}"


def _decimal(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _is_id() -> bool:
    return str(get_locale() or "id").startswith("id")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS_DIR)
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(date_long)
    app.add_template_filter(date_short)
    app.add_template_filter(time_wib)
    app.add_template_filter(datetime_wib)
    app.add_template_filter(number)
    app.add_template_filter(percent)
    app.add_template_filter(rupiah)
    app.add_template_filter(amount)
    app.add_template_filter(phones.display, "phone")

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        return {"current_locale": str(get_locale() or "id"), "languages": app.config["LANGUAGES"]}
