"""Start the real service in its own process, the way `make run` does, on a free loopback port; talk to it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
IV_PROTOCOL = "iv-ketamine-depression"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_command(args: list[str], env: dict[str, str]) -> str:
    """Run a `flask` CLI command as an administrator would; return what it printed."""
    done = subprocess.run(FLASK + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def running_service(database_url: str, **settings: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Migrate, then serve with these settings; yield the base URL and the environment the CLI must use.

    The server's log goes to a file, never an unread pipe: the dev server logs every request, and a
    full pipe would freeze it. BASE_URL is the real address, so the links the service makes work.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e-secret", "BASE_URL": base, **settings}
    flask_command(["db", "upgrade"], env)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            wait_until_healthy(base, server, lambda: _read(log))
            yield base, env
        finally:
            server.terminate()
            server.wait(timeout=10)


def _read(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], log: Callable[[], str]) -> None:
    """Return once /healthz answers 200; raise (with the server's log) if it exits or takes over 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited: {log()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the service did not become healthy within 30 s")


def call(base: str, method: str, path: str, token: str, body: Any = None, timeout: float = 60) -> tuple[int, Any]:
    """One HTTP request with a JSON body; (status, parsed JSON or text). Connection failures raise OSError."""
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _parsed(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _parsed(error.read())


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


@dataclass(frozen=True)
class FrontDesk:
    """The few API calls a booking needs, over real HTTP (picklable: client processes get one each)."""

    base: str
    token: str

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = call(self.base, "POST", path, self.token, body)
        if status != 201:
            raise AssertionError(f"POST {path}: {status} {answer}")
        return answer  # type: ignore[no-any-return]

    def clinic(self, chairs: int, nurses: int) -> tuple[int, list[int]]:
        """A Houston clinic (America/Chicago, Mon-Fri 8-5, US holidays) with IV chairs; (clinic id, chair ids)."""
        clinic = self.create("/api/v1/clinics", {"name": "Race Clinic", "timezone": "America/Chicago"})
        path = f"/api/v1/clinics/{clinic['id']}"
        chair_ids = [self.create(f"{path}/chairs", {"name": f"Chair {n}", "tags": ["iv"]})["id"] for n in range(chairs)]
        status, answer = call(
            self.base, "PUT", f"{path}/staffing", self.token, {"nurses": dict.fromkeys(WEEKDAYS, nurses)}
        )
        if status != 200:
            raise AssertionError(f"PUT staffing: {status} {answer}")
        return clinic["id"], chair_ids

    def patient(self, name: str) -> int:
        return self.create("/api/v1/patients", {"given_name": name, "family_name": "Racer"})["id"]  # type: ignore[no-any-return]

    def propose(self, clinic_id: int, patient_id: int, earliest: str, maintenance: int) -> tuple[int, Any]:
        body = {
            "patient_id": patient_id,
            "clinic_id": clinic_id,
            "protocol_key": IV_PROTOCOL,
            "earliest_date": earliest,
            "maintenance_sessions": maintenance,
            "alternatives": 0,
        }
        return call(self.base, "POST", "/api/v1/series/proposals", self.token, body)

    def book(self, clinic_id: int, patient_id: int, sessions: list[dict[str, Any]]) -> tuple[int, Any]:
        body = {
            "patient_id": patient_id,
            "clinic_id": clinic_id,
            "protocol_key": IV_PROTOCOL,
            "sessions": [{"start": s["start"], "chair_id": s.get("chair_id")} for s in sessions],
        }
        return call(self.base, "POST", "/api/v1/series", self.token, body)
