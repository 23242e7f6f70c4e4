"""End-to-end tests of platform jobs on the local executor, through the real CLI and REST API.

Each test submits real processes (Python scripts using the real `mlflow` client) to an
`inet server` started with a configured GPU count (`--gpus 2`: no real GPUs needed) and this
virtualenv's Python as the jobs' interpreter, then checks what a user would: job states and
reasons, logs, the MLflow run the job logged into, and the artifacts it left. Timing-sensitive
behaviour (timeouts, retries) is observed through states, never through measured durations.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from conftest import ADMIN_TOKEN, REFERENCE, ServerProcess, inet_binary

pytestmark = pytest.mark.reference_incompatible  # platform jobs are inet's own API

TERMINAL = {"Succeeded", "Failed", "Cancelled", "TimedOut"}
WAIT_S = 120.0


@pytest.fixture(scope="module")
def jobs_server(backend, postgres_db, tmp_path_factory):
    if REFERENCE:
        pytest.skip("platform jobs are not part of the reference mlflow server")
    srv = ServerProcess(tmp_path_factory.mktemp(f"jobs-{backend}"), backend, postgres_db,
                        extra_args=["--gpus", "2", "--python", sys.executable])
    srv.start()
    yield srv
    code = srv.stop()
    assert code == 0, f"server did not exit cleanly on SIGTERM: {code}\n{srv.log_tail()}"


def cli(srv: ServerProcess, *args: str, cwd: Path | None = None,
        check: bool = True, timeout: float = WAIT_S, token: str = ADMIN_TOKEN,
        env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs `inet <args>` as a user would, pointed at `srv` through INET_URL/INET_TOKEN."""
    env = dict(os.environ, INET_URL=srv.url, INET_TOKEN=token, **(env_extra or {}))
    env.pop("XDG_CONFIG_HOME", None)
    if not env_extra or "INET_TEAM" not in env_extra:
        env.pop("INET_TEAM", None)
    if not env_extra or "MLFLOW_WORKSPACE" not in env_extra:
        env.pop("MLFLOW_WORKSPACE", None)
    proc = subprocess.run([str(inet_binary()), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f"inet {' '.join(args)} exited {proc.returncode}\n"
                    f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def submit(srv: ServerProcess, spec: dict) -> dict:
    res = srv.api("POST", "/api/v1/jobs", json=spec)
    assert res.status_code == 201, res.text
    return res.json()["job"]


def get_job(srv: ServerProcess, job_id: str) -> dict:
    res = srv.api("GET", f"/api/v1/jobs/{job_id}")
    assert res.status_code == 200, res.text
    return res.json()["job"]


def wait_for(srv: ServerProcess, job_id: str, predicate, what: str,
             timeout: float = WAIT_S) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(srv, job_id)
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} did not reach {what} within {timeout}s: {job}\n"
                        f"log:\n{logs(srv, job_id)}\nserver:\n{srv.log_tail()}")
        time.sleep(0.1)


def wait_state(srv, job_id, *states, timeout: float = WAIT_S) -> dict:
    return wait_for(srv, job_id, lambda j: j["state"] in states, "/".join(states), timeout)


def logs(srv: ServerProcess, job_id: str) -> str:
    res = srv.api("GET", f"/api/v1/jobs/{job_id}/logs")
    return res.text if res.status_code == 200 else f"<logs: {res.status_code} {res.text}>"


def wait_file(path: Path, timeout: float = WAIT_S) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} was not written within {timeout}s")
        time.sleep(0.05)
    return path.read_text().strip()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its reaper is as good as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            pytest.fail(f"process {pid} still alive {timeout}s later")
        time.sleep(0.05)


def wait_log(srv: ServerProcess, text: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while text not in srv.log_text():
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not log {text!r} within {timeout}s:\n{srv.log_tail()}")
        time.sleep(0.05)


def script(body: str) -> list[str]:
    """A job command running `body` with the server's Python."""
    return ["python", "-c", textwrap.dedent(body)]


TRAIN_PY = """\
import os, pickle, mlflow

assert os.environ["MLFLOW_RUN_ID"], "the platform injects the run"
with mlflow.start_run() as run:
    mlflow.log_params({"lr": 0.01, "epochs": 3})
    for step in range(3):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    with open("model.pt", "wb") as f:
        pickle.dump({"weights": [1, 2, 3]}, f)
    print("trained in run", run.info.run_id, "data ignored:", not os.path.exists("data"))
"""


def test_train_through_cli_logs_to_mlflow_and_keeps_the_model(jobs_server, tmp_path):
    import mlflow

    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "train.py").write_text(TRAIN_PY)
    (project / "data" / "big.bin").write_bytes(b"x" * 1024)
    (project / ".gitignore").write_text("data/\n")

    out = cli(jobs_server, "platform", "train", "--name", "bert-finetuning",
              "--image", "ml-training:latest", "--script", "train.py", "--gpu", "1",
              "--memory", "1Gi", "--output-artifacts", "model.pt", cwd=project).stdout
    first = out.splitlines()[0]
    assert first.startswith("Job submitted: bert-finetuning-"), out
    job_id = first.split(": ", 1)[1].strip()
    assert f"inet platform logs {job_id}" in out and f"inet platform status {job_id}" in out
    assert "GPU quota: " in out and "/2" in out, out

    job = wait_state(jobs_server, job_id, *TERMINAL)
    assert job["state"] == "Succeeded", (job, logs(jobs_server, job_id))
    assert "data ignored: True" in logs(jobs_server, job_id)

    status = cli(jobs_server, "platform", "status", job_id).stdout
    assert "Succeeded" in status and "model.pt" in status and job["mlflow"]["run_id"] in status

    client = mlflow.MlflowClient(jobs_server.url)
    run = client.get_run(job["mlflow"]["run_id"])
    assert run.data.params == {"lr": "0.01", "epochs": "3"}
    assert [m.value for m in client.get_metric_history(run.info.run_id, "loss")] == \
        [1.0, 0.5, 1.0 / 3]
    assert run.info.status == "FINISHED"
    assert "model.pt" in {a.path for a in client.list_artifacts(run.info.run_id)}
    local = client.download_artifacts(run.info.run_id, "model.pt", str(tmp_path))
    assert b"weights" in Path(local).read_bytes()
    [artifact] = job["artifacts"]
    assert artifact["name"] == "model.pt" and artifact["size"] == Path(local).stat().st_size


def test_failed_attempt_retries_and_resumes_from_checkpoint(jobs_server):
    job = submit(jobs_server, {"name": "resume", "retries": 2, "command": script("""
        import os, sys
        ckpt = os.path.join(os.environ["INET_CHECKPOINT_DIR"], "step")
        if os.path.exists(ckpt):
            print("resumed from step", open(ckpt).read(), "on attempt", os.environ["INET_ATTEMPT"])
            sys.exit(0)
        open(ckpt, "w").write("41")
        print("crashing after step 41")
        sys.exit(3)
    """)})
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Succeeded", done
    assert done["attempt"] == 2 and done["max_attempts"] == 3
    text = logs(jobs_server, job["job_id"])
    assert "crashing after step 41" in text and "resumed from step 41 on attempt 2" in text
    events = jobs_server.api("GET", f"/api/v1/jobs/{job['job_id']}/events").json()["events"]
    reasons = " | ".join(e["reason"] for e in events)
    assert "exited with code 3" in reasons, reasons
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_failure_after_retries_reports_the_last_reason(jobs_server):
    job = submit(jobs_server, {"name": "always-fails", "retries": 1,
                               "command": ["python", "-c", "import sys; sys.exit(7)"]})
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Failed" and done["attempt"] == 2
    assert done["exit_code"] == 7 and "code 7" in done["reason"], done


def test_timeout(jobs_server):
    # 0.0005 h = 1.8 s; the job would otherwise run for 10 minutes.
    job = submit(jobs_server, {"name": "too-slow", "timeout_hours": 0.0005, "retries": 2,
                               "command": ["sleep", "600"]})
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "TimedOut", done
    assert done["attempt"] == 1, "a timed-out job is not retried"


def test_cancel_kills_the_job_and_its_background_children(jobs_server, tmp_path):
    pids = tmp_path / "pids"
    job = submit(jobs_server, {"name": "to-cancel", "command": ["bash", "-c",
                 f"sleep 1000 & echo $$ $! > {pids}.tmp; mv {pids}.tmp {pids}; wait"]})
    wait_state(jobs_server, job["job_id"], "Running")
    shell_pid, child_pid = map(int, wait_file(pids).split())
    out = cli(jobs_server, "platform", "cancel", job["job_id"]).stdout
    assert job["job_id"] in out
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Cancelled", done
    wait_gone(shell_pid)
    wait_gone(child_pid)  # no orphan left behind
    again = jobs_server.api("POST", f"/api/v1/jobs/{job['job_id']}/cancel")
    assert again.status_code in (400, 409), again.text


def test_memory_limit_exceeded_is_reported(jobs_server):
    job = submit(jobs_server, {"name": "memory-hog", "resources": {"memory": "128Mi"},
                               "command": script("""
        blocks = []
        for _ in range(64):
            blocks.append(bytearray(32 * 1024 * 1024))
        print("allocated 2 GiB: the limit was not enforced")
    """)})
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Failed", (done, logs(jobs_server, job["job_id"]))
    assert "memory" in done["reason"].lower() and "128Mi" in done["reason"], done


def test_two_jobs_never_share_a_gpu(jobs_server, tmp_path):
    release = tmp_path / "release"
    body = f"""
        import os, time
        open(os.path.join(os.environ["INET_OUTPUT_DIR"], "gpu"), "w")
        print("CUDA_VISIBLE_DEVICES=" + os.environ["CUDA_VISIBLE_DEVICES"], flush=True)
        while not os.path.exists({str(release)!r}):
            time.sleep(0.05)
    """
    ids = [submit(jobs_server, {"name": f"gpu-{i}", "resources": {"gpu": 1},
                                "command": script(body)})["job_id"] for i in range(3)]
    running = [wait_state(jobs_server, i, "Running") for i in ids[:2]]
    devices = [set(j["gpus"]) for j in running]
    assert devices[0] and devices[1] and not devices[0] & devices[1], devices
    third = wait_for(jobs_server, ids[2], lambda j: "GPU" in j["reason"],
                     "a reason naming GPUs")
    assert third["state"] == "Queued", third
    capacity = jobs_server.api("GET", "/api/v1/capacity").json()
    assert capacity["gpus_total"] == 2 and capacity["gpus_used"] == 2
    # The local executor's one pool holds all of it, and the CLI shows it as a table row.
    (pool,) = capacity["node_pools"]
    assert pool["name"] == "local" and pool["gpus_allocatable"] == 2, pool
    assert pool["gpus_used"] == 2 and pool["cpu_millis_used"] == capacity["cpu_millis_used"], pool
    assert pool["cpu_millis_allocatable"] == capacity["cpu_millis_total"], pool
    shown = cli(jobs_server, "platform", "capacity").stdout
    assert "POOL" in shown and "GPU MODEL" in shown, shown
    assert any(line.split()[:2] == ["local", "2/2"] for line in shown.splitlines()), shown
    as_json = json.loads(cli(jobs_server, "platform", "capacity", "--json").stdout)
    assert as_json["node_pools"][0]["name"] == "local", as_json
    release.touch()
    finals = [wait_state(jobs_server, i, *TERMINAL) for i in ids]
    assert [j["state"] for j in finals] == ["Succeeded"] * 3, finals
    for job_id, job in zip(ids, finals):
        assert f"CUDA_VISIBLE_DEVICES={job['gpus'][0]}" in logs(jobs_server, job_id)


def test_pytorch_distributed_env_starts_every_rank(jobs_server):
    job = submit(jobs_server, {"name": "ddp", "distributed": {"backend": "pytorch", "processes": 2},
                               "command": script("""
        import os, sys
        # One write per line: the ranks share the log, and an unbuffered print writes each of
        # its arguments separately, so two ranks' words could interleave.
        sys.stdout.write(f"rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']} local "
                         f"{os.environ['LOCAL_RANK']} master {os.environ['MASTER_ADDR']}:"
                         f"{os.environ['MASTER_PORT']}\\n")
        sys.stdout.flush()
    """)})
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Succeeded", done
    text = logs(jobs_server, job["job_id"])
    assert "rank 0 of 2 local 0 master 127.0.0.1:" in text
    assert "rank 1 of 2 local 1 master 127.0.0.1:" in text


@pytest.mark.parametrize("args, message", [
    (["--memory", "16GB"], 'did you mean "16Gi"'),
    (["--cpu", "two"], "cpu"),
    (["--gpu", "8"], "8 GPUs"),
    (["--name", "Bert_Finetuning"], "bert-finetuning"),
])
def test_bad_specs_are_rejected_with_a_fix(jobs_server, tmp_path, args, message):
    base = {"--name": "bad-spec", "--command": "true"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [x for kv in base.items() for x in kv]
    proc = cli(jobs_server, "platform", "train", "--no-code", *flat, cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr


def test_bad_requests_get_clear_4xx(jobs_server):
    res = jobs_server.api("POST", "/api/v1/jobs", data="{not json",
                          headers={"Content-Type": "application/json"})
    assert res.status_code == 400 and res.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    res = jobs_server.api("POST", "/api/v1/jobs", json={"name": "x", "command": ["true"],
                                                         "resources": {"memory": "16GB"}})
    assert res.status_code == 400 and 'did you mean "16Gi"' in res.json()["message"]
    res = jobs_server.api("GET", "/api/v1/jobs/no-such-job-abc123")
    assert res.status_code == 404 and res.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    res = jobs_server.api("GET", "/api/v1/jobs?state=Sleeping")
    assert res.status_code == 400 and "Running" in res.json()["message"]
    res = requests.get(jobs_server.url + "/api/v1/jobs", timeout=30)
    assert res.status_code == 401


@pytest.mark.parametrize("spec,field", [
    ({"command": ["echo", "--lr", "0.1\x00; rm -rf /"]}, "command[2]"),
    ({"command": ["true"], "env": {"TOKEN": "a\x00b"}}, "env TOKEN"),
    ({"command": ["true"], "args": ["x\x00"]}, "args[0]"),
], ids=["command", "env", "args"])
def test_nul_bytes_in_specs_are_rejected(jobs_server, spec, field):
    """exec and the environment would cut the string at the NUL and run something else."""
    res = jobs_server.api("POST", "/api/v1/jobs", json=dict(spec, name="nul"))
    assert res.status_code == 400, res.text
    assert res.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert res.json()["message"].startswith(field + " contains a NUL character")


def test_list_and_follow_logs(jobs_server, tmp_path):
    job = submit(jobs_server, {"name": "chatty", "command": script("""
        import time
        for i in range(5):
            print("line", i, flush=True)
            time.sleep(0.2)
    """)})
    proc = cli(jobs_server, "platform", "logs", "-f", job["job_id"])
    assert [f"line {i}" in proc.stdout for i in range(5)] == [True] * 5, proc.stdout
    assert get_job(jobs_server, job["job_id"])["state"] == "Succeeded"
    listed = jobs_server.api("GET", "/api/v1/jobs?name=chatty").json()["jobs"]
    assert [j["job_id"] for j in listed] == [job["job_id"]]
    table = cli(jobs_server, "platform", "jobs", "--name", "chatty").stdout
    assert job["job_id"] in table and "Succeeded" in table
    as_json = json.loads(cli(jobs_server, "platform", "status", job["job_id"], "--json").stdout)
    assert as_json["job"]["job_id"] == job["job_id"]


def test_two_servers_on_one_database_run_each_job_once(jobs_server, tmp_path, tmp_path_factory):
    """A second server on the same database (a replica) serves the API, but only the server
    holding the job-controller lease runs jobs: each runs once, whichever server it was
    submitted to; when the holder stops, the other takes over."""
    db = jobs_server.db_uri or f"sqlite:///{jobs_server.data_dir / 'inet.db'}"
    replica = ServerProcess(tmp_path_factory.mktemp("replica"), "sqlite", None,
                            extra_args=["--db", db, "--gpus", "2", "--python", sys.executable])
    replica.start()
    try:
        wait_log(replica, "another server controls the jobs of this database")
        runs = tmp_path / "runs"
        body = f"""
            import os
            with open({str(runs)!r}, "a") as f:
                f.write(os.environ["INET_JOB_ID"] + "\\n")
        """
        jobs = [submit(srv, {"name": f"once-{i}", "command": script(body)})
                for i, srv in enumerate([replica, jobs_server, replica, jobs_server])]
        for job in jobs:
            done = wait_state(jobs_server, job["job_id"], *TERMINAL)
            assert done["state"] == "Succeeded" and done["attempt"] == 1, done
        started = runs.read_text().split()
        assert sorted(started) == sorted(j["job_id"] for j in jobs), started

        jobs_server.stop()
        try:
            after = submit(replica, {"name": "after-takeover", "command": script(body)})
            done = wait_state(replica, after["job_id"], *TERMINAL)
            assert done["state"] == "Succeeded" and done["attempt"] == 1, done
            wait_log(replica, "this server now controls the jobs of this database")
            assert runs.read_text().split().count(after["job_id"]) == 1
        finally:
            jobs_server.start()
    finally:
        replica.stop()


def test_server_restart_reattaches_running_jobs(jobs_server, tmp_path):
    release = tmp_path / "release"
    started = tmp_path / "started"
    job = submit(jobs_server, {"name": "survivor", "command": script(f"""
        import os, time
        open({str(started)!r}, "w").write(str(os.getpid()))
        while not os.path.exists({str(release)!r}):
            time.sleep(0.05)
        print("released after the restart")
    """)})
    wait_state(jobs_server, job["job_id"], "Running")
    pid = int(wait_file(started))
    jobs_server.kill()  # SIGKILL: no chance to clean up
    assert pid_alive(pid), "the job must outlive the control plane"
    jobs_server.start()
    assert get_job(jobs_server, job["job_id"])["state"] == "Running"
    release.touch()
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Succeeded" and done["attempt"] == 1, done
    assert "released after the restart" in logs(jobs_server, job["job_id"])


def test_vanished_job_is_marked_and_retried_after_restart(jobs_server, tmp_path):
    started = tmp_path / "started"
    job = submit(jobs_server, {"name": "vanishing", "retries": 1, "command": script(f"""
        import os, time
        if os.environ["INET_ATTEMPT"] == "1":
            open({str(started)!r}, "w").write(f"{{os.getpid()}} {{os.getppid()}}")
            time.sleep(600)
        print("second attempt ran")
    """)})
    wait_state(jobs_server, job["job_id"], "Running")
    pid, supervisor = map(int, wait_file(started).split())
    jobs_server.kill()
    # Everything of the attempt dies while the server is down: the job and its supervisor.
    for victim in (pid, supervisor):
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_gone(pid)
    wait_gone(supervisor)
    jobs_server.start()
    done = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert done["state"] == "Succeeded" and done["attempt"] == 2, done
    events = jobs_server.api("GET", f"/api/v1/jobs/{job['job_id']}/events").json()["events"]
    assert any("vanished" in e["reason"] for e in events), events
    assert "second attempt ran" in logs(jobs_server, job["job_id"])


def test_a_job_python_without_mlflow_is_reported_at_start_up_in_capacity_and_jobs(jobs_server, tmp_path_factory):
    assert "has no mlflow" not in jobs_server.log_text()  # sys.executable has mlflow
    bare = "/usr/bin/python3"
    probe = subprocess.run([bare, "-c", "import importlib.util as u; print(u.find_spec('mlflow'))"],
                           capture_output=True, text=True) if Path(bare).exists() else None
    if probe is None or probe.stdout.strip() != "None":
        pytest.skip(f"needs a Python without mlflow at {bare}")
    srv = ServerProcess(tmp_path_factory.mktemp("no-mlflow"), "sqlite", None,
                        extra_args=["--gpus", "0", "--python", bare])
    srv.start()
    try:
        banner = srv.log_text()
        assert f"WARNING: the job Python '{bare}' has no mlflow" in banner, banner
        assert "--python pointing at an environment with mlflow" in banner, banner
        # capacity says the same (the same start-up check), and a job that imports mlflow ends
        # with a reason that says how to fix it.
        capacity = srv.api("GET", "/api/v1/capacity").json()
        assert f"the job Python '{bare}' has no mlflow" in capacity["job_python_warning"], capacity
        shown = cli(srv, "platform", "capacity").stdout
        assert f"Warning:      the job Python '{bare}' has no mlflow" in shown, shown
        job = submit(srv, {"name": "needs-mlflow", "command": ["python3", "-c", "import mlflow"]})
        done = wait_state(srv, job["job_id"], *TERMINAL)
        assert done["state"] == "Failed", done
        assert "No module named 'mlflow'" in done["reason"], done
        assert "start the server with --python pointing at an environment that has mlflow" \
            in done["reason"], done
    finally:
        assert srv.stop() == 0, srv.log_tail()


def test_a_teams_job_its_run_and_outputs_are_that_teams_only(jobs_server):
    def as_(token, method, path, team=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        if team:
            headers["X-MLFLOW-WORKSPACE"] = team
        return requests.request(method, jobs_server.url + path, headers=headers, timeout=30,
                                **kwargs)

    for body, path in [({"name": "alice"}, "/api/v1/users"), ({"name": "bob"}, "/api/v1/users"),
                       ({"name": "nlp-team"}, "/api/v1/teams"),
                       ({"user": "alice"}, "/api/v1/teams/nlp-team/members"),
                       ({"user": "bob"}, "/api/v1/teams/default/members")]:
        assert jobs_server.api("POST", path, json=body).status_code in (200, 201)
    alice = jobs_server.api("POST", "/api/v1/tokens", json={"user": "alice"}).json()["token"]
    bob = jobs_server.api("POST", "/api/v1/tokens", json={"user": "bob"}).json()["token"]

    spec = {"name": "team-job", "output_artifacts": {"model.pt": "model.pt"},
            "command": script("open('model.pt', 'w').write('weights')")}
    # Naming another team than the one the request acts in is refused, saying how.
    wrong = as_(alice, "POST", "/api/v1/jobs", json=dict(spec, team="default"))
    assert wrong.status_code == 403 and "--team default" in wrong.json()["message"], wrong.text
    submitted = as_(alice, "POST", "/api/v1/jobs", team="nlp-team", json=spec)
    assert submitted.status_code == 201, submitted.text
    job = submitted.json()["job"]
    assert job["team"] == "nlp-team"
    job = wait_state(jobs_server, job["job_id"], *TERMINAL)
    assert job["state"] == "Succeeded", (job, logs(jobs_server, job["job_id"]))

    [artifact] = job["artifacts"]
    assert artifact["uri"].startswith("mlflow-artifacts:/workspaces/nlp-team/jobs/"), artifact
    key = artifact["uri"].removeprefix("mlflow-artifacts:/")
    got = as_(alice, "GET", "/api/2.0/mlflow-artifacts/artifacts/" + key)
    assert got.status_code == 200 and got.text == "weights"
    run = as_(alice, "GET", "/api/2.0/mlflow/runs/get",
              params={"run_id": job["mlflow"]["run_id"]}).json()["run"]
    assert "/workspaces/nlp-team/" in run["info"]["artifact_uri"]

    # Bob, of team default, sees none of it; nlp-team's job list holds it for alice.
    assert as_(bob, "GET", "/api/2.0/mlflow-artifacts/artifacts/" + key).status_code == 404
    assert as_(bob, "GET", "/api/2.0/mlflow/runs/get",
               params={"run_id": job["mlflow"]["run_id"]}).status_code == 404
    assert as_(bob, "GET", f"/api/v1/jobs/{job['job_id']}").status_code == 404
    listed = as_(alice, "GET", "/api/v1/jobs").json()["jobs"]
    assert [j["job_id"] for j in listed] == [job["job_id"]]


def test_job_commands_reach_a_job_of_a_non_default_team_with_team_or_inet_team(jobs_server):
    """A user in two teams acts in default unless told: --team (or INET_TEAM) on status, logs,
    events and cancel reaches the job of their other team, which without it answers as absent."""
    for body, path in [({"name": "carol"}, "/api/v1/users"),
                       ({"name": "vision"}, "/api/v1/teams"),
                       ({"user": "carol"}, "/api/v1/teams/vision/members"),
                       ({"user": "carol"}, "/api/v1/teams/default/members")]:
        assert jobs_server.api("POST", path, json=body).status_code in (200, 201)
    carol = jobs_server.api("POST", "/api/v1/tokens", json={"user": "carol"}).json()["token"]

    submitted = cli(jobs_server, "platform", "train", "--name", "vision-job", "--no-code",
                    "--team", "vision", "--json", "--", *script("print('seen by vision')"),
                    token=carol)
    job = json.loads(submitted.stdout)["job"]
    assert job["team"] == "vision", job
    job_id = job["job_id"]
    wait_state(jobs_server, job_id, *TERMINAL)

    # Without a team carol acts in default, where the job does not exist.
    missing = cli(jobs_server, "platform", "status", job_id, token=carol, check=False)
    assert missing.returncode == 1 and "RESOURCE_DOES_NOT_EXIST" in missing.stderr, missing

    status = cli(jobs_server, "platform", "status", job_id, "--team", "vision", "--json",
                 token=carol)
    assert json.loads(status.stdout)["job"]["state"] == "Succeeded", status.stdout
    in_env = {"INET_TEAM": "vision"}
    log = cli(jobs_server, "platform", "logs", job_id, token=carol, env_extra=in_env)
    assert "seen by vision" in log.stdout, log
    events = cli(jobs_server, "platform", "events", job_id, "--json", token=carol,
                 env_extra=in_env)
    assert json.loads(events.stdout)["events"], events.stdout
    listed = cli(jobs_server, "platform", "jobs", "--json", token=carol, env_extra=in_env)
    assert [j["job_id"] for j in json.loads(listed.stdout)["jobs"]] == [job_id]
    cancel = cli(jobs_server, "platform", "cancel", job_id, "--team", "vision", token=carol,
                 check=False)
    assert cancel.returncode == 1 and "already finished" in cancel.stderr, cancel  # found it

    # A team carol is not in is refused, saying so.
    other = cli(jobs_server, "platform", "status", job_id, "--team", "nlp-elsewhere",
                token=carol, check=False)
    assert other.returncode == 1 and "PERMISSION_DENIED" in other.stderr, other
