"""MlflowClient against the server: search, history, batch limits, lifecycle, tags, inputs."""

import secrets
import time

import mlflow
import pandas as pd
import pytest
import requests
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def all_pages(fetch, max_results):
    """Follows page tokens; returns the pages as lists (asserting the last has no token)."""
    pages, token = [], None
    while True:
        page = fetch(max_results=max_results, page_token=token)
        pages.append(list(page))
        token = page.token
        if not token:
            return pages
        assert len(pages) < 100, "pagination does not terminate"


def test_search_experiments_filter_order_and_pages(tracking):
    prefix = unique("srch")
    names = [f"{prefix}-{c}" for c in ["d", "a", "e", "b", "c"]]
    ids = {}
    for i, name in enumerate(names):
        ids[name] = tracking.create_experiment(name, tags={"team": "red" if i % 2 else "blue"})

    pages = all_pages(
        lambda **kw: tracking.search_experiments(
            filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"], **kw),
        max_results=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [e.name for p in pages for e in p] == sorted(names, reverse=True)

    red = tracking.search_experiments(
        filter_string=f"name LIKE '{prefix}%' AND tags.team = 'red'", order_by=["name ASC"])
    assert [e.name for e in red] == sorted(n for i, n in enumerate(names) if i % 2)

    ilike = tracking.search_experiments(filter_string=f"name ILIKE '{prefix.upper()}-A'")
    assert [e.experiment_id for e in ilike] == [ids[f"{prefix}-a"]]

    tracking.delete_experiment(ids[f"{prefix}-e"])
    active = tracking.search_experiments(filter_string=f"name LIKE '{prefix}%'")
    assert len(active) == 4
    deleted = tracking.search_experiments(view_type=ViewType.DELETED_ONLY,
                                          filter_string=f"name LIKE '{prefix}%'")
    assert [e.name for e in deleted] == [f"{prefix}-e"]
    both = tracking.search_experiments(view_type=ViewType.ALL,
                                       filter_string=f"name LIKE '{prefix}%'")
    assert len(both) == 5


def test_default_experiment_exists(tracking):
    default = tracking.get_experiment("0")
    assert default.name == "Default"
    assert tracking.get_experiment_by_name("Default").experiment_id == "0"


@pytest.fixture
def populated(tracking):
    """An experiment with six finished runs with distinct metrics, params and tags."""
    exp = tracking.create_experiment(unique("runs"))
    runs = []
    for i in range(6):
        run = tracking.create_run(exp, run_name=f"run-{i}", start_time=1_700_000_000_000 + i)
        rid = run.info.run_id
        tracking.log_batch(
            rid,
            metrics=[Metric("acc", 0.5 + i / 10, 0, 0), Metric("loss", 10 - i, 0, 0)],
            params=[Param("model", "lr" if i % 2 == 0 else "tree"), Param("idx", str(i))],
            tags=[RunTag("team", "red" if i < 3 else "blue")])
        tracking.set_terminated(rid, status="FINISHED" if i != 5 else "FAILED")
        runs.append(rid)
    return exp, runs


def ids_of(runs):
    return [r.info.run_id for r in runs]


def test_search_runs_filters(tracking, populated):
    exp, runs = populated
    s = lambda f, **kw: ids_of(tracking.search_runs([exp], filter_string=f, **kw))  # noqa: E731

    assert set(s("metrics.acc > 0.75")) == set(runs[3:])
    assert set(s("metrics.loss <= 7")) == set(runs[3:])
    assert set(s("params.model = 'lr'")) == {runs[0], runs[2], runs[4]}
    assert set(s("params.model != 'lr'")) == {runs[1], runs[3], runs[5]}
    assert set(s("tags.team = 'blue'")) == set(runs[3:])
    assert set(s("tags.team LIKE 'bl%'")) == set(runs[3:])
    assert set(s("attributes.status = 'FAILED'")) == {runs[5]}
    assert set(s("attributes.run_name = 'run-2'")) == {runs[2]}
    assert set(s("run_name LIKE 'run-%'")) == set(runs)
    assert set(s(f"attributes.run_id IN ('{runs[0]}', '{runs[4]}')")) == {runs[0], runs[4]}
    assert set(s("attributes.start_time >= 1700000000004")) == {runs[4], runs[5]}
    assert set(s("metrics.acc > 0.6 AND params.model = 'lr' AND tags.team = 'blue'")) == {
        runs[4]}
    assert s("metrics.missing > 0") == []
    assert s("params.model = 'svm'") == []


def test_search_runs_order_and_pagination(tracking, populated):
    exp, runs = populated
    by_acc = ids_of(tracking.search_runs([exp], order_by=["metrics.acc DESC"]))
    assert by_acc == list(reversed(runs))
    by_name = ids_of(tracking.search_runs([exp], order_by=["attributes.run_name ASC"]))
    assert by_name == runs
    # Default order: start_time DESC.
    assert ids_of(tracking.search_runs([exp])) == list(reversed(runs))
    by_param = ids_of(tracking.search_runs([exp], order_by=["params.idx ASC"]))
    assert by_param == runs

    pages = all_pages(
        lambda **kw: tracking.search_runs([exp], order_by=["metrics.loss ASC"], **kw),
        max_results=4)
    assert [len(p) for p in pages] == [4, 2]
    assert [r.info.run_id for p in pages for r in p] == list(reversed(runs))

    # The fluent search returns a DataFrame over all pages.
    df = mlflow.search_runs([exp], filter_string="params.model = 'tree'",
                            order_by=["metrics.acc ASC"])
    assert list(df["run_id"]) == [runs[1], runs[3], runs[5]]
    assert list(df["params.model"]) == ["tree"] * 3


def test_metric_history(tracking):
    exp = tracking.create_experiment(unique("hist"))
    rid = tracking.create_run(exp).info.run_id
    base = int(time.time() * 1000)
    points = [Metric("m", float(i) * 0.5, base + i, i) for i in range(500)]
    tracking.log_batch(rid, metrics=points)
    tracking.log_metric(rid, "m", 99.0, timestamp=base, step=1000)
    history = tracking.get_metric_history(rid, "m")
    assert len(history) == 501
    got = sorted((m.step, m.value, m.timestamp) for m in history)
    assert got[:500] == [(i, i * 0.5, base + i) for i in range(500)]
    assert got[500] == (1000, 99.0, base)
    # "Latest" is the value at the highest step.
    assert tracking.get_run(rid).data.metrics["m"] == 99.0
    assert tracking.get_metric_history(rid, "never-logged") == []


def test_metric_history_bulk_interval_samples_repeated_steps(server, tracking):
    """The UI's chart sampling, as mlflow server 3.17.2 answers it (reference-checked)."""
    exp = tracking.create_experiment(unique("interval"))
    a = tracking.create_run(exp).info.run_id
    b = tracking.create_run(exp).info.run_id
    tracking.log_batch(a, metrics=[Metric("m", float(step), ts, step)
                                   for step in range(10) for ts in (1, 2)])
    tracking.log_batch(b, metrics=[Metric("m", 1.0, 5, 3), Metric("m", 2.0, 6, 4)])

    def interval(**params):
        resp = server.api("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval",
                          params={"run_ids": [a, b], "metric_key": "m", **params})
        assert resp.status_code == 200, resp.text
        return [(m["run_id"], m["step"], m["timestamp"]) for m in resp.json()["metrics"]]

    assert interval(max_results=5) == [
        (a, 0, 1), (a, 2, 1), (a, 4, 1), (a, 6, 1), (a, 9, 2), (b, 3, 5), (b, 4, 6)]
    assert interval(max_results=1) == [(a, 9, 2), (b, 4, 6)]
    assert interval(max_results=3, start_step=2, end_step=3) == [
        (a, 2, 1), (a, 3, 1), (a, 3, 2), (b, 3, 5)]


def test_log_batch_at_the_limits(tracking):
    exp = tracking.create_experiment(unique("limits"))
    rid = tracking.create_run(exp).info.run_id
    now = int(time.time() * 1000)
    tracking.log_batch(rid, metrics=[Metric("big", float(i), now, i) for i in range(1000)])
    tracking.log_batch(rid, params=[Param(f"p{i}", "v" * 6000 if i == 0 else str(i))
                                    for i in range(100)])
    tracking.log_batch(rid, tags=[RunTag(f"t{i}", "x" * 8000 if i == 0 else str(i))
                                  for i in range(100)])
    run = tracking.get_run(rid)
    assert len(tracking.get_metric_history(rid, "big")) == 1000
    assert len(run.data.params) == 100
    assert run.data.params["p0"] == "v" * 6000
    assert len([k for k in run.data.tags if k.startswith("t")]) == 100
    assert run.data.tags["t0"] == "x" * 8000


def _raw_batch(server, run_id, metrics=0, params=0, tags=0):
    now = int(time.time() * 1000)
    body = {
        "run_id": run_id,
        "metrics": [{"key": "k", "value": i, "timestamp": now, "step": i}
                    for i in range(metrics)],
        "params": [{"key": f"p{i}", "value": "v"} for i in range(params)],
        "tags": [{"key": f"t{i}", "value": "v"} for i in range(tags)],
    }
    return server.api("POST", "/api/2.0/mlflow/runs/log-batch", json=body)


@pytest.mark.parametrize("counts", [
    {"metrics": 1001}, {"params": 101}, {"tags": 101},
    {"metrics": 900, "params": 100, "tags": 100},
], ids=["metrics", "params", "tags", "total"])
def test_log_batch_over_the_limits(server, tracking, counts):
    """The Python client splits big batches itself, so the limits are checked with raw REST."""
    exp = tracking.create_experiment(unique("over"))
    rid = tracking.create_run(exp).info.run_id
    resp = _raw_batch(server, rid, **counts)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    # Nothing of a rejected batch is stored.
    run = tracking.get_run(rid)
    assert run.data.metrics == {} and run.data.params == {}
    assert not [k for k in run.data.tags if not k.startswith("mlflow.")]


def test_run_and_experiment_lifecycle(tracking):
    name = unique("life")
    exp = tracking.create_experiment(name)
    rid = tracking.create_run(exp).info.run_id

    tracking.delete_run(rid)
    assert tracking.get_run(rid).info.lifecycle_stage == "deleted"
    assert ids_of(tracking.search_runs([exp])) == []
    assert ids_of(tracking.search_runs([exp], run_view_type=ViewType.DELETED_ONLY)) == [rid]
    tracking.restore_run(rid)
    assert tracking.get_run(rid).info.lifecycle_stage == "active"
    assert ids_of(tracking.search_runs([exp])) == [rid]

    tracking.delete_experiment(exp)
    assert tracking.get_experiment(exp).lifecycle_stage == "deleted"
    tracking.restore_experiment(exp)
    assert tracking.get_experiment(exp).lifecycle_stage == "active"

    new_name = unique("renamed")
    tracking.rename_experiment(exp, new_name)
    assert tracking.get_experiment(exp).name == new_name
    assert tracking.get_experiment_by_name(new_name).experiment_id == exp
    assert tracking.get_experiment_by_name(name) is None


def test_experiment_delete_and_restore_reach_every_run(tracking):
    """MLflow's restore_experiment makes every run of the experiment active again, including a
    run deleted on its own before the experiment was; delete_experiment deletes them all."""
    exp = tracking.create_experiment(unique("restore"))
    early = tracking.create_run(exp).info.run_id
    later = tracking.create_run(exp).info.run_id
    tracking.delete_run(early)
    tracking.delete_experiment(exp)
    assert tracking.get_run(later).info.lifecycle_stage == "deleted"
    assert ids_of(tracking.search_runs([exp])) == []
    tracking.restore_experiment(exp)
    assert tracking.get_run(early).info.lifecycle_stage == "active"
    assert tracking.get_run(later).info.lifecycle_stage == "active"
    assert sorted(ids_of(tracking.search_runs([exp]))) == sorted([early, later])


def test_run_and_experiment_tags(tracking):
    exp = tracking.create_experiment(unique("tags"), tags={"initial": "1"})
    tracking.set_experiment_tag(exp, "owner", "alice")
    tracking.set_experiment_tag(exp, "owner", "bob")
    tags = tracking.get_experiment(exp).tags
    assert tags["owner"] == "bob" and tags["initial"] == "1"
    tracking.delete_experiment_tag(exp, "owner")
    assert "owner" not in tracking.get_experiment(exp).tags

    rid = tracking.create_run(exp, tags={"a": "1"}).info.run_id
    tracking.set_tag(rid, "b", "2")
    tracking.set_tag(rid, "b", "3")
    tracking.set_tag(rid, "empty", "")
    tracking.delete_tag(rid, "a")
    tags = tracking.get_run(rid).data.tags
    assert tags["b"] == "3" and tags["empty"] == "" and "a" not in tags
    with pytest.raises(MlflowException) as err:
        tracking.delete_tag(rid, "a")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    tracking.set_tag(rid, "mlflow.runName", "via-tag")
    assert tracking.get_run(rid).info.run_name == "via-tag"
    tracking.update_run(rid, name="via-update")
    got = tracking.get_run(rid)
    assert got.info.run_name == "via-update"
    assert got.data.tags["mlflow.runName"] == "via-update"


def test_log_input_dataset(tracking, experiment_id):
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(df, source="s3://bucket/train.csv", name="train-set",
                                      targets="y")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "a"})
    inputs = tracking.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    got = inputs[0].dataset
    assert got.name == "train-set"
    assert got.digest == dataset.digest
    assert got.source_type == "s3"
    assert "train.csv" in got.source
    assert got.schema and "x" in got.schema
    tags = {t.key: t.value for t in inputs[0].tags}
    assert tags["mlflow.data.context"] == "training"
    assert tags["split"] == "a"

    # Logging the same dataset again does not duplicate it.
    with mlflow.start_run(run_id=run.info.run_id):
        mlflow.log_input(dataset, context="training")
    assert len(tracking.get_run(run.info.run_id).inputs.dataset_inputs) == 1

    found = tracking.search_runs([experiment_id], filter_string="datasets.name = 'train-set'")
    assert ids_of(found) == [run.info.run_id]


def test_list_and_download_nested_artifacts(tracking, tmp_path):
    exp = tracking.create_experiment(unique("arts"))
    rid = tracking.create_run(exp).info.run_id
    src = tmp_path / "src"
    files = {
        "a.txt": b"A",
        "d1/b.txt": b"B" * 1000,
        "d1/d2/c.bin": bytes(range(256)),
        "d1/d2/d3/e.txt": b"",
        "x y/z.txt": "spaces and ü".encode(),
    }
    for rel, data in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    tracking.log_artifacts(rid, str(src), artifact_path="out")

    listing = {f.path: (f.is_dir, f.file_size) for f in tracking.list_artifacts(rid, "out")}
    assert listing == {"out/a.txt": (False, 1), "out/d1": (True, None),
                       "out/x y": (True, None)}
    deep = {f.path: f.is_dir for f in tracking.list_artifacts(rid, "out/d1/d2")}
    assert deep == {"out/d1/d2/c.bin": False, "out/d1/d2/d3": True}
    assert tracking.list_artifacts(rid, "does/not/exist") == []

    dst = tmp_path / "dst"
    dst.mkdir()
    tracking.download_artifacts(rid, "out", str(dst))
    for rel, data in files.items():
        assert (dst / "out" / rel).read_bytes() == data, rel
    one = tracking.download_artifacts(rid, "out/d1/d2/c.bin", str(tmp_path / "one"))
    with open(one, "rb") as f:
        assert f.read() == files["d1/d2/c.bin"]


def test_version_passes_the_clients_feature_gates(server):
    """The client gates features on /version (log_spans needs a 3.4+ server): it must name the
    MLflow version whose API the server speaks, the one the tests pin."""
    from mlflow.store.tracking.rest_store import RestStore
    from mlflow.utils.rest_utils import MlflowHostCreds
    from packaging.version import Version

    RestStore._get_server_version.cache_clear()
    version = RestStore._get_server_version(MlflowHostCreds(server.url))
    assert version == Version(mlflow.__version__)
    assert version >= Version("3.4")


@pytest.mark.reference_incompatible  # inet's own API
def test_platform_version_names_inet_and_the_mlflow_api(server):
    resp = requests.get(server.url + "/api/v1/version", timeout=30)  # no token needed
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["mlflow_version"] == mlflow.__version__
    assert body["version"] and body["version"] != body["mlflow_version"]
    assert f"inet server {body['version']} " in server.log_text()
