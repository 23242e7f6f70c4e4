"""Crash and shutdown safety: every batch the server acknowledged is stored after a restart,
whether the server was killed with SIGKILL or stopped with SIGTERM under load."""

import collections
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
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
