"""End-to-end tests of job costs and runaway protection, on SQLite and PostgreSQL.

A server with a configured GPU and a deliberately high GPU price runs a job that declares a
--max-cost: the controller stops it with stop reason `max_cost`, the ledger tags its MLflow run
with `inet.cost_usd`, and the alert reaches a local HTTP receiver as Slack-compatible JSON.
"""

from __future__ import annotations

import http.server
import json
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import ADMIN_TOKEN, REFERENCE, ServerProcess
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
def webhook(backend):
    """A local receiver per backend: each server's alerts arrive in their own queue."""
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
        (["--storage-sample-minutes", "0"], "--storage-sample-minutes must be at least 1"),
        (["--alert-webhook", "ftp://x"], "--alert-webhook must be an http:// or https:// URL"),
    ]:
        srv = ServerProcess(tmp_path / args[0].strip("-"), "sqlite", None, extra_args=args)
        cmd, _ = srv._command()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)


def _texts_about(bodies, needle: str, count: int) -> list[str]:
    texts: list[str] = []
    while len(texts) < count:
        text = bodies.get(timeout=WAIT_S)["json"]["text"]
        if needle in text:
            texts.append(text)
    return texts


def test_budget_refuses_submissions_warns_and_reports(costs_server, webhook):
    _, bodies = webhook
    created = cli(costs_server, "platform", "team", "create", "cost-team", "--monthly-budget", "5")
    assert "Budget of cost-team: $5.00 a month (submissions past it are refused)" in \
        created.stdout, created.stdout
    res = costs_server.api("GET", "/api/v1/teams/cost-team/budget")
    assert res.status_code == 200, res.text
    assert res.json()["budget"]["monthly_budget_usd"] == 5
    assert res.json()["budget"]["allow_overrun"] is False

    # Worst case: 1 GPU x 1 h x $36,000.00, far past the $5.00 left.
    refused = cli(costs_server, "platform", "train", "--name", "too-dear", "--team", "cost-team",
                  "--gpu", "1", "--timeout-hours", "1", "--no-code", "--", "sleep", "600",
                  check=False)
    assert refused.returncode != 0, refused.stdout
    assert ("worst case $36,000.00 (1 GPU x 1 h x $36,000.00) exceeds the $5.00 left of "
            "cost-team's $5.00 budget for ") in refused.stderr, refused.stderr
    assert "inet platform team set cost-team --monthly-budget" in refused.stderr

    bad = cli(costs_server, "platform", "team", "set", "cost-team", "--monthly-budget", "-3",
              check=False)
    assert bad.returncode != 0 and "--monthly-budget must be a non-negative USD amount" in \
        bad.stderr, bad.stderr
    cli(costs_server, "platform", "team", "set", "cost-team", "--monthly-budget", "5",
        "--allow-overrun")
    out = cli(costs_server, "platform", "train", "--name", "overrun", "--team", "cost-team",
              "--gpu", "1", "--timeout-hours", "1", "--max-cost", "3", "--no-code",
              "--", "sleep", "600").stdout
    assert re.search(r"^Budget: \$[0-9,.]+ of \$5\.00 this month \([0-9]+%\)$", out, re.M), out
    job_id = out.splitlines()[0].split(": ", 1)[1].strip()
    job = wait_state(costs_server, job_id, "Cancelled", timeout=WAIT_S)
    assert job["stop_reason"] == "max_cost", job

    # The first accrual passes 50, 80 and 100% at once: each warning fires once.
    warnings = _texts_about(bodies, "(warning at", 3)
    assert [w.rsplit("(warning at ", 1)[1] for w in warnings] == ["50%)", "80%)", "100%)"]
    assert all(w.startswith("Budget: $") and "team cost-team is past" in w for w in warnings)
    events = cli(costs_server, "platform", "events", job_id, "--team", "cost-team").stdout
    assert events.count("(warning at") == 3, events

    report = json.loads(cli(costs_server, "platform", "costs", "--team", "cost-team",
                            "--json").stdout)
    [team] = report["teams"]
    assert team["team"] == "cost-team" and team["monthly_budget_usd"] == 5
    assert team["total_usd"] >= 5 and team["percent_used"] >= 100, team
    assert [j["job_id"] for j in team["jobs"]] == [job_id]
    text = cli(costs_server, "platform", "costs", "--team", "cost-team").stdout
    assert text.startswith(f"cost-team, {report['month']}: $"), text
    assert "of $5.00 budget" in text and job_id in text, text

    bad_month = cli(costs_server, "platform", "costs", "--month", "2026-13", check=False)
    assert bad_month.returncode != 0 and "YYYY-MM" in bad_month.stderr
    res = costs_server.api("GET", "/api/v1/costs", params={"month": "12/2026"})
    assert res.status_code == 400, res.text
    res = costs_server.api("PUT", "/api/v1/teams/cost-team/budget",
                           json={"monthly_budget_usd": "lots"})
    assert res.status_code == 400, res.text

    # The SDK reads the same report and sets budgets.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    from inet_platform import Costs  # noqa: E402 (the checkout's SDK)
    sdk = Costs(url=costs_server.url, token=ADMIN_TOKEN)
    team_costs = sdk.get_costs(team="cost-team", month=report["month"]).team("cost-team")
    assert team_costs.budget.monthly_usd == 5 and team_costs.budget.allow_overrun
    assert [j.job_id for j in team_costs.jobs] == [job_id]
    assert team_costs.total_usd == team["total_usd"]
    assert sdk.set_budget("cost-team", 7.5).monthly_usd == 7.5
    assert sdk.set_budget("cost-team", None).monthly_usd is None
    assert sdk.get_budget("cost-team").monthly_usd is None
