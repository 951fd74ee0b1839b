"""Checks the browser journeys share."""

from __future__ import annotations

from typing import Any


def no_sideways_scroll(page: Any) -> None:
    """The page fits the window's width (a phone must not scroll sideways)."""
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"page scrolls sideways: {widths}"
