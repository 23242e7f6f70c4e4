"""ExperimentTracker against the in-memory FakePlatform, with and without mlflow."""

from __future__ import annotations

import os

import pytest

from inet_platform import ExperimentTracker, InvalidRequestError, tracking
from inet_platform.tracking import experiments_filter


class FakeMlflow:
    def __init__(self):
        self.calls = []

    def set_tracking_uri(self, uri):
        self.calls.append(("set_tracking_uri", uri))

    def set_experiment(self, experiment_id=None):
        self.calls.append(("set_experiment", experiment_id))

    def start_run(self, **kwargs):
        self.calls.append(("start_run", kwargs))
        return "run-context"


@pytest.fixture
def fake_mlflow(monkeypatch):
    fake = FakeMlflow()
    monkeypatch.setattr(tracking, "_import_mlflow", lambda: fake)
    return fake


@pytest.fixture
def no_mlflow(monkeypatch):
    monkeypatch.setattr(tracking, "_import_mlflow", lambda: None)


def test_points_mlflow_at_the_platform_and_creates_the_workspace(platform, fake_mlflow):
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)
    assert os.environ["MLFLOW_TRACKING_URI"] == "http://inet.test"
    assert os.environ["MLFLOW_TRACKING_TOKEN"] == "tok"
    assert tracker.experiment.name == "ml-team"
    assert tracker.experiment_id == "1"
    assert fake_mlflow.calls == [("set_tracking_uri", "http://inet.test"),
                                 ("set_experiment", "1")]
    # A second tracker finds the experiment instead of creating another.
    ExperimentTracker(workspace="ml-team", transport=platform)
    assert len(platform.experiments) == 1


def test_inside_a_platform_job_the_jobs_run_stays_active(platform, fake_mlflow, monkeypatch):
    monkeypatch.setenv("MLFLOW_RUN_ID", "job-run")
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)
    assert ("set_experiment", "1") not in fake_mlflow.calls
    tracker.start_run()
    assert fake_mlflow.calls[-1] == ("start_run", {})


def test_start_run_uses_the_workspace(platform, fake_mlflow):
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)
    assert tracker.start_run(run_name="r1") == "run-context"
    assert fake_mlflow.calls[-1] == ("start_run", {"run_name": "r1", "experiment_id": "1"})


def test_works_without_mlflow_for_queries(platform, no_mlflow):
    platform.add_experiment("other", tags={"team": "cv"})
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)
    assert [e.name for e in tracker.get_experiments()] == ["other", "ml-team"]
    with pytest.raises(ImportError) as e:
        tracker.start_run()
    assert "pip install mlflow" in str(e.value)


def test_get_experiments_by_tags_with_latest_metrics(platform, no_mlflow):
    nlp = platform.add_experiment("bert", tags={"team": "nlp", "stage": "prod"})
    platform.add_experiment("gpt", tags={"team": "nlp"})
    platform.add_experiment("resnet", tags={"team": "cv", "stage": "prod"})
    platform.add_experiment("gone", tags={"team": "nlp"}, lifecycle_stage="deleted")
    platform.add_run(nlp["experiment_id"], 100, {"accuracy": 0.80, "loss": 0.5})
    platform.add_run(nlp["experiment_id"], 300, {"accuracy": 0.92})
    platform.add_run(nlp["experiment_id"], 200, {"accuracy": 0.85})
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)

    found = tracker.get_experiments(tags={"team": "nlp"})
    assert [e.name for e in found] == ["bert", "gpt"]
    assert any(r.json().get("filter") == "tags.`team` = 'nlp'" for r in platform.requests
               if r.path == "/api/2.0/mlflow/experiments/search")
    bert, gpt = found
    assert bert.metrics == {"accuracy": 0.92}
    runs_search = platform.last("POST", "/api/2.0/mlflow/runs/search").json()
    assert runs_search == {"experiment_ids": ["1"], "order_by": ["attributes.start_time DESC"],
                           "max_results": 1, "run_view_type": "ACTIVE_ONLY"}
    assert gpt.metrics == {}
    assert gpt.latest_run is None
    assert bert.tags == {"team": "nlp", "stage": "prod"}
    assert bert.latest_run.params == {"lr": "0.1"}
    assert [r.metrics["accuracy"] for r in bert.runs()] == [0.92, 0.85, 0.80]

    both = tracker.get_experiments(tags={"team": "nlp", "stage": "prod"})
    assert [e.name for e in both] == ["bert"]
    assert [e.name for e in tracker.get_experiments(name="resnet")] == ["resnet"]
    assert repr(bert) == "Experiment(name='bert', experiment_id='1')"


def test_get_experiments_finds_experiments_through_their_runs_tags(platform, no_mlflow):
    # The article: mlflow.set_tags({"production_candidate": True, ...}) inside a run, then
    # get_experiments(tags={"production_candidate": True}); MLflow stores the tag as "True".
    bert = platform.add_experiment("bert-experiments")
    other = platform.add_experiment("gpt-experiments")
    platform.add_run(bert["experiment_id"], 100, {"val_loss": 1.5},
                     tags={"team": "nlp", "production_candidate": "True"})
    platform.add_run(bert["experiment_id"], 200, {"val_loss": 9.0})  # newer, not tagged
    platform.add_run(bert["experiment_id"], 300, {"val_loss": 7.0}, lifecycle_stage="deleted",
                     tags={"production_candidate": "True"})
    platform.add_run(other["experiment_id"], 100, {"val_loss": 2.0},
                     tags={"production_candidate": "False"})
    tracker = ExperimentTracker(workspace="bert-experiments", transport=platform)

    found = tracker.get_experiments(tags={"production_candidate": True})
    assert [f"{exp.name}: {exp.metrics['val_loss']:.3f}" for exp in found] == \
        ["bert-experiments: 1.500"]
    assert found[0].latest_run.tags["team"] == "nlp"
    runs_search = platform.last("POST", "/api/2.0/mlflow/runs/search").json()
    assert runs_search["filter"] == "tags.`production_candidate` = 'True'"
    assert runs_search["experiment_ids"] == ["1", "2"]
    assert [e.name for e in tracker.get_experiments(
        tags={"production_candidate": True, "team": "nlp"})] == ["bert-experiments"]
    assert tracker.get_experiments(tags={"production_candidate": True, "team": "cv"}) == []
    assert [e.name for e in tracker.get_experiments(tags={"production_candidate": False})] == \
        ["gpt-experiments"]


def test_get_experiments_searches_runs_in_batches_of_experiments(platform, no_mlflow):
    for i in range(250):
        platform.add_experiment(f"e{i}")
    platform.add_run("250", 1, {"loss": 0.1}, tags={"k": "v"})
    tracker = ExperimentTracker(workspace="e0", transport=platform)
    assert [e.name for e in tracker.get_experiments(tags={"k": "v"})] == ["e249"]
    batches = [len(r.json()["experiment_ids"]) for r in platform.requests
               if r.path == "/api/2.0/mlflow/runs/search"]
    assert batches == [100, 100, 50]


def test_get_experiments_follows_pages(platform, no_mlflow):
    platform.page_size_cap = 2
    for i in range(5):
        platform.add_experiment(f"e{i}", tags={"team": "nlp"})
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)
    assert len(tracker.get_experiments(tags={"team": "nlp"})) == 5
    assert len(tracker.get_experiments()) == 6


def test_set_tags_and_refresh(platform, no_mlflow):
    tracker = ExperimentTracker(workspace="ml-team", transport=platform)
    tracker.set_tags({"team": "nlp"})
    assert tracker.experiment.tags == {"team": "nlp"}
    assert [e.name for e in tracker.get_experiments(tags={"team": "nlp"})] == ["ml-team"]


def test_deleted_workspace_says_how_to_restore(platform, no_mlflow):
    platform.add_experiment("ml-team", lifecycle_stage="deleted")
    with pytest.raises(InvalidRequestError) as e:
        ExperimentTracker(workspace="ml-team", transport=platform)
    assert "restore_experiment" in str(e.value)


def test_filter_quoting():
    assert experiments_filter() == ""
    assert experiments_filter({"a b": "it's"}, name="x") == \
        "name = 'x' AND tags.`a b` = \"it's\""
    with pytest.raises(ValueError):
        experiments_filter({"k": "both ' and \""})
    with pytest.raises(ValueError):
        experiments_filter({"bad`key": "v"})


def test_empty_workspace_is_rejected(platform):
    with pytest.raises(ValueError):
        ExperimentTracker(workspace="", transport=platform)
