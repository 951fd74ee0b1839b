"""The user's own notifications: what happened to their items.

* ``/notifications/``: newest first, all or only the unread ones (``?status=unread``);
  each row links to its item through ``/notifications/<id>/open``, which marks it read and
  goes to the item.
* ``POST /notifications/<id>/read`` and ``POST /notifications/read-all`` mark them read.

Every logged-in user has notifications of their own; someone else's answers 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.models.base import utcnow
from tracker.models.notification import Notification
from tracker.permissions import login_only
from tracker.saving import saving
from tracker.services import notification_list as lists
from tracker.services.notification_text import describe, headline, when

bp = Blueprint("notifications", __name__)


def _own_or_404(notification_id: int) -> Notification:
    notification = lists.get(current_user, notification_id)
    if notification is None:
        abort(404)
    return notification


def _back() -> ResponseReturnValue:
    """Back to the list as it was shown (its filter and page), else to the first page."""
    args: dict[str, str] = {}
    if (show := lists.Show.from_args(request.form)) is not lists.Show.ALL:
        args["status"] = show.value
    page = request.form.get("page", "")
    if page.isdigit() and len(page) < 7 and int(page) > 1:
        args["page"] = page
    return redirect(url_for("notifications.index", **args))


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    found = lists.page(current_user, request.args)
    return render_template(
        "notifications/index.html",
        listing=found.listing,
        show=found.show,
        # the list's count is the bell's too (one query fewer on this page)
        unread_notifications=found.unread,
        describe=describe,
        headline=headline,
        when=when,
        pass_link=lambda n: lists.safe_link((n.params or {}).get("pass_url")),
    )


@bp.route("/<int:notification_id>/open")
@login_only
def open_item(notification_id: int) -> ResponseReturnValue:
    notification = _own_or_404(notification_id)
    target = lists.safe_target(notification.url)
    with saving():
        lists.mark_read(current_user, [notification.id], utcnow())
    if target is None:
        flash(_("The link of this notification cannot be opened."), "warning")
        return redirect(url_for("notifications.index"))
    return redirect(target)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_only
def read(notification_id: int) -> ResponseReturnValue:
    notification = _own_or_404(notification_id)
    with saving() as saved:
        lists.mark_read(current_user, [notification.id], utcnow())
    if saved:
        flash(_("The notification has been marked as read."), "success")
    return _back()


@bp.route("/read-all", methods=["POST"])
@login_only
def read_all() -> ResponseReturnValue:
    with saving() as saved:
        marked = lists.mark_read(current_user, None, utcnow())
    if saved:
        flash(
            ngettext(
                "%(num)d notification marked as read.",
                "%(num)d notifications marked as read.",
                marked,
            )
            if marked
            else _("There were no unread notifications."),
            "success" if marked else "info",
        )
    return _back()
