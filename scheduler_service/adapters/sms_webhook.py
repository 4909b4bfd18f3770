"""SMS through the clinic's gateway: an HTTPS POST of JSON, signed with HMAC-SHA256.

The gateway checks `X-Signature: sha256=<hex>` over `<X-Timestamp>.<body>` with the shared secret
and refuses old timestamps, so a captured request can be neither forged nor replayed later.
`Idempotency-Key` carries the message id so that a rare resend is recognisable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from ipaddress import ip_address
from urllib.parse import urlsplit

from .delivery import DeliveryFailed, TextMessage


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSmsSender:
    def __init__(self, url: str, secret: str, timeout: float = 10) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
            raise ValueError("SMS_WEBHOOK_URL must be https:// (plain http only to this machine, for tests)")
        if not secret:
            raise ValueError("SMS_WEBHOOK_SECRET must be set to sign the webhook requests")
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, message: TextMessage) -> None:
        body = json.dumps({"to": message.to, "body": message.body, "message_id": message.message_id}).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Timestamp": timestamp,
                "X-Signature": signature(self.secret, timestamp, body),
                "Idempotency-Key": message.message_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                response.read()
        except urllib.error.HTTPError as error:
            # 4xx: the gateway refuses this message as it is; 429 and 5xx: it may take it later.
            permanent = 400 <= error.code < 500 and error.code not in (408, 429)
            raise DeliveryFailed(f"SMS gateway answered {error.code}", permanent=permanent) from None
        except (OSError, urllib.error.URLError) as error:
            raise DeliveryFailed(f"SMS gateway not reachable: {type(error).__name__}") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
