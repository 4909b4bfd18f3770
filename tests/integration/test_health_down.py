"""/healthz tells a load balancer the truth when the database is gone."""

from __future__ import annotations

from config import TestConfig
from scheduler_service import create_app


def test_health_answers_503_when_the_database_cannot_be_reached():
    app = create_app(TestConfig("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"))

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
