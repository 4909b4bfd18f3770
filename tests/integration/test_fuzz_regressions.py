"""What the API fuzzer found, kept as plain tests so it never comes back."""

from __future__ import annotations

import pytest

LISTS = ["/api/v1/clinics", "/api/v1/protocols", "/api/v1/patients", "/api/v1/audit", "/api/v1/reminders"]


@pytest.mark.parametrize("path", LISTS)
def test_a_page_number_beyond_any_database_integer_is_an_empty_page_not_a_crash(client, auth, path):
    response = client.get(f"{path}?page=922337203685477582", headers=auth["admin"])

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/v1/series", "409"),
        ("post", "/api/v1/series", "412"),
        ("post", "/api/v1/series", "404"),
        ("post", "/api/v1/series/{series_id}/cancel", "409"),
        ("post", "/api/v1/series/{series_id}/extend", "409"),
        ("post", "/api/v1/appointments/{appointment_id}/no-show", "409"),
        ("post", "/api/v1/appointments/{appointment_id}/check-in", "409"),
        ("post", "/api/v1/series/proposals", "404"),
        ("get", "/api/v1/appointments", "404"),
    ],
)
def test_the_openapi_document_lists_the_refusals_these_operations_give(client, method, path, status):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert status in spec["paths"][path][method]["responses"]
