"""Start the real service in its own process, the way `make run` does, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


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
def running_service(database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Migrate, then serve; yield the base URL and the environment the CLI must use."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e-secret"}
    flask_command(["db", "upgrade"], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_healthy(base, server)
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the service did not become healthy within 30 s")
