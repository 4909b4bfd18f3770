def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_a_fresh_install_lists_the_builtin_protocols(client, auth):
    response = client.get("/api/v1/protocols", headers=auth["clinician"])
    assert response.status_code == 200
    keys = {p["key"] for p in response.get_json()}
    assert keys == {"iv-ketamine-depression", "spravato-trd", "iv-ketamine-pain", "consult"}
