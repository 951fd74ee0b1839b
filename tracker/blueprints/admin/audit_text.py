"""The audit log in the user's words: record types and columns by the labels people see
in the forms, related records by their name, statuses by their label, dates and sums
as Indonesians write them.

A change is stored as ``{column: [before, after]}`` with plain values (ids, enum values,
ISO dates). :func:`describe_changes` turns a page of entries into rows ready to show,
loading the names of the related records with one query per kind of related record,
however many entries the page has.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Date, DateTime, Numeric, TypeDecorator, select

from tracker import phones
from tracker.extensions import db
from tracker.i18n import date_short, datetime_wib, number, rupiah
from tracker.models import AuditLog, Base

#: Labels of the record types seen in the audit log.
ENTITY_LABELS: dict[str, Any] = {
    "Opd": _l("OPD"),
    "Person": _l("Official"),
    "User": _l("User"),
    "ThematicArea": _l("Thematic area"),
    "Workshop": _l("Workshop"),
    "Invitation": _l("Invitation"),
    "Commitment": _l("Commitment"),
    "Report": _l("Report"),
    "Finding": _l("Finding"),
    "Recommendation": _l("Recommendation"),
    "FollowUp": _l("Follow-up"),
    "RecommendationReview": _l("Review"),
    "Repayment": _l("Repayment"),
    "FindingEvidence": _l("Evidence"),
    "EvaluationResult": _l("Grade"),
    "ReminderDigest": _l("Reminder"),
    "AuditCode": _l("BPK code"),
    "LetterPattern": _l("Letter-number pattern"),
    "FindingParty": _l("Responsible party"),
    "SiptlSubmission": _l("SIPTL submission"),
    "ReviewProposal": _l("Proposed review"),
    "Letter": _l("Letter"),
    "Skbt": _l("SKBT"),
    "ImportBatch": _l("Import"),
}

#: Column labels shared by every record type (the label its form shows).
FIELD_LABELS: dict[str, Any] = {
    "active": _l("Active"),
    "agenda": _l("Agenda"),
    "amount": _l("Amount (Rp)"),
    "amount_to_recover": _l("Amount to recover (Rp)"),
    "approves_decisions": _l("Approves review decisions and issues letters"),
    "file_name": _l("File name"),
    "uploaded_by_id": _l("Uploaded by"),
    "uploaded_at": _l("Uploaded on"),
    "rows": _l("Rows"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "problems": _l("Problems"),
    "imported_by_id": _l("Imported by"),
    "imported_at": _l("Imported on"),
    "bpk_outcome": _l("BPK's outcome"),
    "cause_code_id": _l("Cause code"),
    "code_id": _l("Recommendation code"),
    "decided_at": _l("Decided on"),
    "decided_by_id": _l("Decided by"),
    "decision_note": _l("Decision note"),
    "finding_code_id": _l("Finding code"),
    "issued_at": _l("Issued at"),
    "issued_by_id": _l("Issued by"),
    "letter_id": _l("Letter"),
    "parent_code": _l("Parent code"),
    "pattern": _l("Pattern"),
    "proposed_at": _l("Proposed on"),
    "proposed_by_id": _l("Proposed by"),
    "purpose": _l("Purpose"),
    "receipt_number": _l("Receipt number"),
    "requested_at": _l("Requested on"),
    "requested_by_id": _l("Requested by"),
    "revoke_reason": _l("Reason for revoking"),
    "revoked_at": _l("Revoked on"),
    "revoked_by_id": _l("Revoked by"),
    "seq": _l("Sequence number"),
    "signer_name": _l("Signed by"),
    "signer_nip": _l("NIP of the signer"),
    "signer_position": _l("Position of the signer"),
    "submitted_on": _l("Submitted on"),
    "token_generation": _l("Verification link issue"),
    "token_hash": _l("Verification link"),
    "value": _l("Value (Rp)"),
    "attempts": _l("Attempts"),
    "author_id": _l("Submitted by"),
    "cancel_reason": _l("Reason for cancelling"),
    "cancelled_at": _l("Cancelled on"),
    "carried_out_by_id": _l("Carried out by"),
    "cause": _l("Cause"),
    "channel": _l("Channel"),
    "checked_in_at": _l("Check-in time"),
    "code": _l("Code"),
    "condition": _l("Condition"),
    "content_type": _l("File type"),
    "created_by_id": _l("Recorded by"),
    "criteria": _l("Criteria"),
    "dedupe_key": _l("Outbox key"),
    "delivery_error": _l("Delivery error"),
    "delivery_status": _l("WhatsApp delivery"),
    "delivery_status_at": _l("WhatsApp delivery reported"),
    "description": _l("Description"),
    "due_on": _l("Due date"),
    "effect": _l("Effect"),
    "email": _l("E-mail"),
    "ends_at": _l("End (WIB)"),
    "excuse_reason": _l("Reason for being excused"),
    "finding_id": _l("Finding"),
    "follow_up_id": _l("Follow-up"),
    "for_date": _l("Date"),
    "grade": _l("Grade"),
    "hierarchy_role": _l("Role in the hierarchy"),
    "ical_sequence": _l("Calendar version"),
    "ical_uid": _l("Calendar identifier"),
    "indicator": _l("Indicator"),
    "instrument": _l("Evaluation"),
    "invitation_sent_at": _l("Invitation e-mail sent"),
    "is_financial": _l("Financial finding (an amount is to be recovered)"),
    "is_priority": _l("RB thematic priority"),
    "issued_on": _l("Report date"),
    "issuer": _l("Issued by"),
    "kind": _l("Kind"),
    "label": _l("Description of the link"),
    "last_attempt_at": _l("Last attempt"),
    "last_error": _l("Last error"),
    "last_follow_up_at": _l("Latest follow-up"),
    "last_login_at": _l("Last login"),
    "last_progress_at": _l("Last progress"),
    "last_reviewed_at": _l("Last review"),
    "locale": _l("Language"),
    "locked_until": _l("Locked until"),
    "made_by_id": _l("Made by"),
    "message_id": _l("Message identifier"),
    "must_change_password": _l("Must choose a new password"),
    "name": _l("Name"),
    "new_due_on": _l("New deadline"),
    "nip": _l("NIP"),
    "not_before": _l("Not before"),
    "note": _l("Note"),
    "notes": _l("Notes"),
    "notify_by": _l("Contact by"),
    "number": _l("Number"),
    "opd_id": _l("OPD"),
    "organiser_opd_id": _l("Organiser"),
    "original_due_on": _l("Original due date"),
    "original_name": _l("File name"),
    "outcome": _l("Outcome"),
    "outcome_period": _l("Semester of the outcome"),
    "paid_on": _l("Date paid"),
    "password_changed_at": _l("Password changed"),
    "password_hash": _l("Password"),
    "payload": _l("Items"),
    "period": _l("Semester"),
    "person_id": _l("Official"),
    "phone": _l("Phone"),
    "position": _l("Position"),
    "progress": _l("Progress (%)"),
    "reason": _l("Lawful reason"),
    "received_on": _l("Date received"),
    "recipient_email": _l("Recipient's e-mail"),
    "recipient_name": _l("Recipient"),
    "recipient_person_id": _l("Recipient (official)"),
    "recipient_phone": _l("Recipient's WhatsApp number"),
    "recipient_user_id": _l("Recipient (login)"),
    "recommendation_id": _l("Recommendation"),
    "recorded_by_id": _l("Recorded by"),
    "refers_to_on": _l("Date it refers to"),
    "region": _l("Region"),
    "report_id": _l("Report"),
    "reported_done_at": _l("Reported done"),
    "repayment_id": _l("Repayment"),
    "representative_name": _l("Representative's name"),
    "representative_person_id": _l("Represented by"),
    "representative_position": _l("Representative's position"),
    "reviewed_at": _l("Reviewed on"),
    "reviewer_id": _l("Reviewer"),
    "role": _l("Role"),
    "score": _l("Score"),
    "self_checked_in": _l("Checked in by themselves"),
    "sent_at": _l("Sent on"),
    "sent_sequence": _l("Calendar version sent"),
    "checked_in_via": _l("Checked in through"),
    "walk_in": _l("Without invitation"),
    "representative_nip": _l("NIP of the representative"),
    "pass_hash": _l("Personal pass"),
    "pass_generation": _l("Personal pass issue"),
    "sha256": _l("Checksum (SHA-256)"),
    "size": _l("Size (bytes)"),
    "sort_order": _l("Display order"),
    "source": _l("Source"),
    "starts_at": _l("Start (WIB)"),
    "state": _l("State"),
    "statement": _l("Commitment"),
    "status": _l("Status"),
    "stored_name": _l("Stored file"),
    "subject": _l("Subject"),
    "submitted_at": _l("Submitted on"),
    "target": _l("Target"),
    "text": _l("Recommendation"),
    "thematic_area_id": _l("Thematic area"),
    "theme": _l("Theme"),
    "title": _l("Title"),
    "transport": _l("Sent through"),
    "url": _l("Link"),
    "venue": _l("Venue"),
    "verified_at": _l("Verified on"),
    "verified_by_id": _l("Verified by"),
    "workshop_id": _l("Workshop"),
    "year": _l("Year"),
}

#: Where a column means something else in one record type.
ENTITY_FIELD_LABELS: dict[tuple[str, str], Any] = {
    ("Finding", "title"): _l("Finding"),
    ("FollowUp", "description"): _l("What has been done"),
    ("Invitation", "status"): _l("Attendance"),
    ("Invitation", "note"): _l("Note"),
    ("Report", "number"): _l("Report number"),
    ("Report", "note"): _l("Notes"),
    ("RecommendationReview", "note"): _l("Review note"),
    ("RecommendationReview", "outcome"): _l("Review outcome"),
    ("ReviewProposal", "outcome"): _l("Proposed outcome"),
    ("ReviewProposal", "note"): _l("Auditor's note"),
    ("Letter", "issued_on"): _l("Letter date"),
    ("Skbt", "note"): _l("Reason for refusing"),
    ("Skbt", "name"): _l("Name"),
}

#: Columns holding a sum of money (shown as "Rp 23.800.000").
MONEY_FIELDS = frozenset({"amount", "amount_to_recover", "value"})
#: The languages a user may choose, by their own name (as the language switch shows them).
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def field_label(entity_type: str, field: str) -> str:
    label = ENTITY_FIELD_LABELS.get((entity_type, field)) or FIELD_LABELS.get(field)
    return str(label) if label is not None else field


def entity_label(entity_type: str) -> str:
    return str(ENTITY_LABELS.get(entity_type, entity_type))


def _models() -> dict[str, type[Base]]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


@cache
def _columns() -> dict[tuple[str, str], Any]:
    """Every mapped column, by (record type, attribute)."""
    found: dict[tuple[str, str], Any] = {}
    for mapper in Base.registry.mappers:
        for attr in mapper.column_attrs:
            found[(mapper.class_.__name__, attr.key)] = attr.columns[0]
    return found


@cache
def _references() -> dict[tuple[str, str], str]:
    """(record type, column) → the record type its foreign key points to."""
    by_table = {
        mapper.local_table.name: mapper.class_.__name__  # type: ignore[attr-defined]
        for mapper in Base.registry.mappers
    }
    references = {}
    for key, column in _columns().items():
        for foreign_key in column.foreign_keys:
            target = by_table.get(foreign_key.column.table.name)
            if target is not None:
                references[key] = target
    return references


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def names_for(values: Iterable[tuple[str, str, Any]]) -> dict[tuple[str, int], str]:
    """The names of the records referred to by ``(record type, column, value)`` triples,
    keyed by (referred record type, id): one query per kind of referred record."""
    references = _references()
    wanted: dict[str, set[int]] = {}
    for entity_type, field, value in values:
        target = references.get((entity_type, field))
        if target is not None and _is_id(value):
            wanted.setdefault(target, set()).add(value)
    models = _models()
    names: dict[tuple[str, int], str] = {}
    for target, ids in sorted(wanted.items()):
        model = models[target]
        for record in db.session.scalars(select(model).where(model.id.in_(sorted(ids)))):  # type: ignore[attr-defined]
            names[(target, record.id)] = record.audit_label()  # type: ignore[attr-defined]
    return names


def _enum_text(member: enum.Enum) -> str:
    numbered = getattr(member, "numbered", None)
    if isinstance(numbered, str):
        return numbered
    return str(getattr(member, "label", member.value))


def describe(entity_type: str, field: str, value: Any, names: Mapping[tuple[str, int], str]) -> Any:
    """A stored (or audited) value as the user knows it: related records by name, enum
    values by label, Yes/No, dates and times in Indonesian (WIB), sums in rupiah."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    target = _references().get((entity_type, field))
    if target is not None and _is_id(value):
        return names.get((target, value), f"#{value}")
    column = _columns().get((entity_type, field))
    column_type = getattr(column, "type", None)
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    enum_cls = getattr(column_type, "enum_class", None)
    if enum_cls is not None and value in {m.value for m in enum_cls}:
        return _enum_text(enum_cls(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "locale" and value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    if field == "phone" and isinstance(value, str):
        return phones.display(value)
    if isinstance(value, list):
        return ngettext("%(num)d item", "%(num)d items", len(value))
    if isinstance(value, str) and (
        isinstance(column_type, DateTime) or (column is None and field.endswith("_at"))
    ):
        try:
            return datetime_wib(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and (
        isinstance(column_type, Date) or (column is None and field.endswith("_on"))
    ):
        try:
            return date_short(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(column_type, Numeric) and isinstance(value, str | int | float):
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            return value
        if field in MONEY_FIELDS:
            return rupiah(exact)
        return number(exact, 0 if exact == exact.to_integral_value() else 2)
    return value


def describe_changes(entries: Iterable[AuditLog]) -> dict[int, list[tuple[str, Any, Any]]]:
    """Each entry's changes as (column label, before, after), ready to show."""
    entries = list(entries)
    names = names_for(
        (entry.entity_type, field, value)
        for entry in entries
        for field, pair in (entry.changes or {}).items()
        for value in (pair if isinstance(pair, list) else [])
    )
    described: dict[int, list[tuple[str, Any, Any]]] = {}
    for entry in entries:
        rows = []
        for field, pair in (entry.changes or {}).items():
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            kind = entry.entity_type
            rows.append(
                (
                    field_label(kind, field),
                    describe(kind, field, before, names),
                    describe(kind, field, after, names),
                )
            )
        described[entry.id] = rows
    return described
