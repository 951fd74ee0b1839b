"""The WhatsApp client (tracker/whatsapp.py) against a real HTTP server speaking the Cloud
API (tests/whatsapp_double.py): what it sends, what it returns, how it fails."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from tests.whatsapp_double import ACCESS_TOKEN, WhatsAppDouble
from tracker import create_app, whatsapp
from tracker.links import ConfigurationError
from tracker.whatsapp import PermanentWhatsAppError, WhatsAppError

TO = "6281234567890"


def test_sends_the_template_message_the_cloud_api_defines(app, whatsapp_api):
    message_id = whatsapp.send_template(
        TO, "notice", ["Budi Santoso", "Tindak lanjut\nditerima", "https://tracker.example/x"]
    )

    assert message_id == "wamid.TEST000001"
    [request] = whatsapp_api.requests
    assert request.method == "POST"
    assert request.path == f"/v24.0/{whatsapp_api.phone_number_id}/messages"
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": "template",
        "template": {
            "name": "pemberitahuan_tracker",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Budi Santoso"},
                        {"type": "text", "text": "Tindak lanjut diterima"},
                        {"type": "text", "text": "https://tracker.example/x"},
                    ],
                }
            ],
        },
    }


def test_each_message_gets_its_own_id(app, whatsapp_api):
    first = whatsapp.send_template(TO, "digest_executor", ["A", "B", "C", "D"])
    second = whatsapp.send_template(TO, "digest_head", ["A", "B", "C", "D"])

    assert first != second
    names = [r.json["template"]["name"] for r in whatsapp_api.requests]
    assert names == ["pengingat_tindak_lanjut", "ringkasan_opd"]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Satu\r\nDua\tTiga", "Satu Dua Tiga"),
        ("a     b", "a b"),  # the API refuses more than 4 consecutive spaces
        ("  padded  ", "padded"),
        ("nul\x00and\x7fdel", "nul and del"),
        ("", "-"),  # an empty parameter is refused too
        (12, "12"),
    ],
)
def test_parameters_are_cleaned_as_the_api_requires(app, whatsapp_api, given, sent):
    whatsapp.send_template(TO, "notice", [given])

    assert whatsapp_api.requests[0].json["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": sent}
    ]


def test_a_long_parameter_is_cut_to_1024_characters():
    text = whatsapp.clean_parameter("x" * 5000)

    assert len(text) == 1024
    assert text.endswith("…")
    assert whatsapp.clean_parameter("y" * 1024) == "y" * 1024


def test_a_refused_recipient_is_a_permanent_error_with_the_api_code(app, whatsapp_api):
    whatsapp_api.script("400")

    with pytest.raises(PermanentWhatsAppError) as refused:
        whatsapp.send_template(TO, "notice", ["a", "b", "c"])

    assert refused.value.status == 400
    assert refused.value.code == 131026
    assert "131026" in str(refused.value)
    assert "Message undeliverable" in str(refused.value)
    assert "not a WhatsApp number" in str(refused.value)  # error_data.details


def test_an_invalid_parameter_is_a_permanent_error(app, whatsapp_api):
    whatsapp_api.script("400-parameter")

    with pytest.raises(PermanentWhatsAppError) as refused:
        whatsapp.send_template(TO, "notice", ["a"])

    assert refused.value.code == 100


@pytest.mark.parametrize(("mode", "status", "code"), [("429", 429, 130429), ("500", 500, 131000)])
def test_rate_limit_and_server_errors_are_temporary(app, whatsapp_api, mode, status, code):
    whatsapp_api.script(mode)

    with pytest.raises(WhatsAppError) as failed:
        whatsapp.send_template(TO, "notice", ["a"])

    assert not isinstance(failed.value, PermanentWhatsAppError)
    assert (failed.value.status, failed.value.code) == (status, code)
    # the next attempt goes through
    assert whatsapp.send_template(TO, "notice", ["a"]).startswith("wamid.")


def test_a_rejected_access_token_is_retried_not_failed_for_good(app, whatsapp_api):
    """An expired token is the administrator's to renew: every message would otherwise
    be marked failed for good."""
    app.config["WHATSAPP_ACCESS_TOKEN"] = "expired-token"

    with pytest.raises(WhatsAppError) as failed:
        whatsapp.send_template(TO, "notice", ["a"])

    assert not isinstance(failed.value, PermanentWhatsAppError)
    assert (failed.value.status, failed.value.code) == (401, 190)


def test_a_server_that_does_not_answer_times_out(app, whatsapp_api):
    whatsapp_api.script("hang")
    started = time.monotonic()

    with pytest.raises(WhatsAppError) as failed:
        whatsapp.send_template(TO, "notice", ["a"])

    assert not isinstance(failed.value, PermanentWhatsAppError)
    assert "Timeout" in str(failed.value)
    assert time.monotonic() - started < 5  # WHATSAPP_TIMEOUT is 1 s


def test_an_unreachable_server_is_a_temporary_error(app, whatsapp_api):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        # bound, not listening: the connection is refused
        app.config["WHATSAPP_API_URL"] = f"http://127.0.0.1:{port}/v24.0"
        with pytest.raises(WhatsAppError) as failed:
            whatsapp.send_template(TO, "notice", ["a"])

    assert not isinstance(failed.value, PermanentWhatsAppError)
    assert "ConnectError" in str(failed.value)
    assert whatsapp_api.requests == []


def test_whatsapp_is_off_until_configured(app):
    assert app.config["WHATSAPP_API_URL"] == "https://graph.facebook.com/v24.0"
    assert not whatsapp.enabled()
    app.config["WHATSAPP_PHONE_NUMBER_ID"] = "123"
    assert not whatsapp.enabled()  # no access token yet
    app.config["WHATSAPP_ACCESS_TOKEN"] = "token"
    assert whatsapp.enabled()


def test_sending_while_off_is_refused_without_a_request(app):
    with WhatsAppDouble() as double:
        app.config["WHATSAPP_API_URL"] = double.url
        with pytest.raises(WhatsAppError, match="not configured"):
            whatsapp.send_template(TO, "notice", ["a"])
        assert double.requests == []


def test_no_message_leaves_without_base_url(app, whatsapp_api):
    app.testing = False  # as in production: BASE_URL is required
    try:
        with pytest.raises(ConfigurationError, match="BASE_URL"):
            whatsapp.send_template(TO, "notice", ["a"])
    finally:
        app.testing = True
    assert whatsapp_api.requests == []


def test_each_send_is_logged_without_the_token(app, whatsapp_api, caplog):
    whatsapp_api.script("ok", "400")
    with caplog.at_level(logging.INFO):
        message_id = whatsapp.send_template(TO, "notice", ["a"])
        with pytest.raises(PermanentWhatsAppError):
            whatsapp.send_template(TO, "notice", ["a"])

    logged = caplog.text
    assert message_id in logged
    assert "131026" in logged
    assert logged.count(TO) >= 2
    assert ACCESS_TOKEN not in logged


def test_templates_are_configurable_per_kind(app):
    assert whatsapp.template_for("digest_escalation") == ("eskalasi_tindak_lanjut", "id")
    app.config["WHATSAPP_TEMPLATES"] = {"notice": {"name": "info_tracker", "language": "en"}}

    assert whatsapp.template_for("notice") == ("info_tracker", "en")
    # kinds the setting leaves out keep their default template
    assert whatsapp.template_for("digest_head") == ("ringkasan_opd", "id")
    with pytest.raises(ValueError, match="no_such_kind"):
        whatsapp.template_for("no_such_kind")


def test_templates_can_be_set_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "TRACKER_WHATSAPP_TEMPLATES",
        '{"notice": {"name": "pemberitahuan_v2", "language": "id"},'
        ' "digest_head": {"name": "ringkasan_v2", "language": "en"}}',
    )
    config = {"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance")}
    with create_app(config).app_context():
        assert whatsapp.template_for("notice") == ("pemberitahuan_v2", "id")
        assert whatsapp.template_for("digest_head") == ("ringkasan_v2", "en")
        assert whatsapp.template_for("digest_executor") == ("pengingat_tindak_lanjut", "id")

    monkeypatch.delenv("TRACKER_WHATSAPP_TEMPLATES")
    monkeypatch.setenv("TRACKER_WHATSAPP_TEMPLATES__notice__name", "pemberitahuan_v3")
    with create_app(config).app_context():
        assert whatsapp.template_for("notice") == ("pemberitahuan_v3", "id")
