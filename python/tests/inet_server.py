"""Starts a real `inet server` for the integration tests.

The binary comes from $INET_BIN (default build/release/src/cli/inet in the repository). The
server listens on a free port (--port 0) with a temporary --data-dir and a known admin token;
its address is read from its "listening on" line. Its executor gets one configured GPU (no real
GPU needed) and runs .py scripts with this interpreter (which has mlflow); $INET_SERVER_ARGS,
when set, replaces those flags.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = float(os.environ.get("INET_E2E_START_TIMEOUT", "90"))
_LISTENING = re.compile(r"listening on (http://[^\s/]+)")


def inet_binary() -> Path:
    path = Path(os.environ.get("INET_BIN", REPO / "build/release/src/cli/inet"))
    return path if path.is_absolute() else REPO / path


class InetServer:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.token = "sdk-" + secrets.token_hex(16)
        self.url: Optional[str] = None
        self.proc: Optional[subprocess.Popen] = None
        self.log_path = workdir / "server.log"

    def start(self) -> "InetServer":
        binary = inet_binary()
        if not binary.exists():
            pytest.skip(f"inet binary not found at {binary}: build it (cmake --preset release "
                        "&& cmake --build build/release) or set INET_BIN")
        cmd = [str(binary), "server", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(self.workdir / "data")]
        extra = os.environ.get("INET_SERVER_ARGS")
        cmd += shlex.split(extra) if extra is not None else ["--gpus", "1", "--python",
                                                             sys.executable]
        env = dict(os.environ, INET_ADMIN_TOKEN=self.token)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.url is None:
            match = _LISTENING.search(self.log_text())
            if match:
                self.url = match.group(1)
            else:
                self._check(deadline)
                time.sleep(0.05)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            self._check(deadline)
            time.sleep(0.1)

    def _check(self, deadline: float) -> None:
        if self.proc.poll() is not None:
            pytest.fail(f"inet server exited with {self.proc.returncode}:\n{self.log_text()}")
        if time.monotonic() > deadline:
            self.stop()
            pytest.fail(f"inet server not ready within {START_TIMEOUT_S}s:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything the server left in its group
        except (ProcessLookupError, PermissionError):
            pass
