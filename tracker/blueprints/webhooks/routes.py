"""Webhooks: ``/webhooks/whatsapp``, called by Meta's servers, not by people.

- ``GET`` is the subscription check Meta makes when the callback URL is set up in the app
  dashboard: with ``hub.mode=subscribe`` and ``hub.verify_token`` equal to
  ``WHATSAPP_VERIFY_TOKEN`` it answers ``hub.challenge`` as plain text; otherwise 403.
- ``POST`` carries status callbacks (sent, delivered, read, failed), accepted only when
  ``X-Hub-Signature-256`` is the HMAC-SHA256 of the raw body under ``WHATSAPP_APP_SECRET``
  (else 403); a body that is not a callback's JSON answers 400; the statuses are recorded
  on the outbox (:mod:`tracker.services.whatsapp_status`) and the answer is 200.

Both answer 404 while the setting they need is not configured. Public (the signature and
the verify token are the credentials), exempt from CSRF, and nothing here reads or writes a
login session.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue

from tracker import whatsapp
from tracker.audit import acting_as
from tracker.extensions import csrf
from tracker.models.base import utcnow
from tracker.permissions import public
from tracker.saving import saving
from tracker.security import client_ip
from tracker.services import whatsapp_status

bp = Blueprint("webhooks", __name__)

PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/whatsapp", methods=["GET", "POST"])
@csrf.exempt
@public
def whatsapp_callback() -> ResponseReturnValue:
    if request.method == "GET":
        return _subscription_check()
    return _status_callback()


def _subscription_check() -> ResponseReturnValue:
    if not current_app.config.get("WHATSAPP_VERIFY_TOKEN"):
        abort(404)
    args = request.args
    if args.get("hub.mode") != "subscribe" or not whatsapp.verify_token_valid(
        args.get("hub.verify_token")
    ):
        abort(403)
    return args.get("hub.challenge", ""), 200, PLAIN


def _status_callback() -> ResponseReturnValue:
    if not current_app.config.get("WHATSAPP_APP_SECRET"):
        abort(404)
    body = request.get_data(cache=True)
    if not whatsapp.signature_valid(body, request.headers.get("X-Hub-Signature-256")):
        abort(403)
    payload = whatsapp_status.parse_callback(body)
    if payload is None:
        abort(400)
    with acting_as(whatsapp_status.webhook_actor(client_ip())), saving(quiet=True):
        whatsapp_status.record_statuses(payload, utcnow())
    return "OK", 200, PLAIN
