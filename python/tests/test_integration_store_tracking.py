"""ArtifactStore and ExperimentTracker against a real `inet server`."""

from __future__ import annotations

import os
import uuid

import pytest

from inet_platform import (ArtifactStore, ExperimentTracker, InvalidRequestError,
                           NotFoundError)

pytestmark = pytest.mark.integration


def test_artifact_store_round_trip(inet_server, tmp_path):
    store = ArtifactStore(backend="local", namespace="ml-team", url=inet_server.url,
                          token=inet_server.token)
    model = tmp_path / "model.pt"
    model.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    saved = store.save_artifact("models/bert/model.pt", str(model),
                                metadata={"accuracy": 0.92, "framework": "torch"})
    assert saved.path == "models/bert/model.pt" and saved.size == model.stat().st_size
    store.save_artifact("models/gpt/model.pt", str(model))
    store.save_artifact("datasets/train.csv", str(model))

    listed = {a.path: a for a in store.list_artifacts("models/")}
    assert sorted(listed) == ["models/bert/model.pt", "models/gpt/model.pt"]
    bert = listed["models/bert/model.pt"]
    assert bert.size_mb == pytest.approx(model.stat().st_size / 1048576)
    assert bert.created is not None
    assert bert.metadata == {"accuracy": 0.92, "framework": "torch"}
    assert bert.uri.endswith("platform/ml-team/models/bert/model.pt")
    assert len(store.list_artifacts()) == 3
    # Another namespace sees none of them.
    other = ArtifactStore(namespace="other-team", url=inet_server.url, token=inet_server.token)
    assert other.list_artifacts() == []

    out = store.load_artifact("models/bert/model.pt", str(tmp_path / "copy.pt"))
    assert open(out, "rb").read() == model.read_bytes()

    store.delete_artifact("models/bert/model.pt")
    assert [a.path for a in store.list_artifacts("models/")] == ["models/gpt/model.pt"]
    with pytest.raises(NotFoundError):
        store.load_artifact("models/bert/model.pt", str(tmp_path / "gone.pt"))
    with pytest.raises(InvalidRequestError):
        store.save_artifact("a/../../escape", str(model))


def test_tracker_logs_with_mlflow_and_finds_by_tags(inet_server):
    mlflow = pytest.importorskip("mlflow")
    workspace = "sdk-" + uuid.uuid4().hex[:8]
    tracker = ExperimentTracker(workspace=workspace, url=inet_server.url,
                                token=inet_server.token)
    assert os.environ["MLFLOW_TRACKING_URI"] == inet_server.url
    tracker.set_tags({"team": "nlp"})
    with tracker.start_run() as run:
        mlflow.log_param("lr", "0.01")
        mlflow.log_metric("accuracy", 0.8)
        mlflow.log_metric("accuracy", 0.92)
    assert run.info.experiment_id == tracker.experiment_id
    # An older run in another experiment with the same tag value is found too.
    ExperimentTracker(workspace=workspace + "-b", url=inet_server.url, token=inet_server.token)
    mlflow.set_experiment_tag("team", "cv")

    found = {e.name: e for e in tracker.get_experiments(tags={"team": "nlp"})}
    assert workspace in found and workspace + "-b" not in found
    assert found[workspace].metrics == {"accuracy": 0.92}
    assert found[workspace].latest_run.params == {"lr": "0.01"}
    assert [e.name for e in tracker.get_experiments(tags={"team": "cv"}, name=workspace + "-b")] \
        == [workspace + "-b"]


def test_store_kind_and_folders(inet_server, tmp_path):
    store = ArtifactStore(url=inet_server.url, token=inet_server.token, namespace="folders")
    assert store.store_kind == "local"
    with pytest.raises(InvalidRequestError) as e:
        ArtifactStore(backend="s3", url=inet_server.url, token=inet_server.token)
    assert "keeps artifacts in a local directory" in str(e.value)
    final = tmp_path / "checkpoints" / "final"
    (final / "tokenizer").mkdir(parents=True)
    (final / "config.json").write_text('{"layers": 12}')
    (final / "tokenizer" / "vocab.txt").write_text("[CLS]\n")
    saved = store.save_artifact("bert-sentiment/v3/model", str(final),
                                metadata={"accuracy": 0.942, "f1": 0.943})
    assert [a.path for a in saved] == ["bert-sentiment/v3/model/config.json",
                                       "bert-sentiment/v3/model/tokenizer/vocab.txt"]
    listed = store.list_artifacts("bert-sentiment/v3/model/")
    assert [(a.path, a.size, a.metadata) for a in listed] == [
        ("bert-sentiment/v3/model/config.json", 14, {"accuracy": 0.942, "f1": 0.943}),
        ("bert-sentiment/v3/model/tokenizer/vocab.txt", 6, {"accuracy": 0.942, "f1": 0.943})]
