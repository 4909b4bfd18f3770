"""Tiny builders for API test data: valid by default, override what the test is about."""

from __future__ import annotations

from typing import Any


def clinic_body(**overrides: Any) -> dict[str, Any]:
    return {"name": "Test Clinic", "timezone": "America/Chicago", **overrides}


def protocol_body(**overrides: Any) -> dict[str, Any]:
    return {
        "key": "test-protocol",
        "name": "Test protocol",
        "visit": {"prep_minutes": 10, "treatment_minutes": 40, "monitoring_minutes": 30},
        "phases": [
            {"name": "induction", "sessions": 4, "spacing": {"min_days": 2, "target_days": 3, "max_days": 4}},
            {"name": "maintenance", "sessions": None, "spacing": {"min_days": 14, "target_days": 21, "max_days": 28}},
        ],
        "required_tags": ["iv"],
        "instructions": "Do not eat for 6 hours.",
        **overrides,
    }


def patient_body(**overrides: Any) -> dict[str, Any]:
    return {"given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.org", **overrides}


def create(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """POST and insist on 201; return the created resource."""
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
