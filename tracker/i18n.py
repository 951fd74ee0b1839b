"""Language and time: Indonesian by default, English on request; dates shown in WIB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from tracker.extensions import babel

WIB = ZoneInfo("Asia/Jakarta")
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


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return ""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt)


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

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        return {"current_locale": str(get_locale() or "id"), "languages": app.config["LANGUAGES"]}
