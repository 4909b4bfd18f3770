"""Health and the self-describing API."""

from __future__ import annotations


def test_the_openapi_document_lists_every_resource_and_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert {"/clinics", "/clinics/{clinic_id}/chairs", "/protocols", "/patients"} <= {
        path.removeprefix("/api/v1") for path in spec["paths"]
    }
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_interactive_docs_load_their_scripts_from_the_service_itself(client):
    page = client.get("/api/v1/docs")
    script = client.get("/api/v1/docs-assets/swagger-ui-bundle.js")

    assert page.status_code == 200
    assert b"/api/v1/docs-assets/swagger-ui-bundle.js" in page.data
    assert script.status_code == 200 and len(script.data) > 100_000


def test_an_unknown_api_path_answers_json(client, auth):
    response = client.get("/api/v1/nothing-here", headers=auth["admin"])

    assert response.status_code == 404
    assert set(response.get_json()) >= {"code", "status", "message"}
