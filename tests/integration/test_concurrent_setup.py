"""Two administrators saving the same thing at the same moment: one wins, the other gets a clear 4xx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from .builders import clinic_body, create


def test_racing_chairs_with_one_name_leave_exactly_one_chair_and_no_server_error(app, client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    path = f"/api/v1/clinics/{clinic['id']}/chairs"
    racers = 8
    start_together = Barrier(racers)

    def add_chair(_: int) -> int:
        start_together.wait()
        return app.test_client().post(path, json={"name": "Chair 1", "tags": ["iv"]}, headers=auth["admin"]).status_code

    with ThreadPoolExecutor(racers) as pool:
        statuses = sorted(pool.map(add_chair, range(racers)))

    assert statuses.count(201) == 1
    assert set(statuses) - {201} <= {409, 422}
    assert len(client.get(path, headers=auth["admin"]).get_json()) == 1
