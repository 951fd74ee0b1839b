"""A stand-in for the WhatsApp Cloud API: a real HTTP server on 127.0.0.1.

It answers ``POST /<version>/<phone-number-id>/messages`` as the Graph API does: a wrong or
missing bearer token gets 401 with an API error object, an unknown phone number id or a
body that is not JSON gets 400, and otherwise the next scripted mode decides (default
"ok"):

- ``"ok"``: 200 with the contact and a new ``wamid.…``;
- ``"400"``: 400, the recipient cannot be reached (code 131026);
- ``"400-parameter"``: 400, invalid parameter (code 100);
- ``"429"``: 429, throughput reached (code 130429);
- ``"500"``: 500, a service error (code 131000);
- ``"hang"``: no answer until the server stops (longer than any client timeout in tests).

Every request is kept in ``requests`` (path, headers, parsed JSON body). Also builds the
signed status callbacks the webhook receives.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = "v24.0"
PHONE_NUMBER_ID = "109876543210987"
ACCESS_TOKEN = "test-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
MODES = ("ok", "400", "400-parameter", "429", "500", "hang")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


def _error(
    code: int, message: str, details: str | None = None, kind: str = "OAuthException"
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "AbCdEfGhIjKlMnOp"
    return {"error": error}


SCRIPTED: dict[str, tuple[int, dict[str, Any]]] = {
    "400": (
        400,
        _error(
            131026,
            "(#131026) Message undeliverable",
            "Message Undeliverable: the recipient's phone number is not a WhatsApp number.",
        ),
    ),
    "400-parameter": (
        400,
        _error(
            100,
            "(#100) Invalid parameter",
            "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
        ),
    ),
    "429": (
        429,
        _error(
            130429,
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
    ),
    "500": (500, _error(131000, "(#131000) Something went wrong", "Something went wrong")),
}


class WhatsAppDouble:
    """The server; ``start()`` it, point the app at ``url``, ``stop()`` it."""

    def __init__(
        self,
        *,
        phone_number_id: str = PHONE_NUMBER_ID,
        access_token: str = ACCESS_TOKEN,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.requests: list[RecordedRequest] = []
        self.default_mode = "ok"
        self._modes: deque[str] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------

    def script(self, *modes: str) -> None:
        """Answer the next requests with these modes, in order (then ``default_mode``)."""
        unknown = set(modes) - set(MODES)
        assert not unknown, f"unknown modes {unknown}"
        with self._lock:
            self._modes.extend(modes)

    @property
    def url(self) -> str:
        """The ``WHATSAPP_API_URL`` to configure: scheme, host, port and version."""
        assert self._server is not None, "start() the double first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/{VERSION}"

    @property
    def messages_path(self) -> str:
        return f"/{VERSION}/{self.phone_number_id}/messages"

    def app_config(self, *, timeout: float = 1) -> dict[str, Any]:
        """The application settings that send to this double and accept its callbacks."""
        return {
            "WHATSAPP_API_URL": self.url,
            "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            "WHATSAPP_ACCESS_TOKEN": self.access_token,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_TIMEOUT": timeout,
        }

    def start(self) -> WhatsAppDouble:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # a "hang" request returns now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> WhatsAppDouble:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- serving ------------------------------------------------------------------------

    def _next_mode(self) -> str:
        with self._lock:
            return self._modes.popleft() if self._modes else self.default_mode

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]] | None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in handler.headers.items()}
        self._record(RecordedRequest(handler.command, handler.path, headers, body))
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, _error(190, "Invalid OAuth access token - Cannot parse access token")
        if handler.command != "POST" or handler.path != self.messages_path:
            return 400, _error(
                100,
                f"Unsupported {handler.command.lower()} request. Object with ID "
                f"'{handler.path.strip('/').split('/')[-2:][0]}' does not exist",
                kind="GraphMethodException",
            )
        if not isinstance(body, dict):
            return 400, _error(100, "(#100) The parameter messaging_product is required.")
        mode = self._next_mode()
        if mode == "hang":
            self._released.wait(60)
            return None
        if mode in SCRIPTED:
            return SCRIPTED[mode]
        to = str(body.get("to", ""))
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.TEST{next(self._ids):06d}"}],
        }


def _handler_for(double: WhatsAppDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            answer = double._answer(self)
            if answer is None:
                self.close_connection = True
                return
            status, body = answer
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (its timeout)
                self.close_connection = True

        do_POST = _serve  # noqa: N815
        do_GET = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# --- status callbacks -------------------------------------------------------------------


def status(
    message_id: str,
    state: str,
    timestamp: int,
    *,
    recipient_id: str = "6281234567890",
    errors: list[dict[str, Any]] | None = None,
    biz_opaque_callback_data: str | None = None,
) -> dict[str, Any]:
    """One entry of ``statuses[]`` as the Cloud API sends it."""
    item: dict[str, Any] = {
        "id": message_id,
        "status": state,
        "timestamp": str(timestamp),
        "recipient_id": recipient_id,
    }
    if state in ("sent", "delivered"):
        item["conversation"] = {
            "id": "CONVERSATION_ID",
            "origin": {"type": "utility"},
        }
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility"}
    if errors is not None:
        item["errors"] = errors
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    return item


def callback(*statuses: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """A webhook notification carrying ``statuses``."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WHATSAPP_BUSINESS_ACCOUNT_ID",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "6281100000000",
                                "phone_number_id": phone_number_id,
                            },
                            "statuses": list(statuses),
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def signed(payload: Any, secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body (bytes) and headers of a callback signed as Meta signs it."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": f"sha256={signature}",
    }
