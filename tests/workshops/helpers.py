"""Reading the workshop pages back in tests: a form's controls, as a browser sends them."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from pypdf import PdfReader


class _Controls(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._selected = False
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == self.testid:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.pairs.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._selected, self._first_option = name, False, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a and not self._selected:
                self.pairs.append((self._select, a.get("value", "")))
                self._selected = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if not self._selected:
                self.pairs.append((self._select, self._first_option or ""))
            self._select = None


def form_pairs(html: str, testid: str) -> list[tuple[str, str]]:
    """The (name, value) pairs an unchanged submit of the form ``testid`` would send."""
    parser = _Controls(testid)
    parser.feed(html)
    return parser.pairs


def with_values(pairs: list[tuple[str, str]], **changes: str) -> list[tuple[str, str]]:
    """Replace the values of single-valued fields (``status-12="hadir"`` → status_12)."""
    wanted = {key.replace("__", "-"): value for key, value in changes.items()}
    result = [(n, v) for n, v in pairs if n not in wanted]
    result += list(wanted.items())
    return result


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)
