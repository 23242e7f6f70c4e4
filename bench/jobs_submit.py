#!/usr/bin/env python3
"""Job submission benchmark: how fast `inet server`'s local executor turns a POST into a process.

Starts a fresh `inet server` (embedded defaults: SQLite, local artifacts, local executor) in a
temporary directory and measures, through the REST API:

  submit_to_start   p50/p99 of (first instruction of the job's process) - (just before the POST),
                    over --latency-jobs jobs submitted one at a time; each job is
                    `sh -c 'date +%s%N'`, whose output (a wall-clock timestamp taken on the same
                    machine) is read back from the job's log.
  spawn_baseline    the same measurement for `subprocess.Popen(["sh", "-c", "date +%s%N"])` from
                    this script: the floor any executor pays to start a process here. The ratio
                    submit_to_start / spawn_baseline is inet's overhead factor.
  queued_1000       --queue-jobs no-op jobs (`true`) submitted as fast as 4 client threads can,
                    each requesting one CPU so that at most <cores> run at once and the rest wait
                    in the queue: submissions/s accepted by the API and jobs/s completed
                    (first POST to last job Succeeded).

Usage:
  build the release binary (./scripts/run.sh builds it), then
  python3 bench/jobs_submit.py [--inet-bin build/release/src/cli/inet] [--quick]

Standard library only. Prints a Markdown table and writes JSON to bench/results/ (gitignored).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-" + secrets.token_hex(16)
TERMINAL = {"Succeeded", "Failed", "Cancelled", "TimedOut"}


class Api:
    """A keep-alive HTTP/1.1 connection per thread to the server's REST API."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        return conn

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=headers)
                res = conn.getresponse()
                return res.status, res.read()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        status, data = self.call(method, path, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:300]!r}")
        return json.loads(data)


def start_server(binary: Path, data_dir: Path) -> tuple[subprocess.Popen, str]:
    log = open(data_dir / "server.log", "wb")
    proc = subprocess.Popen(
        [str(binary), "server", "--port", "0", "--data-dir", str(data_dir), "--quiet"],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, INET_ADMIN_TOKEN=TOKEN),
        start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r"listening on (http://\S+)", (data_dir / "server.log").read_text())
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit(f"inet server did not start:\n{(data_dir / 'server.log').read_text()[-3000:]}")


def wait_terminal(api: Api, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.json("GET", f"/api/v1/jobs/{job_id}")["job"]
        if job["state"] in TERMINAL:
            return job
        time.sleep(0.02)
    raise RuntimeError(f"job {job_id} not finished after {timeout}s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_submit_to_start(api: Api, n: int) -> list[float]:
    latencies = []
    for i in range(n):
        t0 = time.time_ns()
        job = api.json("POST", "/api/v1/jobs", {"name": f"latency-{i}",
                                               "command": ["sh", "-c", "date +%s%N"]}, expect=201)
        job = wait_terminal(api, job["job"]["job_id"])
        if job["state"] != "Succeeded":
            raise RuntimeError(f"latency job failed: {job}")
        status, log = api.call("GET", f"/api/v1/jobs/{job['job_id']}/logs")
        stamps = re.findall(rb"^(\d{19})$", log, re.M)
        if status != 200 or not stamps:
            raise RuntimeError(f"no timestamp in the log of {job['job_id']}: {log[:300]!r}")
        latencies.append((int(stamps[-1]) - t0) / 1e6)
    return latencies


def measure_spawn_baseline(n: int) -> list[float]:
    latencies = []
    for _ in range(n):
        t0 = time.time_ns()
        out = subprocess.run(["sh", "-c", "date +%s%N"], capture_output=True, check=True).stdout
        latencies.append((int(out) - t0) / 1e6)
    return latencies


def measure_queue(api: Api, n: int) -> dict:
    t0 = time.monotonic()

    def submit(i: int) -> str:
        return api.json("POST", "/api/v1/jobs", {"name": f"noop-{i}", "command": ["true"],
                                                "resources": {"cpu": "1"}},
                        expect=201)["job"]["job_id"]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(submit, range(n)))
    submitted = time.monotonic() - t0
    remaining = set(ids)
    deadline = time.monotonic() + 1800
    while remaining and time.monotonic() < deadline:
        page = api.json("GET", "/api/v1/jobs?state=Pending&state=Queued&state=Running"
                               "&max_results=1000")
        remaining = {j["job_id"] for j in page["jobs"]} & remaining
        if remaining:
            time.sleep(0.2)
    if remaining:
        raise RuntimeError(f"{len(remaining)} no-op jobs still not finished after 30 min")
    finished = time.monotonic() - t0
    failed = api.json("GET", "/api/v1/jobs?state=Failed&max_results=1000")["jobs"]
    if failed:
        raise RuntimeError(f"{len(failed)} no-op jobs failed, e.g. {failed[0]}")
    return {"jobs": n, "submit_seconds": submitted, "submit_per_s": n / submitted,
            "complete_seconds": finished, "complete_per_s": n / finished}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inet-bin", default=str(REPO_ROOT / "build/release/src/cli/inet"))
    parser.add_argument("--latency-jobs", type=int, default=200)
    parser.add_argument("--queue-jobs", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="20 latency jobs, 100 queued")
    parser.add_argument("--keep", action="store_true", help="keep the server's data dir")
    args = parser.parse_args()
    if args.quick:
        args.latency_jobs, args.queue_jobs = 20, 100
    binary = Path(args.inet_bin).resolve()
    if not binary.exists():
        sys.exit(f"{binary} not found: build it first (./scripts/run.sh or cmake --build)")

    data_dir = Path(tempfile.mkdtemp(prefix="inet-jobs-bench-"))
    proc, url = start_server(binary, data_dir)
    load_before = os.getloadavg()[0]
    try:
        api = Api(url)
        measure_submit_to_start(api, 3)  # warm-up: first experiment, page cache
        inet_lat = measure_submit_to_start(api, args.latency_jobs)
        base_lat = measure_spawn_baseline(args.latency_jobs)
        queue = measure_queue(api, args.queue_jobs)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    load_after = os.getloadavg()[0]

    rows = {
        "submit_to_start_ms": {"p50": percentile(inet_lat, 0.5), "p99": percentile(inet_lat, 0.99),
                               "mean": statistics.fmean(inet_lat), "n": len(inet_lat)},
        "spawn_baseline_ms": {"p50": percentile(base_lat, 0.5), "p99": percentile(base_lat, 0.99),
                              "mean": statistics.fmean(base_lat), "n": len(base_lat)},
        "queue": queue,
    }
    ratio = rows["submit_to_start_ms"]["p50"] / rows["spawn_baseline_ms"]["p50"]
    print(f"\nMachine: {os.cpu_count()} CPUs, {platform.platform()}; "
          f"load average {load_before:.1f} before, {load_after:.1f} after\n")
    print("| row | p50 ms | p99 ms | n |")
    print("|---|---|---|---|")
    for name in ("submit_to_start_ms", "spawn_baseline_ms"):
        r = rows[name]
        print(f"| {name[:-3]} | {r['p50']:.1f} | {r['p99']:.1f} | {r['n']} |")
    print(f"\nsubmit_to_start p50 / spawn_baseline p50 = {ratio:.1f}x")
    print(f"{queue['jobs']} queued no-op jobs (1 CPU each): accepted {queue['submit_per_s']:.0f} "
          f"submissions/s, completed {queue['complete_per_s']:.1f} jobs/s "
          f"({queue['complete_seconds']:.1f} s in all)")

    out = REPO_ROOT / "bench/results" / (
        "jobs_submit-" + dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "ratio_p50": ratio, "load": [load_before, load_after],
                               "cpus": os.cpu_count()}, indent=2))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
