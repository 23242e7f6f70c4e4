"""Crash and shutdown safety: every batch the server acknowledged is stored after a restart,
whether the server was killed with SIGKILL or stopped with SIGTERM under load; and slow or
streaming peers (stalled uploads, log followers) never stall other requests."""

import collections
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import ADMIN_TOKEN
from mlflow import MlflowClient

LOAD_CLIENT = Path(__file__).with_name("load_client.py")


def _acks(path: Path) -> dict[str, set[int]]:
    steps = collections.defaultdict(set)
    for line in path.read_text().splitlines():
        run_id, first, last = line.split()
        steps[run_id].update(range(int(first), int(last) + 1))
    return steps


def _run_load_then(server, tmp_path, stop_server, min_acks=30):
    """Starts the load client, waits for `min_acks` acknowledged batches, calls stop_server()
    while the load continues, restarts the server and returns (acknowledged steps, client)."""
    exp = MlflowClient(server.url).create_experiment(f"crash-{secrets.token_hex(4)}")
    ack_file = tmp_path / "acks.txt"
    ack_file.touch()
    load = subprocess.Popen(
        [sys.executable, str(LOAD_CLIENT), server.url, exp, str(ack_file),
         "--threads", "4", "--seconds", "300", "--batch", "200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(ack_file.read_text().splitlines()) < min_acks:
            assert load.poll() is None, load.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "load client made too little progress"
            time.sleep(0.05)
        result = stop_server()
        load.wait(timeout=300)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    acked = _acks(ack_file)
    assert acked, "no batch was acknowledged"
    server.start()
    return acked, MlflowClient(server.url), result


def _assert_all_stored(client, acked):
    for run_id, steps in acked.items():
        history = client.get_metric_history(run_id, "m")
        stored = [m.step for m in history]
        missing = steps - set(stored)
        assert not missing, (
            f"run {run_id}: {len(missing)} acknowledged points lost, e.g. {sorted(missing)[:5]}")
        assert len(stored) == len(set(stored)), f"run {run_id}: duplicated points"
        for m in history:
            assert m.value == float(m.step)


@pytest.mark.reference_incompatible
def test_acknowledged_batches_survive_kill_9(server, tmp_path):
    acked, client, _ = _run_load_then(server, tmp_path, server.kill)
    _assert_all_stored(client, acked)
    # The restarted server keeps accepting writes to the same runs.
    run_id = next(iter(acked))
    client.log_metric(run_id, "after-restart", 1.0)
    assert client.get_run(run_id).data.metrics["after-restart"] == 1.0


@pytest.mark.reference_incompatible
def test_sigterm_under_load_exits_cleanly_and_keeps_acknowledged_data(server, tmp_path):
    acked, client, code = _run_load_then(server, tmp_path, server.stop)
    assert code == 0, f"exit code on SIGTERM under load: {code}"
    _assert_all_stored(client, acked)


# -- slow and streaming peers ------------------------------------------------------------------


def _open(server, request: bytes) -> socket.socket:
    url = urllib.parse.urlsplit(server.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=60)
    sock.sendall(request)
    return sock


def _read_head(sock: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(4096)
        assert data, f"connection closed before the response head: {head!r}"
        head += data
    return head


@pytest.mark.reference_incompatible
def test_health_answers_while_slow_uploaders_and_100_log_followers_hold_connections(server):
    """Uploads that send 3 bytes of 1,000,000 and then nothing (with a token, and without one
    through an mpu/part URL), and 100 clients following a silent job's log: none of them holds
    a request worker, so /health and the API keep answering (a server whose workers they held
    would leave these requests waiting for tens of seconds, past the client timeouts)."""
    host = urllib.parse.urlsplit(server.url).netloc
    auth = f"Authorization: Bearer {ADMIN_TOKEN}\r\n"
    res = server.api("POST", "/api/v1/jobs",
                     json={"name": "silent", "command": ["sleep", "300"]})
    assert res.status_code == 201, res.text
    job_id = res.json()["job"]["job_id"]
    deadline = time.monotonic() + 120
    while server.api("GET", f"/api/v1/jobs/{job_id}").json()["job"]["state"] != "Running":
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.1)
    socks = []
    try:
        for i in range(4):
            socks.append(_open(server, (
                f"PUT /api/2.0/mlflow-artifacts/artifacts/slow/{i}.bin HTTP/1.1\r\nHost: {host}\r\n"
                f"{auth}Content-Length: 1000000\r\n\r\nabc").encode()))
            socks.append(_open(server, (
                f"PUT /api/2.0/mlflow-artifacts/mpu/part/slow/{i}.bin?upload_id=x&part_number=1 "
                f"HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000000\r\n\r\nabc").encode()))
        followers = [_open(server, (
            f"GET /api/v1/jobs/{job_id}/logs?follow=true HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n"
        ).encode()) for _ in range(100)]
        socks += followers
        for sock in followers:
            assert _read_head(sock).startswith(b"HTTP/1.1 200"), "a follower was refused"
        session = server.session(token=None)
        for _ in range(20):
            assert session.get(server.url + "/health", timeout=10).status_code == 200
        got = server.api("GET", f"/api/v1/jobs/{job_id}", timeout=10)
        assert got.status_code == 200, got.text
    finally:
        for sock in socks:
            sock.close()
        server.api("POST", f"/api/v1/jobs/{job_id}/cancel")
