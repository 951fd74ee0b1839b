"""Records of the Inspektorat's work queue: commitments reported done, recommendations with
a follow-up awaiting review, evidence added at a given moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.findings.factories import make_follow_up, make_recommendation
from tracker.extensions import db
from tracker.models import Opd, Role, User
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
)
from tracker.models.finding import (
    EvidenceKind as FindingEvidenceKind,
)
from tracker.models.finding import (
    Finding,
    FindingEvidence,
    FollowUp,
    Recommendation,
)

AUGUST = dt.datetime(2023, 8, 1, 3, 0, tzinfo=dt.UTC)


def reported_done(opd: Opd, at: dt.datetime = AUGUST, **kw: Any) -> Commitment:
    """A commitment the OPD reported done at ``at``."""
    return make_commitment(
        opd,
        status=CommitmentStatus.REPORTED_DONE,
        progress=100,
        reported_done_at=at,
        statement=kw.pop("statement", f"Komitmen dilaporkan selesai {at:%d %b %H:%M}"),
        **kw,
    )


def awaiting(
    finding: Finding,
    opd: Opd,
    at: dt.datetime = AUGUST,
    author: User | None = None,
    **kw: Any,
) -> tuple[Recommendation, FollowUp]:
    """A recommendation with a follow-up submitted at ``at`` and no review since."""
    rec = make_recommendation(finding, opd, **kw)
    return rec, make_follow_up(rec, author=author, submitted_at=at)


def commitment_evidence(
    commitment: Commitment, added_at: dt.datetime | None = None, name: str = "bukti"
) -> CommitmentEvidence:
    """A link attached to the commitment's first history entry, added at ``added_at``."""
    update = db.session.scalars(
        db.select(ProgressUpdate)
        .where(ProgressUpdate.commitment_id == commitment.id)
        .order_by(ProgressUpdate.id)
    ).first()
    assert update is not None
    item = CommitmentEvidence(
        progress_update_id=update.id,
        commitment_id=commitment.id,
        kind=EvidenceKind.LINK,
        url=f"https://malangkota.go.id/{name}",
        original_name=name,
        refers_to_on=dt.date(2023, 8, 1),
        uploaded_at=added_at or utcnow(),
    )
    db.session.add(item)
    db.session.commit()
    return item


def follow_up_evidence(
    follow_up: FollowUp, added_at: dt.datetime | None = None, name: str = "bukti"
) -> FindingEvidence:
    item = FindingEvidence(
        follow_up=follow_up,
        kind=FindingEvidenceKind.LINK,
        url=f"https://example.org/{name}",
        label=name,
        refers_to_on=dt.date(2023, 8, 1),
        created_at=added_at or utcnow(),
    )
    db.session.add(item)
    db.session.commit()
    return item


def staff(role: Role = Role.INSPEKTORAT) -> User:
    return factories.make_user(role)
