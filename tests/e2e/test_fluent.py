"""The fluent `mlflow` API against the server: runs, params, metrics, tags, artifacts, models."""

import json
import os

import mlflow
import numpy as np
import pytest
from mlflow.entities import RunStatus


def test_run_logging_round_trips(tracking, experiment_id):
    with mlflow.start_run(run_name="fluent-basics") as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"layers": 3, "optimizer": "adam"})
        for step in range(10):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=3)
        mlflow.set_tags({"team": "vision", "stage": "dev"})
        mlflow.set_tag("note", "hello world")
        run_id = run.info.run_id

    got = tracking.get_run(run_id)
    assert got.info.run_name == "fluent-basics"
    assert got.info.experiment_id == experiment_id
    assert got.info.status == RunStatus.to_string(RunStatus.FINISHED)
    assert got.info.end_time is not None and got.info.end_time >= got.info.start_time
    assert got.data.params == {"alpha": "0.5", "layers": "3", "optimizer": "adam"}
    assert got.data.metrics == {"loss": pytest.approx(0.1), "acc": 0.9, "f1": 0.8}
    assert got.data.tags["team"] == "vision"
    assert got.data.tags["stage"] == "dev"
    assert got.data.tags["note"] == "hello world"
    assert got.data.tags["mlflow.runName"] == "fluent-basics"

    history = tracking.get_metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(10))
    assert [m.value for m in history] == pytest.approx([1.0 / (s + 1) for s in range(10)])


def test_metric_special_values(tracking, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("nan", float("nan"))
        mlflow.log_metric("big", float("inf"))
        mlflow.log_metric("small", float("-inf"))
        mlflow.log_metric("neg", -2.5, step=7)
    metrics = tracking.get_run(run.info.run_id).data.metrics
    assert np.isnan(metrics["nan"])
    assert metrics["big"] >= 1.7976931348623157e308
    assert metrics["small"] <= -1.7976931348623157e308
    assert metrics["neg"] == -2.5
    (point,) = tracking.get_metric_history(run.info.run_id, "neg")
    assert point.step == 7


def test_artifacts_round_trip(tracking, experiment_id, tmp_path):
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "top.txt").write_text("top")
    (src / "nested" / "mid.bin").write_bytes(bytes(range(256)) * 100)
    (src / "nested" / "deeper" / "leaf.json").write_text('{"k": 1}')
    single = tmp_path / "single.csv"
    single.write_text("a,b\n1,2\n")

    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifact(str(single), artifact_path="copies")
        mlflow.log_artifacts(str(src), artifact_path="tree")
        mlflow.log_dict({"x": [1, 2, 3], "y": {"z": "w"}}, "config/params.json")
        mlflow.log_text("some notes\nline 2\n", "notes/readme.txt")
    run_id = run.info.run_id

    top = {f.path: f.is_dir for f in tracking.list_artifacts(run_id)}
    assert top == {"single.csv": False, "copies": True, "tree": True, "config": True,
                   "notes": True}
    tree = {f.path: f.is_dir for f in tracking.list_artifacts(run_id, "tree")}
    assert tree == {"tree/top.txt": False, "tree/nested": True}
    nested = {f.path: f.file_size for f in tracking.list_artifacts(run_id, "tree/nested")}
    assert nested["tree/nested/mid.bin"] == 25600
    assert "tree/nested/deeper" in nested

    dst = tmp_path / "dst"
    dst.mkdir()
    local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="tree",
                                                dst_path=str(dst))
    for rel in ["top.txt", "nested/mid.bin", "nested/deeper/leaf.json"]:
        assert (src / rel).read_bytes() == (dst / "tree" / rel).read_bytes(), rel
    assert local.rstrip("/").endswith("tree")

    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config/params.json") == {
        "x": [1, 2, 3], "y": {"z": "w"}}
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/readme.txt") == "some notes\nline 2\n"
    copied = mlflow.artifacts.download_artifacts(f"runs:/{run_id}/copies/single.csv",
                                                 dst_path=str(tmp_path / "one"))
    with open(copied) as f:
        assert f.read() == "a,b\n1,2\n"


def test_sklearn_model_log_and_load(tracking, experiment_id, tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=300).fit(x, y)
    with mlflow.start_run() as run:
        mlflow.log_param("max_iter", 300)
        mlflow.log_metric("train_acc", float(model.score(x, y)))
        info = mlflow.sklearn.log_model(model, name="model")
    run_id = run.info.run_id

    by_model_uri = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(by_model_uri.predict(x), model.predict(x))
    by_run_uri = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(by_run_uri.predict(x), model.predict(x))
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(np.asarray(pyfunc.predict(x)), model.predict(x))

    logged = tracking.get_logged_model(info.model_id)
    assert logged.source_run_id == run_id
    assert logged.name == "model"
    assert str(logged.status) in ("READY", "LoggedModelStatus.READY")
    # The run records the model as its output.
    outputs = tracking.get_run(run_id).outputs
    assert [o.model_id for o in outputs.model_outputs] == [info.model_id]
    local = mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path))
    with open(os.path.join(local, "MLmodel")) as f:
        assert "sklearn" in f.read()


def test_nested_runs_and_parent_tag(tracking, experiment_id):
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("m", 1.0)
    got = tracking.get_run(child.info.run_id)
    assert got.data.tags["mlflow.parentRunId"] == parent.info.run_id
    children = tracking.search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert [r.info.run_id for r in children] == [child.info.run_id]


def test_failed_run_status(tracking, experiment_id):
    with pytest.raises(RuntimeError):
        with mlflow.start_run() as run:
            raise RuntimeError("training crashed")
    assert tracking.get_run(run.info.run_id).info.status == "FAILED"


def test_log_dict_json_is_exact(tracking, experiment_id, tmp_path):
    payload = {"unicode": "grüße ✓", "nums": [1.5, -2, 0], "nested": {"a": None}}
    with mlflow.start_run() as run:
        mlflow.log_dict(payload, "d.json")
    path = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="d.json",
                                               dst_path=str(tmp_path))
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == payload
