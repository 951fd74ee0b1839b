"""Last year's notes: evaluation and audit reports, their findings and recommendations,
the OPDs' follow-ups, the Inspektorat's reviews (BPK's four outcomes), repayments of
financial findings, and the grades history (SAKIP, RB) of this city and its peers.

Chosen rules (see also :mod:`tracker.services.findings`):

* A recommendation's *current outcome* is its review of the latest period
  (``Recommendation.outcome`` caches it; ``None`` = not reviewed yet). One review per
  recommendation per semester (``2023-S1``, ``2023-S2``): reviewing again in the same
  semester corrects that review (the audit log keeps the before/after), a new semester adds
  a row, so the history per period is kept.
* ``due_on`` is the current deadline: by default 60 calendar days after the report was
  received (UU 15/2004 Pasal 20), replaced by the new deadline of an outcome 2 review;
  ``original_due_on`` keeps the first one.
* A financial finding (amount to recover) is charged to exactly one OPD, so the value,
  repayments and balance add up per OPD in the monitoring matrix.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.account import User
from tracker.models.base import Base, TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from tracker.models.enums import LabeledEnum
from tracker.models.letter import Letter
from tracker.models.organisation import Opd
from tracker.models.reference import AuditCode

MONEY = Numeric(18, 2)


class ReportKind(LabeledEnum):
    LHE_SAKIP = "lhe_sakip"
    LHE_RB = "lhe_rb"
    LHP_BPK = "lhp_bpk"
    LHP_INSPEKTORAT = "lhp_inspektorat"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "lhe_sakip": _l("LHE SAKIP (performance accountability evaluation)"),
            "lhe_rb": _l("LHE RB (bureaucratic reform evaluation)"),
            "lhp_bpk": _l("LHP BPK (audit report of the BPK)"),
            "lhp_inspektorat": _l("LHP Inspektorat (internal audit report)"),
            "other": _l("Other report"),
        }

    @property
    def short(self) -> str:
        return {
            "lhe_sakip": "LHE SAKIP",
            "lhe_rb": "LHE RB",
            "lhp_bpk": "LHP BPK",
            "lhp_inspektorat": "LHP Inspektorat",
        }.get(self.value, str(_l("Other")))

    @property
    def has_grade(self) -> bool:
        """Evaluation reports carry a grade and a score; audit reports do not."""
        return self in (ReportKind.LHE_SAKIP, ReportKind.LHE_RB, ReportKind.OTHER)


class Outcome(LabeledEnum):
    """BPK's four review outcomes (Peraturan BPK 2/2017), numbered 1-4 by BPK."""

    SESUAI = "sesuai"
    BELUM_SESUAI = "belum_sesuai"
    BELUM_DITINDAKLANJUTI = "belum_ditindaklanjuti"
    TIDAK_DAPAT_DITINDAKLANJUTI = "tidak_dapat_ditindaklanjuti"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "sesuai": _l("Follow-up matches the recommendation"),
            "belum_sesuai": _l("Follow-up does not yet match the recommendation"),
            "belum_ditindaklanjuti": _l("Not yet followed up"),
            "tidak_dapat_ditindaklanjuti": _l("Cannot be followed up"),
        }

    @property
    def number(self) -> int:
        return list(Outcome).index(self) + 1

    @property
    def short(self) -> str:
        """A short name for badges: 'Sesuai', 'Belum sesuai', …"""
        return str(
            {
                "sesuai": _l("Matches"),
                "belum_sesuai": _l("Not yet matching"),
                "belum_ditindaklanjuti": _l("Not followed up"),
                "tidak_dapat_ditindaklanjuti": _l("Cannot be followed up"),
            }[self.value]
        )

    @property
    def numbered(self) -> str:
        return f"{self.number}. {self.label}"

    @property
    def badge(self) -> str:
        return {
            "sesuai": "success",
            "belum_sesuai": "warning",
            "belum_ditindaklanjuti": "danger",
            "tidak_dapat_ditindaklanjuti": "secondary",
        }[self.value]

    @property
    def closed(self) -> bool:
        """No more follow-up expected (not overdue any more)."""
        return self in (Outcome.SESUAI, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI)


class UnfollowableReason(LabeledEnum):
    """The lawful reasons for outcome 4 (Peraturan BPK 2/2017)."""

    FORCE_MAJEURE = "keadaan_kahar"
    COURT_PROCEEDINGS = "proses_peradilan"
    NOT_EFFECTIVE = "tidak_efektif"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "keadaan_kahar": _l("Force majeure (keadaan kahar)"),
            "proses_peradilan": _l("The person or object is in court proceedings"),
            "tidak_efektif": _l(
                "No longer effective, efficient or economical after a change of "
                "organisation or regulation"
            ),
        }


class EvidenceKind(LabeledEnum):
    FILE = "file"
    LINK = "link"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"file": _l("File"), "link": _l("Link")}


class Instrument(LabeledEnum):
    SAKIP = "sakip"
    RB = "rb"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"sakip": _l("SAKIP"), "rb": _l("Bureaucratic reform (RB)")}


class Grade(LabeledEnum):
    """Grades of the SAKIP and RB evaluations, best first."""

    AA = "AA"
    A = "A"
    BB = "BB"
    B = "B"
    CC = "CC"
    C = "C"
    D = "D"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "AA": _l("AA (very satisfactory)"),
            "A": _l("A (satisfactory)"),
            "BB": _l("BB (very good)"),
            "B": _l("B (good)"),
            "CC": _l("CC (fair)"),
            "C": _l("C (poor)"),
            "D": _l("D (very poor)"),
        }

    @property
    def rank(self) -> int:
        """7 for AA down to 1 for D (for charts)."""
        return len(Grade) - list(Grade).index(self)


finding_opd = Table(
    "finding_opd",
    Base.metadata,
    Column("finding_id", ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True),
    Column("opd_id", ForeignKey("opd.id"), primary_key=True, index=True),
)


class Report(VersionedMixin, TimestampMixin, Base):
    """An evaluation (LHE) or audit (LHP) report."""

    __tablename__ = "report"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("kind", "number"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[dt.date]
    received_on: Mapped[dt.date]
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade, length=4))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    note: Mapped[str | None] = mapped_column(Text)

    findings: Mapped[list[Finding]] = relationship(
        back_populates="report",
        order_by=lambda: (func.length(Finding.number), Finding.number, Finding.id),
        cascade="all, delete-orphan",
    )

    def audit_label(self) -> str:
        return f"{self.kind.short} {self.year} {self.number}"


class Finding(VersionedMixin, TimestampMixin, Base):
    """A note (catatan) of an evaluation or a finding (temuan) of an audit."""

    __tablename__ = "finding"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("report_id", "number"),
        CheckConstraint(
            "(is_financial AND amount_to_recover IS NOT NULL AND amount_to_recover > 0) OR "
            "(NOT is_financial AND amount_to_recover IS NULL)",
            name="financial_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    condition: Mapped[str | None] = mapped_column(Text)
    criteria: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    effect: Mapped[str | None] = mapped_column(Text)
    is_financial: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_to_recover: Mapped[Decimal | None] = mapped_column(MONEY)
    #: BPK's finding code (kode temuan) and cause code (kode sebab), as the LHP states them.
    finding_code_id: Mapped[int | None] = mapped_column(ForeignKey("audit_code.id"), index=True)
    cause_code_id: Mapped[int | None] = mapped_column(ForeignKey("audit_code.id"), index=True)
    #: The finding's value (nilai temuan, Rp) as the report states it; for a financial
    #: finding at least the amount to recover.
    value: Mapped[Decimal | None] = mapped_column(MONEY)

    report: Mapped[Report] = relationship(back_populates="findings")
    finding_code: Mapped[AuditCode | None] = relationship(foreign_keys=[finding_code_id])
    cause_code: Mapped[AuditCode | None] = relationship(foreign_keys=[cause_code_id])
    parties: Mapped[list[FindingParty]] = relationship(
        back_populates="finding",
        order_by=lambda: (FindingParty.sort_order, FindingParty.id),
        cascade="all, delete-orphan",
    )
    opds: Mapped[list[Opd]] = relationship(secondary=finding_opd, order_by=Opd.sort_order)
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="finding",
        order_by=lambda: (
            func.length(Recommendation.number),
            Recommendation.number,
            Recommendation.id,
        ),
        cascade="all, delete-orphan",
    )
    repayments: Mapped[list[Repayment]] = relationship(
        back_populates="finding",
        order_by=lambda: (Repayment.paid_on, Repayment.id),
        cascade="all, delete-orphan",
    )

    def audit_label(self) -> str:
        return f"{self.number}. {self.title}"[:254]

    @property
    def paid(self) -> Decimal:
        return sum((r.amount for r in self.repayments), Decimal("0"))

    @property
    def balance(self) -> Decimal | None:
        if self.amount_to_recover is None:
            return None
        return self.amount_to_recover - self.paid


class Recommendation(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "recommendation"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("finding_id", "number"),
        Index("ix_recommendation_opd_outcome", "opd_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    #: The responsible OPD: the scoping key of the ``opd`` users.
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    original_due_on: Mapped[dt.date]
    #: The current deadline (an outcome 2 review sets a new one).
    due_on: Mapped[dt.date] = mapped_column(index=True)
    #: Cached from the review of the latest period; None = not reviewed yet.
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), index=True)
    outcome_period: Mapped[str | None] = mapped_column(String(7))
    #: The time of the latest follow-up (cached; "awaiting review" when after the review).
    last_follow_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: BPK's recommendation code (kode rekomendasi, 01-14).
    code_id: Mapped[int | None] = mapped_column(ForeignKey("audit_code.id"), index=True)
    #: The recommendation's own value (nilai rekomendasi, Rp).
    value: Mapped[Decimal | None] = mapped_column(MONEY)
    #: The OPD's own progress (0-100 %) from its latest follow-up; never the outcome.
    progress: Mapped[int | None] = mapped_column(Integer)

    finding: Mapped[Finding] = relationship(back_populates="recommendations")
    opd: Mapped[Opd] = relationship()
    code: Mapped[AuditCode | None] = relationship()
    siptl_submissions: Mapped[list[SiptlSubmission]] = relationship(
        back_populates="recommendation",
        order_by="SiptlSubmission.period",
        cascade="all, delete-orphan",
    )
    proposals: Mapped[list[ReviewProposal]] = relationship(
        back_populates="recommendation",
        order_by="ReviewProposal.id",
        cascade="all, delete-orphan",
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="recommendation",
        order_by=lambda: (FollowUp.submitted_at, FollowUp.id),
        cascade="all, delete-orphan",
    )
    reviews: Mapped[list[RecommendationReview]] = relationship(
        back_populates="recommendation",
        order_by="RecommendationReview.period",
        cascade="all, delete-orphan",
    )

    def audit_label(self) -> str:
        return f"{self.number}. {self.text}"[:254]

    @property
    def effective_outcome(self) -> Outcome:
        """The outcome as reported in the matrix: not reviewed yet counts as 3."""
        return self.outcome or Outcome.BELUM_DITINDAKLANJUTI

    @property
    def awaiting_review(self) -> bool:
        return self.last_follow_up_at is not None and (
            self.last_reviewed_at is None or self.last_follow_up_at > self.last_reviewed_at
        )

    def is_overdue(self, today: dt.date) -> bool:
        return self.due_on < today and not (self.outcome is not None and self.outcome.closed)


class FollowUp(TimestampMixin, Base):
    """What the responsible OPD reports it did (append-only)."""

    __tablename__ = "follow_up"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    description: Mapped[str] = mapped_column(Text)
    #: How far the OPD says it is (0-100 %); the official outcome is the review's.
    progress: Mapped[int | None] = mapped_column(Integer)

    recommendation: Mapped[Recommendation] = relationship(back_populates="follow_ups")
    author: Mapped[User] = relationship()
    evidence: Mapped[list[FindingEvidence]] = relationship(
        back_populates="follow_up",
        order_by="FindingEvidence.id",
        cascade="all, delete-orphan",
    )

    def audit_label(self) -> str:
        return self.description[:120]


class FindingParty(TimestampMixin, Base):
    """A person the LHP holds responsible for a financial finding, with the amount charged
    to them (the SKBT check looks them up by NIP)."""

    __tablename__ = "finding_party"
    __audited__ = True
    __table_args__ = (CheckConstraint("amount IS NULL OR amount >= 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: digits only (18 for a civil servant), None when the party has none (a contractor)
    nip: Mapped[str | None] = mapped_column(String(30), index=True)
    position: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    finding: Mapped[Finding] = relationship(back_populates="parties")

    def audit_label(self) -> str:
        return f"{self.name} {self.nip or ''}".strip()[:254]


class SiptlSubmission(VersionedMixin, TimestampMixin, Base):
    """What went to BPK through SIPTL for one recommendation and semester, and BPK's own
    outcome for that semester once known."""

    __tablename__ = "siptl_submission"
    __audited__ = True
    __table_args__ = (UniqueConstraint("recommendation_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    submitted_on: Mapped[dt.date]
    receipt_number: Mapped[str] = mapped_column(String(100))
    bpk_outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    recommendation: Mapped[Recommendation] = relationship(back_populates="siptl_submissions")
    recorded_by: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"{self.period}: {self.receipt_number}"[:254]


class ProposalStatus(LabeledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "pending": _l("Awaiting approval"),
            "approved": _l("Approved"),
            "returned": _l("Sent back"),
        }


class ReviewProposal(VersionedMixin, TimestampMixin, Base):
    """An auditor's proposed outcome for a recommendation and semester; only its approval
    (by the Inspektur or a user allowed to approve) records the review that sets the
    official outcome. Approved together, decisions share one numbered letter."""

    __tablename__ = "review_proposal"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("outcome <> 'belum_sesuai' OR new_due_on IS NOT NULL", name="new_deadline"),
        CheckConstraint(
            "outcome <> 'tidak_dapat_ditindaklanjuti' OR reason IS NOT NULL", name="lawful_reason"
        ),
        # one proposal awaiting approval per recommendation
        Index(
            "uq_review_proposal_pending",
            "recommendation_id",
            unique=True,
            sqlite_where=sql_text("status = 'pending'"),
            postgresql_where=sql_text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    reason: Mapped[UnfollowableReason | None] = mapped_column(str_enum(UnfollowableReason))
    new_due_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, length=20), default=ProposalStatus.PENDING, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), index=True)

    recommendation: Mapped[Recommendation] = relationship(back_populates="proposals")
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    letter: Mapped[Letter | None] = relationship(back_populates="decisions")

    def audit_label(self) -> str:
        return f"{self.period}: {self.outcome.number} ({self.status.value})"


class RecommendationReview(VersionedMixin, TimestampMixin, Base):
    """The Inspektorat's review of a recommendation for one semester."""

    __tablename__ = "recommendation_review"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("recommendation_id", "period"),
        CheckConstraint("outcome <> 'belum_sesuai' OR new_due_on IS NOT NULL", name="new_deadline"),
        CheckConstraint(
            "outcome <> 'tidak_dapat_ditindaklanjuti' OR reason IS NOT NULL", name="lawful_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    reason: Mapped[UnfollowableReason | None] = mapped_column(str_enum(UnfollowableReason))
    new_due_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"{self.period}: {self.outcome.number}"


class Repayment(TimestampMixin, Base):
    """A deposit (setoran) against a financial finding; instalments add up."""

    __tablename__ = "repayment"
    __audited__ = True
    __table_args__ = (CheckConstraint("amount > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[dt.date]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    finding: Mapped[Finding] = relationship(back_populates="repayments")
    recorded_by: Mapped[User] = relationship()
    evidence: Mapped[list[FindingEvidence]] = relationship(
        back_populates="repayment",
        order_by="FindingEvidence.id",
        cascade="all, delete-orphan",
    )

    def audit_label(self) -> str:
        from tracker.i18n import rupiah

        return f"{self.paid_on.isoformat()} {rupiah(self.amount, 'id')}"


class FindingEvidence(TimestampMixin, Base):
    """A file or a link supporting a follow-up or a repayment, with the date it refers to."""

    __tablename__ = "finding_evidence"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "(follow_up_id IS NOT NULL AND repayment_id IS NULL) OR "
            "(follow_up_id IS NULL AND repayment_id IS NOT NULL)",
            name="one_owner",
        ),
        CheckConstraint(
            "(kind = 'file' AND stored_name IS NOT NULL) OR (kind = 'link' AND url IS NOT NULL)",
            name="file_or_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up.id", ondelete="CASCADE"), index=True
    )
    repayment_id: Mapped[int | None] = mapped_column(
        ForeignKey("repayment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    refers_to_on: Mapped[dt.date]
    label: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    stored_name: Mapped[str | None] = mapped_column(String(300))
    original_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(150))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))

    follow_up: Mapped[FollowUp | None] = relationship(back_populates="evidence")
    repayment: Mapped[Repayment | None] = relationship(back_populates="evidence")

    @property
    def display_name(self) -> str:
        return self.label or self.original_name or self.url or ""

    def audit_label(self) -> str:
        return self.display_name[:254] or f"#{self.id}"


class EvaluationResult(VersionedMixin, TimestampMixin, Base):
    """A grade (and score) of a region in a SAKIP or RB evaluation of a year."""

    __tablename__ = "evaluation_result"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("instrument", "year", "region"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[Instrument] = mapped_column(str_enum(Instrument, length=10))
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(120))
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, length=4))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    source: Mapped[str | None] = mapped_column(String(500))

    def audit_label(self) -> str:
        return f"{self.instrument.value.upper()} {self.year} {self.region}"
