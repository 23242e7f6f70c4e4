"""End-to-end tests of job costs and runaway protection, on SQLite and PostgreSQL.

A server with a configured GPU and a deliberately high GPU price runs a job that declares a
--max-cost: the controller stops it with stop reason `max_cost`, the ledger tags its MLflow run
with `inet.cost_usd`, and the alert reaches a local HTTP receiver as Slack-compatible JSON.
"""

from __future__ import annotations

import http.server
import json
import queue
import subprocess
import sys
import threading

import pytest

from conftest import REFERENCE, ServerProcess
from test_jobs import cli, get_job, wait_state

pytestmark = pytest.mark.reference_incompatible  # costs are inet's own API

WAIT_S = 120.0


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Records each POSTed JSON body; the first POST is answered 500 to exercise the retry."""

    bodies: "queue.Queue[dict]"
    posts = 0
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with _Receiver.lock:
            _Receiver.posts += 1
            first = _Receiver.posts == 1
        if first:
            self.send_response(500)
            self.end_headers()
            return
        self.bodies.put({"content_type": self.headers.get("Content-Type"),
                         "json": json.loads(body)})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def webhook():
    _Receiver.bodies = queue.Queue()
    _Receiver.posts = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/alerts", _Receiver.bodies
    httpd.shutdown()


@pytest.fixture(scope="module")
def costs_server(backend, postgres_db, tmp_path_factory, webhook):
    if REFERENCE:
        pytest.skip("costs are not part of the reference mlflow server")
    url, _ = webhook
    # $36,000 per GPU-hour is $10 a second: the first accrual of a running job (a second after
    # it started) passes $1.
    srv = ServerProcess(tmp_path_factory.mktemp(f"costs-{backend}"), backend, postgres_db,
                        extra_args=["--gpus", "1", "--python", sys.executable,
                                    "--price-gpu-hour", "*=36000", "--cost-accrual-seconds", "1",
                                    "--alert-webhook", url])
    srv.start()
    yield srv
    code = srv.stop()
    assert code == 0, f"server did not exit cleanly on SIGTERM: {code}\n{srv.log_tail()}"


def test_max_cost_stops_the_job_and_alerts_the_webhook(costs_server, webhook):
    _, bodies = webhook
    out = cli(costs_server, "platform", "train", "--name", "runaway", "--gpu", "1",
              "--max-cost", "1", "--no-code", "--json", "--", "sleep", "600")
    job_id = json.loads(out.stdout)["job"]["job_id"]
    job = wait_state(costs_server, job_id, "Cancelled", timeout=WAIT_S)
    assert job["stop_reason"] == "max_cost", job
    assert "reached the job's --max-cost of $1.00" in job["reason"], job

    # The first delivery is refused (HTTP 500); the retry brings it.
    alert = bodies.get(timeout=WAIT_S)
    assert alert["content_type"] == "application/json"
    assert list(alert["json"]) == ["text"]
    assert alert["json"]["text"].startswith(f"Stopping job {job_id} of team default: cost $")
    assert "reached the job's --max-cost of $1.00" in alert["json"]["text"]

    run_id = get_job(costs_server, job_id)["mlflow"]["run_id"]
    res = costs_server.api("GET", "/api/2.0/mlflow/runs/get", params={"run_id": run_id})
    assert res.status_code == 200, res.text
    tags = {t["key"]: t["value"] for t in res.json()["run"]["data"].get("tags", [])}
    assert float(tags["inet.cost_usd"]) >= 1.0, tags


def test_bad_price_flags_are_refused_with_the_fix(tmp_path):
    for args, message in [
        (["--price-gpu-hour", "H100"], "MODEL=USD"),
        (["--price-cpu-hour", "-1"], "--price-cpu-hour must be a non-negative USD amount"),
        (["--budget-ceiling-percent", "50"], "--budget-ceiling-percent must be 0"),
        (["--cost-accrual-seconds", "0"], "--cost-accrual-seconds must be at least 1"),
        (["--alert-webhook", "ftp://x"], "--alert-webhook must be an http:// or https:// URL"),
    ]:
        srv = ServerProcess(tmp_path / args[0].strip("-"), "sqlite", None, extra_args=args)
        cmd, _ = srv._command()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
