"""The WhatsApp webhook: Meta's subscription check and signed status callbacks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tests.whatsapp_double import VERIFY_TOKEN, callback, signed, status
from tracker.extensions import db
from tracker.models import AuditLog
from tracker.models.reminder import (
    Channel,
    DeliveryStatus,
    DigestState,
    MessageKind,
    ReminderDigest,
)

URL = "/webhooks/whatsapp"
WAMID = "wamid.X"
T0 = 1_796_000_000  # 2026-11-30 (Unix seconds)


def at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def make_message(
    message_id: str = WAMID, channel: Channel = Channel.WHATSAPP, key: str = "notice:test"
) -> ReminderDigest:
    row = ReminderDigest(
        dedupe_key=key,
        kind=MessageKind.NOTICE,
        channel=channel,
        for_date=dt.date(2026, 11, 30),
        recipient_phone="6281234567890" if channel is Channel.WHATSAPP else None,
        recipient_email="budi@example.org" if channel is Channel.EMAIL else None,
        recipient_name="Budi Santoso",
        subject="Pemberitahuan",
        state=DigestState.SENT,
        attempts=1,
        sent_at=at(T0 - 60),
        message_id=message_id,
        transport="whatsapp" if channel is Channel.WHATSAPP else "smtp",
    )
    db.session.add(row)
    db.session.commit()
    return row


def reload(row: ReminderDigest) -> ReminderDigest:
    db.session.expire_all()
    found = db.session.get(ReminderDigest, row.id)
    assert found is not None
    return found


def post(client, *statuses, body: bytes | None = None, headers: dict[str, str] | None = None):
    signed_body, signed_headers = signed(callback(*statuses) if body is None else body)
    return client.post(URL, data=signed_body, headers=headers or signed_headers)


# --- subscription check ------------------------------------------------------------------


def test_subscription_check_answers_the_challenge(client, whatsapp_api):
    response = client.get(
        URL,
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1158201444"
    assert response.mimetype == "text/plain"
    assert "Set-Cookie" not in response.headers  # no session for a machine


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN.upper(), "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ],
    ids=["wrong-token", "token-case", "wrong-mode", "no-token", "nothing"],
)
def test_subscription_check_without_the_verify_token_is_refused(client, whatsapp_api, query):
    response = client.get(URL, query_string=query)

    assert response.status_code == 403


def test_unconfigured_webhook_is_not_found(client):
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert client.get(URL, query_string=query).status_code == 404
    body, headers = signed(callback(status(WAMID, "read", T0)), secret="")
    assert client.post(URL, data=body, headers=headers).status_code == 404


# --- status callbacks --------------------------------------------------------------------


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_delivered_then_read_are_recorded(client, whatsapp_api):
    row = make_message()

    response = post(client, status(WAMID, "delivered", T0))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Set-Cookie" not in response.headers
    found = reload(row)
    assert found.delivery_status is DeliveryStatus.DELIVERED
    assert found.delivery_status_at == at(T0)

    assert post(client, status(WAMID, "read", T0 + 90)).status_code == 200
    found = reload(row)
    assert found.delivery_status is DeliveryStatus.READ
    assert found.delivery_status_at == at(T0 + 90)
    assert found.delivery_error is None
    assert found.state is DigestState.SENT  # the outbox's own state is the sender's


def test_failure_is_recorded_with_the_reason(client, whatsapp_api):
    row = make_message()
    errors = [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable.",
            "error_data": {"details": "Recipient phone number is not a WhatsApp number"},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }
    ]

    response = post(
        client, status(WAMID, "sent", T0), status(WAMID, "failed", T0 + 5, errors=errors)
    )
    assert response.status_code == 200
    found = reload(row)
    assert found.delivery_status is DeliveryStatus.FAILED
    assert found.delivery_status_at == at(T0 + 5)
    assert found.delivery_error == (
        "131026: Message undeliverable / Recipient phone number is not a WhatsApp number"
    )
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_id == row.id).order_by(AuditLog.id.desc())
    ).first()
    assert entry is not None and entry.actor_label == "whatsapp-webhook"


def test_callbacks_out_of_order_never_move_a_status_back(client, whatsapp_api):
    row = make_message()

    post(client, status(WAMID, "read", T0 + 60))
    post(client, status(WAMID, "delivered", T0 + 30))
    post(client, status(WAMID, "sent", T0))
    post(client, status(WAMID, "failed", T0 + 90, errors=[{"code": 131000, "title": "x"}]))

    found = reload(row)
    assert found.delivery_status is DeliveryStatus.READ
    assert found.delivery_status_at == at(T0 + 60)
    assert found.delivery_error is None


def test_a_failure_replaces_delivered_and_stays(client, whatsapp_api):
    row = make_message()

    post(client, status(WAMID, "delivered", T0))
    post(client, status(WAMID, "failed", T0 + 10, errors=[{"code": 131049, "title": "Held"}]))
    post(client, status(WAMID, "delivered", T0 + 20))

    found = reload(row)
    assert found.delivery_status is DeliveryStatus.FAILED
    assert found.delivery_status_at == at(T0 + 10)
    assert found.delivery_error == "131049: Held"


def test_unknown_ids_and_other_channels_are_ignored(client, whatsapp_api):
    row = make_message()
    email = make_message("wamid.Y", Channel.EMAIL, key="digest:2026-11-30:email:budi")

    response = post(
        client,
        status("wamid.UNKNOWN", "read", T0),
        status("wamid.Y", "read", T0),
        status(WAMID, "deleted", T0),
    )

    assert response.status_code == 200
    assert reload(row).delivery_status is None
    assert reload(email).delivery_status is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "sha1=abc"},
        "other-secret",
        "tampered",
    ],
    ids=["unsigned", "forged", "wrong-scheme", "other-secret", "tampered"],
)
def test_a_callback_without_a_valid_signature_changes_nothing(client, whatsapp_api, headers):
    row = make_message()
    body, good = signed(callback(status(WAMID, "read", T0)))
    if headers == "other-secret":
        headers = signed(body, secret="not-the-app-secret")[1]
    elif headers == "tampered":
        body = body.replace(b'"read"', b'"failed"')
        headers = good
    else:
        headers = {"Content-Type": "application/json", **headers}

    response = client.post(URL, data=body, headers=headers)

    assert response.status_code == 403
    assert reload(row).delivery_status is None


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"object": "whatsapp_business_account"}', b"\xff\xfe"],
    ids=["not-json", "array", "no-entry", "not-utf8"],
)
def test_a_signed_body_that_is_not_a_callback_is_a_bad_request(client, whatsapp_api, body):
    row = make_message()

    assert post(client, body=body).status_code == 400
    assert reload(row).delivery_status is None


def test_odd_statuses_inside_a_callback_are_skipped(client, whatsapp_api):
    row = make_message()
    payload = callback(status(WAMID, "delivered", T0))
    payload["entry"].insert(0, "junk")
    payload["entry"][1]["changes"].insert(0, {"value": {"statuses": [{"status": "read"}]}})
    payload["entry"][1]["changes"][1]["value"]["statuses"][0]["timestamp"] = "not-a-time"

    response = post(client, body=json.dumps(payload).encode())

    assert response.status_code == 200
    found = reload(row)
    assert found.delivery_status is DeliveryStatus.DELIVERED
    assert found.delivery_status_at is not None


def test_nul_characters_in_a_signed_callback_are_kept_out_of_the_database(client, whatsapp_api):
    row = make_message()
    errors = [{"code": "1\x002", "title": "Bad\x00title", "error_data": {"details": "d\x00"}}]

    response = post(
        client,
        status("wamid.\x00", "read", T0),
        status(WAMID, "failed", T0, errors=errors),
    )

    assert response.status_code == 200
    assert reload(row).delivery_error == "1 2: Bad title / d"
