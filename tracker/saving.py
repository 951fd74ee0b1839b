"""One way for a view to run a service's change: commit when it succeeds, roll back and
show the service's message when a rule refuses it.

Every form view reads the same::

    form = SomeForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            record = service.do_it(...)
        if saved:
            flash(...)
            return redirect(...)
    return render_template(..., form=form), form_status(form)

and every button that changes something without a form (activate, delete, send)::

    with saving() as saved:
        service.do_it(...)
    if saved:
        flash(...)
    return redirect(...)

A :class:`~tracker.services.errors.DomainError` raised inside the block rolls the
transaction back before anything else is read (the message is already built, so nothing
touches the failed transaction), and is shown at the field it names, above the form, or,
without a form, as a flash message. A :class:`~tracker.services.errors.ConflictError`
(a stale edit) makes the page answer 409; any other refusal 400. A refusal of permission
(:class:`~tracker.services.errors.NotAllowed`) or any other exception is rolled back and
passed on: a 403 page, answered by one error handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import flash, request

from tracker.extensions import db
from tracker.forms import attach_error
from tracker.services.errors import ConflictError, DomainError


class Saved:
    """The outcome of a :func:`saving` block: true once committed."""

    def __init__(self) -> None:
        self.ok = False
        self.error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def conflict(self) -> ConflictError | None:
        """The stale-edit error, for a view that shows what changed meanwhile."""
        return self.error if isinstance(self.error, ConflictError) else None


@contextmanager
def saving(form: Any = None, *, quiet: bool = False) -> Iterator[Saved]:
    """Commit what the block changed, or roll it back and show the refusal (``quiet``:
    leave showing it to the view, for a page that lays out a refusal of its own)."""
    saved = Saved()
    try:
        yield saved
    except DomainError as exc:
        db.session.rollback()
        saved.error = exc
        if quiet:
            pass
        elif form is None:
            flash(exc.message, "danger")
        else:
            attach_error(form, exc)
            form.refusal = exc
        return
    except BaseException:
        # A refusal of permission, a broken connection, a bug: nothing of the block is
        # kept, and whatever answers next starts from a clean session.
        db.session.rollback()
        raise
    db.session.commit()
    saved.ok = True


def form_status(*forms: Any) -> int:
    """The status of a page showing a form again: 200 when it was only opened, 409 when a
    stale edit was refused, 400 when what was sent has errors."""
    if request.method in ("GET", "HEAD"):
        return 200
    if any(isinstance(getattr(form, "refusal", None), ConflictError) for form in forms):
        return 409
    return 400
