"""API test plumbing: app settings, a PostgreSQL URL when one is reachable, demo uploads, and a
real `planner serve` process on a free port. Imported by the tests/test_api*.py modules."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.auth import parse_keys
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo"
KEYS = "writer:w-secret-key:write,reader:r-secret-key:read"
WRITE = {"X-API-Key": "w-secret-key"}
READ = {"X-API-Key": "r-secret-key"}
PG_ENV = ("PLANNER_TEST_DATABASE_URL", "DATABASE_URL")


def postgres_url() -> str | None:
    """The PostgreSQL URL from the environment if a server answers there, else None (tests skip)."""
    url = next((os.environ[v] for v in PG_ENV if os.environ.get(v, "").startswith("postgresql")), None)
    if url is None:
        return None
    from sqlalchemy import text

    from api.db import make_engine

    try:
        engine = make_engine(url, pooled=False)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return url


@contextmanager
def scoped_postgres(prefix: str) -> Iterator[str]:
    """The reachable PostgreSQL (else skip), as a URL whose every connection works in a schema of its
    own, dropped after: tests that migrate or fill a database leave the shared one alone."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from api.db import make_engine

    url = postgres_url()
    if url is None:
        pytest.skip("no PostgreSQL reachable (set PLANNER_TEST_DATABASE_URL; scripts/start_postgres.sh)")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url, pooled=False)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def reset_postgres(url: str) -> None:
    """Each PG test starts from an empty database: the server may be shared with earlier runs.
    Every table goes, Alembic's version table too, so the app migrates from nothing again."""
    from sqlalchemy import MetaData

    from api.db import make_engine

    engine = make_engine(url, pooled=False)
    tables = MetaData()
    tables.reflect(engine)
    tables.drop_all(engine)
    engine.dispose()


def settings_for(url: str, **overrides: object) -> Settings:
    return Settings(
        database_url=url,
        api_keys=tuple(parse_keys(KEYS.replace(",", "\n"), "test")),
        event_time_limit_seconds=0.6,
        **overrides,  # type: ignore[arg-type]
    )


def database_url_for(kind: str, folder: Path) -> str:
    """A fresh database: SQLite in `folder`, or the reachable PostgreSQL emptied (else skip)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'planner.db'}"
    url = postgres_url()
    if url is None:
        pytest.skip("no PostgreSQL reachable (set PLANNER_TEST_DATABASE_URL; scripts/start_postgres.sh)")
    reset_postgres(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_for(request.param, tmp_path)


def demo_files() -> dict[str, tuple[str, bytes]]:
    return {
        "accounts": ("accounts.csv", (DEMO / "accounts.csv").read_bytes()),
        "managers": ("managers.csv", (DEMO / "managers.csv").read_bytes()),
        "policy": ("policy.yaml", (DEMO / "policy.yaml").read_bytes()),
    }


def upload_demo(client: httpx.Client | object, name: str = "demo") -> str:
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": name}, files=demo_files())  # type: ignore[attr-defined]
    assert r.status_code == 201, r.text
    return r.json()["id"]


# How often the tests ask whether a job is done: most finish within a second, and every poll
# interval is, on average, half an interval of waiting added to each of them.
POLL_SECONDS = 0.05


def wait_for_job(client: object, job_id: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/jobs/{job_id}", headers=READ).json()  # type: ignore[attr-defined]
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"job {job_id} still {body['status']} after {timeout_s} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`planner serve` in a subprocess: the same code path a user runs."""

    def __init__(self, database_url: str, log: Path, keys: str = KEYS):
        self.database_url = database_url
        self.log = log
        self.keys = keys  # PLANNER_API_KEYS
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting for it: `wait_ready` waits (see SpareServers)."""
        env = {**os.environ, "DATABASE_URL": self.database_url, "PLANNER_API_KEYS": self.keys}
        env.pop("PLANNER_API_KEYS_FILE", None)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "planner",
                    "serve",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )

    def wait_ready(self) -> None:
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited:\n" + self.log.read_text(errors="replace"))
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("server did not come up:\n" + self.log.read_text(errors="replace"))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


class SpareServers:
    """Hands out `planner serve` processes that booted while the previous test ran. Each one is
    still a server of its own on an empty SQLite database, started as a user starts it; only its
    start-up (the imports, about 2 s on CI and 5-15 s on a loaded machine, most of a browser
    test's set-up) no longer waits in line. One spare boots at a time; the last is stopped unused."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.spare: Server | None = None
        self.made = 0

    def _launch(self) -> Server:
        self.made += 1
        folder = self.folder / f"server{self.made}"
        folder.mkdir()
        srv = Server(f"sqlite:///{folder / 'served.db'}", folder / "server.log")
        srv.launch()
        return srv

    def take(self) -> Server:
        """A running server with an empty database, the caller's to stop."""
        srv, self.spare = self.spare or self._launch(), None
        try:
            srv.wait_ready()
        except AssertionError:
            srv.stop()
            raise
        self.spare = self._launch()
        return srv

    def close(self) -> None:
        if self.spare is not None:
            self.spare.stop()
            self.spare = None


@pytest.fixture
def server(spare_servers: SpareServers) -> Iterator[Server]:
    """A fresh `planner serve` on an empty SQLite database (spare_servers: tests/conftest.py)."""
    srv = spare_servers.take()
    try:
        yield srv
    finally:
        srv.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
