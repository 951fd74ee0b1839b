"""SKBT (surat keterangan bebas temuan): the rule, the request, issuing, refusing and
revoking, and the public verification token.

The rule, and where it comes from
---------------------------------
No Peraturan Wali Kota or Peraturan Bupati on the SKBT was found in the public sources
searched, so none is cited (and no number is made up). The rule is built from:

* Peraturan BPK Nomor 2 Tahun 2017 tentang Pemantauan Pelaksanaan Tindak Lanjut
  Rekomendasi Hasil Pemeriksaan BPK: Pasal 3 (the official must follow up every
  recommendation), Pasal 6 ayat (4) and Pasal 7 (the four statuses: *sesuai*, *belum
  sesuai*, *belum ditindaklanjuti*, *tidak dapat ditindaklanjuti*) and Pasal 8 (only a
  follow-up that matches the recommendation ends the official's responsibility for it);
* Peraturan BPK Nomor 3 Tahun 2007 tentang Tata Cara Penyelesaian Ganti Kerugian Negara
  terhadap Bendahara: a loss to the state or region is settled by repaying it
  (in instalments or at once), so a financial finding stays open while a balance remains;
* the SKBT as Inspektorats issue it (e.g. the Inspektorat Jenderal of the Ministry of
  Religious Affairs, which publishes its SKBT service): a certificate that a civil
  servant has no outstanding balance of audit findings, internal (APIP) or external
  (BPK, BPKP), asked for among the papers of a transfer (mutasi) under Peraturan BKN
  Nomor 5 Tahun 2019 tentang Tata Cara Pelaksanaan Mutasi.

(Texts read: Peraturan BPK 3/2007 at jdih.bpk.go.id; Peraturan BPK 2/2017 Pasal 3-7 as
published at ngada.org/bpk2-2017.htm and Pasal 8 as summarised by pphbi.com; the SKBT
service of the Inspektorat Jenderal Kementerian Agama as reported by kemenag.go.id.)

Hence, as of the day of the check (repayments up to that day count):

* an **official** (by NIP) is blocked while they are named as a responsible party
  (``FindingParty.nip``) on a financial finding with a balance still to recover
  (> Rp 0) and not every recommendation of that finding has outcome 1 (*sesuai*); a
  financial finding with a balance and no recommendation yet blocks too (the money is
  owed whatever the follow-up);
* an **OPD** is blocked while a recommendation addressed to it belongs to a financial
  finding with a balance still to recover and does not have outcome 1.

Outcome 4 (*tidak dapat ditindaklanjuti*) does not release a balance: the money was not
recovered (e.g. the person is in court proceedings), so it still blocks. Non-financial
findings never block. The check is :func:`blockers`, one query whatever the data.

Tokens
------
The verification token is ``HMAC-SHA256(SECRET_KEY, "skbt:<id>:<generation>")`` (256 bits,
URL-safe base64), the same construction as the personal passes
(:mod:`tracker.services.passes`): the database keeps only its SHA-256
(``Skbt.token_hash``), a scanned token is compared in constant time with what it derives
to now, and raising ``token_generation`` would end a printed token. Revoking a letter keeps
the token working, so whoever holds the paper learns that it was revoked (and when).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Opd, Person
from tracker.models.finding import (
    Finding,
    FindingParty,
    Outcome,
    Recommendation,
    Repayment,
    Report,
)
from tracker.models.letter import Letter, Skbt, SkbtStatus, SkbtSubject
from tracker.models.reference import LetterKind
from tracker.services import letters
from tracker.services.errors import DomainError
from tracker.services.organisation import NIP_LENGTH, normalise_nip
from tracker.services.passes import MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH, _hash, _secret
from tracker.services.records import flush, optional_text, required_text

PURPOSE_MAX = 300
NAME_MAX = 200
NOTE_MAX = 2000
#: Half a cent: a balance below it is nothing (SQLite sums money as floating point).
CENT_HALF = Decimal("0.005")


@dataclass(frozen=True)
class Blocker:
    """One item that blocks an SKBT: the recommendation (None for a financial finding
    without one yet) of a financial finding, its report, and the balance still to recover."""

    report: Report
    finding: Finding
    recommendation: Recommendation | None
    balance: Decimal


def _unsettled() -> Any:
    """The recommendation (of an outer join) is missing or not closed by outcome 1."""
    return or_(Recommendation.outcome.is_(None), Recommendation.outcome != Outcome.SESUAI)


def blockers(*, today: dt.date, nip: str | None = None, opd_id: int | None = None) -> list[Blocker]:
    """What blocks an SKBT for the official with ``nip`` or for the OPD ``opd_id`` as of
    ``today``, by report, finding and recommendation; empty when it may be issued. One
    query."""
    if (nip is None) == (opd_id is None):
        raise ValueError("give a NIP or an OPD")
    paid = (
        select(Repayment.finding_id, func.sum(Repayment.amount).label("paid"))
        .where(Repayment.paid_on <= today)
        .group_by(Repayment.finding_id)
        .subquery()
    )
    balance = Finding.amount_to_recover - func.coalesce(paid.c.paid, 0)
    stmt = (
        select(Report, Finding, Recommendation, balance.label("balance"))
        .select_from(Finding)
        .join(Report, Finding.report_id == Report.id)
        .outerjoin(paid, paid.c.finding_id == Finding.id)
        .where(Finding.is_financial.is_(True), balance >= CENT_HALF)
        .order_by(Report.year, Report.id, func.length(Finding.number), Finding.number)
    )
    if nip is not None:
        named = select(FindingParty.id).where(
            FindingParty.finding_id == Finding.id, FindingParty.nip == nip
        )
        stmt = stmt.outerjoin(Recommendation, Recommendation.finding_id == Finding.id).where(
            named.exists(), _unsettled()
        )
    else:
        stmt = stmt.join(
            Recommendation,
            and_(Recommendation.finding_id == Finding.id, Recommendation.opd_id == opd_id),
        ).where(_unsettled())
    stmt = stmt.order_by(
        func.length(Recommendation.number), Recommendation.number, Recommendation.id
    ).options(joinedload(Recommendation.opd))
    return [
        Blocker(report, finding, rec, Decimal(str(amount)).quantize(Decimal("0.01")))
        for report, finding, rec, amount in db.session.execute(stmt).unique()
    ]


def blockers_of(skbt: Skbt, today: dt.date) -> list[Blocker]:
    if skbt.subject is SkbtSubject.OFFICIAL:
        return blockers(today=today, nip=skbt.nip)
    return blockers(today=today, opd_id=skbt.opd_id)


def official_by_nip(nip: str | None) -> Person | None:
    """The official on the officials list with this NIP (typed with or without spaces)."""
    nip = normalise_nip(nip)
    if not nip or len(nip) != NIP_LENGTH or not nip.isdigit():
        return None
    return db.session.scalars(select(Person).where(Person.nip == nip)).first()


def clean_nip(value: str | None) -> str:
    nip = normalise_nip((value or "").strip())
    if not nip:
        raise DomainError(_("This field is required."), field="nip")
    if not nip.isdigit() or len(nip) != NIP_LENGTH:
        raise DomainError(_("The NIP must be exactly %(n)d digits.", n=NIP_LENGTH), field="nip")
    return nip


def request(
    actor: Any,
    *,
    subject: SkbtSubject,
    purpose: str | None,
    now: dt.datetime,
    nip: str | None = None,
    name: str | None = None,
    position: str | None = None,
    opd_id: int | None = None,
) -> Skbt:
    """Record a request for an SKBT. For an official, the name and position come from the
    officials list when the NIP is on it, else as typed; for an OPD, its name."""
    purpose_text = required_text(purpose, "purpose", PURPOSE_MAX)
    skbt = Skbt(subject=subject, purpose=purpose_text, requested_by=actor, requested_at=now)
    if subject is SkbtSubject.OFFICIAL:
        skbt.nip = clean_nip(nip)
        person = official_by_nip(skbt.nip)
        if person is not None:
            skbt.name, skbt.position = person.name, person.position
        else:
            skbt.name = required_text(name, "name", NAME_MAX)
            skbt.position = optional_text(position, "position", NAME_MAX)
    else:
        opd = db.session.get(Opd, opd_id) if opd_id else None
        if opd is None:
            raise DomainError(_("Choose an OPD."), field="opd_id")
        skbt.opd, skbt.name = opd, opd.name
    db.session.add(skbt)
    flush()
    return skbt


def _require_requested(skbt: Skbt) -> None:
    if skbt.status is SkbtStatus.ISSUED:
        raise DomainError(_("This SKBT has already been issued."))
    if skbt.status is SkbtStatus.REFUSED:
        raise DomainError(_("This request has been refused; record a new request."))


def issue(actor: Any, skbt: Skbt, *, today: dt.date, now: dt.datetime) -> Letter:
    """Issue the SKBT as a numbered letter dated ``today``, if nothing blocks it now."""
    _require_requested(skbt)
    found = blockers_of(skbt, today)
    if found:
        raise DomainError(
            ngettext(
                "Not issued: %(num)d open financial finding blocks this SKBT.",
                "Not issued: %(num)d open financial findings block this SKBT.",
                len(found),
            )
        )
    letter = letters.issue(actor, LetterKind.SKBT, issued_on=today, now=now)
    skbt.letter = letter
    skbt.status = SkbtStatus.ISSUED
    flush()
    skbt.token_hash = _hash(token_for(skbt))
    flush()
    return letter


def refuse(actor: Any, skbt: Skbt, *, note: str | None, now: dt.datetime) -> None:
    """Refuse a request, saying why."""
    _require_requested(skbt)
    skbt.note = required_text(note, "note", NOTE_MAX)
    skbt.status = SkbtStatus.REFUSED
    flush()


def revoke(actor: Any, skbt: Skbt, *, reason: str | None, now: dt.datetime) -> None:
    """Revoke an issued SKBT: its verification page then says "revoked" and when."""
    letter = skbt.letter
    if skbt.status is not SkbtStatus.ISSUED or letter is None:
        raise DomainError(_("Only an issued SKBT can be revoked."))
    if letter.revoked_at is not None:
        raise DomainError(_("This SKBT has already been revoked."))
    letter.revoke_reason = required_text(reason, "reason", NOTE_MAX)
    letter.revoked_at = now
    letter.revoked_by = actor
    flush()


# --- the verification token -----------------------------------------------------------------


def token_for(skbt: Skbt) -> str:
    """The SKBT's current verification token (the same every time it is asked for)."""
    message = f"skbt:{skbt.id}:{skbt.token_generation or 0}".encode()
    digest = hmac.new(_secret(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def find(token: str | None) -> Skbt | None:
    """The issued SKBT whose current token is ``token``, with its letter; None for a
    forged, stale or malformed token."""
    token = (token or "").strip()
    if not MIN_TOKEN_LENGTH <= len(token) <= MAX_TOKEN_LENGTH or not token.isascii():
        return None
    skbt = db.session.scalars(
        select(Skbt).where(Skbt.token_hash == _hash(token)).options(joinedload(Skbt.letter))
    ).first()
    if skbt is None or skbt.letter is None or not hmac.compare_digest(token_for(skbt), token):
        return None
    return skbt


__all__ = [
    "Blocker",
    "blockers",
    "blockers_of",
    "find",
    "issue",
    "official_by_nip",
    "refuse",
    "request",
    "revoke",
    "token_for",
]
