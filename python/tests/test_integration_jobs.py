"""ComputeClient and Job against a real `inet server` running jobs on its local executor."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest

from inet_platform import (ComputeClient, ConflictError, ExperimentTracker, InetError,
                           InvalidRequestError, NotFoundError)

pytestmark = pytest.mark.integration

WAIT_S = 180  # generous: the CI machine may be busy

TRAIN_PY = textwrap.dedent("""\
    import os
    import mlflow

    print("starting job", os.environ["INET_JOB_ID"], flush=True)
    with mlflow.start_run():  # the run the platform created (MLFLOW_RUN_ID)
        mlflow.log_param("lr", 0.1)
        for epoch in range(3):
            mlflow.log_metric("accuracy", 0.5 + 0.2 * epoch, step=epoch)
            print(f"epoch {epoch} done", flush=True)
    with open("model.pt", "wb") as f:
        f.write(b"weights")
    print("saved model.pt", flush=True)
""")


@pytest.fixture
def client(inet_server, tmp_path, monkeypatch):
    # submit_training sends the working directory as the code: start in an empty one.
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return ComputeClient(namespace="default", url=inet_server.url, token=inet_server.token)


def python_command(code: str):
    return [sys.executable, "-c", textwrap.dedent(code)]


def wait_for_state(job, states, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while job.refresh().status not in states:
        if job.is_complete() or time.monotonic() > deadline:
            pytest.fail(f"job {job.id} is {job.status}, expected one of {states}: {job.reason}")
        time.sleep(0.1)


def test_training_job_with_code_metrics_and_artifact(client, inet_server, tmp_path):
    code = tmp_path / "project"
    code.mkdir()
    (code / "train.py").write_text(TRAIN_PY)
    (code / "data.bin").write_bytes(b"\0" * 1000)
    (code / ".inetignore").write_text("data.bin\n")

    job = client.submit_training(name="sdk-train", script="train.py",
                                 cpu_request="500m", memory_request="512Mi",
                                 output_artifacts=["model.pt"], code_dir=str(code))
    assert job.id.startswith("sdk-train-")
    assert job.status in ("Pending", "Queued", "Running", "Succeeded")
    assert job.wait(timeout=WAIT_S, poll_interval=0.2) == "Succeeded", job.logs()
    assert job.is_complete() and job.succeeded
    assert job.exit_code == 0

    logs = job.logs()
    assert f"starting job {job.id}" in logs
    assert "epoch 2 done" in logs and "saved model.pt" in logs
    assert job.logs(offset=len(logs.encode()) - 15) == logs[-15:]

    assert list(job.artifacts) == ["model.pt"]
    (artifact,) = job.artifacts.files
    assert job.artifacts["model.pt"] == artifact.uri
    assert artifact.name == "model.pt" and artifact.size == 7
    assert artifact.uri.startswith("mlflow-artifacts:/")
    downloaded = artifact.download(str(tmp_path / "model.pt"))
    assert open(downloaded, "rb").read() == b"weights"

    states = [e.state for e in job.events()]
    assert states[-1] == "Succeeded" and "Running" in states

    assert job.mlflow_run_id
    tracker = ExperimentTracker(workspace="sdk-train", url=inet_server.url,
                                token=inet_server.token)
    (exp,) = tracker.get_experiments(name="sdk-train")
    assert exp.experiment_id == job.mlflow_experiment_id
    run = exp.latest_run
    assert run.run_id == job.mlflow_run_id
    assert run.metrics["accuracy"] == pytest.approx(0.9)
    assert run.params == {"lr": "0.1"}


def test_stream_logs_follows_a_running_job(client):
    job = client.submit_training(name="sdk-stream", command=python_command("""
        import time
        for i in range(5):
            print(f"line {i}", flush=True)
            time.sleep(0.3)
    """))
    text = "".join(job.stream_logs())
    assert [line for line in text.splitlines() if line.startswith("line")] == \
        [f"line {i}" for i in range(5)]
    assert job.is_complete()


def test_failing_job_reports_exit_code_and_output(client):
    job = client.submit_training(name="sdk-fail", command=python_command("""
        import sys
        print("something broke", flush=True)
        sys.exit(3)
    """))
    assert job.wait(timeout=WAIT_S, poll_interval=0.2) == "Failed"
    assert not job.succeeded
    assert job.exit_code == 3
    assert "something broke" in job.logs()
    assert "3" in job.last_failure or "3" in job.reason


def test_command_as_a_string_is_split_by_the_server(client):
    job = client.submit_training(name="sdk-string", command=f"{sys.executable} -c 'print(6*7)'")
    assert job.wait(timeout=WAIT_S, poll_interval=0.2) == "Succeeded"
    assert "42" in job.logs()


def test_cancel_a_running_job(client):
    job = client.submit_training(name="sdk-cancel", command=python_command("""
        import time
        print("running", flush=True)
        time.sleep(600)
    """))
    wait_for_state(job, {"Running"})
    job.cancel()
    assert job.wait(timeout=WAIT_S, poll_interval=0.2) == "Cancelled"
    with pytest.raises((ConflictError, InvalidRequestError)):
        job.cancel()


def test_bad_spec_is_rejected_with_a_fix(client):
    with pytest.raises(InvalidRequestError) as e:
        client.submit_training(name="sdk-bad", command=["true"], memory_request="16GB")
    assert "16Gi" in str(e.value)
    with pytest.raises(InvalidRequestError) as e:
        client.submit_training(name="Bad_Name", command=["true"])
    assert "name" in str(e.value)


def test_get_list_and_capacity(client):
    job = client.submit_training(name="sdk-list", command=["true"])
    assert client.get_job(job.id).name == "sdk-list"
    with pytest.raises(NotFoundError):
        client.get_job("no-such-job-000000")
    assert [j.id for j in client.list_jobs(name="sdk-list")] == [job.id]
    job.wait(timeout=WAIT_S, poll_interval=0.2)
    finished = client.list_jobs(state=["Succeeded", "Failed"], name="sdk-list")
    assert [j.id for j in finished] == [job.id]
    assert client.list_jobs(state="Running", name="sdk-list") == []
    capacity = client.capacity()
    assert capacity.cpu_millis_total > 0 and capacity.memory_bytes_total > 0
    assert capacity.gpus_total >= capacity.gpus_used >= 0
    # The local executor is one pool, "local": the totals are its own, and so is what jobs hold.
    (pool,) = capacity.node_pools
    assert pool.name == "local"
    assert (pool.cpu_millis_allocatable, pool.memory_bytes_allocatable, pool.gpus_allocatable) == (
        capacity.cpu_millis_total, capacity.memory_bytes_total, capacity.gpus_total)
    assert (pool.cpu_millis_used, pool.gpus_used) == (capacity.cpu_millis_used, capacity.gpus_used)


def test_wrong_token_is_an_authentication_error(inet_server):
    from inet_platform import AuthenticationError

    bad = ComputeClient(url=inet_server.url, token="not-a-token")
    with pytest.raises(AuthenticationError):
        bad.capacity()
    assert issubclass(AuthenticationError, InetError)
