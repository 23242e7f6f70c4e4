"""The seed's Python snippets, as the users wrote them, against a real `inet server` whose
address and token come from INET_URL / INET_TOKEN (nothing passed to the constructors).

The snippet's job asks for 4 CPUs, 16Gi and one GPU. On a machine with that much capacity it is
queued and then cancelled (it would block the FIFO queue otherwise); on a smaller machine the
server must refuse it with a message naming what the executor has.
"""

from __future__ import annotations

import datetime

import pytest

from inet_platform import (ArtifactStore, ComputeClient, ConflictError, ExperimentTracker,
                           InvalidRequestError)

pytestmark = pytest.mark.integration


@pytest.fixture
def seed_env(inet_server, monkeypatch, tmp_path):
    monkeypatch.setenv("INET_URL", inet_server.url)
    monkeypatch.setenv("INET_TOKEN", inet_server.token)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.pt").write_bytes(b"bert weights")


def test_compute_snippet(seed_env):
    client = ComputeClient(namespace="ml-team")
    capacity = client.capacity()
    fits = (capacity.gpus_total >= 1 and capacity.cpu_millis_total >= 4000
            and capacity.memory_bytes_total >= 16 << 30)
    submit = lambda: client.submit_training(  # noqa: E731
        name="bert-finetuning", image="ml-training:latest", command=["python", "train.py"],
        cpu_request="4", memory_request="16Gi", gpu_request=1, timeout_hours=24,
        output_artifacts=["model.pt"])
    if not fits:
        with pytest.raises(InvalidRequestError) as e:
            submit()
        assert "executor" in str(e.value) or "capacity" in str(e.value)
        return
    job = submit()
    print(job.status)
    assert job.status in ("Pending", "Queued", "Running", "Failed")
    if not job.is_complete():
        try:
            job.cancel()
        except (InvalidRequestError, ConflictError):
            pass  # it finished (failed: there is no train.py here) between the check and cancel
        assert job.wait(timeout=120, poll_interval=0.2) in ("Cancelled", "Failed")
    assert job.is_complete()
    assert isinstance(job.artifacts, list)
    print(job.logs())


def test_artifact_snippet(seed_env, tmp_path):
    store = ArtifactStore(backend="s3")
    store.save_artifact("models/bert/model.pt", "model.pt", metadata={"accuracy": 0.92})
    seen = []
    for a in store.list_artifacts("models/"):
        print(a.path, a.size_mb, a.created)
        seen.append(a)
    assert [a.path for a in seen] == ["models/bert/model.pt"]
    assert isinstance(seen[0].created, datetime.datetime)
    store.load_artifact("models/bert/model.pt", str(tmp_path / "loaded.pt"))
    assert (tmp_path / "loaded.pt").read_bytes() == b"bert weights"


def test_tracker_snippet(seed_env):
    tracker = ExperimentTracker(workspace="ml-team")
    tracker.set_tags({"team": "nlp"})
    names = []
    for exp in tracker.get_experiments(tags={"team": "nlp"}):
        print(exp.name, exp.metrics)
        names.append(exp.name)
    assert "ml-team" in names
