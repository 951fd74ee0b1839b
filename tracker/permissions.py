"""Roles, permissions and per-object checks, in one place.

Every view declares what it needs with :func:`requires` (or :func:`public`); a view
without a declaration is refused (deny by default), and a test walks ``app.url_map``
so a new route without a rule fails the suite. Records are scoped by query: an
``opd`` user's queries only ever return their own OPD's records (:func:`scope`), so a
record outside the scope is simply not found (404).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false

from tracker.models.enums import Role


class Permission(enum.StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_ALL = "view_all"  # read every OPD's records
    MANAGE_OPDS = "manage_opds"
    MANAGE_PEOPLE = "manage_people"
    VIEW_PEOPLE = "view_people"
    MANAGE_USERS = "manage_users"
    MANAGE_REFERENCE = "manage_reference"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_WORKSHOPS = "manage_workshops"
    MANAGE_COMMITMENTS = "manage_commitments"
    REPORT_PROGRESS = "report_progress"
    VERIFY = "verify"
    MANAGE_FINDINGS = "manage_findings"
    ANSWER_FINDINGS = "answer_findings"
    MANAGE_REMINDERS = "manage_reminders"
    #: approve review decisions, issue and revoke letters (SKBT): administrators, and
    #: Inspektorat staff whose account says so (the Inspektur or a deputy)
    APPROVE_DECISIONS = "approve_decisions"
    #: import spreadsheets (/imports/); which kinds: :func:`can_import`
    IMPORT_DATA = "import_data"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.INSPEKTORAT: frozenset(
        {
            P.VIEW_DASHBOARD,
            P.VIEW_ALL,
            P.VIEW_PEOPLE,
            P.MANAGE_PEOPLE,
            P.MANAGE_WORKSHOPS,
            P.MANAGE_COMMITMENTS,
            P.VERIFY,
            P.MANAGE_FINDINGS,
            P.MANAGE_REMINDERS,
            P.IMPORT_DATA,
        }
    ),
    Role.PIMPINAN: frozenset({P.VIEW_DASHBOARD, P.VIEW_ALL, P.VIEW_PEOPLE}),
    Role.OPD: frozenset({P.VIEW_DASHBOARD, P.REPORT_PROGRESS, P.ANSWER_FINDINGS}),
}

F = TypeVar("F", bound=Callable[..., Any])


def has_permission(user: Any, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = Role(user.role)
    if permission is P.APPROVE_DECISIONS and role is Role.INSPEKTORAT:
        return bool(getattr(user, "approves_decisions", False))
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def can(permission: Permission | str, user: Any = None) -> bool:
    """True when ``user`` (default: the current user) holds ``permission``."""
    return has_permission(current_user if user is None else user, Permission(permission))


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors."""
    view._access = "public"  # type: ignore[attr-defined]
    return view


def login_only(view: F) -> F:
    """Any logged-in, active user; the view scopes what it shows."""
    view._access = "login"  # type: ignore[attr-defined]
    return view


def requires(*permissions: Permission) -> Callable[[F], F]:
    """Logged in and holding every listed permission, else 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not all(can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapper._access = tuple(permissions)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def access_of(view: Callable[..., Any] | None) -> Any:
    return getattr(view, "_access", None)


# --- scoping -------------------------------------------------------------------------


def scope_opd_ids(user: Any) -> frozenset[int] | None:
    """The OPD ids a user may see; ``None`` means every OPD."""
    if has_permission(user, P.VIEW_ALL):
        return None
    if user is not None and getattr(user, "is_authenticated", False) and user.opd_id:
        return frozenset({user.opd_id})
    return frozenset()


S = TypeVar("S", bound=Select[Any])


def scope(stmt: S, opd_column: Any, user: Any = None) -> S:
    """Filter ``stmt`` to the OPDs ``user`` (default: current user) may see."""
    allowed = scope_opd_ids(current_user if user is None else user)
    if allowed is None:
        return stmt
    if not allowed:
        return stmt.where(false())
    return stmt.where(opd_column.in_(sorted(allowed)))


def can_see_opd(opd_id: int | None, user: Any = None) -> bool:
    allowed = scope_opd_ids(current_user if user is None else user)
    return allowed is None or (opd_id is not None and opd_id in allowed)


# --- workshops ------------------------------------------------------------------------


def _workshop_viewer(user: Any) -> tuple[bool, int | None, int | None]:
    """(sees every workshop, own Person id, own OPD id) of ``user``."""
    if has_permission(user, P.VIEW_ALL):
        return True, None, None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, None, None
    return False, getattr(user, "person_id", None), getattr(user, "opd_id", None)


def _invitation_visible(user: Any) -> Any:
    """The SQL condition on Invitation: its invitee is the user's Person or of their OPD;
    ``None`` means every invitation."""
    from sqlalchemy import or_, select

    from tracker.models.organisation import Person
    from tracker.models.workshop import Invitation

    sees_all, person_id, opd_id = _workshop_viewer(user)
    if sees_all:
        return None
    conditions = []
    if person_id is not None:
        conditions.append(Invitation.person_id == person_id)
    if opd_id is not None:
        conditions.append(
            Invitation.person_id.in_(select(Person.id).where(Person.opd_id == opd_id))
        )
    return or_(*conditions) if conditions else false()


def scope_workshops(stmt: S, user: Any = None) -> S:
    """Workshops ``user`` may see: all with VIEW_ALL; for an ``opd`` user those where an
    invitee is the user's own Person or any official of the user's OPD."""
    from sqlalchemy import select

    from tracker.models.workshop import Invitation, Workshop

    condition = _invitation_visible(current_user if user is None else user)
    if condition is None:
        return stmt
    invited = select(Invitation.id).where(Invitation.workshop_id == Workshop.id, condition)
    return stmt.where(invited.exists())


def scope_invitations(stmt: S, user: Any = None) -> S:
    """Invitations ``user`` may see (an ``opd`` user: their own and their OPD's)."""
    condition = _invitation_visible(current_user if user is None else user)
    return stmt if condition is None else stmt.where(condition)


def can_manage_workshops(user: Any = None) -> bool:
    return has_permission(current_user if user is None else user, P.MANAGE_WORKSHOPS)


# --- commitments ----------------------------------------------------------------------


def scope_commitments(stmt: S, user: Any = None) -> S:
    """Commitments ``user`` may see: their own OPD's only for an ``opd`` user, and no drafts
    (a draft is the Inspektorat's entry in progress, not yet a commitment in force)."""
    from tracker.models.commitment import Commitment, CommitmentStatus

    user = current_user if user is None else user
    stmt = scope(stmt, Commitment.opd_id, user)
    if not has_permission(user, P.VIEW_ALL):
        stmt = stmt.where(Commitment.status != CommitmentStatus.DRAFT)
    return stmt


def may_report_progress(user: Any = None) -> bool:
    """Whether ``user`` may post progress on some commitments (their OPD's, or any for staff)."""
    user = current_user if user is None else user
    return has_permission(user, P.REPORT_PROGRESS) or has_permission(user, P.MANAGE_COMMITMENTS)


def can_report_on(commitment: Any, user: Any = None) -> bool:
    """Post progress on / report done ``commitment``: the secretary's OPD, or the Inspektorat."""
    user = current_user if user is None else user
    if has_permission(user, P.MANAGE_COMMITMENTS):
        return True
    return (
        has_permission(user, P.REPORT_PROGRESS)
        and getattr(user, "opd_id", None) is not None
        and commitment.opd_id == user.opd_id
    )


# --- findings -------------------------------------------------------------------------
# An ``opd`` user sees a finding only through the recommendations addressed to their OPD:
# a finding without one is not found (404), and within a finding addressed to several
# OPDs they see only their own OPD's recommendations, follow-ups and evidence.


def scope_recommendations(stmt: S, user: Any = None) -> S:
    """Filter a select over Recommendation to the OPDs ``user`` may see."""
    from tracker.models.finding import Recommendation

    return scope(stmt, Recommendation.opd_id, user)


def scope_findings(stmt: S, user: Any = None) -> S:
    """Filter a select over Finding to those with a recommendation the user may see."""
    from sqlalchemy import exists

    from tracker.models.finding import Finding, Recommendation

    allowed = scope_opd_ids(current_user if user is None else user)
    if allowed is None:
        return stmt
    if not allowed:
        return stmt.where(false())
    return stmt.where(
        exists().where(
            Recommendation.finding_id == Finding.id,
            Recommendation.opd_id.in_(sorted(allowed)),
        )
    )


def can_answer_recommendation(recommendation: Any, user: Any = None) -> bool:
    """Submit a follow-up: an answering user of the recommendation's OPD."""
    user = current_user if user is None else user
    return has_permission(user, P.ANSWER_FINDINGS) and can_see_opd(recommendation.opd_id, user)


def can_review_recommendations(user: Any = None) -> bool:
    """Set BPK's outcome of a recommendation: the Inspektorat (and administrators)."""
    return has_permission(current_user if user is None else user, P.MANAGE_FINDINGS)


# --- reminders ------------------------------------------------------------------------


def scope_digests(stmt: S, user: Any = None) -> S:
    """Reminder digests ``user`` may read: every one for staff; otherwise the ones sent to
    their own login or official, and (``opd`` users) those sent to officials of their OPD.
    Never by a matching e-mail address: an address is typed by people, a scope is not."""
    from sqlalchemy import or_, select

    from tracker.models import Person
    from tracker.models.reminder import ReminderDigest

    user = current_user if user is None else user
    if has_permission(user, P.MANAGE_REMINDERS):
        return stmt
    if user is None or not getattr(user, "is_authenticated", False):
        return stmt.where(false())
    conditions = [ReminderDigest.recipient_user_id == user.id]
    if user.person_id is not None:
        conditions.append(ReminderDigest.recipient_person_id == user.person_id)
    allowed = scope_opd_ids(user)
    if allowed:
        conditions.append(
            ReminderDigest.recipient_person_id.in_(
                select(Person.id).where(Person.opd_id.in_(sorted(allowed)))
            )
        )
    return stmt.where(or_(*conditions))


# --- imports --------------------------------------------------------------------------


def can_import(kind: Any, user: Any = None) -> bool:
    """Import a file of ``kind`` (an ImportKind or its value): the Inspektorat's staff
    import commitments and findings; the OPD list and the officials list, the
    organisation's structure, only administrators (who manage OPDs)."""
    user = current_user if user is None else user
    if not has_permission(user, P.IMPORT_DATA):
        return False
    needs = {
        "opds": P.MANAGE_OPDS,
        "officials": P.MANAGE_OPDS,
        "commitments": P.MANAGE_COMMITMENTS,
        "findings": P.MANAGE_FINDINGS,
    }.get(str(getattr(kind, "value", kind)))
    return needs is not None and has_permission(user, needs)
