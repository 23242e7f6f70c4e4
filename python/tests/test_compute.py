"""ComputeClient and Job against the in-memory FakePlatform."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from inet_platform import (ComputeClient, ConflictError, InvalidRequestError, Job,
                           NotFoundError, ResourceExhaustedError, WaitTimeoutError)
from inet_platform.compute import build_job_spec


@pytest.fixture
def client(platform, tmp_path, monkeypatch):
    # submit_training packs the working directory by default: start each test in an empty one.
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return ComputeClient(namespace="ml-team", transport=platform)


def snapshot_names(platform):
    body = platform.last("POST", "/api/v1/snapshots").body
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return sorted(tar.getnames())


class FakeTime:
    """Replaces a Job's clock and sleep: sleeping advances the clock."""

    def __init__(self, job):
        self.now = 1000.0
        self.sleeps = []
        job._now = lambda: self.now
        job._sleep = self.sleep
        job._fetched_at = self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_submit_training_sends_the_seed_snippets_spec_with_the_working_directory(client,
                                                                               platform):
    with open("train.py", "w") as f:
        f.write("print('training')\n")
    job = client.submit_training(name="bert-finetuning", image="ml-training:latest",
                                 command=["python", "train.py"], cpu_request="4",
                                 memory_request="16Gi", gpu_request=1, timeout_hours=24,
                                 output_artifacts=["model.pt"])
    # The code is the caller's working directory, as with `inet platform train`.
    assert snapshot_names(platform) == ["train.py"]
    spec = platform.last("POST", "/api/v1/jobs").json()
    assert spec == {"name": "bert-finetuning", "image": "ml-training:latest",
                    "command": ["python", "train.py"],
                    "resources": {"cpu": "4", "memory": "16Gi", "gpu": 1},
                    "timeout_hours": 24, "retries": 0, "output_artifacts": ["model.pt"],
                    "team": "ml-team", "priority_class": "batch",
                    "code_snapshot": "snap-0000"}
    assert job.id.startswith("bert-finetuning-")
    assert job.job_id == job.id
    assert job.name == "bert-finetuning"
    assert job.status == "Queued"


def test_build_job_spec_covers_every_field():
    spec = build_job_spec(
        "n", command="python train.py --lr 0.1", cpu_request=0.5, memory_request=1 << 30,
        gpu_request=2, timeout_hours=1.5, retries=2, output_artifacts={"model": "out/m.pt"},
        env={"SEED": 7}, distributed_backend="pytorch", processes=2, code_snapshot="snap-1",
        workdir="src", team="t", priority_class="interactive", experiment="exp",
        max_cost_usd=40)
    assert spec == {"name": "n", "command": "python train.py --lr 0.1",
                    "resources": {"cpu": "0.5", "memory": str(1 << 30), "gpu": 2},
                    "timeout_hours": 1.5, "retries": 2,
                    "output_artifacts": {"model": "out/m.pt"}, "env": {"SEED": "7"},
                    "distributed": {"backend": "pytorch", "processes": 2},
                    "code_snapshot": "snap-1", "workdir": "src", "team": "t",
                    "priority_class": "interactive", "experiment": "exp",
                    "max_cost_usd": 40}
    script = build_job_spec("n", script="train.py", args=["--epochs", 3],
                            output_artifacts="model.pt")
    assert script["script"] == "train.py" and script["args"] == ["--epochs", "3"]
    assert script["output_artifacts"] == ["model.pt"]
    assert "resources" not in script and "distributed" not in script
    with pytest.raises(TypeError):
        build_job_spec("n", command=["x"], memory_request=True)
    with pytest.raises(TypeError):
        build_job_spec("n", command=["x"], cpu_request=["4"])


def test_validation_errors_carry_the_servers_message(client):
    with pytest.raises(InvalidRequestError) as e:
        client.submit_training(name="bert", command=["python"], memory_request="16GB")
    assert 'did you mean "16Gi"?' in str(e.value)
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


def test_status_is_cached_for_half_a_second(client, platform):
    job = client.submit_training(name="j", command=["true"])
    clock = FakeTime(job)
    platform.state_script[job.id] = ["Running", "Succeeded"]
    gets = lambda: sum(1 for r in platform.requests if r.method == "GET")  # noqa: E731
    assert job.status == "Queued" and gets() == 0
    clock.now += 0.6
    assert job.status == "Running" and gets() == 1
    assert job.state == "Running" and gets() == 1  # cached
    clock.now += 0.6
    assert job.is_complete() and job.succeeded and gets() == 2


def test_wait_polls_until_terminal(client, platform):
    job = client.submit_training(name="j", command=["true"])
    clock = FakeTime(job)
    platform.state_script[job.id] = ["Queued", "Running", "Running", "Failed"]
    assert job.wait(poll_interval=2.0) == "Failed"
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert not job.succeeded


def test_wait_times_out_and_the_job_keeps_running(client, platform):
    job = client.submit_training(name="j", command=["sleep", "1000"])
    clock = FakeTime(job)
    platform.state_script[job.id] = ["Running"]
    with pytest.raises(WaitTimeoutError) as e:
        job.wait(timeout=2.5, poll_interval=1.0)
    assert isinstance(e.value, TimeoutError)
    assert "still Running after 2.5 s" in str(e.value)
    assert clock.sleeps == [1.0, 1.0, 0.5]
    assert platform.jobs[job.id]["state"] == "Running"


def test_live_attributes(client, platform):
    job = client.submit_training(name="j", command=["true"])
    platform.jobs[job.id].update(
        state="Succeeded", reason="exited with code 0", attempt=2, max_attempts=3,
        exit_code=0, last_failure="exited with code 1 (attempt 1)", gpus=[0, 1],
        runtime_seconds=12.5, started_at=1700000001000, finished_at=1700000013500,
        artifacts=[{"name": "model.pt", "uri": "mlflow-artifacts:/1/r/artifacts/model.pt",
                    "size": 1234}])
    job.refresh()
    assert (job.reason, job.attempt, job.max_attempts, job.exit_code) == \
        ("exited with code 0", 2, 3, 0)
    assert job.last_failure == "exited with code 1 (attempt 1)"
    assert job.gpus == [0, 1] and job.runtime_seconds == 12.5
    assert job.started_at.year == 2023 and job.started_at.tzinfo is not None
    assert job.finished_at > job.started_at
    assert dict(job.artifacts) == {"model.pt": "mlflow-artifacts:/1/r/artifacts/model.pt"}
    (artifact,) = job.artifacts.files
    assert (artifact.name, artifact.uri, artifact.size) == \
        ("model.pt", "mlflow-artifacts:/1/r/artifacts/model.pt", 1234)
    assert job.mlflow_run_id == "r" * 32 and job.mlflow_experiment_id == "1"
    assert job.mlflow_run_url.endswith("/runs/" + "r" * 32)
    assert job.to_dict()["job_id"] == job.id
    assert job.spec["name"] == "j"
    assert repr(job) == (f"Job(id={job.id!r}, state='Succeeded', attempt=2, "
                         "reason='exited with code 0')")


def test_job_artifact_download_goes_through_the_mlflow_artifact_proxy(client, platform, tmp_path):
    platform.artifacts[("x", "y")] = {"uri": "mlflow-artifacts:/1/r/artifacts/model.pt",
                                      "_bytes": b"weights"}
    job = client.submit_training(name="j", command=["true"])
    platform.jobs[job.id]["artifacts"] = [
        {"name": "model.pt", "uri": "mlflow-artifacts:/1/r/artifacts/model.pt", "size": 7}]
    path = job.refresh().artifacts.download("model.pt", str(tmp_path))
    assert path == str(tmp_path / "model.pt")
    assert (tmp_path / "model.pt").read_bytes() == b"weights"
    assert platform.last().path == "/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model.pt"


def test_logs_reads_from_an_offset(client, platform):
    job = client.submit_training(name="j", command=["true"])
    platform.logs[job.id] = "epoch 1\népoch 2\n".encode()
    assert job.logs() == "epoch 1\népoch 2\n"
    assert job.logs(offset=8) == "époch 2\n"
    assert platform.last().query == {"offset": ["8"], "follow": ["false"]}
    empty = client.submit_training(name="k", command=["true"])
    assert empty.logs() == ""


def test_stream_logs_reconnects_until_the_job_finishes(client, platform):
    job = client.submit_training(name="j", command=["true"])
    FakeTime(job)
    snowman = "☃".encode()  # three bytes, split across two responses
    platform.follow_feed[job.id] = [
        (b"line 1\n" + snowman[:1], "Running", "Running"),
        (b"", "Running", "Running"),  # the server's ~30 s silence timeout
        (snowman[1:] + b"\nline 2\n", "Running", "Running"),
        (b"last\n", "Running", "Succeeded"),
    ]
    text = "".join(job.stream_logs(poll_interval=0.25))
    assert text == "line 1\n☃\nline 2\nlast\n"
    follows = [r for r in platform.requests if r.path.endswith("/logs")]
    assert [r.query["offset"][0] for r in follows] == ["0", "8", "8", "18", "23"]
    assert follows[-1].query["follow"] == ["false"]  # the final catch-up read


def test_stream_logs_of_a_finished_job_reads_once(client, platform):
    job = client.submit_training(name="j", command=["true"])
    platform.jobs[job.id]["state"] = "Succeeded"
    platform.logs[job.id] = b"all done\n"
    assert list(job.stream_logs()) == ["all done\n"]
    assert sum(1 for r in platform.requests if r.path.endswith("/logs")) == 1


def test_cancel_and_cancel_of_a_finished_job(client, platform):
    job = client.submit_training(name="j", command=["sleep", "100"])
    assert job.cancel() == "Cancelled"
    assert platform.last().path == f"/api/v1/jobs/{job.id}/cancel"
    assert platform.last().json() == {}
    with pytest.raises(ConflictError) as e:
        job.cancel()
    assert "already finished" in str(e.value)


def test_events(client, platform):
    job = client.submit_training(name="j", command=["true"])
    platform.events[job.id].append({"seq": 2, "timestamp": 1700000005000, "state": "Running",
                                    "attempt": 1, "reason": "attempt 1 started"})
    events = job.events()
    assert [(e.seq, e.state, e.attempt) for e in events] == [(1, "Queued", 0), (2, "Running", 1)]
    assert events[1].reason == "attempt 1 started"
    assert events[1].timestamp.timestamp() == 1700000005.0


def test_get_job_and_not_found(client, platform):
    job = client.submit_training(name="j", command=["true"])
    assert client.get_job(job.id).id == job.id
    with pytest.raises(NotFoundError) as e:
        client.get_job("nope-123456")
    assert "nope-123456" in str(e.value)


def test_list_jobs_filters_and_follows_pages(client, platform):
    platform.page_size_cap = 2
    for i in range(5):
        platform.add_job(f"job{i}", state="Running" if i % 2 else "Queued", team="ml-team")
    platform.add_job("other", team="another-team")
    jobs = client.list_jobs()
    assert [j.name for j in jobs] == ["job4", "job3", "job2", "job1", "job0"]
    assert all(r.query["team"] == ["ml-team"] for r in platform.requests)
    assert len(platform.requests) == 3
    running = client.list_jobs(state=["Running", "Failed"], user="admin")
    assert [j.name for j in running] == ["job3", "job1"]
    assert platform.last().query["state"] == ["Running", "Failed"]
    assert platform.last().query["user"] == ["admin"]
    assert [j.name for j in client.list_jobs(name="job2")] == ["job2"]
    assert len(client.list_jobs(limit=3)) == 3
    assert len(client.list_jobs(team="")) == 6
    assert "team" not in platform.last().query


def test_capacity(client):
    c = client.capacity()
    assert (c.gpus_total, c.gpus_used, c.gpu_source) == (4, 1, "configured")
    assert c.cpu_millis_total == 8000 and c.memory_bytes_used == 1 << 30
    assert c.isolation == "cgroup v2" and c.raw["gpus_total"] == 4
    assert [p.name for p in c.node_pools] == ["a100", "cpu"]
    a100, cpu = c.node_pools
    assert (a100.gpus_allocatable, a100.gpu_model, a100.gpus_used) == (4, "NVIDIA A100-SXM4-80GB",
                                                                     None)
    assert (cpu.cpu_millis_allocatable, cpu.memory_bytes_allocatable, cpu.gpu_model) == (
        2000, 8 << 30, "")


def test_capacity_of_an_older_server_has_no_pools(client, platform):
    del platform.capacity["node_pools"]
    assert client.capacity().node_pools == ()


def test_code_dir_is_packed_and_uploaded(client, platform, tmp_path):
    code = tmp_path / "project"
    (code / "data").mkdir(parents=True)
    (code / "train.py").write_text("print('hi')\n")
    (code / "data" / "big.bin").write_bytes(b"0" * 100)
    (code / ".inetignore").write_text("data/\n")
    job = client.submit_training(name="j", script="train.py", code_dir=str(code))
    snap = platform.last("POST", "/api/v1/snapshots")
    assert snap.headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(snap.body), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == [".inetignore", "train.py"]
    spec = platform.last("POST", "/api/v1/jobs").json()
    assert spec["code_snapshot"] == "snap-0000" and spec["script"] == "train.py"
    assert job.spec["code_snapshot"] == "snap-0000"


def test_no_code_is_sent_with_code_dir_none(client, platform):
    with open("train.py", "w") as f:
        f.write("print('training')\n")
    client.submit_training(name="j", command=["echo", "hi"], code_dir=None)
    assert not any(r.path == "/api/v1/snapshots" for r in platform.requests)
    assert "code_snapshot" not in platform.last("POST", "/api/v1/jobs").json()


def test_the_default_code_follows_the_cli_ignore_rules(client, platform):
    os.makedirs("data")
    os.makedirs(".git")
    for name, text in {"train.py": "x", "data/big.bin": "0" * 100, ".git/HEAD": "ref",
                       "notes  ": "kept: the name ends in escaped spaces", "#hash": "x",
                       "out.log": "x", ".gitignore": "data/\n*.log  \n\\#hash\n",
                       ".inetignore": "!out.log\nnotes\\ \\ \n"}.items():
        with open(name, "w") as f:
            f.write(text)
    client.submit_training(name="j", command=["python", "train.py"])
    # .inetignore overrides .gitignore; "*.log  " loses its trailing spaces; "\#" is a
    # literal '#'; "notes\ \ " keeps its escaped spaces.
    assert snapshot_names(platform) == [".gitignore", ".inetignore", "out.log", "train.py"]


def test_too_much_code_is_refused_before_anything_is_sent(client, platform):
    with open("weights.bin", "wb") as f:
        f.write(b"\0" * (2 << 20))
    with pytest.raises(ResourceExhaustedError) as e:
        client.submit_training(name="j", command=["python", "train.py"], max_snapshot_mb=1)
    assert "weights.bin (2.0 MiB)" in str(e.value) and ".inetignore" in str(e.value)
    assert platform.requests == []


def test_progress_lines_match_the_cli(client, platform, capsys):
    with open("train.py", "w") as f:
        f.write("print('hi')\n")
    client.submit_training(name="j", command=["python", "train.py"], progress=True)
    err = capsys.readouterr().err
    assert "Packing code: 1 file, 12 B (" in err and " compressed)\n" in err
    assert "Uploading code: 100% of " in err
    client.submit_training(name="j", command=["python", "train.py"])  # stderr is no terminal
    assert capsys.readouterr().err == ""


def test_artifacts_map_output_names_to_uris(client, platform):
    job = client.submit_training(name="j", command=["true"], code_dir=None)
    with pytest.raises(KeyError) as e:
        job.artifacts["model"]
    assert "uploaded when the job ends" in str(e.value)
    base = "mlflow-artifacts:/1/r/artifacts/"
    platform.jobs[job.id].update(state="Succeeded", artifacts=[
        {"name": "model", "uri": base + "model", "size": 7},
        {"name": "ckpt/a.bin", "uri": base + "ckpt/a.bin", "size": 1},
        {"name": "ckpt/sub/b.bin", "uri": base + "ckpt/sub/b.bin", "size": 2}])
    artifacts = job.refresh().artifacts
    assert artifacts["model"] == base + "model"
    assert artifacts["ckpt"] == base + "ckpt"  # a folder output: the folder's URI
    assert list(artifacts) == ["model", "ckpt"] and len(artifacts) == 2
    assert "model" in artifacts and artifacts.get("metrics") is None
    assert [f.name for f in artifacts.files] == ["model", "ckpt/a.bin", "ckpt/sub/b.bin"]
    assert artifacts.file("ckpt/sub/b.bin").size == 2
    with pytest.raises(KeyError) as e:
        artifacts["metrics"]
    assert "'model', 'ckpt'" in str(e.value) and "when the job ends" not in str(e.value)


def test_job_from_get_job_is_a_job(client, platform):
    data = platform.add_job("x")
    assert isinstance(client.get_job(data["job_id"]), Job)
