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
