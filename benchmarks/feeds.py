"""Patient feeds under load: gunicorn serving /feeds/<secret>.ics beside Radicale serving the same calendar.

    .venv/bin/python benchmarks/feeds.py                       # PostgreSQL scratch database (the default)
    .venv/bin/python benchmarks/feeds.py --database sqlite     # an SQLite file in a temporary folder
    .venv/bin/python benchmarks/feeds.py --duration 5 --connections 1,8,32 --workers 2

One patient with one IV ketamine course of 30 visits (6 induction + 24 maintenance), booked through
the API in process, and a feed token for them. The service then runs under gunicorn on a loopback
port; Radicale (from PyPI, in a virtualenv of its own, no authentication, loopback) runs under the
same gunicorn settings, holding the very body the service serves, uploaded with one PUT. wrk (Debian's;
installed with apt-get when missing and the script runs as root) measures each server for
--duration seconds per cell: the 200 path (plain GET) and the 304 path (GET with If-None-Match: the
feed's ETag), at each of --connections. Radicale has no conditional GET (it answers 200 whatever
If-None-Match says), so it has no 304 row. Prints a Markdown table; with --profile, py-spy (or, without
it, cProfile in process) shows where a 200 of the service spends its time.

Every server listens on 127.0.0.1 only; every wrk run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RADICALE_VERSION = "3.9.0"
DEFAULT_TOOLS_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "scheduler-bench-feeds"
EVENTS = 30
MAINTENANCE = EVENTS - 6


# --- tools ------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install -y wrk (as root), then run again")
    print("installing wrk from Debian ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk did not install")


def ensure_tools(venv: Path, profile: bool) -> Path:
    """A virtualenv of the benchmark's own: Radicale and gunicorn (and py-spy to profile), out of the project's."""
    python = venv / "bin" / "python"
    wanted = [f"radicale=={RADICALE_VERSION}", "gunicorn"] + (["py-spy"] if profile else [])
    probe = f"import radicale, gunicorn; assert radicale.VERSION == {RADICALE_VERSION!r}"
    ready = python.exists() and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0
    if not ready or (profile and not (venv / "bin" / "py-spy").exists()):
        print(f"installing {' '.join(wanted)} into {venv} ...", file=sys.stderr)
        if not ready:
            subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *wanted], check=True)
    return venv / "bin"


# --- the database and the feed ----------------------------------------------------------------------


@contextmanager
def scratch_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'feeds.sqlite3'}"
        return
    from tests.integration.databases import scratch_database as postgres_database

    with postgres_database(ADMIN_URL, "bench_feeds") as url:
        yield url


def database_backends(database_url: str) -> Callable[[], list[int]]:
    """The server processes that serve connections to this database (none for SQLite: it runs in the workers)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return list

    def backends() -> list[int]:
        import psycopg

        libpq = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (url.database,)
            )
            return [pid for (pid,) in rows]

    return backends


def seed_feed(database_url: str) -> str:
    """Migrate, book one patient's 30 visits through the API, and return the path of their feed."""
    from flask_migrate import upgrade

    from config import Config
    from scheduler_service import create_app
    from scheduler_service.adapters import orm
    from scheduler_service.extensions import db
    from scheduler_service.services import accounts, protocols
    from scheduler_service.services.unit_of_work import UnitOfWork

    os.environ["DATABASE_URL"] = database_url
    app = create_app(Config())
    with app.app_context():
        upgrade()
        with UnitOfWork("bench") as uow:
            protocols.ensure_builtin_protocols(uow)
        headers = {}
        for role in ("admin", "front_desk"):
            with UnitOfWork("bench") as uow:
                uow.add(orm.User(email=f"{role}@bench.test", role=role, password_hash="-"))
                uow.commit()
                headers[role] = {"Authorization": f"Bearer {accounts.create_token(uow, f'{role}@bench.test')}"}
        client = app.test_client()

        def post(path: str, body: dict, role: str = "admin") -> dict:
            response = client.post(path, json=body, headers=headers[role])
            assert response.status_code in (200, 201), (path, response.get_json())
            return response.get_json()

        clinic = post(
            "/api/v1/clinics",
            {
                "name": "Lakeside Ketamine Clinic",
                "timezone": "America/Chicago",
                "address": "2400 Lakeshore Drive, Suite 310, Chicago, IL 60614",
            },
        )
        for n in (1, 2, 3):
            post(f"/api/v1/clinics/{clinic['id']}/chairs", {"name": f"Chair {n}", "tags": ["iv"]})
        staffing = {"nurses": {day: 2 for day in ("mon", "tue", "wed", "thu", "fri")}}
        assert (
            client.put(f"/api/v1/clinics/{clinic['id']}/staffing", json=staffing, headers=headers["admin"]).status_code
            == 200
        )
        patient = post("/api/v1/patients", {"given_name": "Ada", "family_name": "Lovelace"}, "front_desk")
        course = {"patient_id": patient["id"], "clinic_id": clinic["id"], "protocol_key": "iv-ketamine-depression"}
        earliest = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        proposal = post(
            "/api/v1/series/proposals",
            {**course, "earliest_date": earliest, "maintenance_sessions": MAINTENANCE, "alternatives": 0},
            "front_desk",
        )["proposals"][0]["sessions"]
        sessions = [{"start": s["start"], "chair_id": s["chair_id"]} for s in proposal]
        series = post("/api/v1/series", {**course, "sessions": sessions}, "front_desk")
        assert len(series["appointments"]) == EVENTS, len(series["appointments"])
        url = post(f"/api/v1/patients/{patient['id']}/feed-tokens", {"label": "bench"}, "front_desk")["url"]
        db.session.remove()
        db.engine.dispose()
    return "/feeds/" + url.rsplit("/feeds/", 1)[1]


# --- servers ------------------------------------------------------------------------------------------


class Gunicorn:
    """gunicorn in a process group of its own on a loopback port the kernel picks."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [*command, "--bind", "127.0.0.1:0"], env=env, cwd=cwd, stdout=out, stderr=out, start_new_session=True
            )
        self.base = f"http://127.0.0.1:{self._port()}"

    def _port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(rb"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_bytes())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text(errors='replace')[-4000:]}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def gunicorn_options(args: argparse.Namespace) -> list[str]:
    options = ["--workers", str(args.workers), "--worker-class", args.worker_class, "--timeout", "60"]
    if args.worker_class == "gthread":
        options += ["--threads", str(args.threads)]
    return options


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def radicale_config(folder: Path) -> Path:
    config = folder / "radicale.conf"
    config.write_text(
        "[auth]\ntype = none\n\n[rights]\ntype = authenticated\n\n[web]\ntype = none\n\n"
        f"[storage]\nfilesystem_folder = {folder / 'collections'}\n\n[logging]\nlevel = warning\n"
    )
    return config


# --- wrk ------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    server: str
    path: str  # "200" or "304"
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    cpu_ms: float  # CPU time of the server's processes and its database backends, per request
    db_cpu_ms: float  # of which the database backends


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process still there, from /proc."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def run_wrk(
    wrk: str,
    server: str,
    url: str,
    path: str,
    connections: int,
    seconds: int,
    headers: dict[str, str],
    app_pids: Callable[[], list[int]] = list,
    db_pids: Callable[[], list[int]] = list,
) -> Cell:
    threads = min(connections, 2)
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    before_app, before_db = cpu_seconds(app_pids()), cpu_seconds(db_pids())
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    after_app, after_db = cpu_seconds(app_pids()), cpu_seconds(db_pids())
    app_cpu = sum(used - before_app.get(pid, 0.0) for pid, used in after_app.items())
    db_cpu = sum(used - before_db.get(pid, 0.0) for pid, used in after_db.items())
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = []
    if found := re.search(r"Socket errors: (.*)", out):
        errors.append(found.group(1))
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors.append(f"{found.group(1)} non-2xx/3xx")
    p50, p99 = _ms(percentiles["50"]), _ms(percentiles["99"])
    per_request = 1000 / max(requests, 1)
    return Cell(
        server,
        path,
        connections,
        rps,
        p50,
        p99,
        requests,
        "; ".join(errors),
        (app_cpu + db_cpu) * per_request,
        db_cpu * per_request,
    )


# --- profile --------------------------------------------------------------------------------------------


def profile_in_process(database_url: str, path: str, count: int = 300) -> str:
    """cProfile of `count` feed GETs through the WSGI app in this process (no HTTP server)."""
    from config import Config
    from scheduler_service import create_app

    os.environ["DATABASE_URL"] = database_url
    app = create_app(Config())
    client = app.test_client()
    assert client.get(path).status_code == 200
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        client.get(path)
    profiler.disable()
    per_request = (time.perf_counter() - began) / count * 1000
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return f"in-process 200: {per_request:.2f} ms per request (with cProfile on)\n{out.getvalue()}"


def profile_with_py_spy(py_spy: str, server: Gunicorn, wrk: str, url: str, seconds: int, folder: Path) -> str:
    """py-spy samples every gunicorn worker while wrk loads the 200 path; the top functions by own time."""
    workers = [str(pid) for pid in server.workers()]
    recorders = [
        subprocess.Popen(
            [py_spy, "record", "--pid", pid, "--duration", str(seconds), "--format", "raw", "--rate", "200"]
            + ["--output", str(folder / f"py-spy-{pid}.txt"), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in workers
    ]
    time.sleep(0.5)
    run_wrk(wrk, "service", url, "200", 32, seconds, {})
    for recorder in recorders:
        recorder.wait(timeout=seconds + 60)
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for pid in workers:
        raw = folder / f"py-spy-{pid}.txt"
        if not raw.exists():
            continue
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            total += int(count)
            own[frames[-1]] = own.get(frames[-1], 0) + int(count)
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + int(count)
    if not total:
        return "py-spy recorded nothing (is ptrace allowed?)"
    lines = [f"py-spy, {total} samples over the workers while wrk loaded the 200 path (32 connections)", ""]
    lines.append("own time:")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:25]]
    lines.append("inclusive time:")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:40]]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="1,32")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; each row is their median")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, both servers (README: -w 4)")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--tools-venv", type=Path, default=DEFAULT_TOOLS_VENV, help="Radicale's virtualenv")
    parser.add_argument("--no-radicale", action="store_true")
    parser.add_argument("--profile", action="store_true", help="also profile the service's 200 path")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]

    wrk = ensure_wrk()
    tools = ensure_tools(args.tools_venv, args.profile)
    folder = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    cells: list[Cell] = []
    with scratch_database(args.database, folder) as database_url:
        feed_path = seed_feed(database_url)
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench"}
        service = Gunicorn(
            [sys.executable, "-m", "gunicorn", "wsgi:app", *gunicorn_options(args)], env, ROOT, folder / "service.log"
        )
        servers = [service]
        try:
            url = service.base + feed_path
            status, headers, body = request(url)
            assert status == 200 and body.count(b"BEGIN:VEVENT") == EVENTS, (status, body[:200])
            etag = headers["ETag"]
            assert request(url, headers={"If-None-Match": etag})[0] == 304
            backends = database_backends(database_url)
            targets = [("service", url, etag, service.workers, backends)]
            if not args.no_radicale:
                radicale_env = {"RADICALE_CONFIG": str(radicale_config(folder)), "PATH": os.environ["PATH"]}
                radicale = Gunicorn(
                    [str(tools / "gunicorn"), "radicale", *gunicorn_options(args)],
                    radicale_env,
                    folder,
                    folder / "radicale.log",
                )
                servers.append(radicale)
                assert request(radicale.base + "/bench/", "MKCOL")[0] == 201  # the owner's folder
                calendar = radicale.base + "/bench/patient/"
                put = request(calendar, "PUT", body, {"Content-Type": "text/calendar; charset=utf-8"})
                assert put[0] in (200, 201), put
                got = request(calendar)
                assert got[0] == 200 and got[2].count(b"BEGIN:VEVENT") == EVENTS, got[:2]
                assert request(calendar, headers={"If-None-Match": got[1].get("ETag", '"x"')})[0] == 200
                targets.append(("Radicale", calendar, None, radicale.workers, list))
            print(
                f"feed: {len(body)} bytes, {EVENTS} events; database: {args.database}; gunicorn "
                f"{args.worker_class} x{args.workers}; wrk {args.duration}s per cell",
                file=sys.stderr,
            )
            plan = [
                (name, target, path, count, {"If-None-Match": tag} if path == "304" else {}, pids)
                for count in connections
                for path in ("200", "304")
                for name, target, tag, *pids in targets
                if path == "200" or tag is not None
            ]
            # Rounds interleave the servers, so a noisy moment on the machine touches both alike.
            for round_ in range(args.rounds):
                for name, target, path, count, headers, pids in plan:
                    cell = run_wrk(wrk, name, target, path, count, args.duration, headers, *pids)
                    print(f"  round {round_ + 1}: {cell}", file=sys.stderr)
                    cells.append(cell)
            report(cells, args, len(body))
            if args.profile:
                profile = profile_with_py_spy(str(tools / "py-spy"), service, wrk, url, args.duration, folder)
                print("\n```\n" + profile + "\n```")
                print("\n```\n" + profile_in_process(database_url, feed_path) + "\n```")
        finally:
            for server in servers:
                server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def report(cells: list[Cell], args: argparse.Namespace, size: int) -> None:
    """One row per server, answer and connection count: the median over the rounds."""
    print(
        f"\n{EVENTS}-event patient feed ({size} bytes), {args.database}, gunicorn {args.worker_class} "
        f"x{args.workers}, wrk {args.duration} s per run, median of {args.rounds} interleaved rounds\n"
    )
    print(
        "| server | answer | connections | requests/s | p50 ms | p99 ms | CPU ms/request (database) "
        "| requests/s of each round | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows: dict[tuple[str, str, int], list[Cell]] = {}
    for cell in cells:
        rows.setdefault((cell.server, cell.path, cell.connections), []).append(cell)
    median_rps = {}
    for key, runs in rows.items():
        median_rps[key] = statistics.median(c.rps for c in runs)
        p50, p99 = statistics.median(c.p50_ms for c in runs), statistics.median(c.p99_ms for c in runs)
        cpu, db_cpu = statistics.median(c.cpu_ms for c in runs), statistics.median(c.db_cpu_ms for c in runs)
        each = ", ".join(f"{c.rps:,.0f}" for c in runs)
        errors = "; ".join(sorted({c.errors for c in runs if c.errors})) or "-"
        print(
            f"| {key[0]} | {key[1]} | {key[2]} | {median_rps[key]:,.0f} | {p50:.2f} | {p99:.2f} "
            f"| {cpu:.2f} ({db_cpu:.2f}) | {each} | {errors} |"
        )
    print()
    for count in sorted({c.connections for c in cells}):
        ours, theirs = median_rps.get(("service", "200", count)), median_rps.get(("Radicale", "200", count))
        if ours and theirs:
            print(f"200 path at {count} connection(s): service / Radicale = {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
