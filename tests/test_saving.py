"""``tracker.saving``: the one way a view commits a change or shows a service's refusal."""

from __future__ import annotations

import pytest
from flask import Flask, get_flashed_messages
from sqlalchemy import func, select
from wtforms import StringField

from tests.factories import make_opd
from tracker.extensions import db
from tracker.forms import VersionedForm
from tracker.models import Opd, OpdKind
from tracker.saving import form_status, saving
from tracker.services.errors import ConflictError, DomainError, NotAllowed


class _Form(VersionedForm):
    name = StringField()

    class Meta:
        csrf = False


def _add_opd() -> None:
    db.session.add(Opd(code="INSP", name="Inspektorat", kind=OpdKind.INSPEKTORAT))
    db.session.flush()


def _opds() -> int:
    return db.session.scalar(select(func.count()).select_from(Opd)) or 0


def test_success_commits(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        with saving() as saved:
            make_opd()
        assert saved and saved.error is None
        db.session.rollback()  # nothing left to roll back: it was committed
        assert _opds() == 1


def test_refusal_rolls_back_and_shows_the_message_at_its_field(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"version": "1"}):
        form = _Form()
        with saving(form) as saved:
            _add_opd()
            raise DomainError("Nama sudah dipakai.", field="name")
        assert not saved
        assert _opds() == 0
        assert form.name.errors == ["Nama sudah dipakai."]
        assert form_status(form) == 400


def test_conflict_answers_409_with_the_message_above_the_form(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"version": "1"}):
        form = _Form()
        with saving(form) as saved:
            raise ConflictError("Diubah orang lain.", {"name": ("a", "b")})
        assert saved.conflict is not None and saved.conflict.changes == {"name": ("a", "b")}
        assert form.form_errors == ["Diubah orang lain."]
        assert form_status(form) == 409
        form.show_current(7)
        assert form.version.data == 7 and form.version.raw_data == ["7"]


def test_without_a_form_the_refusal_is_flashed(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        with saving() as saved:
            raise DomainError("Tidak dapat dihapus.")
        assert not saved
        assert get_flashed_messages(with_categories=True) == [("danger", "Tidak dapat dihapus.")]


def test_quiet_leaves_the_refusal_to_the_view(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        with saving(quiet=True) as saved:
            raise DomainError("Ditolak.")
        assert saved.error is not None and saved.error.message == "Ditolak."
        assert get_flashed_messages() == []


def test_other_exceptions_roll_back_and_pass_on(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):

        def refused() -> None:
            with saving():
                _add_opd()
                raise NotAllowed("Bukan wewenang Anda.")

        with pytest.raises(NotAllowed):
            refused()
        assert _opds() == 0


def test_a_form_only_opened_answers_200(app: Flask) -> None:
    with app.test_request_context("/"):
        assert form_status(_Form()) == 200


def test_an_error_naming_a_hidden_field_is_shown_above_the_form(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"version": "1"}):
        form = _Form()
        with saving(form):
            raise DomainError("Versi tidak dikenal.", field="version")
        assert form.form_errors == ["Versi tidak dikenal."]
