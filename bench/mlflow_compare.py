#!/usr/bin/env python3
"""Comparative benchmark: inet server vs `mlflow server` vs FastTrackML, same workload.

Each selected server is started fresh on its own SQLite database in a temporary directory on
this machine, driven by the same client workload, measured, and stopped; then the next one.
Rows (every throughput row uses the same fixed number of client worker processes, --workers):

  create_run       MlflowClient.create_run
  log_metric       MlflowClient.log_metric, one metric per call (synchronous)
  log_batch        raw POST /runs/log-batch with 1,000 metrics per call (pre-serialised: the
                   client's per-metric protobuf conversion would otherwise dominate the client CPU)
  log_batch_keys   the same with 1,000 distinct metric keys per call (one point each)
  search_runs      raw POST /runs/search over N runs (default 10,000), the body
                   MlflowClient.search_runs sends: filter "metrics.loss < 0.5", order_by
                   ["metrics.loss ASC"], max_results 100 (the client's response parsing is not
                   measured)
  metric_history   raw GET /metrics/get-history of one key holding N points (default 100,000),
                   following next_page_token like the client; the body is not parsed (points
                   counted in the bytes), as for search_runs, so the client's decoding is not
                   what is measured
  metric_history_decoded  the same with json.loads of every page (inet only unless
                   --decoded-all): the figure a Python client sees
  rss_1m_points    VmRSS of the server process tree (/proc/<pid>/status) after it stored
                   1,000,000 metric points through log_batch

The machine's ceiling for the same work is measured in the same run by bench/tracking_ceiling
(a small C++ program: the log_batch rows inserted straight into inet's SQLite schema in
1,000-row durable transactions, and the history read and encoded as JSON); each server's
log_batch, log_batch_keys and metric_history rows are reported as a share of it.

Worker processes, not threads, issue the requests so that the client's GIL does not cap the
fast servers; the client runs on the same machine as the server and shares its CPUs, so every
number includes the cost of a Python client (equal for every server).

With --team NAME, every request to inet is made in team NAME, as a member of it: the script
creates the team, a user "bench" in it and a token for them, and sends X-MLFLOW-WORKSPACE (the
mlflow client through MLFLOW_WORKSPACE) with that token, so every route pays its team checks
(a platform admin's requests skip them). mlflow server and FastTrackML have no teams and run as
without it.

Usage:
  bench/setup.sh                     # creates .venv-bench (mlflow + fasttrackml)
  .venv-bench/bin/python bench/mlflow_compare.py [--quick] [--servers inet,mlflow,fasttrackml]
                                                 [--team bench-team]

Results are printed as a table and written as JSON to bench/results/ (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVERS = ("inet", "mlflow", "fasttrackml")
TOKEN = uuid.uuid4().hex  # inet's admin token for this run; other servers ignore the header

# Every mlflow client in this process and its workers authenticates to inet with the token and
# surfaces a failed request at once instead of retrying it for minutes.
os.environ["MLFLOW_TRACKING_TOKEN"] = TOKEN
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "300")


@dataclass
class Sizes:
    """Bounded request counts (totals across all workers) and data-set sizes for one mode."""

    warmup: int
    create_run: int
    log_metric: int
    log_batch_calls: int
    search_population: int
    search_queries: int
    history_points: int
    history_fetches: int
    rss_points: int


FULL = Sizes(warmup=20, create_run=2000, log_metric=4000, log_batch_calls=200,
             search_population=10_000, search_queries=200, history_points=100_000,
             history_fetches=20, rss_points=1_000_000)
QUICK = Sizes(warmup=5, create_run=200, log_metric=400, log_batch_calls=20,
              search_population=1_000, search_queries=40, history_points=10_000,
              history_fetches=8, rss_points=100_000)


@dataclass
class Row:
    server: str
    row: str
    workers: int
    ops: int = 0
    wall_s: float = 0.0
    ops_per_s: float = 0.0
    points_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    value: float | None = None  # for single-value rows (RSS in MiB)
    note: str = ""
    error: str | None = None


# ---------------------------------------------------------------------------------------------
# Servers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process on a fresh SQLite database; a context manager that yields itself."""

    def __init__(self, kind: str, args: argparse.Namespace):
        self.kind = kind
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix=f"inet-bench-{kind}-"))
        self.log_path = self.dir / "server.log"
        self.url = ""
        self.proc: subprocess.Popen | None = None
        self.describe = ""
        # Who the workload acts as: the admin token and no team, or with --team (inet only) a
        # member's token and their team.
        self.token = TOKEN
        self.team = ""

    def _command(self) -> tuple[list[str], dict[str, str], str | None]:
        env = dict(os.environ)
        db = self.dir / "db.sqlite"
        if self.kind == "inet":
            binary = self.args.inet_bin
            env["INET_ADMIN_TOKEN"] = TOKEN
            cmd = [binary, "server", "--host", "127.0.0.1", "--port", "0",
                   "--data-dir", str(self.dir / "data"),
                   "--backend-store-uri", f"sqlite:///{db}", "--quiet"]
            return cmd, env, None
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        if self.kind == "mlflow":
            # The job runner (GenAI background jobs, seven huey consumer processes) has nothing
            # to do with tracking and would only compete for the CPUs.
            env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
            cmd = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                   "--port", str(port), "--backend-store-uri", f"sqlite:///{db}",
                   "--default-artifact-root", (self.dir / "artifacts").as_uri(),
                   # A loaded machine makes worker start-up exceed uvicorn's 5 s health-check and
                   # loop on restarts; the longer limit only matters while starting.
                   "--uvicorn-opts", "--no-access-log --timeout-worker-healthcheck 120"]
            if self.args.mlflow_workers:
                cmd += ["--workers", str(self.args.mlflow_workers)]
            return cmd, env, url
        fml = shutil.which("fml", path=str(Path(sys.executable).parent)) or shutil.which("fml")
        if fml is None:
            raise RuntimeError("fml (FastTrackML) not found; run bench/setup.sh")
        cmd = [fml, "server", "--listen-address", f"127.0.0.1:{port}",
               "--database-uri", f"sqlite://{db}",
               "--default-artifact-root", (self.dir / "artifacts").as_uri(),
               "--log-level", "warn"]
        return cmd, env, url

    def __enter__(self) -> "Server":
        cmd, env, url = self._command()
        self.describe = " ".join(cmd)
        # Own session: `mlflow server` forks uvicorn workers and job runners, and SIGTERM to
        # its parent alone leaves them running; the whole group is stopped in _stop().
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         stdin=subprocess.DEVNULL, cwd=self.dir,
                                         start_new_session=True)
        try:
            self.url = self._wait_up(url)
            if self.kind == "inet" and self.args.team:
                self._join_team(self.args.team)
        except BaseException:
            self._stop()
            raise
        return self

    def _join_team(self, team: str) -> None:
        """Creates `team` and a member "bench" of it, and acts as them from now on."""
        import requests

        admin = {"Authorization": f"Bearer {TOKEN}"}
        for path, body in (("/api/v1/users", {"name": "bench"}), ("/api/v1/teams", {"name": team}),
                           (f"/api/v1/teams/{team}/members", {"user": "bench"})):
            r = requests.post(self.url + path, json=body, headers=admin, timeout=30)
            if r.status_code not in (200, 201):
                raise RuntimeError(f"POST {path}: HTTP {r.status_code}: {r.text[:300]}")
        r = requests.post(self.url + "/api/v1/tokens", json={"user": "bench", "team": team},
                          headers=admin, timeout=30)
        if r.status_code != 201:
            raise RuntimeError(f"POST /api/v1/tokens: HTTP {r.status_code}: {r.text[:300]}")
        self.token, self.team = r.json()["token"], team

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def _wait_up(self, url: str | None) -> str:
        import requests

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}:\n"
                                   + self._log_tail())
            if url is None:  # inet prints the URL with the port it picked
                for line in self._log_tail().splitlines():
                    if "listening on http://" in line:
                        url = line.split("listening on ", 1)[1].split()[0].rstrip("/")
            if url is not None:
                try:
                    r = requests.post(url + "/api/2.0/mlflow/experiments/search",
                                      json={"max_results": 1}, timeout=2,
                                      headers={"Authorization": f"Bearer {TOKEN}"})
                    if r.status_code == 200:
                        return url
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.kind} not ready within 300 s:\n" + self._log_tail())

    def rss_mib(self) -> float:
        """VmRSS of the server process and all its descendants (mlflow runs worker processes)."""
        total_kib = 0
        pending = [self.proc.pid]
        while pending:
            pid = pending.pop()
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
                for task in Path(f"/proc/{pid}/task").iterdir():
                    children = (task / "children").read_text().split()
                    pending.extend(int(c) for c in children)
            except OSError:
                continue
        return total_kib / 1024.0

    def _stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:  # stragglers of the group (workers whose parent already exited)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def __exit__(self, *exc: Any) -> None:
        self._stop()
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Worker-process side: each task is (op, url, payload...) and returns per-request latencies.

_session = None
_clients: dict[str, Any] = {}


def _http():
    global _session
    if _session is None:
        import requests

        _session = requests.Session()
        _session.headers["Authorization"] = f"Bearer {TOKEN}"
    return _session


def _act_as(token: str, team: str) -> None:
    """Makes this process's raw requests and mlflow clients use `token`, in `team` ("": none)."""
    session = _http()
    session.headers["Authorization"] = f"Bearer {token}"
    os.environ["MLFLOW_TRACKING_TOKEN"] = token
    if team:
        session.headers["X-MLFLOW-WORKSPACE"] = team
        os.environ["MLFLOW_WORKSPACE"] = team
    else:
        session.headers.pop("X-MLFLOW-WORKSPACE", None)
        os.environ.pop("MLFLOW_WORKSPACE", None)


def _client(url: str):
    if url not in _clients:
        from mlflow import MlflowClient

        _clients[url] = MlflowClient(url)
    return _clients[url]


def _post(url: str, path: str, body: bytes | dict) -> dict:
    session = _http()
    if isinstance(body, bytes):
        r = session.post(url + path, data=body, headers={"Content-Type": "application/json"},
                         timeout=300)
    else:
        r = session.post(url + path, json=body, timeout=300)
    if r.status_code != 200:
        raise RuntimeError(f"POST {path}: HTTP {r.status_code}: {r.text[:300]}")
    return r.json() if r.content else {}


def _batch_body(run_id: str, key: str, first_step: int, n: int, ts: int,
                distinct_keys: bool = False) -> bytes:
    if distinct_keys:  # n keys, one point each, all at the batch's step
        metrics = [{"key": f"{key}_{i}", "value": random.random(), "timestamp": ts,
                    "step": first_step} for i in range(n)]
    else:
        metrics = [{"key": key, "value": random.random(), "timestamp": ts + i,
                    "step": first_step + i} for i in range(n)]
    return json.dumps({"run_id": run_id, "metrics": metrics}).encode()


def _search_body(experiment_id: str) -> bytes:
    """The JSON MlflowClient.search_runs sends for the search_runs row (its proto's field order)."""
    return json.dumps({"experiment_ids": [experiment_id], "filter": "metrics.loss < 0.5",
                       "run_view_type": "ACTIVE_ONLY", "max_results": 100,
                       "order_by": ["metrics.loss ASC"]}).encode()


_NEXT_PAGE_TOKEN = re.compile(rb'"next_page_token"\s*:\s*"([^"]*)"')


def _history(url: str, run_id: str, key: str, decode: bool) -> int:
    """Fetches one key's whole history, following next_page_token; returns the points seen.

    Raw (decode=False), as for search_runs: the body is not parsed; the points are counted as
    the occurrences of "timestamp" (every point has a non-zero one, so every server writes it)
    and the page token is read with a regular expression. decode=True runs json.loads on every
    page, as a client would.
    """
    session = _http()
    points, token = 0, None
    while True:
        params = {"run_id": run_id, "metric_key": key}
        if token:
            params["page_token"] = token
        # The body is read in one call (urllib3's read of the whole response, decompressed if
        # the server compressed it) rather than in requests' 10 KiB chunks, which cost the
        # client about 50 ms of CPU per 12 MB body here; the same for every server.
        with session.get(url + "/api/2.0/mlflow/metrics/get-history", params=params,
                         timeout=300, stream=True) as r:
            body = r.raw.read(decode_content=True)
        if r.status_code != 200:
            raise RuntimeError(f"get-history: HTTP {r.status_code}: {body[:300]!r}")
        if decode:
            doc = json.loads(body)
            points += len(doc.get("metrics", []))
            token = doc.get("next_page_token")
        else:
            points += body.count(b'"timestamp"')
            found = _NEXT_PAGE_TOKEN.search(body, max(0, body.rfind(b'"next_page_token"')))
            token = found.group(1).decode() if found else None
        if not token:
            return points


def _task(spec: tuple) -> tuple[list[float], str | None]:
    """Runs `count` requests of one kind; returns latencies in seconds and the first error."""
    op, url, count, ctx = spec
    latencies: list[float] = []
    _act_as(ctx["token"], ctx["team"])
    try:
        for i in range(count):
            t0 = time.perf_counter()
            if op == "create_run":
                _client(url).create_run(ctx["experiment_id"])
            elif op == "log_metric":
                _client(url).log_metric(ctx["run_id"], "m", random.random(),
                                        step=ctx["first_step"] + i)
            elif op == "log_batch":
                body = ctx["bodies"][i % len(ctx["bodies"])] if "bodies" in ctx else \
                    _batch_body(ctx["run_id"], ctx.get("key", "m"),
                                ctx["first_step"] + i * ctx["per_call"], ctx["per_call"],
                                ctx["ts"] + i * ctx["per_call"])
                _post(url, "/api/2.0/mlflow/runs/log-batch", body)
            elif op == "log_batch_keys":
                body = ctx["bodies"][i % len(ctx["bodies"])]
                _post(url, "/api/2.0/mlflow/runs/log-batch", body)
            elif op == "search_runs":
                r = _http().post(url + "/api/2.0/mlflow/runs/search", data=ctx["body"],
                                 headers={"Content-Type": "application/json"}, timeout=300)
                if r.status_code != 200 or b'"run_id"' not in r.content:
                    raise RuntimeError(f"search_runs: HTTP {r.status_code}: {r.text[:300]}")
            elif op in ("metric_history", "metric_history_decoded"):
                got = _history(url, ctx["run_id"], "h", decode=op == "metric_history_decoded")
                if got != ctx["expect"]:
                    raise RuntimeError(f"history has {got} points, expected {ctx['expect']}")
            elif op == "populate":
                # Setup for search_runs: a run with a metric, a param and a tag (raw requests).
                run = _post(url, "/api/2.0/mlflow/runs/create",
                            {"experiment_id": ctx["experiment_id"], "start_time": 1000 + i,
                             "user_id": "bench"})
                run_id = run["run"]["info"]["run_id"]
                _post(url, "/api/2.0/mlflow/runs/log-batch", {
                    "run_id": run_id,
                    "metrics": [{"key": "loss", "value": random.random(), "timestamp": 1,
                                 "step": 0}],
                    "params": [{"key": "lr", "value": str(random.choice([0.1, 0.01]))}],
                    "tags": [{"key": "team", "value": "bench"}]})
            else:
                raise ValueError(op)
            latencies.append(time.perf_counter() - t0)
    except Exception as e:  # reported in the table, the benchmark goes on
        return latencies, f"{type(e).__name__}: {e}"[:500]
    return latencies, None


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


class Runner:
    """Runs rows against one server with a fixed pool of worker processes."""

    def __init__(self, server: Server, pool, workers: int, sizes: Sizes):
        self.server = server
        self.pool = pool
        self.workers = workers
        self.sizes = sizes

    def _split(self, total: int) -> list[int]:
        base, extra = divmod(total, self.workers)
        return [base + (1 if w < extra else 0) for w in range(self.workers)]

    def run(self, op: str, total: int, ctx_for: Callable[[int], dict], warmup: int = 0,
            points_per_op: int | None = None, note: str = "") -> Row:
        url = self.server.url
        row = Row(self.server.kind, op, self.workers, note=note)
        identity = {"token": self.server.token, "team": self.server.team}
        base_ctx_for = ctx_for

        def ctx_for(w: int) -> dict:
            return {**base_ctx_for(w), **identity}

        if warmup:
            counts = self._split(warmup)
            for _, err in self.pool.map(_task, [(op, url, c, ctx_for(w))
                                                for w, c in enumerate(counts)]):
                if err:
                    row.error = f"warm-up: {err}"
                    return row
        counts = self._split(total)
        specs = [(op, url, c, ctx_for(w)) for w, c in enumerate(counts)]
        t0 = time.perf_counter()
        results = self.pool.map(_task, specs)
        row.wall_s = time.perf_counter() - t0
        latencies = sorted(x for lat, _ in results for x in lat)
        errors = [err for _, err in results if err]
        row.ops = len(latencies)
        if errors:
            row.error = errors[0]
        if row.ops:
            row.ops_per_s = row.ops / row.wall_s
            row.p50_ms = _percentile(latencies, 0.50) * 1000
            row.p99_ms = _percentile(latencies, 0.99) * 1000
            if points_per_op:
                row.points_per_s = row.ops_per_s * points_per_op
        return row


# ---------------------------------------------------------------------------------------------
# The workload


def _create_experiment(url: str, name: str) -> str:
    return _post(url, "/api/2.0/mlflow/experiments/create", {"name": name})["experiment_id"]


def _create_run(url: str, experiment_id: str) -> str:
    run = _post(url, "/api/2.0/mlflow/runs/create",
                {"experiment_id": experiment_id, "start_time": int(time.time() * 1000)})
    return run["run"]["info"]["run_id"]


def bench_server(server: Server, pool, args: argparse.Namespace, sizes: Sizes,
                 log: Callable[[str], None]) -> list[Row]:
    url = server.url
    _act_as(server.token, server.team)  # this process's setup requests
    r = Runner(server, pool, args.workers, sizes)
    rows: list[Row] = []
    now = int(time.time() * 1000)

    def done(row: Row) -> None:
        rows.append(row)
        status = f"error: {row.error}" if row.error else \
            f"{row.ops_per_s:,.1f} ops/s p50 {row.p50_ms:.2f} ms p99 {row.p99_ms:.2f} ms"
        log(f"  {server.kind:12s} {row.row:16s} {status}")

    exp = _create_experiment(url, "bench-writes")
    done(r.run("create_run", sizes.create_run, lambda w: {"experiment_id": exp},
               warmup=sizes.warmup, note="MlflowClient"))

    metric_runs = [_create_run(url, exp) for _ in range(args.workers)]
    step = {"next": 0}

    def metric_ctx(w: int) -> dict:
        step["next"] += 1_000_000
        return {"run_id": metric_runs[w], "first_step": step["next"]}

    done(r.run("log_metric", sizes.log_metric, metric_ctx, warmup=sizes.warmup,
               note="MlflowClient"))

    batch_runs = [_create_run(url, exp) for _ in range(args.workers)]

    def batch_ctx(w: int) -> dict:
        step["next"] += 10_000_000
        return {"run_id": batch_runs[w], "first_step": step["next"], "per_call": 1000,
                "ts": now}

    done(r.run("log_batch", sizes.log_batch_calls, batch_ctx, warmup=max(2, sizes.warmup // 4),
               points_per_op=1000, note="raw POST, 1,000 metrics/call"))

    keys_runs = [_create_run(url, exp) for _ in range(args.workers)]
    keys_warmup = max(2, sizes.warmup // 4)

    def keys_ctx(w: int) -> dict:
        # Bodies serialised before timing, each a new step so every point is stored.
        step["next"] += 10_000_000
        calls = sizes.log_batch_calls // args.workers + keys_warmup + 1
        return {"bodies": [_batch_body(keys_runs[w], "k", step["next"] + c, 1000, now + c,
                                       distinct_keys=True) for c in range(calls)]}

    done(r.run("log_batch_keys", sizes.log_batch_calls, keys_ctx, warmup=keys_warmup,
               points_per_op=1000, note="raw POST, 1,000 distinct keys/call"))

    # search_runs over a populated experiment.
    search_exp = _create_experiment(url, "bench-search")
    t0 = time.perf_counter()
    populate = r.run("populate", sizes.search_population, lambda w: {"experiment_id": search_exp})
    log(f"  {server.kind:12s} populated {populate.ops} runs in {time.perf_counter() - t0:.1f} s")
    if populate.error:
        rows.append(Row(server.kind, "search_runs", args.workers,
                        error=f"populating: {populate.error}"))
    else:
        done(r.run("search_runs", sizes.search_queries,
                   lambda w: {"body": _search_body(search_exp)}, warmup=sizes.warmup,
                   note=f"raw POST, {sizes.search_population:,} runs, 100 per page"))

    # get_metric_history of one key with history_points points.
    hist_run = _create_run(url, exp)
    t0 = time.perf_counter()
    fill = r.run("log_batch", sizes.history_points // 1000,
                 lambda w: {"run_id": hist_run, "key": "h", "first_step": w * 10_000_000,
                            "per_call": 1000, "ts": now})
    log(f"  {server.kind:12s} stored {fill.ops * 1000:,} history points in "
        f"{time.perf_counter() - t0:.1f} s")
    if fill.error:
        rows.append(Row(server.kind, "metric_history", args.workers,
                        error=f"filling: {fill.error}"))
    else:
        done(r.run("metric_history", sizes.history_fetches,
                   lambda w: {"run_id": hist_run, "expect": fill.ops * 1000},
                   warmup=min(2, sizes.warmup), points_per_op=fill.ops * 1000,
                   note=f"raw GET, {fill.ops * 1000:,} points, body not parsed"))
        if server.kind == "inet" or args.decoded_all:
            # The same fetches with the client's json.loads of every page: what a Python client
            # sees, bounded by its own decoding (the same cost for every server).
            done(r.run("metric_history_decoded", sizes.history_fetches,
                       lambda w: {"run_id": hist_run, "expect": fill.ops * 1000},
                       warmup=min(2, sizes.warmup), points_per_op=fill.ops * 1000,
                       note=f"raw GET + json.loads, {fill.ops * 1000:,} points"))

    # RSS after storing rss_points metric points in total on top of what the rows above stored.
    if server.kind == "inet" or args.rss_all:
        rss_run = _create_run(url, exp)
        stored = sum(x.ops * 1000 for x in rows if x.row == "log_batch") + fill.ops * 1000
        remaining = max(0, sizes.rss_points - stored)
        t0 = time.perf_counter()
        rss_fill = r.run("log_batch", remaining // 1000,
                         lambda w: {"run_id": rss_run, "key": f"r{w}", "first_step": 0,
                                    "per_call": 1000, "ts": now})
        stored += rss_fill.ops * 1000
        row = Row(server.kind, "rss_1m_points", args.workers, error=rss_fill.error,
                  note=f"after {stored:,} points")
        row.value = server.rss_mib()
        log(f"  {server.kind:12s} RSS {row.value:.1f} MiB after {stored:,} points "
            f"({time.perf_counter() - t0:.1f} s to store the rest)")
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Report

ROW_ORDER = ["create_run", "log_metric", "log_batch", "log_batch_keys", "search_runs",
             "metric_history", "metric_history_decoded", "rss_1m_points"]
# Rows measured against the machine's ceiling (bench/tracking_ceiling): row -> ceiling rows whose
# times add up to the same work.
CEILING_OF = {"log_batch": ["sqlite_insert_few_keys"],
              "log_batch_keys": ["sqlite_insert_many_keys"],
              "metric_history": ["history_read", "history_json"]}


def run_ceiling(binary: str, sizes: Sizes, log: Callable[[str], None]) -> dict[str, dict]:
    """Runs bench/tracking_ceiling with this mode's sizes; {row: {points, seconds, ...}}."""
    out = subprocess.run([binary, "--batches", str(sizes.log_batch_calls),
                          "--history-points", str(sizes.history_points)],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    rows = {(x := json.loads(line))["row"]: x for line in out.splitlines() if line.strip()}
    for name, x in rows.items():
        log(f"  ceiling      {name:24s} {x['points_per_s']:,.0f} points/s ({x['note']})")
    return rows


def ceiling_points_per_s(ceiling: dict[str, dict], row: str) -> float | None:
    parts = [ceiling.get(name) for name in CEILING_OF.get(row, [])]
    if not parts or any(p is None for p in parts):
        return None
    seconds = sum(p["seconds"] for p in parts)
    return parts[0]["points"] / seconds if seconds > 0 else None


def render_ceiling(rows: list[Row], servers: list[str], ceiling: dict[str, dict]) -> str:
    if not ceiling:
        return ""
    by = {(x.server, x.row): x for x in rows}
    lines = ["Share of the machine's ceiling (bench/tracking_ceiling, same sizes, no server):", "",
             "| row | ceiling pts/s | " + " | ".join(f"{s} pts/s (share)" for s in servers) + " |",
             "|" + "---|" * (2 + len(servers))]
    for name in CEILING_OF:
        limit = ceiling_points_per_s(ceiling, name)
        if limit is None:
            continue
        cells = [name, f"{limit:,.0f}"]
        for s in servers:
            x = by.get((s, name))
            if x is None or x.error or not x.points_per_s:
                cells.append("—")
            else:
                cells.append(f"{x.points_per_s:,.0f} ({100 * x.points_per_s / limit:.0f}%)")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(v: float | None, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def render_table(rows: list[Row], servers: list[str], workers: int) -> str:
    by = {(x.server, x.row): x for x in rows}
    lines = [f"Throughput with {workers} client worker processes; latency per request "
             "(p50 / p99, ms). Ratio = inet throughput ÷ other (>1: inet faster); for RSS, "
             "other ÷ inet (>1: inet smaller).", ""]
    header = ["row"] + [f"{s} ops/s" for s in servers] + [f"{s} p50/p99" for s in servers]
    others = [s for s in servers if s != "inet"]
    if "inet" in servers:
        header += [f"inet/{s}" for s in others]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for name in ROW_ORDER:
        if not any((s, name) in by for s in servers):
            continue
        label = name
        if name == "rss_1m_points":  # --quick stores fewer points: say how many
            notes = {x.note for s in servers if (x := by.get((s, name))) is not None}
            label = f"rss ({', '.join(sorted(notes))})"
        cells = [label]
        for s in servers:
            x = by.get((s, name))
            if x is None:
                cells.append("not run")
            elif x.error and not x.ops and x.value is None:
                cells.append("error")
            elif name == "rss_1m_points":
                cells.append(f"{x.value:,.0f} MiB")
            else:
                extra = f" ({x.points_per_s:,.0f} pts/s)" if x.points_per_s else ""
                cells.append(f"{x.ops_per_s:,.1f}{extra}")
        for s in servers:
            x = by.get((s, name))
            if x is None or x.p50_ms is None:
                cells.append("—")
            else:
                cells.append(f"{x.p50_ms:.1f} / {x.p99_ms:.1f}")
        if "inet" in servers:
            mine = by.get(("inet", name))
            for s in others:
                other = by.get((s, name))
                if mine is None or other is None or mine.error or other.error:
                    cells.append("—")
                elif name == "rss_1m_points":
                    cells.append(f"{other.value / mine.value:.2f}×" if mine.value else "—")
                elif other.ops_per_s:
                    cells.append(f"{mine.ops_per_s / other.ops_per_s:.1f}×")
                else:
                    cells.append("—")
        lines.append("| " + " | ".join(cells) + " |")
    errors = [x for x in rows if x.error]
    if errors:
        lines.append("")
        lines += [f"error: {x.server} {x.row}: {x.error}" for x in errors]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help="comma-separated subset of inet,mlflow,fasttrackml")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--workers", type=int, default=4, help="client worker processes")
    parser.add_argument("--inet-bin", default=os.environ.get(
        "INET_BIN", str(REPO_ROOT / "build/release/src/cli/inet")))
    parser.add_argument("--ceiling-bin", default=str(REPO_ROOT / "build/release/bench/tracking_ceiling"),
                        help="bench/tracking_ceiling (configure the release preset with "
                        "-DINET_BENCH=ON); the ceiling rows are left out when it is missing")
    parser.add_argument("--mlflow-workers", type=int, default=0,
                        help="mlflow server --workers (0: its default)")
    parser.add_argument("--rss-all", action="store_true",
                        help="also measure RSS after 1M points on mlflow and fasttrackml")
    parser.add_argument("--decoded-all", action="store_true",
                        help="also time metric_history with json.loads on mlflow and "
                        "fasttrackml (by default on inet only)")
    parser.add_argument("--team", default="",
                        help="make every request to inet in this (new) team, as a member of it "
                        "(the other servers have no teams and run as without it)")
    parser.add_argument("--keep", action="store_true", help="keep the servers' temp dirs")
    parser.add_argument("--out", default="", help="JSON result path "
                        "(default bench/results/mlflow_compare-<UTC time>.json)")
    args = parser.parse_args()

    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = [s for s in servers if s not in SERVERS]
    if unknown or not servers:
        parser.error(f"unknown server(s) {unknown}; choose from {', '.join(SERVERS)}")
    if "inet" in servers and not os.access(args.inet_bin, os.X_OK):
        parser.error(f"inet binary {args.inet_bin} not found: build the release preset or "
                     "pass --inet-bin / INET_BIN, or leave inet out of --servers")
    sizes = QUICK if args.quick else FULL

    def log(msg: str) -> None:
        print(msg, flush=True)

    started = dt.datetime.now(dt.timezone.utc)
    import mlflow  # noqa: F401  (imported before forking so workers start warm)

    ceiling: dict[str, dict] = {}
    if os.access(args.ceiling_bin, os.X_OK):
        log(f"== ceiling (load average {os.getloadavg()[0]:.1f})")
        ceiling = run_ceiling(args.ceiling_bin, sizes, log)
    else:
        log(f"== ceiling: {args.ceiling_bin} not built (cmake --preset release -DINET_BENCH=ON; "
            "cmake --build --preset release --target tracking_ceiling): no ceiling rows")
    ctx = multiprocessing.get_context("fork")
    rows: list[Row] = []
    commands: dict[str, str] = {}
    load: dict[str, dict[str, float]] = {}  # 1-minute load average: a busy machine skews rows
    with ctx.Pool(args.workers) as pool:
        for kind in servers:
            load[kind] = {"before": os.getloadavg()[0]}
            log(f"== {kind} (load average {load[kind]['before']:.1f})")
            try:
                with Server(kind, args) as server:
                    commands[kind] = server.describe
                    rows += bench_server(server, pool, args, sizes, log)
            except Exception as e:  # one server failing must not hide the others' numbers
                log(f"  {kind}: {type(e).__name__}: {e}")
                rows.append(Row(kind, "start", args.workers, error=str(e)[:500]))
            load[kind]["after"] = os.getloadavg()[0]

    table = render_table(rows, servers, args.workers)
    if args.team and "inet" in servers:
        table = (f"inet's requests are made in team {args.team} by a member of it (the others "
                 "have no teams).\n\n" + table)
    if ceiling:
        table += "\n\n" + render_ceiling(rows, servers, ceiling)
    table += "\n\n1-minute load average before/after each server: " + ", ".join(
        f"{k} {v['before']:.1f}/{v.get('after', float('nan')):.1f}" for k, v in load.items())
    print()
    print(table)

    import mlflow as mlflow_mod

    result = {
        "started_utc": started.isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "sizes": asdict(sizes),
        "workers": args.workers,
        "inet_team": args.team,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
                                     / 2**30, 1)},
        "mlflow_client_version": mlflow_mod.__version__,
        "server_commands": commands,
        "load_average_1m": load,
        "rows": [asdict(x) for x in rows],
        "ceiling": ceiling,
        "table_markdown": table,
    }
    out = Path(args.out) if args.out else REPO_ROOT / "bench/results" / (
        f"mlflow_compare-{started.strftime('%Y%m%dT%H%M%SZ')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 1 if any(x.error for x in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
