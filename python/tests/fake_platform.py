"""An in-memory stand-in for the inet server behind the SDK's transport seam.

FakePlatform subclasses Transport and overrides send(), answering the job, snapshot, capacity,
platform-artifact and MLflow experiment/run endpoints from dictionaries, the way the REST
contract describes them. Tests inspect `requests` to check what the SDK sent and adjust the
state (job states, logs, canned follow responses) to drive the SDK through a scenario.
"""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

from inet_platform._transport import Response, ServerConfig, Transport, encode_query

TERMINAL = {"Succeeded", "Failed", "Cancelled", "TimedOut"}


class Recorded:
    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path  # percent-decoded
        self.raw_path = None
        self.query = query  # dict name -> list of values
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body

    def json(self):
        return json.loads(self.body)


def error(status: int, code: str, message: str):
    return status, {"Content-Type": "application/json"}, json.dumps(
        {"error_code": code, "message": message}).encode()


class FakePlatform(Transport):
    def __init__(self, url: str = "http://inet.test", token: Optional[str] = "tok"):
        super().__init__(config=ServerConfig(url, token, "argument url", "argument token"))
        self.requests: List[Recorded] = []
        self.jobs: Dict[str, Dict[str, Any]] = {}
        self.job_order: List[str] = []
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.logs: Dict[str, bytes] = {}
        # job id -> list of (bytes appended by this follow response, state at its start,
        # state the job has after it)
        self.follow_feed: Dict[str, List[Tuple[bytes, str, str]]] = {}
        # job id -> states the job takes on successive GETs (the last one sticks)
        self.state_script: Dict[str, List[str]] = {}
        self.snapshots: Dict[str, bytes] = {}
        self.artifacts: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.store_kind = "local"  # what GET /api/v1/artifact-store answers; None: no route
        self.experiments: Dict[str, Dict[str, Any]] = {}
        self.runs: List[Dict[str, Any]] = []
        self.page_size_cap = 1000
        self.next_suffix = 0
        self.capacity = {"cpu_millis_total": 8000, "cpu_millis_used": 1000,
                         "memory_bytes_total": 32 << 30, "memory_bytes_used": 1 << 30,
                         "gpus_total": 4, "gpus_used": 1, "gpu_source": "configured",
                         "isolation": "cgroup v2",
                         "node_pools": [
                             {"name": "a100", "cpu_millis_allocatable": 6000,
                              "memory_bytes_allocatable": 24 << 30, "gpus_allocatable": 4,
                              "gpu_model": "NVIDIA A100-SXM4-80GB", "gpu_source": "configured",
                              "isolation": "cgroup v2"},
                             {"name": "cpu", "cpu_millis_allocatable": 2000,
                              "memory_bytes_allocatable": 8 << 30, "gpus_allocatable": 0,
                              "gpu_source": "none", "isolation": "cgroup v2"}]}
        self.routes: List[Tuple[str, "re.Pattern[str]", Callable]] = []
        r = self.routes.append
        r(("POST", re.compile(r"/api/v1/jobs"), self._submit))
        r(("GET", re.compile(r"/api/v1/jobs"), self._list_jobs))
        r(("GET", re.compile(r"/api/v1/jobs/([^/]+)"), self._get_job))
        r(("POST", re.compile(r"/api/v1/jobs/([^/]+)/cancel"), self._cancel))
        r(("GET", re.compile(r"/api/v1/jobs/([^/]+)/events"), self._events))
        r(("GET", re.compile(r"/api/v1/jobs/([^/]+)/logs"), self._logs))
        r(("POST", re.compile(r"/api/v1/snapshots"), self._snapshot))
        r(("GET", re.compile(r"/api/v1/capacity"), lambda req: self.capacity))
        r(("GET", re.compile(r"/api/v1/artifact-store"), self._artifact_store))
        r(("PUT", re.compile(r"/api/v1/artifacts/([^/]+)/(.+)"), self._put_artifact))
        r(("GET", re.compile(r"/api/v1/artifacts/([^/]+)"), self._list_artifacts))
        r(("GET", re.compile(r"/api/v1/artifacts/([^/]+)/(.+)"), self._get_artifact))
        r(("DELETE", re.compile(r"/api/v1/artifacts/([^/]+)/(.+)"), self._delete_artifact))
        r(("GET", re.compile(r"/api/2.0/mlflow-artifacts/artifacts/(.+)"), self._mlflow_artifact))
        m = "/api/2.0/mlflow/"
        r(("GET", re.compile(m + "experiments/get-by-name"), self._exp_by_name))
        r(("GET", re.compile(m + "experiments/get"), self._exp_get))
        r(("POST", re.compile(m + "experiments/create"), self._exp_create))
        r(("POST", re.compile(m + "experiments/search"), self._exp_search))
        r(("POST", re.compile(m + "experiments/set-experiment-tag"), self._exp_set_tag))
        r(("POST", re.compile(m + "runs/search"), self._runs_search))

    # -- the seam ------------------------------------------------------------------------------

    def send(self, method, path, query=None, headers=None, body=None, timeout=None):
        if body is not None and not isinstance(body, bytes):
            body = body.read()
        raw_path = path
        path = urllib.parse.unquote(path)
        parsed_query = urllib.parse.parse_qs(encode_query(query), keep_blank_values=True)
        req = Recorded(method, path, parsed_query, headers, body)
        req.raw_path = raw_path
        self.requests.append(req)
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if route_method == method and match:
                result = handler(req, *match.groups())
                break
        else:
            result = error(404, "ENDPOINT_NOT_FOUND", f"no route {method} {path}")
        if isinstance(result, tuple):
            status, resp_headers, resp_body = result
        else:
            status, resp_headers, resp_body = 200, {"Content-Type": "application/json"}, \
                json.dumps(result).encode()
        return Response(status, resp_headers, io.BytesIO(resp_body))

    def last(self, method=None, prefix=""):
        for req in reversed(self.requests):
            if (method is None or req.method == method) and req.path.startswith(prefix):
                return req
        raise AssertionError(f"no {method} request to {prefix}")

    # -- jobs --------------------------------------------------------------------------------

    def add_job(self, name="train", state="Queued", **fields) -> Dict[str, Any]:
        self.next_suffix += 1
        job_id = f"{name}-{self.next_suffix:06d}"
        job = {"job_id": job_id, "name": name, "team": "default", "user": "admin",
               "state": state, "reason": "waiting for capacity", "attempt": 0,
               "max_attempts": 1, "priority_class": "batch", "created_at": 1700000000000,
               "updated_at": 1700000000000, "started_at": 0, "finished_at": 0,
               "runtime_seconds": 0, "cancel_requested": False, "spec": {"name": name},
               "resources": {}, "gpus": [], "exit_code": None, "last_failure": "",
               "mlflow": {"experiment_id": "1", "run_id": "r" * 32,
                          "run_url": "http://inet.test/#/experiments/1/runs/" + "r" * 32},
               "artifacts": [], "log_url": f"/api/v1/jobs/{job_id}/logs"}
        job.update(fields)
        self.jobs[job_id] = job
        self.job_order.insert(0, job_id)
        self.events[job_id] = [{"seq": 1, "timestamp": 1700000000000, "state": state,
                                "attempt": 0, "reason": "submitted"}]
        return job

    def _submit(self, req):
        spec = req.json()
        memory = (spec.get("resources") or {}).get("memory", "")
        if memory.endswith("GB"):
            return error(400, "INVALID_PARAMETER_VALUE",
                         f'memory "{memory}" is not a Kubernetes quantity; did you mean '
                         f'"{memory[:-2]}Gi"?')
        job = self.add_job(spec["name"], team=spec.get("team", "default"), spec=spec)
        return 201, {"Content-Type": "application/json"}, json.dumps({"job": job}).encode()

    def _job_or_404(self, job_id):
        if job_id not in self.jobs:
            return None, error(404, "RESOURCE_DOES_NOT_EXIST", f"Job '{job_id}' not found")
        return self.jobs[job_id], None

    def _get_job(self, req, job_id):
        job, err = self._job_or_404(job_id)
        if err:
            return err
        script = self.state_script.get(job_id)
        if script:
            job["state"] = script.pop(0) if len(script) > 1 else script[0]
        return {"job": job}

    def _list_jobs(self, req):
        q = req.query
        states = {s.lower() for v in q.get("state", []) for s in v.split(",")}
        selected = []
        for job_id in self.job_order:
            job = self.jobs[job_id]
            if "team" in q and job["team"] != q["team"][0]:
                continue
            if "name" in q and job["name"] != q["name"][0]:
                continue
            if "user" in q and job["user"] != q["user"][0]:
                continue
            if states and job["state"].lower() not in states:
                continue
            selected.append(job)
        size = min(int(q.get("max_results", ["100"])[0]), self.page_size_cap)
        start = int(q.get("page_token", ["0"])[0] or 0)
        page = selected[start:start + size]
        answer = {"jobs": page}
        if start + size < len(selected):
            answer["next_page_token"] = str(start + size)
        return answer

    def _cancel(self, req, job_id):
        job, err = self._job_or_404(job_id)
        if err:
            return err
        if job["state"] in TERMINAL:
            return error(409, "FAILED_PRECONDITION",
                         f"job {job_id} already finished ({job['state']}); nothing to cancel")
        job["cancel_requested"] = True
        job["state"] = "Cancelled"
        return {"job": job}

    def _events(self, req, job_id):
        job, err = self._job_or_404(job_id)
        return err or {"events": self.events[job_id]}

    def _logs(self, req, job_id):
        job, err = self._job_or_404(job_id)
        if err:
            return err
        offset = int(req.query.get("offset", ["0"])[0])
        follow = req.query.get("follow", ["false"])[0] == "true"
        state = job["state"]
        if follow and self.follow_feed.get(job_id):
            data, state, after = self.follow_feed[job_id].pop(0)
            self.logs[job_id] = self.logs.get(job_id, b"") + data
            body = self.logs[job_id][offset:]
            job["state"] = after
        else:
            body = self.logs.get(job_id, b"")[offset:]
        return 200, {"Content-Type": "text/plain; charset=utf-8", "X-Inet-Job-State": state}, body

    def _snapshot(self, req):
        if not req.body.startswith(b"\x1f\x8b"):
            return error(400, "INVALID_PARAMETER_VALUE", "snapshot is not a .tar.gz")
        snap = f"snap-{len(self.snapshots):04x}"
        self.snapshots[snap] = req.body
        return 201, {}, json.dumps({"snapshot_id": snap, "size": len(req.body)}).encode()

    # -- platform artifacts ------------------------------------------------------------------

    def _artifact_store(self, req):
        if self.store_kind is None:
            return error(404, "ENDPOINT_NOT_FOUND", "no route GET /api/v1/artifact-store")
        return {"kind": self.store_kind}

    def _put_artifact(self, req, ns, path):
        if ".." in path.split("/") or path.startswith("/"):
            return error(400, "INVALID_PARAMETER_VALUE", f"invalid artifact path '{path}'")
        meta = json.loads(req.headers.get("x-inet-artifact-metadata", "{}"))
        art = {"path": path, "size": len(req.body), "created": 1700000000000 + len(self.artifacts),
               "metadata": meta, "uri": f"mlflow-artifacts:/platform/{ns}/{path}",
               "_bytes": req.body}
        self.artifacts[(ns, path)] = art
        public = {k: v for k, v in art.items() if k != "_bytes"}
        return 201, {}, json.dumps({"artifact": public}).encode()

    def _list_artifacts(self, req, ns):
        prefix = req.query.get("prefix", [""])[0]
        items = [{k: v for k, v in a.items() if k != "_bytes"}
                 for (n, p), a in sorted(self.artifacts.items()) if n == ns and p.startswith(prefix)]
        size = min(int(req.query.get("max_results", ["1000"])[0]), self.page_size_cap)
        start = int(req.query.get("page_token", ["0"])[0] or 0)
        answer = {"artifacts": items[start:start + size], "next_page_token": ""}
        if start + size < len(items):
            answer["next_page_token"] = str(start + size)
        return answer

    def _get_artifact(self, req, ns, path):
        art = self.artifacts.get((ns, path))
        if art is None:
            return error(404, "RESOURCE_DOES_NOT_EXIST", f"artifact '{path}' not found")
        return 200, {"Content-Type": "application/octet-stream"}, art["_bytes"]

    def _delete_artifact(self, req, ns, path):
        self.artifacts.pop((ns, path), None)  # deleting what is absent is fine, as on the server
        return {}

    def _mlflow_artifact(self, req, path):
        for art in self.artifacts.values():
            if art["uri"] == "mlflow-artifacts:/" + path:
                return 200, {}, art["_bytes"]
        return error(404, "RESOURCE_DOES_NOT_EXIST", f"no artifact {path}")

    # -- MLflow --------------------------------------------------------------------------------

    def add_experiment(self, name, tags=None, lifecycle_stage="active") -> Dict[str, Any]:
        exp_id = str(len(self.experiments) + 1)
        exp = {"experiment_id": exp_id, "name": name, "lifecycle_stage": lifecycle_stage,
               "artifact_location": f"mlflow-artifacts:/{exp_id}", "creation_time": 1,
               "last_update_time": 1,
               "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
        self.experiments[exp_id] = exp
        return exp

    def add_run(self, experiment_id, start_time, metrics=None, run_id=None, tags=None,
                lifecycle_stage="active"):
        run = {"info": {"run_id": run_id or f"run{len(self.runs)}", "experiment_id": experiment_id,
                        "run_name": "r", "status": "FINISHED", "start_time": start_time,
                        "end_time": start_time + 1, "artifact_uri": "x",
                        "lifecycle_stage": lifecycle_stage},
               "data": {"metrics": [{"key": k, "value": v, "timestamp": 1, "step": 0}
                                    for k, v in (metrics or {}).items()],
                        "params": [{"key": "lr", "value": "0.1"}],
                        "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}}
        self.runs.append(run)
        return run

    def _exp_by_name(self, req):
        name = req.query["experiment_name"][0]
        for exp in self.experiments.values():
            if exp["name"] == name:
                return {"experiment": exp}
        return error(404, "RESOURCE_DOES_NOT_EXIST", f"Could not find experiment with name '{name}'")

    def _exp_get(self, req):
        exp = self.experiments.get(req.query["experiment_id"][0])
        if exp is None:
            return error(404, "RESOURCE_DOES_NOT_EXIST", "no such experiment")
        return {"experiment": exp}

    def _exp_create(self, req):
        name = req.json()["name"]
        if any(e["name"] == name for e in self.experiments.values()):
            return error(400, "RESOURCE_ALREADY_EXISTS", f"Experiment '{name}' already exists.")
        return {"experiment_id": self.add_experiment(name)["experiment_id"]}

    _CLAUSE = re.compile(r"""(?:tags\.`([^`]*)`|(name))\s*=\s*(?:'([^']*)'|"([^"]*)")""")

    def _clauses(self, filter_string):
        """(tag key or None for the name, value) pairs; None for a clause it cannot read."""
        clauses = []
        for part in filter(None, (filter_string or "").split(" AND ")):
            m = self._CLAUSE.fullmatch(part.strip())
            if not m:
                return None
            value = m.group(3) if m.group(3) is not None else m.group(4)
            clauses.append((m.group(1), value))
        return clauses

    def _exp_search(self, req):
        body = req.json()
        clauses = self._clauses(body.get("filter"))
        if clauses is None:
            return error(400, "INVALID_PARAMETER_VALUE", f"bad filter {body.get('filter')!r}")
        selected = []
        for exp in self.experiments.values():
            if exp["lifecycle_stage"] != "active":
                continue
            tags = {t["key"]: t["value"] for t in exp["tags"]}
            if all((exp["name"] == v) if k is None else (tags.get(k) == v) for k, v in clauses):
                selected.append(exp)
        size = min(int(body.get("max_results", 1000)), self.page_size_cap)
        start = int(body.get("page_token") or 0)
        answer = {"experiments": selected[start:start + size]}
        if start + size < len(selected):
            answer["next_page_token"] = str(start + size)
        return answer

    def _exp_set_tag(self, req):
        body = req.json()
        exp = self.experiments[body["experiment_id"]]
        exp["tags"] = [t for t in exp["tags"] if t["key"] != body["key"]]
        exp["tags"].append({"key": body["key"], "value": body["value"]})
        return {}

    def _runs_search(self, req):
        body = req.json()
        clauses = self._clauses(body.get("filter"))
        if clauses is None or any(k is None for k, _ in clauses):
            return error(400, "INVALID_PARAMETER_VALUE", f"bad filter {body.get('filter')!r}")
        runs = [r for r in self.runs if r["info"]["experiment_id"] in body["experiment_ids"]
                and (body.get("run_view_type") != "ACTIVE_ONLY"
                     or r["info"]["lifecycle_stage"] == "active")
                and all({t["key"]: t["value"] for t in r["data"]["tags"]}.get(k) == v
                        for k, v in clauses)]
        if body.get("order_by") == ["attributes.start_time DESC"]:
            runs.sort(key=lambda r: -r["info"]["start_time"])
        size = min(int(body.get("max_results", 1000)), self.page_size_cap)
        start = int(body.get("page_token") or 0)
        answer = {"runs": runs[start:start + size]}
        if start + size < len(runs):
            answer["next_page_token"] = str(start + size)
        return answer
