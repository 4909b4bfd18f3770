"""Configuration from environment variables, each with a default that works on a laptop."""

from __future__ import annotations

import os


def _bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings read when create_app() runs, never at import time of the app package."""

    def __init__(self) -> None:
        # None means: an SQLite file in the instance folder, decided by create_app().
        self.SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL")
        self.SECRET_KEY: str = os.environ.get("SECRET_KEY", "dev-only-insecure-secret-key")
        self.BASE_URL: str = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.SQLALCHEMY_ECHO: bool = _bool("SQL_ECHO", False)
        self.MAX_CONTENT_LENGTH: int = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))
        # Log-in throttling: failures counted over a sliding window, per account and per client address.
        self.LOGIN_MAX_FAILURES: int = int(os.environ.get("LOGIN_MAX_FAILURES", 5))
        self.LOGIN_MAX_FAILURES_PER_CLIENT: int = int(os.environ.get("LOGIN_MAX_FAILURES_PER_CLIENT", 20))
        self.LOGIN_WINDOW_SECONDS: int = int(os.environ.get("LOGIN_WINDOW_SECONDS", 15 * 60))
        # How many reverse proxies (load balancers) stand in front and set X-Forwarded-For/-Proto; 0: none.
        self.TRUSTED_PROXIES: int = int(os.environ.get("TRUSTED_PROXIES", 0))
        # Reminders: where they are delivered, and how the one scheduler process (`flask scheduler run`) runs.
        self.SMTP_HOST: str = os.environ.get("SMTP_HOST", "localhost")
        self.SMTP_PORT: int = int(os.environ.get("SMTP_PORT", 25))
        self.SMTP_SECURITY: str = os.environ.get("SMTP_SECURITY", "none")  # none | starttls | ssl
        self.SMTP_USERNAME: str = os.environ.get("SMTP_USERNAME", "")
        self.SMTP_PASSWORD: str = os.environ.get("SMTP_PASSWORD", "")
        self.MAIL_FROM: str = os.environ.get("MAIL_FROM", "reminders@localhost")
        self.SMS_WEBHOOK_URL: str = os.environ.get("SMS_WEBHOOK_URL", "")
        self.SMS_WEBHOOK_SECRET: str = os.environ.get("SMS_WEBHOOK_SECRET", "")
        self.DELIVERY_TIMEOUT_SECONDS: float = float(os.environ.get("DELIVERY_TIMEOUT_SECONDS", 10))
        self.DISPATCH_INTERVAL_SECONDS: float = float(os.environ.get("DISPATCH_INTERVAL_SECONDS", 30))
        self.REMINDER_MAX_ATTEMPTS: int = int(os.environ.get("REMINDER_MAX_ATTEMPTS", 8))
        self.REMINDER_RETRY_SECONDS: float = float(os.environ.get("REMINDER_RETRY_SECONDS", 60))
        self.REMINDER_RETRY_MAX_SECONDS: float = float(os.environ.get("REMINDER_RETRY_MAX_SECONDS", 3600))
        self.OUTBOX_RETENTION_DAYS: int = int(os.environ.get("OUTBOX_RETENTION_DAYS", 90))
        self.SCHEDULER_DAILY_AT: str = os.environ.get("SCHEDULER_DAILY_AT", "09:00")  # UTC; 03:00 in Chicago
        self.SCHEDULER_STANDBY_POLL_SECONDS: float = float(os.environ.get("SCHEDULER_STANDBY_POLL_SECONDS", 5))
        self.SCHEDULER_LOCK_FILE: str | None = os.environ.get("SCHEDULER_LOCK_FILE")  # SQLite; default: beside it
        self.API_TITLE = "Infusion scheduling service"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        # Served from the package's own static folder: no CDN (the network is closed in clinics too).
        self.OPENAPI_SWAGGER_UI_URL = None
        self.API_SPEC_OPTIONS = {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        }


class TestConfig(Config):
    """For the test suite: DATABASE_URL still decides the database (SQLite or PostgreSQL)."""

    __test__ = False  # a config, not a pytest test class
    TESTING = True

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        if database_url is not None:
            self.SQLALCHEMY_DATABASE_URI = database_url
