"""Fixtures for the end-to-end suite: a fresh server per test module and backend.

The suite drives a real server process with the real `mlflow` client. By default the server is
`inet server` (binary from $INET_BIN, default build/release/src/cli/inet), started with
`--port 0 --data-dir <tmp>` and, for the "postgres" backend, `--db <fresh database>` created on
the PostgreSQL server named by $INET_TEST_POSTGRES_URI. With INET_E2E_REFERENCE=mlflow the same
tests run against the reference `mlflow server` instead (no auth), which is how the tests
themselves are validated; tests marked `reference_incompatible` are skipped there.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
REFERENCE = os.environ.get("INET_E2E_REFERENCE", "").strip().lower() == "mlflow"
ADMIN_TOKEN = os.environ.get("INET_E2E_ADMIN_TOKEN") or "e2e-" + secrets.token_hex(16)
# The reference server (Python, several workers) can take minutes to start on a busy machine.
START_TIMEOUT_S = float(os.environ.get("INET_E2E_START_TIMEOUT", "300" if REFERENCE else "90"))
STOP_TIMEOUT_S = 60.0

# The client must fail fast in tests instead of retrying a 5xx for minutes (its default is
# 7 retries with exponential backoff); a server error should surface as a test failure.
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "120")
os.environ["MLFLOW_TRACKING_TOKEN"] = ADMIN_TOKEN
os.environ.pop("MLFLOW_TRACKING_USERNAME", None)
os.environ.pop("MLFLOW_TRACKING_PASSWORD", None)
# Keep the client from inventing a tracking URI or an experiment from the environment.
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("MLFLOW_EXPERIMENT_NAME", None)
os.environ.pop("MLFLOW_EXPERIMENT_ID", None)

_LISTENING = re.compile(r"listening on (http://[^\s/]+)")


def inet_binary() -> Path:
    path = Path(os.environ.get("INET_BIN", REPO / "build/release/src/cli/inet"))
    if not path.is_absolute():
        path = REPO / path
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "reference_incompatible: needs behaviour the reference mlflow server lacks (auth, body "
        "limits, crash recovery); skipped when INET_E2E_REFERENCE=mlflow",
    )


def pytest_collection_modifyitems(config, items):
    if not REFERENCE:
        return
    skip = pytest.mark.skip(reason="not applicable to the reference mlflow server")
    for item in items:
        if "reference_incompatible" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    if REFERENCE:
        return "inet e2e: against the reference `mlflow server`"
    return f"inet e2e: against {inet_binary()}"


class ServerProcess:
    """One server process on a data directory that outlives restarts.

    `start()` launches it and waits until /health answers; `stop()` sends SIGTERM and returns the
    exit code; `kill()` sends SIGKILL (crash simulation). `url` changes on every start because
    the port is chosen anew.
    """

    def __init__(self, workdir: Path, backend: str, db_uri: str | None,
                 extra_args: list[str] | None = None, command_prefix: list[str] | None = None):
        self.workdir = workdir
        self.extra_args = list(extra_args or [])
        # Prepended to the server's command line, e.g. setpriv to run it as another user.
        self.command_prefix = list(command_prefix or [])
        self.backend = backend
        self.db_uri = db_uri
        self.data_dir = workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0 and not REFERENCE:
            os.chmod(workdir, 0o711)  # the job user passes through to <data-dir>/jobs
        # Where artifact bytes end up: inet's default is <data-dir>/artifacts.
        self.artifacts_dir = self.data_dir / "artifacts"
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.log_path: Path | None = None
        self.starts = 0

    # -- lifecycle -------------------------------------------------------------------------

    def _command(self) -> tuple[list[str], str | None]:
        if REFERENCE:
            port = free_port()
            if self.backend == "postgres":
                store = self.db_uri.replace("postgresql://", "postgresql+psycopg://", 1)
            else:
                store = f"sqlite:///{self.data_dir / 'mlflow.db'}"
            mlflow_cli = Path(sys.executable).parent / "mlflow"
            cmd = [
                str(mlflow_cli), "server", "--host", "127.0.0.1", "--port", str(port),
                "--backend-store-uri", store,
                "--artifacts-destination", str(self.artifacts_dir),
                "--workers", "1",
            ]
            return cmd, f"http://127.0.0.1:{port}"
        binary = inet_binary()
        if not binary.exists():
            pytest.fail(f"inet binary not found at {binary}; build it or set INET_BIN")
        cmd = [str(binary), "server", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(self.data_dir)]
        if self.backend == "postgres":
            cmd += ["--db", self.db_uri]
        return self.command_prefix + cmd + self.extra_args, None

    def start(self) -> str:
        assert self.proc is None, "already running"
        cmd, url = self._command()
        self.starts += 1
        self.log_path = self.workdir / f"server-{self.starts}.log"
        env = dict(os.environ, INET_ADMIN_TOKEN=ADMIN_TOKEN)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while url is None:
            match = _LISTENING.search(self.log_text())
            if match:
                url = match.group(1)
                break
            self._check_alive_or_fail(deadline, "print its 'listening on' line")
            time.sleep(0.05)
        while True:
            try:
                if requests.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            self._check_alive_or_fail(deadline, "answer /health")
            time.sleep(0.1)
        self.url = url
        return url

    def _check_alive_or_fail(self, deadline: float, what: str) -> None:
        if self.proc.poll() is not None:
            code = self.proc.returncode
            self.proc = None
            pytest.fail(f"server exited with {code} before it would {what}:\n{self.log_tail()}")
        if time.monotonic() > deadline:
            self.kill()
            pytest.fail(f"server did not {what} within {START_TIMEOUT_S}s:\n{self.log_tail()}")

    def stop(self) -> int:
        """SIGTERM, wait, and return the exit code (SIGKILL after STOP_TIMEOUT_S)."""
        if self.proc is None:
            return 0
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._kill_group(proc)
            proc.wait()
            code = f"still running {STOP_TIMEOUT_S}s after SIGTERM"
        if REFERENCE:
            self._kill_group(proc)  # uvicorn workers of the reference server
        return code

    def kill(self) -> None:
        """SIGKILL: a crash without any chance to flush or clean up."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()
        self._kill_group(proc)

    @staticmethod
    def _kill_group(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    # -- raw HTTP ------------------------------------------------------------------------

    def session(self, token: str | None = ADMIN_TOKEN) -> requests.Session:
        s = requests.Session()
        if token is not None:
            s.headers["Authorization"] = f"Bearer {token}"
        return s

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A raw request to `path` (e.g. /api/2.0/mlflow/runs/get) with the admin token."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Authorization", f"Bearer {ADMIN_TOKEN}")
        kwargs.setdefault("timeout", 60)
        return requests.request(method, self.url + path, headers=headers, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _job_user_can_reach_test_dirs(tmp_path_factory):
    """As root, the server runs jobs as the unprivileged job user (inet-job), which must pass
    through the test's temporary directories (pytest makes them 0700) to reach the job
    workspaces under each server's data directory."""
    if os.geteuid() == 0 and not REFERENCE:
        base = tmp_path_factory.getbasetemp()
        for path in (base, base.parent):
            os.chmod(path, 0o711)


@pytest.fixture
def tmp_path(tmp_path):
    """pytest's tmp_path, writable by the job user too: tests hand it to jobs for marker
    files."""
    if os.geteuid() == 0 and not REFERENCE:
        os.chmod(tmp_path, 0o777)
    return tmp_path


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request) -> str:
    if request.param == "postgres" and not os.environ.get("INET_TEST_POSTGRES_URI"):
        if os.environ.get("INET_E2E_REQUIRE_POSTGRES") == "1":
            pytest.fail("INET_TEST_POSTGRES_URI is not set but INET_E2E_REQUIRE_POSTGRES=1")
        pytest.skip("INET_TEST_POSTGRES_URI is not set (scripts/test.sh starts PostgreSQL)")
    return request.param


@contextlib.contextmanager
def fresh_postgres_database(backend: str):
    """A fresh PostgreSQL database (None on other backends), dropped after."""
    if backend != "postgres":
        yield None
        return
    import psycopg

    base = os.environ["INET_TEST_POSTGRES_URI"]
    name = "e2e_" + secrets.token_hex(6)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(base)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def postgres_db(backend):
    """A fresh PostgreSQL database for one module (None on other backends), dropped after.
    Servers started on it share it like replicas: only one of them runs jobs."""
    with fresh_postgres_database(backend) as uri:
        yield uri


@pytest.fixture(scope="module")
def server(backend, postgres_db, tmp_path_factory):
    """A running server with an empty store; stopped with SIGTERM after the module."""
    srv = ServerProcess(tmp_path_factory.mktemp(f"server-{backend}"), backend, postgres_db)
    srv.start()
    yield srv
    code = srv.stop()
    if not REFERENCE:
        assert code == 0, f"server did not exit cleanly on SIGTERM: {code}\n{srv.log_tail()}"


@pytest.fixture
def tracking(server):
    """Points the fluent API at `server` and returns an MlflowClient for it."""
    import mlflow

    mlflow.set_tracking_uri(server.url)
    yield mlflow.MlflowClient(server.url)
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def experiment_id(tracking, request):
    """A fresh experiment, also made the fluent API's active experiment."""
    import mlflow

    name = f"{request.node.name}-{secrets.token_hex(4)}"
    exp = mlflow.set_experiment(name)
    return exp.experiment_id
