"""Authentication and hostile input: tokens, body limits, malformed JSON, filter injection,
artifact path traversal, and hostile jobs (a job must not reach the server's secrets). Raw HTTP
so that no client-side check hides what the server does."""

import hashlib
import http.client
import json
import os
import secrets
import select
import shutil
import socket
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import ADMIN_TOKEN, REFERENCE, ServerProcess, fresh_postgres_database
# Helpers of the jobs suite (submitting real jobs and waiting for them).
from test_jobs import TERMINAL, logs, submit, wait_state

SEARCH = "/api/2.0/mlflow/experiments/search"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def raw_request(server, method, target, body=b"", token=ADMIN_TOKEN, headers=None):
    """Sends `target` byte-for-byte (no dot-segment or percent normalisation, unlike requests)."""
    url = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        if token:
            conn.putheader("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# -- authentication -------------------------------------------------------------------------


@pytest.mark.reference_incompatible
@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    {"Authorization": "Basic " + "YWRtaW46d3Jvbmc="},  # admin:wrong
    {"Authorization": ADMIN_TOKEN},  # no scheme
], ids=["none", "wrong", "suffix", "basic-wrong", "no-scheme"])
def test_requests_without_a_valid_token_get_401(server, headers):
    for method, path, kwargs in [
        ("POST", SEARCH, {"json": {"max_results": 1}}),
        ("GET", "/api/2.0/mlflow/experiments/get", {"params": {"experiment_id": "0"}}),
        ("POST", "/api/2.0/mlflow/experiments/create", {"json": {"name": "nope"}}),
        ("GET", ARTIFACTS, {}),
        ("PUT", ARTIFACTS + "/0/x.txt", {"data": b"x"}),
    ]:
        resp = server.session(token=None).request(method, server.url + path, headers=headers,
                                                  timeout=60, **kwargs)
        assert resp.status_code == 401, (method, path, resp.status_code, resp.text)
    # Nothing was created by the rejected requests.
    resp = server.api("GET", "/api/2.0/mlflow/experiments/get-by-name",
                      params={"experiment_name": "nope"})
    assert resp.status_code == 404


@pytest.mark.reference_incompatible
def test_valid_token_is_accepted(server):
    resp = server.api("POST", SEARCH, json={"max_results": 1})
    assert resp.status_code == 200, resp.text
    assert "experiments" in resp.json()


@pytest.mark.parametrize("path", ["/health", "/version"])
def test_health_and_version_are_public(server, path):
    resp = server.session(token=None).get(server.url + path, timeout=30)
    assert resp.status_code == 200
    assert resp.text.strip()


# -- body limits and malformed input ---------------------------------------------------------


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _status_line(sock: socket.socket) -> bytes:
    response = b""
    try:
        while b"\r\n" not in response:
            data = sock.recv(65536)
            if not data:
                break
            response += data
    except (ConnectionResetError, socket.timeout):
        pass
    return response.split(b"\r\n", 1)[0]


@pytest.mark.reference_incompatible
def test_oversized_body_gets_413_and_server_survives(server):
    limit = int(os.environ.get("INET_E2E_MAX_BODY_BYTES", str(64 * 1024 * 1024)))
    size = limit + 1
    url = urllib.parse.urlsplit(server.url)
    head = (f"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode()
    chunk = b" " * (1 << 20)
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(head)
        sent = 0
        # Send the body while watching for an early answer: a server that rejects on
        # Content-Length replies before reading it, and then resets the connection.
        try:
            while sent < size:
                readable, _, _ = select.select([sock], [], [], 0 if sent else 2.0)
                if readable:
                    break
                n = min(len(chunk), size - sent)
                sock.sendall(chunk[:n])
                sent += n
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        status_line = _status_line(sock)
    assert status_line.startswith(b"HTTP/1.1 413"), (status_line, sent)
    assert server.api("GET", "/health").status_code == 200


@pytest.mark.reference_incompatible
def test_unauthenticated_large_bodies_are_refused_before_they_are_read(server):
    """20 connections announce 60 MiB bodies without a token and send the first MiB: each gets
    its 401 at once (a server that read the body first would wait for the other 59 MiB), and
    the server's memory does not grow by the announced bodies."""
    url = urllib.parse.urlsplit(server.url)
    size = 60 << 20
    head = (f"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n").encode()
    before = _rss_bytes(server.proc.pid)
    socks = []
    try:
        for _ in range(20):
            sock = socket.create_connection((url.hostname, url.port), timeout=60)
            socks.append(sock)
            try:
                sock.sendall(head + b" " * (1 << 20))
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered and closed already
        statuses = [_status_line(sock) for sock in socks]
        after = _rss_bytes(server.proc.pid)
    finally:
        for sock in socks:
            sock.close()
    assert all(s.startswith(b"HTTP/1.1 401") for s in statuses), statuses
    assert after - before < 200 << 20, f"RSS grew from {before} to {after} bytes"
    assert server.api("GET", "/health").status_code == 200


@pytest.mark.reference_incompatible
@pytest.mark.parametrize("coding", ["xchunked", "gzip, chunked"])
def test_unsupported_transfer_encoding_is_501(server, coding):
    url = urllib.parse.urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall((f"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: {url.netloc}\r\n"
                      f"Authorization: Bearer {ADMIN_TOKEN}\r\n"
                      f"Content-Type: application/json\r\nTransfer-Encoding: {coding}\r\n\r\n"
                      "2\r\n{}\r\n0\r\n\r\n").encode())
        response = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            response += data
    assert response.startswith(b"HTTP/1.1 501"), response[:300]
    assert b'"error_code":"NOT_IMPLEMENTED"' in response, response[:300]
    assert server.api("GET", "/health").status_code == 200


@pytest.mark.reference_incompatible
@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_artifact_path_segment_over_255_bytes_is_400(server, method):
    name = "n" * 300
    status, body = raw_request(server, method, f"{ARTIFACTS}/0/{name}/file.txt",
                               body=b"x" if method == "PUT" else b"")
    assert status == 400, body
    assert b"allows at most 255 bytes per file or directory name" in body, body


@pytest.mark.parametrize("body", [
    b'{"name": ',
    b"not json at all",
    b'{"name": "x",}',
    b"\xff\xfe\x00garbage",
], ids=["truncated", "text", "trailing-comma", "binary"])
def test_malformed_json_is_400(server, body):
    resp = server.api("POST", "/api/2.0/mlflow/experiments/create", data=body,
                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert server.api("GET", "/health").status_code == 200


@pytest.mark.reference_incompatible
def test_deeply_nested_json_is_400(server):
    body = b'{"name": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    resp = server.api("POST", "/api/2.0/mlflow/experiments/create", data=body,
                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 400, resp.text[:300]
    assert server.api("GET", "/health").status_code == 200


def test_wrong_content_type_is_rejected(server):
    resp = server.api("POST", "/api/2.0/mlflow/experiments/create", data=b'{"name": "ct"}',
                      headers={"Content-Type": "text/plain"})
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# -- filter injection ------------------------------------------------------------------------


@pytest.fixture
def one_run(tracking):
    exp = tracking.create_experiment(f"inject-{secrets.token_hex(4)}")
    run = tracking.create_run(exp)
    tracking.log_metric(run.info.run_id, "x", 5.0)
    tracking.log_param(run.info.run_id, "p", "value")
    return exp, run.info.run_id


def _search(server, exp, flt):
    return server.api("POST", "/api/2.0/mlflow/runs/search",
                      json={"experiment_ids": [exp], "filter": flt})


@pytest.mark.parametrize("flt", [
    "metrics.x > 1; DROP TABLE runs",
    "metrics.x > 1 OR 1=1",
    "params.p = 'value' OR '1'='1'",
    "params.p = 'x'; DELETE FROM runs; --'",
    "metrics.x > (SELECT 1)",
    "params.`p` = 'value') OR (1=1",
    "attributes.run_id IN ('a') UNION SELECT * FROM runs",
], ids=["drop", "or", "or-string", "delete", "subquery", "paren", "union"])
def test_filter_injection_is_rejected(server, tracking, one_run, flt):
    exp, run_id = one_run
    resp = _search(server, exp, flt)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    ok = _search(server, exp, "metrics.x > 1")
    assert ok.status_code == 200
    assert [r["info"]["run_id"] for r in ok.json()["runs"]] == [run_id]
    assert [r.info.run_id for r in tracking.search_runs([exp])] == [run_id]


def test_sql_inside_a_string_literal_is_just_data(server, tracking, one_run):
    exp, run_id = one_run
    for flt in ["params.p = '1; DROP TABLE runs; --'", "tags.t LIKE '%'' OR 1=1 --'"]:
        resp = _search(server, exp, flt)
        assert resp.status_code == 200, resp.text
        assert resp.json().get("runs", []) == []
    assert [r.info.run_id for r in tracking.search_runs([exp], "params.p = 'value'")] == [run_id]


def test_experiment_filter_injection_is_rejected(server):
    resp = server.api("POST", SEARCH, json={"filter": "name = 'x' OR 1=1"})
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# -- artifact path traversal -----------------------------------------------------------------


def _no_file_named(name: str, root: Path) -> None:
    """No file `name` exists where a traversal from `root` could have put it."""
    candidates = {Path(os.path.normpath(root / ("../" * k) / name)) for k in range(0, 12)}
    candidates |= {Path("/tmp") / name, Path("/") / name}
    for path in candidates:
        assert not path.exists(), f"traversal created {path}"


TRAVERSALS = [
    "../../../{name}",
    "%2e%2e/%2e%2e/%2e%2e/{name}",
    "%2E%2E%2F%2E%2E%2F%2E%2E%2F{name}",
    "0/../../../../{name}",
    "..%2f..%2f..%2f{name}",
    "%2Ftmp%2F{name}",
]


@pytest.mark.parametrize("pattern", TRAVERSALS)
def test_artifact_upload_traversal_is_rejected(server, pattern):
    name = f"escape-{secrets.token_hex(6)}.txt"
    status, body = raw_request(server, "PUT", f"{ARTIFACTS}/{pattern.format(name=name)}",
                               body=b"pwned")
    assert status == 400, body
    _no_file_named(name, server.artifacts_dir)
    _no_file_named(urllib.parse.unquote(urllib.parse.unquote(name)), server.artifacts_dir)


@pytest.fixture
def secret_outside_root(server):
    """A file next to the server's data dir, i.e. outside the artifact root."""
    content = secrets.token_hex(16).encode()
    path = server.workdir / f"secret-{secrets.token_hex(4)}.txt"
    path.write_bytes(content)
    yield path, content
    path.unlink()


@pytest.mark.parametrize("pattern", TRAVERSALS)
def test_artifact_download_traversal_is_rejected(server, secret_outside_root, pattern):
    path, content = secret_outside_root
    for depth in range(1, 6):
        rel = pattern.replace("../../../", "../" * depth).replace(
            "%2e%2e/%2e%2e/%2e%2e/", "%2e%2e/" * depth).format(name=path.name)
        status, body = raw_request(server, "GET", f"{ARTIFACTS}/{rel}")
        assert content not in body
        assert status == 400, (rel, status, body[:200])


@pytest.mark.parametrize("query", ["../..", "/etc", "%2e%2e", "a/../../..", "/"])
def test_artifact_list_traversal_is_rejected(server, query):
    status, body = raw_request(server, "GET", f"{ARTIFACTS}?path={query}")
    assert status == 400, (query, status, body)
    assert b"passwd" not in body


@pytest.mark.parametrize("depth", [1, 3, 5, 7])
def test_get_artifact_traversal_is_rejected(server, tracking, secret_outside_root, depth):
    path, content = secret_outside_root
    exp = tracking.create_experiment(f"trav-{secrets.token_hex(4)}")
    run_id = tracking.create_run(exp).info.run_id
    for rel in ["../" * depth + path.name, "%2e%2e/" * depth + path.name,
                str(path), "/etc/passwd"]:
        status, body = raw_request(server, "GET",
                                   f"/get-artifact?run_id={run_id}&path={rel}")
        assert status == 400, (rel, status, body[:200])
        assert content not in body
        status, body = raw_request(
            server, "GET", f"/api/2.0/mlflow/artifacts/list?run_id={run_id}&path={rel}")
        assert status == 400, (rel, status, body[:200])


def test_traversal_attempts_leave_the_server_working(server, tracking, tmp_path):
    exp = tracking.create_experiment(f"after-{secrets.token_hex(4)}")
    run_id = tracking.create_run(exp).info.run_id
    f = tmp_path / "ok.txt"
    f.write_text("fine")
    tracking.log_artifact(run_id, str(f), "sub")
    assert [a.path for a in tracking.list_artifacts(run_id, "sub")] == ["sub/ok.txt"]
    assert server.api("GET", "/health").status_code == 200


# -- a job is untrusted code ----------------------------------------------------------------
#
# The server is started as the reproduction was: INET_ADMIN_TOKEN in its environment
# (conftest does that). Each job below tries what a hostile job would; every attempt must fail.

JOB_WAIT_S = 120.0

PROBE = r"""
import hashlib, json, os, sys
data_dir, server_pid, admin_token_sha256 = sys.argv[1], sys.argv[2], sys.argv[3]
result = {}

def attempt(name, fn):
    try:
        fn()
        result[name] = "allowed"
    except FileNotFoundError:
        result[name] = "missing"  # proves nothing: the tests make sure the files exist
    except OSError as e:
        result[name] = "denied: " + e.__class__.__name__

attempt("read admin-token", lambda: open(os.path.join(data_dir, "admin-token")).read())
attempt("read inet.db", lambda: open(os.path.join(data_dir, "inet.db"), "rb").read(16))
attempt("write inet.db", lambda: open(os.path.join(data_dir, "inet.db"), "ab").close())
attempt("list data dir files", lambda: [open(os.path.join(data_dir, n), "rb").close()
                                         for n in os.listdir(data_dir)
                                         if os.path.isfile(os.path.join(data_dir, n))])
attempt("read server environ", lambda: open(f"/proc/{server_pid}/environ", "rb").read())
attempt("plant a file in the data dir",
        lambda: open(os.path.join(data_dir, "planted"), "w").close())
result["admin token in env"] = any(hashlib.sha256(v.encode()).hexdigest() == admin_token_sha256
                                   for v in os.environ.values())
result["INET_ADMIN_TOKEN set"] = "INET_ADMIN_TOKEN" in os.environ
result["uid"] = os.getuid()
print("PROBE " + json.dumps(result), flush=True)
"""


def _why_failed(srv: ServerProcess, job: dict, log: str) -> str:
    """What a failure message needs to tell an unexpected end apart: the job's status, every
    event's reason, its log and the server's log tail."""
    events = srv.api("GET", f"/api/v1/jobs/{job['job_id']}/events").json().get("events", [])
    reasons = "\n".join(f"  {e.get('state')}: {e.get('reason')}" for e in events)
    return (f"job {job['job_id']} ended {job['state']}: {job.get('reason') or ''}\n"
            f"events:\n{reasons}\nlog:\n{log}\nserver log:\n{srv.log_tail()}")


def _run_probe(srv: ServerProcess) -> tuple[dict, str]:
    res = srv.api("POST", "/api/v1/jobs", json={
        "name": "hostile-probe",
        # The token's hash only: the command line itself is in the spec file, which must not
        # hold the token.
        "command": ["python", "-c", PROBE, str(srv.data_dir), str(srv.proc.pid),
                    hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest()]})
    assert res.status_code == 201, res.text
    job_id = res.json()["job"]["job_id"]
    deadline = time.monotonic() + JOB_WAIT_S
    while True:
        job = srv.api("GET", f"/api/v1/jobs/{job_id}").json()["job"]
        if job["state"] in ("Succeeded", "Failed", "Cancelled", "TimedOut"):
            break
        assert time.monotonic() < deadline, f"job did not finish: {job}\n{srv.log_tail()}"
        time.sleep(0.1)
    log = srv.api("GET", f"/api/v1/jobs/{job_id}/logs").text
    assert job["state"] == "Succeeded", _why_failed(srv, job, log)
    line = next((l for l in log.splitlines() if l.startswith("PROBE ")), None)
    assert line, log
    return json.loads(line[len("PROBE "):]), job_id


def _assert_confined(result: dict) -> None:
    for probe in ("read admin-token", "read inet.db", "write inet.db", "list data dir files",
                  "read server environ", "plant a file in the data dir"):
        assert result[probe].startswith("denied"), (probe, result)
    assert result["INET_ADMIN_TOKEN set"] is False, result
    assert result["admin token in env"] is False, result


def _plant_secrets(srv: ServerProcess, backend: str) -> None:
    """The files a hostile job goes for, present whatever the backend: the admin-token file
    (the server writes none when INET_ADMIN_TOKEN is set) and, without SQLite, an inet.db."""
    (srv.data_dir / "admin-token").write_text("admin-token-file-secret\n")
    if backend != "sqlite":
        (srv.data_dir / "inet.db").write_bytes(b"SQLite format 3\0")


def _assert_private(srv: ServerProcess, job_id: str) -> None:
    data = srv.data_dir
    assert (data.stat().st_mode & 0o077) in (0, 0o011), oct(data.stat().st_mode)
    for name in ("admin-token", "inet.db"):
        if (data / name).exists():
            assert (data / name).stat().st_mode & 0o077 == 0, (name, oct((data / name).stat().st_mode))
    for spec in (data / "jobs" / job_id).glob("attempt-*.spec.json"):
        assert spec.stat().st_mode & 0o077 == 0, oct(spec.stat().st_mode)
        text = spec.read_text()
        assert ADMIN_TOKEN not in text
        assert "MLFLOW_TRACKING_TOKEN=<redacted>" in text, text


@pytest.fixture(scope="module")
def jobs_server(backend, tmp_path_factory):
    if REFERENCE:
        pytest.skip("platform jobs are not part of the reference mlflow server")
    # A database of its own: on the module's, the `server` fixture would hold the
    # job-controller lease and run these jobs instead.
    with fresh_postgres_database(backend) as db_uri:
        srv = ServerProcess(tmp_path_factory.mktemp(f"hostile-{backend}"), backend, db_uri,
                            extra_args=["--gpus", "0", "--python", sys.executable])
        _plant_secrets(srv, backend)
        srv.start()
        yield srv
        assert srv.stop() == 0, srv.log_tail()


@pytest.mark.reference_incompatible
def test_a_job_cannot_read_the_servers_secrets(jobs_server):
    isolation = jobs_server.api("GET", "/api/v1/capacity").json()["isolation"]
    assert "NOT ISOLATED" not in isolation, isolation
    if os.geteuid() == 0 and _user_exists("inet-job"):
        assert "user inet-job" in isolation, isolation  # CI: the job-user path
    result, job_id = _run_probe(jobs_server)
    _assert_confined(result)
    if os.geteuid() == 0 and _user_exists("inet-job"):
        assert result["uid"] != 0, result
    _assert_private(jobs_server, job_id)
    assert not (jobs_server.data_dir / "planted").exists()


def _user_exists(name: str) -> bool:
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _landlock_abi() -> int:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
    return max(abi, 0)


@pytest.mark.reference_incompatible
def test_a_job_of_an_unprivileged_server_is_confined_by_landlock(backend, tmp_path_factory):
    """The non-root path: a server that cannot switch users confines its jobs with Landlock."""
    if REFERENCE or backend != "sqlite":
        pytest.skip("one backend is enough for the confinement")
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to start the server as an unprivileged user")
    if _landlock_abi() == 0:
        pytest.skip("this kernel has no Landlock")
    import pwd
    nobody = pwd.getpwnam("nobody")
    workdir = tmp_path_factory.mktemp("unprivileged")
    srv = ServerProcess(workdir, backend, None,
                        extra_args=["--gpus", "0", "--python", sys.executable],
                        command_prefix=["setpriv", f"--reuid={nobody.pw_uid}",
                                        f"--regid={nobody.pw_gid}", "--clear-groups"])
    _plant_secrets(srv, backend)
    for path in (srv.data_dir, srv.data_dir / "admin-token"):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    srv.start()
    try:
        isolation = srv.api("GET", "/api/v1/capacity").json()["isolation"]
        assert "landlock" in isolation and "NOT ISOLATED" not in isolation, isolation
        result, job_id = _run_probe(srv)
        _assert_confined(result)
        assert result["uid"] == nobody.pw_uid, result
        _assert_private(srv, job_id)
    finally:
        assert srv.stop() == 0, srv.log_tail()


# -- what a job's own token may do -----------------------------------------------------------

HOSTILE_JOB = r"""
import json, os, sys
import mlflow, requests

url, token = os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_TRACKING_TOKEN"]
victim_job, victim_run, running_job, snapshot = sys.argv[1:5]
auth = {"Authorization": f"Bearer {token}"}

def call(method, path, **kwargs):
    r = requests.request(method, url + path, headers=auth, timeout=60, **kwargs)
    code = r.json().get("error_code") if "json" in r.headers.get("content-type", "") else None
    return [r.status_code, code, r.text[:400]]

results = {
    "cancel another job": call("POST", f"/api/v1/jobs/{running_job}/cancel"),
    "read another job's log (artifact route)":
        call("GET", f"/api/2.0/mlflow-artifacts/artifacts/jobs/{victim_job}/job.log"),
    "read another job's log (platform route)": call("GET", f"/api/v1/jobs/{victim_job}/logs"),
    "read another job": call("GET", f"/api/v1/jobs/{victim_job}"),
    "list jobs": call("GET", "/api/v1/jobs"),
    "submit a job": call("POST", "/api/v1/jobs", json={"name": "spawned", "command": "true"}),
    "overwrite a snapshot":
        call("PUT", f"/api/2.0/mlflow-artifacts/artifacts/snapshots/{snapshot}.tar.gz",
             data=b"evil"),
    "write to another run": call("POST", "/api/2.0/mlflow/runs/log-metric", json={
        "run_id": victim_run, "key": "pwned", "value": 1, "timestamp": 1}),
    "write another run's artifacts": call(
        "PUT", "/api/2.0/mlflow-artifacts/artifacts/0/" + victim_run + "/artifacts/pwned.txt",
        data=b"evil"),
    "create an experiment": call("POST", "/api/2.0/mlflow/experiments/create",
                                 json={"name": "from-a-job"}),
}
own = call("GET", "/api/v1/jobs/" + os.environ["INET_JOB_ID"])

# The job's own run, through the unmodified mlflow client.
with mlflow.start_run() as run:
    mlflow.log_param("lr", "0.1")
    mlflow.log_metric("loss", 0.5, step=1)
    mlflow.log_text("hello", "notes/hello.txt")

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input):
            return model_input

    model = mlflow.pyfunc.log_model(name="model", python_model=Echo(), pip_requirements=["mlflow"])
print("RESULTS " + json.dumps({"denied": results, "own": own, "run_id": run.info.run_id,
                               "model_id": model.model_id}), flush=True)
print("TOKEN " + token, flush=True)
"""


def _snapshot(srv, train_py: str) -> tuple[str, bytes]:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = train_py.encode()
        info = tarfile.TarInfo("train.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    res = srv.api("POST", "/api/v1/snapshots", data=buf.getvalue(),
                  headers={"Content-Type": "application/gzip"})
    assert res.status_code == 201, res.text
    return res.json()["snapshot_id"], buf.getvalue()


@pytest.mark.reference_incompatible
def test_a_jobs_token_reaches_only_its_own_job_and_run(jobs_server):
    import json
    import sys

    import mlflow

    srv = jobs_server
    victim = submit(srv, {"name": "victim", "command": ["python", "-c",
                                                         "print('SECRET-LOG-LINE')"]})
    victim = wait_state(srv, victim["job_id"], *TERMINAL)
    assert victim["state"] == "Succeeded", _why_failed(
        srv, victim, srv.api("GET", f"/api/v1/jobs/{victim['job_id']}/logs").text)
    running = submit(srv, {"name": "bystander", "command": ["sleep", "600"]})
    wait_state(srv, running["job_id"], "Running")
    snapshot, original = _snapshot(srv, "print('ORIGINAL CODE')\n")

    hostile = submit(srv, {"name": "hostile", "command": [
        sys.executable, "-c", HOSTILE_JOB, victim["job_id"], victim["mlflow"]["run_id"],
        running["job_id"], snapshot]})
    done = wait_state(srv, hostile["job_id"], *TERMINAL)
    log = logs(srv, hostile["job_id"])
    assert done["state"] == "Succeeded", (done, log)
    # Refused at once when the attempt ended: no grace period of a cache.
    token = next(line.split(" ", 1)[1] for line in log.splitlines() if line.startswith("TOKEN "))
    after = requests_get(srv, f"/api/v1/jobs/{hostile['job_id']}", token)
    assert after.status_code == 401, after.text

    out = json.loads(next(line.split(" ", 1)[1] for line in log.splitlines()
                          if line.startswith("RESULTS ")))
    for what, (status, code, text) in out["denied"].items():
        assert (status, code) == (403, "PERMISSION_DENIED"), (what, status, text)
        if what != "overwrite a snapshot":  # refused for every token, naming the API to use
            assert f"job '{hostile['job_id']}'" in text, (what, text)
    assert "POST /api/v1/snapshots" in out["denied"]["overwrite a snapshot"][2]
    assert out["own"][0] == 200, out["own"]

    # Nothing the job was refused happened.
    assert srv.api("GET", f"/api/v1/jobs/{running['job_id']}").json()["job"]["state"] == "Running"
    assert srv.api("GET", "/api/2.0/mlflow-artifacts/artifacts/snapshots/"
                   f"{snapshot}.tar.gz").content == original
    rerun = submit(srv, {"name": "rerun", "code_snapshot": snapshot,
                          "command": ["python", "train.py"]})
    wait_state(srv, rerun["job_id"], *TERMINAL)
    assert "ORIGINAL CODE" in logs(srv, rerun["job_id"])
    client = mlflow.MlflowClient(srv.url)
    assert "pwned" not in client.get_run(victim["mlflow"]["run_id"]).data.metrics
    assert srv.api("GET", "/api/2.0/mlflow/experiments/get-by-name",
                   params={"experiment_name": "from-a-job"}).status_code == 404
    assert srv.api("GET", "/api/v1/jobs", params={"name": "spawned"}).json()["jobs"] == []

    # What it was allowed to do, it did, through the real mlflow client.
    run = client.get_run(out["run_id"])
    assert out["run_id"] == hostile["mlflow"]["run_id"]
    assert run.data.params["lr"] == "0.1" and run.data.metrics["loss"] == 0.5
    assert "notes" in {a.path for a in client.list_artifacts(run.info.run_id)}
    model = client.get_logged_model(out["model_id"])
    assert model.source_run_id == run.info.run_id
    assert "MLmodel" in {a.path for a in client.list_logged_model_artifacts(model.model_id)}
    srv.api("POST", f"/api/v1/jobs/{running['job_id']}/cancel")


def requests_get(srv, path, token):
    import requests

    return requests.get(srv.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=60)
