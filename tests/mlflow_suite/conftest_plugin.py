"""pytest plugin that points MLflow's own REST test-suite at an external server.

MLflow's `tests/tracking/test_rest_tracking.py` (and `test_model_registry.py`) build their
`mlflow_client` / `client` fixtures from two helpers: `initialize_backend_stores(backend_uri,
default_artifact_root=...)` from `mlflow.server.handlers`, then `ServerThread(app, port)` from
`tests.tracking.integration_test_utils`, which runs MLflow's FastAPI app in-process and yields its
URL. Fixtures defined inside a test module cannot be overridden from outside, so this plugin
replaces the two helpers in `pytest_configure`, before the test modules import them:

* `initialize_backend_stores` only records the artifact root the test asked for;
* `ServerThread` starts a fresh `inet server` process per test (`--port 0`, a temporary data
  directory and SQLite database, `--default-artifact-root` = the recorded root, which is the
  test's `file://` tmp dir, so the client writes artifact files itself and the server lists and
  reads them) and stops it with SIGTERM afterwards. A server that died during the test turns
  the teardown into an error that shows the tail of its log.

The server's admin token is fixed per session (INET_ADMIN_TOKEN for the server,
MLFLOW_TRACKING_TOKEN for the client), and because several tests call the REST API with plain
`requests`, every request to a server started here gets the bearer token unless it already has
an Authorization header.

Environment:
  INET_BIN               the inet binary (default build/release/src/cli/inet below this repo)
  INET_SUITE_REFERENCE   "mlflow" starts the real `mlflow server` (same venv) instead, to prove
                         the plumbing independently of the C++ server
  INET_SUITE_START_TIMEOUT_S  seconds to wait for a server to become healthy (default 300)
  INET_SUITE_KEEP_FILE   "1" keeps the `[file-store]` parametrisations (deselected by default:
                         the server has one metadata store, chosen by its own flags)

Load it with `-p conftest_plugin` and this directory on PYTHONPATH
(scripts/run-mlflow-rest-suite.sh does both).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

_REPO_ROOT = Path(__file__).resolve().parents[2]
# Generous: `mlflow server` imports take minutes on a loaded 2-core machine; inet starts in ms.
_START_TIMEOUT_S = float(os.environ.get("INET_SUITE_START_TIMEOUT_S", "300"))
_STOP_TIMEOUT_S = 15.0

_state: dict[str, Any] = {
    "artifact_root": None,  # recorded by the fake initialize_backend_stores
    "token": secrets.token_hex(16),
    "urls": set(),  # base URLs of servers started by this plugin (guarded by _lock)
}
_lock = threading.Lock()


def _reference_mode() -> bool:
    return os.environ.get("INET_SUITE_REFERENCE", "") == "mlflow"


def _inet_bin() -> str:
    return os.environ.get("INET_BIN", str(_REPO_ROOT / "build/release/src/cli/inet"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"(no log: {e})"
    return text[-limit:]


class ExternalServer:
    """Drop-in for tests.tracking.integration_test_utils.ServerThread.

    Same constructor and context-manager protocol: `with ExternalServer(app, port) as url`.
    `app` and `port` are ignored: the server is a separate process that picks its own port.
    Not thread-safe; one instance per fixture, as ServerThread is used.
    """

    def __init__(self, app: Any = None, port: int | None = None):
        del app, port
        self.url: str | None = None
        self._proc: subprocess.Popen | None = None
        self._data_dir = Path(tempfile.mkdtemp(prefix="inet-suite-"))
        self._log_path = self._data_dir / "server.log"
        self._log_file = None

    def __enter__(self) -> str:
        artifact_root = _state["artifact_root"]
        if artifact_root is None:
            raise RuntimeError(
                "ServerThread was entered before initialize_backend_stores recorded an "
                "artifact root; the suite's fixture changed shape, update conftest_plugin.py"
            )
        db_uri = f"sqlite:///{self._data_dir / 'db'}"
        self._log_file = open(self._log_path, "wb")
        env = dict(os.environ)
        if _reference_mode():
            port = _free_port()
            cmd = [
                sys.executable, "-m", "mlflow", "server",
                "--host", "127.0.0.1", "--port", str(port),
                "--backend-store-uri", db_uri,
                "--default-artifact-root", artifact_root,
                "--workers", "1",
            ]
            expected_url = f"http://127.0.0.1:{port}"
            # GenAI background jobs: irrelevant here, and they fork seven processes per server.
            env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        else:
            cmd = [
                _inet_bin(), "server",
                "--host", "127.0.0.1", "--port", "0",
                "--data-dir", str(self._data_dir),
                "--backend-store-uri", db_uri,
                "--default-artifact-root", artifact_root,
            ]
            env["INET_ADMIN_TOKEN"] = _state["token"]
            expected_url = None
        try:
            # Own session so that _stop() can end the whole group (mlflow server forks).
            self._proc = subprocess.Popen(
                cmd, stdout=self._log_file, stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as e:
            raise RuntimeError(f"cannot start {cmd[0]}: {e}") from e
        try:
            self.url = self._wait_until_up(expected_url)
        except BaseException:
            self._stop()
            raise
        with _lock:
            _state["urls"].add(self.url)
        return self.url

    def _wait_until_up(self, url: str | None) -> str:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self._proc.returncode} during start-up:\n"
                    + _log_tail(self._log_path)
                )
            if url is None:
                url = self._url_from_log()
            if url is not None:
                try:
                    if requests.get(url + "/health", timeout=1).status_code == 200:
                        return url
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        self._stop()
        raise RuntimeError(
            f"server not healthy within {_START_TIMEOUT_S:.0f}s:\n" + _log_tail(self._log_path)
        )

    def _url_from_log(self) -> str | None:
        # inet prints `... listening on http://HOST:PORT` with the port it picked (other log
        # lines say "listening on HOST:PORT" without the scheme: not the one to use).
        marker = "listening on "
        for line in _log_tail(self._log_path, 20000).splitlines():
            at = line.find(marker + "http://")
            if at >= 0:
                return line[at + len(marker):].split()[0].rstrip("/")
        return None

    def _stop(self) -> int | str | None:
        """SIGTERM to the server, SIGKILL after a grace period; returns its exit code."""
        if self._proc is None:
            return None
        hung = False
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                hung = True
        try:  # the rest of its group (reference server workers), or the hung server itself
            os.killpg(self._proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._proc.wait()
        return "hung on SIGTERM" if hung else self._proc.returncode

    def __exit__(self, exc_type, exc, tb) -> None:
        died_early = self._proc is not None and self._proc.poll() is not None
        code = self._stop()
        with _lock:
            _state["urls"].discard(self.url)
        if self._log_file is not None:
            self._log_file.close()
        log = _log_tail(self._log_path)
        shutil.rmtree(self._data_dir, ignore_errors=True)
        if died_early and exc_type is None:
            raise RuntimeError(f"server died during the test (exit {code}):\n{log}")
        # A crash or hang on SIGTERM is a server bug worth a failure; the reference server's
        # exit code after SIGTERM is not ours to judge.
        if not _reference_mode() and code not in (0, None) and exc_type is None:
            raise RuntimeError(f"server exited with {code} after SIGTERM:\n{log}")


def _record_backend_stores(backend_store_uri: str, default_artifact_root: str | None = None,
                           *args: Any, **kwargs: Any) -> None:
    """Stand-in for mlflow.server.handlers.initialize_backend_stores: remember the root only.

    The backend URI the test computed (a copied MLflow SQLite schema or a file store) is not
    for us: the external server always starts on its own fresh database.
    """
    del backend_store_uri, args, kwargs
    _state["artifact_root"] = default_artifact_root


def _install_auth_header() -> None:
    """Adds the bearer token to plain `requests` calls aimed at servers started here."""
    original = requests.Session.request

    def request(self, method, url, *args, **kwargs):
        with _lock:
            ours = any(str(url).startswith(u) for u in _state["urls"] if u)
        if ours:
            headers = dict(kwargs.get("headers") or {})
            if not any(k.lower() == "authorization" for k in headers) and kwargs.get("auth") is None:
                headers["Authorization"] = f"Bearer {_state['token']}"
                kwargs["headers"] = headers
        return original(self, method, url, *args, **kwargs)

    requests.Session.request = request


def pytest_configure(config: pytest.Config) -> None:
    # The suite's modules are imported relative to the MLflow checkout (pytest's rootdir).
    root = str(config.rootpath)
    if root not in sys.path:
        sys.path.insert(0, root)

    import mlflow.server.handlers as handlers
    import tests.tracking.integration_test_utils as integration_test_utils

    handlers.initialize_backend_stores = _record_backend_stores
    integration_test_utils.ServerThread = ExternalServer
    if not _reference_mode():
        os.environ["MLFLOW_TRACKING_TOKEN"] = _state["token"]
        _install_auth_header()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("INET_SUITE_KEEP_FILE", "") == "1":
        return
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        (drop if any(v == "file" for v in params.values()) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    target = "reference mlflow server" if _reference_mode() else f"inet server {_inet_bin()}"
    return f"conftest_plugin: every mlflow_client/client fixture talks to a fresh {target}"
