"""The four kinds of import, each a module with ``KIND``, ``COLUMNS`` and
``plan(table, context) -> Plan``."""

from __future__ import annotations

import importlib
from types import ModuleType

from tracker.imports.base import ImportKind

MODULES = {
    ImportKind.OPDS: "tracker.imports.kinds.opds",
    ImportKind.OFFICIALS: "tracker.imports.kinds.officials",
    ImportKind.COMMITMENTS: "tracker.imports.kinds.commitments",
    ImportKind.FINDINGS: "tracker.imports.kinds.findings",
}


def planner(kind: ImportKind) -> ModuleType:
    """The module that reads and plans ``kind``."""
    return importlib.import_module(MODULES[ImportKind(kind)])


__all__ = ["MODULES", "planner"]
