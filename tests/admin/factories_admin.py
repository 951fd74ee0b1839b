"""Helpers for the administration tests: audit rows, bulk records and form scraping."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

from tests import factories
from tracker.extensions import db
from tracker.models import AuditAction, AuditLog, Opd, Person, User


def make_audit_entry(
    *,
    at: dt.datetime,
    actor: User | None = None,
    action: AuditAction = AuditAction.UPDATE,
    entity_type: str = "Opd",
    entity_id: int = 1,
    entity_label: str = "Dinas Contoh",
    changes: dict[str, Any] | None = None,
) -> AuditLog:
    entry = AuditLog(
        at=at,
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_label=entity_label,
        changes=changes if changes is not None else {"name": ["Lama", "Baru"]},
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_opds(n: int) -> list[Opd]:
    return [factories.make_opd() for _ in range(n)]


def make_people(n: int, opd: Opd | None = None) -> list[Person]:
    return [factories.make_person(opd) for _ in range(n)]


class _FormParser(HTMLParser):
    """Collects the successful controls of the form marked ``data-testid="edit-form"``."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == "edit-form":
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "y")
            elif kind != "submit":
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # HTML drops the newline that directly follows <textarea>.
            text = self.values[self._textarea]
            self.values[self._textarea] = (
                text[2:]
                if text.startswith("\r\n")
                else (text[1:] if text.startswith("\n") else text)
            )
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_data(html: str) -> dict[str, str]:
    """The values an unchanged submit of the page's edit form would send."""
    parser = _FormParser()
    parser.feed(html)
    return parser.values


def text_of(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)<', html, re.S)
    assert match, f"no element with data-testid={testid}"
    return unescape(match.group(1)).strip()
