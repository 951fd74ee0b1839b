"""Enumerations shared by the models, forms and permissions."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice


class LabeledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable label."""

    @property
    def label(self) -> str:
        return str(self._labels().get(self.value, self.value))

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {}

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """Options for a WTForms SelectField."""
        return [SelectChoice(m.value, m.label) for m in cls]


class Role(LabeledEnum):
    ADMIN = "admin"
    INSPEKTORAT = "inspektorat"
    OPD = "opd"
    PIMPINAN = "pimpinan"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "admin": _l("Administrator"),
            "inspektorat": _l("Inspektorat staff"),
            "opd": _l("OPD secretary"),
            "pimpinan": _l("Leadership"),
        }


class OpdKind(LabeledEnum):
    SEKRETARIAT = "sekretariat"
    INSPEKTORAT = "inspektorat"
    DINAS = "dinas"
    BADAN = "badan"
    KECAMATAN = "kecamatan"
    RSUD = "rsud"
    SATPOL_PP = "satpol_pp"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "sekretariat": _l("Secretariat"),
            "inspektorat": _l("Inspectorate"),
            "dinas": _l("Agency (dinas)"),
            "badan": _l("Board (badan)"),
            "kecamatan": _l("District (kecamatan)"),
            "rsud": _l("Regional hospital (RSUD)"),
            "satpol_pp": _l("Civil service police unit"),
            "other": _l("Other"),
        }


class HierarchyRole(LabeledEnum):
    WALI_KOTA = "wali_kota"
    WAWALI = "wawali"
    SEKDA = "sekda"
    INSPEKTUR = "inspektur"
    KEPALA_OPD = "kepala_opd"
    SEKRETARIS_OPD = "sekretaris_opd"
    INSPEKTORAT = "inspektorat"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "wali_kota": _l("Mayor (Wali Kota)"),
            "wawali": _l("Deputy mayor (Wakil Wali Kota)"),
            "sekda": _l("Regional secretary (Sekda)"),
            "inspektur": _l("Inspector (Inspektur)"),
            "kepala_opd": _l("Head of OPD"),
            "sekretaris_opd": _l("Secretary of OPD"),
            "inspektorat": _l("Inspektorat staff"),
            "other": _l("Other"),
        }

    @property
    def protocol_rank(self) -> int:
        """Protocol order: leaders first, then heads, then secretaries."""
        return list(HierarchyRole).index(self)


class AuditAction(LabeledEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"create": _l("Created"), "update": _l("Updated"), "delete": _l("Deleted")}


class NotifyChannel(LabeledEnum):
    """How an official wants to be reached: by e-mail, WhatsApp or both (where both exist)."""

    BOTH = "both"
    EMAIL = "email"
    WHATSAPP = "whatsapp"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "both": _l("E-mail and WhatsApp"),
            "email": _l("E-mail only"),
            "whatsapp": _l("WhatsApp only"),
        }
