"""Letter numbers under concurrency: several requests issuing decision letters at the same
moment (each in its own application context and session) never share a number, and the
sequence of the year runs 1..N without a gap. Only PostgreSQL runs writers at once
(SQLite serialises them), so the test runs there."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from tests import factories
from tracker.extensions import db
from tracker.models import Role, User
from tracker.models.letter import Letter
from tracker.models.reference import LetterKind
from tracker.services import letters

THREADS = 8
LETTERS_EACH = 3
DAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_letters_issued_at_once_get_distinct_numbers(app, backend):
    if backend != "postgresql":
        pytest.skip("simultaneous writers need PostgreSQL (SQLite serialises them)")
    user_id = factories.make_user(Role.ADMIN).id
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    issued: list[str] = []
    lock = threading.Lock()

    def issue_some() -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, user_id)
                start.wait(timeout=30)
                for _ in range(LETTERS_EACH):
                    letter = letters.issue(actor, LetterKind.DECISION, issued_on=DAY, now=NOW)
                    number = letter.number
                    db.session.commit()
                    with lock:
                        issued.append(number)
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue_some) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    total = THREADS * LETTERS_EACH
    assert len(issued) == total
    assert len(set(issued)) == total
    db.session.expire_all()
    stored = db.session.scalars(select(Letter).where(Letter.kind == LetterKind.DECISION)).all()
    assert sorted(letter.seq for letter in stored) == list(range(1, total + 1))
    assert sorted(letter.number for letter in stored) == sorted(
        f"700/{n}/35.73.401/2026" for n in range(1, total + 1)
    )
    assert sorted(issued) == sorted(letter.number for letter in stored)
