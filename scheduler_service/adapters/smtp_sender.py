"""E-mail over SMTP with smtplib: one connection per message, STARTTLS or SSL when configured."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from .delivery import DeliveryFailed

SECURITY = ("none", "starttls", "ssl")


class SmtpSender:
    def __init__(
        self, host: str, port: int, security: str = "none", username: str = "", password: str = "", timeout: float = 10
    ) -> None:
        if security not in SECURITY:
            raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; DeliveryFailed(permanent=True) when it refuses it for good."""
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            codes = {code for code, _ in refused.recipients.values()}
            raise DeliveryFailed(
                f"recipient refused ({_codes(codes)})", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(f"SMTP server answered {error.smtp_code}", permanent=error.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, dropped: try again later
            raise DeliveryFailed(f"SMTP server not reachable: {type(error).__name__}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def _codes(codes: set[int]) -> str:
    return ", ".join(str(c) for c in sorted(codes))
