"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import FileStorage

from tests.commitments.factories_commitments import make_commitment, pdf_bytes
from tests.route_table import ALL, STAFF, RouteRule, World
from tracker.extensions import db
from tracker.models import Role
from tracker.models.base import utcnow
from tracker.models.commitment import CommitmentEvidence, EvidenceKind
from tracker.uploads import store_upload

REPORTERS = frozenset({Role.ADMIN, Role.INSPEKTORAT, Role.OPD})


def _own(w: World) -> dict[str, Any]:
    return {"commitment_id": w.extra["commitment"].id}


def _foreign(w: World) -> dict[str, Any]:
    return {"commitment_id": w.extra["foreign_commitment"].id}


ROUTES: dict[str, RouteRule] = {
    "commitments.index": RouteRule(ALL),
    "commitments.export": RouteRule(ALL),
    "commitments.new": RouteRule(STAFF),
    "commitments.bulk": RouteRule(STAFF),
    "commitments.detail": RouteRule(ALL, _own, _foreign),
    "commitments.edit": RouteRule(STAFF, _own),
    "commitments.progress": RouteRule(REPORTERS, _own),
    "commitments.report_done": RouteRule(REPORTERS, _own),
    "commitments.review": RouteRule(STAFF, _own),
    "commitments.activate": RouteRule(STAFF, _own),
    "commitments.cancel": RouteRule(STAFF, _own),
    "commitments.reopen": RouteRule(STAFF, _own),
    "commitments.evidence": RouteRule(
        ALL,
        lambda w: {**_own(w), "evidence_id": w.extra["evidence"].id},
        lambda w: {**_foreign(w), "evidence_id": w.extra["foreign_evidence"].id},
    ),
}


def _file_evidence(commitment: Any) -> CommitmentEvidence:
    kept = store_upload(
        FileStorage(io.BytesIO(pdf_bytes()), filename="bukti.pdf"), today=utcnow().date()
    )
    update = commitment.updates[0]
    item = CommitmentEvidence(
        progress_update_id=update.id,
        commitment_id=commitment.id,
        kind=EvidenceKind.FILE,
        stored_name=kept.stored_name,
        original_name=kept.original_name,
        content_type=kept.content_type,
        size=kept.size,
        sha256=kept.sha256,
    )
    db.session.add(item)
    db.session.commit()
    return item


def populate(world: World) -> None:
    """Add this area's records to ``world.extra`` (called after the core records exist)."""
    own = make_commitment(world.own_opd, carried_out_by=world.own_person)
    foreign = make_commitment(world.other_opd, made_by=world.other_person)
    world.extra["commitment"] = own
    world.extra["foreign_commitment"] = foreign
    world.extra["evidence"] = _file_evidence(own)
    world.extra["foreign_evidence"] = _file_evidence(foreign)
