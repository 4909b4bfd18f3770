"""Real peers the reminders are delivered to: an SMTP server (aiosmtpd) and an SMS gateway (HTTP)."""

from __future__ import annotations

import email
import email.policy
import hmac
import json
import socket
import threading
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from scheduler_service.adapters.sms_webhook import signature


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts; it can be taken down and back up."""

    def __init__(self, port: int | None = None, on_message: Callable[[EmailMessage], None] | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.peers: list[tuple[str, int]] = []  # the client's address for each message: one per connection
        self.goodbyes = 0  # QUITs: connections the client closed politely
        self.on_message = on_message
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.peers.append(tuple(session.peer))
        if self.on_message is not None:
            self.on_message(message)  # type: ignore[arg-type]
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            self.goodbyes += 1
        return "221 Bye"

    def up(self) -> MailServer:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def __enter__(self) -> MailServer:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()


class SmsGateway:
    """An HTTP server taking the webhook's POSTs: it checks the HMAC signature and keeps the JSON bodies."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.messages: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.refused_signatures = 0
        self.answer = 200  # set to 503 to play a gateway that is down
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = signature(gateway.secret, self.headers.get("X-Timestamp", ""), body)
                if not hmac.compare_digest(expected, self.headers.get("X-Signature", "")):
                    gateway.refused_signatures += 1
                    self.send_response(401)
                elif gateway.answer != 200:
                    self.send_response(gateway.answer)
                else:
                    gateway.messages.append(json.loads(body))
                    gateway.headers.append(dict(self.headers))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sms"

    def __enter__(self) -> SmsGateway:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
