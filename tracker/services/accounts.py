"""Accounts: creating users, passwords, and login with throttling."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models import LoginAttempt, Opd, Person, Role, User
from tracker.services.errors import DomainError, LoginThrottled

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
# Checked against when the e-mail is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def generate_password(length: int = 14) -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


class WeakPassword(DomainError):
    """A password breaks one or more rules; ``errors`` holds one DomainError per rule, so
    the form shows every rule that fails at once."""

    def __init__(self, errors: list[DomainError]) -> None:
        # Shown whole where there is no form (the command line): every rule at once.
        super().__init__(" ".join(e.message for e in errors), field=errors[0].field)
        self.errors = errors


def password_problems(password: str) -> list[str]:
    """Every rule ``password`` breaks (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)
        )
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        problems.append(_("The password must mix letters and digits."))
    return problems


def check_password_strength(password: str, *, field: str = "password") -> None:
    problems = password_problems(password)
    if problems:
        raise WeakPassword([DomainError(problem, field=field) for problem in problems])


def validate_role_opd(role: Role, opd: Opd | None) -> None:
    if role is Role.OPD and opd is None:
        raise DomainError(_("An OPD user must belong to an OPD."), field="opd_id")
    if role is not Role.OPD and opd is not None:
        raise DomainError(_("Only OPD users belong to an OPD."), field="opd_id")


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    opd: Opd | None = None,
    person: Person | None = None,
    now: dt.datetime,
    must_change_password: bool = False,
) -> User:
    """``must_change_password``: the password was chosen for the user (by an
    administrator), who must choose their own at the first login."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise DomainError(
            _("A user with the e-mail %(email)s already exists.", email=email), field="email"
        )
    validate_role_opd(role, opd)
    check_password_strength(password)
    if person is not None and person.user is not None:
        raise DomainError(_("This official already has a login."), field="person_id")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        opd=opd,
        person=person,
        password_hash=hash_password(password),
        password_changed_at=now,
        must_change_password=must_change_password,
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(
    user: User,
    password: str,
    *,
    now: dt.datetime,
    chosen_by_user: bool = True,
    field: str = "password",
) -> None:
    """Give ``user`` a new password. One chosen by someone else (an administrator's
    reset) must be replaced by the user's own at their next login; the user's own
    choice lifts that."""
    check_password_strength(password, field=field)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.locked_until = None
    user.must_change_password = not chosen_by_user
    db.session.flush()


def change_own_password(
    user: User, current: str, new: str, *, now: dt.datetime, ip: str = ""
) -> None:
    """The current password is checked like a login (recorded and throttled per account and
    per address), so a borrowed session cannot be used to guess it."""
    try:
        authenticate(user.email, current, ip=ip, now=now)
    except LoginThrottled as exc:
        raise LoginThrottled(
            exc.message, exc.retry_after_seconds, field="current_password"
        ) from None
    except DomainError:
        raise DomainError(_("The current password is wrong."), field="current_password") from None
    errors = [DomainError(p, field="new_password") for p in password_problems(new)]
    if current == new:
        errors.append(
            DomainError(
                _("Choose a password different from the current one."), field="new_password"
            )
        )
    if errors:
        raise WeakPassword(errors)
    set_password(user, new, now=now, field="new_password")


def _minutes(seconds: float) -> int:
    return max(1, int((seconds + 59) // 60))


def _throttle_message(seconds: float) -> str:
    minutes = _minutes(seconds)
    return ngettext(
        "Too many failed login attempts. Try again in %(num)d minute.",
        "Too many failed login attempts. Try again in %(num)d minutes.",
        minutes,
    )


def _failures_since(since: dt.datetime, *conditions: Any) -> list[dt.datetime]:
    return list(
        db.session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.success.is_(False), LoginAttempt.at >= since, *conditions)
            .order_by(LoginAttempt.at)
        )
    )


def _last_success(*conditions: Any) -> dt.datetime | None:
    return db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.success.is_(True), *conditions)
    )


def _retry_after(
    failures: list[dt.datetime], limit: int, hold: dt.timedelta, now: dt.datetime
) -> float:
    """Seconds until ``failures`` (oldest first) no longer reach ``limit`` within ``hold``."""
    if limit <= 0 or len(failures) < limit:
        return 0.0
    return max(0.0, (failures[-limit] + hold - now).total_seconds())


def authenticate(email: str, password: str, *, ip: str, now: dt.datetime) -> User:
    """Return the user for these credentials or raise; every attempt is recorded.

    Throttling that someone who knows only an e-mail address cannot turn against its
    owner (all counters are kept by the e-mail text, so an unknown address behaves
    exactly like a known one, and the answer never tells which accounts exist):

    - per account *and* address: LOGIN_MAX_FAILURES_PER_ACCOUNT failures for one e-mail
      from one address hold that address off that account for LOGIN_LOCK_MINUTES; the
      owner elsewhere is not affected;
    - per account: a much higher ceiling, LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL failures
      from all addresses in the window, locks the account (a distributed guess);
    - per address: LOGIN_MAX_FAILURES_PER_IP failures across accounts refuse that address,
      except for an account that has logged in from it in the last LOGIN_KNOWN_GOOD_DAYS
      (colleagues behind one office NAT keep working).
    """
    cfg = current_app.config
    email = normalise_email(email)
    window = dt.timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    hold = dt.timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    window_start = now - window
    same_email = LoginAttempt.email == email[:254]
    same_ip = LoginAttempt.ip == ip[:45]
    pair_success = _last_success(same_email, same_ip)
    known_here = pair_success is not None and pair_success >= now - dt.timedelta(
        days=cfg["LOGIN_KNOWN_GOOD_DAYS"]
    )

    if not known_here:
        retry = _retry_after(
            _failures_since(window_start, same_ip), cfg["LOGIN_MAX_FAILURES_PER_IP"], window, now
        )
        if retry:
            raise LoginThrottled(_throttle_message(retry), int(retry))

    def pair_failures() -> list[dt.datetime]:
        since = max(now - max(window, hold), pair_success or window_start)
        return _failures_since(since, same_email, same_ip)

    def account_failures() -> list[dt.datetime]:
        account_success = _last_success(same_email)
        since = max(window_start, account_success) if account_success else window_start
        return _failures_since(since, same_email)

    total_limit = cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL"]
    retry = max(
        _retry_after(pair_failures(), cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], hold, now),
        _retry_after(account_failures(), total_limit, hold, now),
    )
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        retry = max(retry, (user.locked_until - now).total_seconds())
    if retry:
        raise LoginThrottled(_throttle_message(retry), int(retry))

    password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = password_ok and user is not None and user.active
    db.session.add(LoginAttempt(at=now, email=email[:254], ip=ip[:45], success=bool(ok)))
    if ok:
        assert user is not None
        _bookkeep(user, last_login_at=now, locked_until=None)
        return user

    db.session.flush()
    # The attempt just recorded may be the one that reaches a limit: say so now.
    if len(pair_failures()) >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        raise LoginThrottled(_throttle_message(hold.total_seconds()), int(hold.total_seconds()))
    if total_limit > 0 and len(account_failures()) >= total_limit:
        if user is not None:
            _bookkeep(user, locked_until=now + hold)
        raise LoginThrottled(_throttle_message(hold.total_seconds()), int(hold.total_seconds()))
    if password_ok and user is not None and not user.active:
        raise DomainError(_("This account has been deactivated. Contact the administrator."))
    raise DomainError(_("Wrong e-mail or password."))


def _bookkeep(user: User, **values: object) -> None:
    """Login bookkeeping: a plain UPDATE that neither bumps the record's version (an
    admin editing the user meanwhile gets no false conflict) nor fills the audit log
    (every attempt is already in LoginAttempt)."""
    db.session.flush()
    db.session.execute(update(User).where(User.id == user.id).values(**values))


def set_active(user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    user.active = active
    db.session.flush()
