"""E-mail over SMTP with smtplib, STARTTLS or SSL when configured.

A dispatch pass sends its messages over one connection (per thread) and closes it when the pass ends:
connecting, the TLS handshake and the login cost several round trips per message otherwise. Before
a message goes over a kept connection, NOOP checks the server still holds it (servers drop idle
ones), and after MESSAGES_PER_CONNECTION messages a fresh one is opened, since some servers stop
accepting mail on a long-lived connection.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from email.message import EmailMessage

from .delivery import DeliveryFailed

SECURITY = ("none", "starttls", "ssl")
MESSAGES_PER_CONNECTION = 100


class SmtpSender:
    def __init__(
        self, host: str, port: int, security: str = "none", username: str = "", password: str = "", timeout: float = 10
    ) -> None:
        if security not in SECURITY:
            raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self._kept = threading.local()  # this thread's open connection and how many messages it carried

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; DeliveryFailed(permanent=True) when it refuses it for good."""
        try:
            smtp = self._connection()
            smtp.send_message(message)
            self._kept.sent += 1
        except smtplib.SMTPRecipientsRefused as refused:  # smtplib has reset the session: the connection stays
            codes = {code for code, _ in refused.recipients.values()}
            raise DeliveryFailed(
                f"recipient refused ({_codes(codes)})", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as error:
            self._drop()
            raise DeliveryFailed(f"SMTP server answered {error.smtp_code}", permanent=error.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, dropped: try again later
            self._drop()
            raise DeliveryFailed(f"SMTP server not reachable: {type(error).__name__}") from None

    def close(self) -> None:
        """Say goodbye on this thread's connection, if one is open (the end of a dispatch pass)."""
        smtp, self._kept.smtp = getattr(self._kept, "smtp", None), None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _drop(self) -> None:
        """Close this thread's connection without a QUIT: after a failure the server may never answer one."""
        smtp, self._kept.smtp = getattr(self._kept, "smtp", None), None
        if smtp is not None:
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        smtp = getattr(self._kept, "smtp", None)
        if smtp is not None and self._kept.sent >= MESSAGES_PER_CONNECTION:
            self.close()  # it carried its share: say goodbye
        elif smtp is not None and _alive(smtp):
            return smtp
        else:
            self._drop()  # none, or one the server no longer answers on
        smtp = self._connect()
        self._kept.smtp, self._kept.sent = smtp, 0  # kept before the login, so a refused login closes it
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def _alive(smtp: smtplib.SMTP) -> bool:
    try:
        return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def _codes(codes: set[int]) -> str:
    return ", ".join(str(c) for c in sorted(codes))
