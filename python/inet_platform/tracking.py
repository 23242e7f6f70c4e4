"""Experiment tracking: :class:`ExperimentTracker` points MLflow at the platform and queries
experiments.

The platform speaks the MLflow REST API, so logging goes through the ordinary ``mlflow`` client
(optional: ``pip install mlflow``). The tracker sets ``MLFLOW_TRACKING_URI`` and
``MLFLOW_TRACKING_TOKEN`` for this process, creates the workspace's experiment if needed and
makes it mlflow's active experiment. Queries (:meth:`ExperimentTracker.get_experiments`) use
the REST API directly, so they work without mlflow installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional

from ._transport import Transport, iter_pages
from ._util import from_ms
from .errors import InvalidRequestError, NotFoundError, ConflictError

_MLFLOW = "/api/2.0/mlflow"


def _kv(items: Optional[Iterable[Mapping[str, Any]]]) -> Dict[str, Any]:
    return {i.get("key"): i.get("value") for i in items or [] if i.get("key") is not None}


def _string_literal(value: str) -> str:
    """A value for an MLflow filter string. The grammar has no escapes, so the quote kind is
    chosen to avoid the value's own quotes."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError(f"cannot filter on {value!r}: MLflow filters cannot hold a value with "
                     "both ' and \" quotes")


def _tag_clauses(tags: Optional[Mapping[str, Any]]) -> List[str]:
    """Equality clauses for tag values compared as MLflow stores them: ``str(value)``, so
    ``True`` matches the ``"True"`` that ``mlflow.set_tags({"k": True})`` wrote."""
    clauses = []
    for key, value in (tags or {}).items():
        if "`" in key:
            raise ValueError(f"cannot filter on tag {key!r}: tag keys with ` are not supported")
        clauses.append(f"tags.`{key}` = {_string_literal(str(value))}")
    return clauses


def experiments_filter(tags: Optional[Mapping[str, Any]] = None,
                       name: Optional[str] = None) -> str:
    """The search_experiments filter for an exact name and tag values (all must match)."""
    clauses = []
    if name is not None:
        clauses.append(f"name = {_string_literal(name)}")
    return " AND ".join(clauses + _tag_clauses(tags))


def runs_filter(tags: Optional[Mapping[str, Any]]) -> str:
    """The search_runs filter for runs whose tags have all these values."""
    return " AND ".join(_tag_clauses(tags))


# Experiments per search_runs request when looking for runs that carry tags.
_EXPERIMENTS_PER_RUN_SEARCH = 100


@dataclass(frozen=True)
class Run:
    """An MLflow run: its latest ``metrics``, ``params`` and ``tags`` as dicts."""

    run_id: str
    experiment_id: str
    name: str
    status: str
    start_time: Optional[datetime]
    end_time: Optional[datetime]
    artifact_uri: str
    metrics: Dict[str, float] = field(default_factory=dict)
    params: Dict[str, str] = field(default_factory=dict)
    tags: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Run":
        info = data.get("info") or {}
        body = data.get("data") or {}
        return Run(run_id=info.get("run_id") or info.get("run_uuid", ""),
                   experiment_id=str(info.get("experiment_id", "")),
                   name=info.get("run_name", ""), status=info.get("status", ""),
                   start_time=from_ms(info.get("start_time")),
                   end_time=from_ms(info.get("end_time")),
                   artifact_uri=info.get("artifact_uri", ""),
                   metrics=_kv(body.get("metrics")), params=_kv(body.get("params")),
                   tags=_kv(body.get("tags")))


class Experiment:
    """An MLflow experiment. ``metrics`` are the latest metric values of its most recently
    started run, or, for an experiment found by :meth:`ExperimentTracker.get_experiments` through
    its runs' tags, of the latest run carrying them (fetched on first use, then cached;
    :meth:`refresh` drops the cache)."""

    def __init__(self, data: Mapping[str, Any], transport: Transport):
        self._data = dict(data)
        self._transport = transport
        self._latest: Optional[List[Run]] = None

    @property
    def experiment_id(self) -> str:
        return str(self._data.get("experiment_id", ""))

    @property
    def name(self) -> str:
        return self._data.get("name", "")

    @property
    def tags(self) -> Dict[str, str]:
        return _kv(self._data.get("tags"))

    @property
    def lifecycle_stage(self) -> str:
        return self._data.get("lifecycle_stage", "")

    @property
    def artifact_location(self) -> str:
        return self._data.get("artifact_location", "")

    @property
    def creation_time(self) -> Optional[datetime]:
        return from_ms(self._data.get("creation_time"))

    @property
    def last_update_time(self) -> Optional[datetime]:
        return from_ms(self._data.get("last_update_time"))

    @property
    def latest_run(self) -> Optional[Run]:
        """The most recently started active run, or None (for an experiment found through its
        runs' tags: the most recent run carrying them)."""
        if self._latest is None:
            self._latest = self.runs(max_results=1)
        return self._latest[0] if self._latest else None

    @property
    def metrics(self) -> Dict[str, float]:
        run = self.latest_run
        return dict(run.metrics) if run else {}

    def runs(self, filter: str = "", order_by: Optional[List[str]] = None,
             max_results: Optional[int] = None) -> List[Run]:
        """Active runs, newest first unless ``order_by`` says otherwise (MLflow syntax, e.g.
        ``["metrics.accuracy DESC"]``); ``filter`` is an MLflow search filter."""
        page_size = 1000 if max_results is None else max(1, min(max_results, 1000))

        def fetch(page_token):
            body: Dict[str, Any] = {
                "experiment_ids": [self.experiment_id],
                "order_by": order_by or ["attributes.start_time DESC"],
                "max_results": page_size, "run_view_type": "ACTIVE_ONLY"}
            if filter:
                body["filter"] = filter
            if page_token:
                body["page_token"] = page_token
            return self._transport.call("POST", _MLFLOW + "/runs/search", json_body=body)

        runs: List[Run] = []
        for data in iter_pages(fetch, "runs"):
            runs.append(Run.from_json(data))
            if max_results is not None and len(runs) >= max_results:
                break
        return runs

    def refresh(self) -> "Experiment":
        """Fetches the experiment again and forgets the cached latest run."""
        answer = self._transport.call("GET", _MLFLOW + "/experiments/get",
                                      query={"experiment_id": self.experiment_id})
        self._data = dict(answer["experiment"])
        self._latest = None
        return self

    def __repr__(self) -> str:
        return f"Experiment(name={self.name!r}, experiment_id={self.experiment_id!r})"


def _import_mlflow():
    try:
        import mlflow  # noqa: PLC0415 -- optional dependency
    except ImportError:
        return None
    return mlflow


class ExperimentTracker:
    """Points MLflow at the platform and works with the experiments of one workspace.

    On construction: sets ``MLFLOW_TRACKING_URI`` (and ``MLFLOW_TRACKING_TOKEN`` when there is
    a token) in ``os.environ`` so every MLflow client in this process logs to the platform;
    creates the experiment named ``workspace`` if it does not exist; and, when ``mlflow`` is
    installed, calls ``mlflow.set_tracking_uri`` and makes that experiment active. Inside a
    platform job (``MLFLOW_RUN_ID`` set by the platform) the active experiment is left alone,
    so ``mlflow.start_run()`` continues the job's own run.

    Args:
        workspace: the experiment to log into (created if missing).
        url, token, transport: as for :class:`~inet_platform.ComputeClient`.
    """

    def __init__(self, workspace: str = "default", url: Optional[str] = None,
                 token: Optional[str] = None, transport: Optional[Transport] = None):
        if not workspace:
            raise ValueError("workspace must name an experiment")
        self.workspace = workspace
        self._transport = transport or Transport(url=url, token=token)
        os.environ["MLFLOW_TRACKING_URI"] = self._transport.url
        if self._transport.token:
            os.environ["MLFLOW_TRACKING_TOKEN"] = self._transport.token
        self.experiment = self._ensure_experiment(workspace)
        self._mlflow = _import_mlflow()
        if self._mlflow is not None:
            self._mlflow.set_tracking_uri(self._transport.url)
            if not os.environ.get("MLFLOW_RUN_ID"):
                self._mlflow.set_experiment(experiment_id=self.experiment.experiment_id)

    @property
    def url(self) -> str:
        return self._transport.url

    @property
    def experiment_id(self) -> str:
        return self.experiment.experiment_id

    def _ensure_experiment(self, name: str) -> Experiment:
        try:
            return self.get_experiment(name)
        except NotFoundError:
            pass
        try:
            self._transport.call("POST", _MLFLOW + "/experiments/create",
                                 json_body={"name": name})
        except ConflictError:
            pass  # created concurrently by someone else: fine
        return self.get_experiment(name)

    def get_experiment(self, name: str) -> Experiment:
        """The experiment with this exact name. Raises NotFoundError if there is none, and
        InvalidRequestError if it was deleted (restore it in the UI or with mlflow)."""
        answer = self._transport.call("GET", _MLFLOW + "/experiments/get-by-name",
                                      query={"experiment_name": name})
        experiment = Experiment(answer["experiment"], self._transport)
        if experiment.lifecycle_stage == "deleted":
            raise InvalidRequestError(
                f"experiment {name!r} (id {experiment.experiment_id}) is deleted; restore it "
                "with mlflow.tracking.MlflowClient().restore_experiment(id) or pick another name")
        return experiment

    def _search_experiments(self, filter_string: str) -> List[Experiment]:
        def fetch(page_token):
            body: Dict[str, Any] = {"max_results": 1000, "view_type": "ACTIVE_ONLY"}
            if filter_string:
                body["filter"] = filter_string
            if page_token:
                body["page_token"] = page_token
            return self._transport.call("POST", _MLFLOW + "/experiments/search", json_body=body)

        return [Experiment(e, self._transport) for e in iter_pages(fetch, "experiments")]

    def _latest_tagged_runs(self, experiment_ids: List[str],
                            tags: Mapping[str, Any]) -> Dict[str, Run]:
        """experiment id -> its most recently started active run carrying every tag."""
        filter_string = runs_filter(tags)
        latest: Dict[str, Run] = {}
        for i in range(0, len(experiment_ids), _EXPERIMENTS_PER_RUN_SEARCH):
            chunk = experiment_ids[i:i + _EXPERIMENTS_PER_RUN_SEARCH]

            def fetch(page_token, chunk=chunk):
                body: Dict[str, Any] = {
                    "experiment_ids": chunk, "filter": filter_string,
                    "order_by": ["attributes.start_time DESC"], "max_results": 1000,
                    "run_view_type": "ACTIVE_ONLY"}
                if page_token:
                    body["page_token"] = page_token
                return self._transport.call("POST", _MLFLOW + "/runs/search", json_body=body)

            for data in iter_pages(fetch, "runs"):
                run = Run.from_json(data)
                latest.setdefault(run.experiment_id, run)  # newest first
        return latest

    def get_experiments(self, tags: Optional[Mapping[str, Any]] = None,
                        name: Optional[str] = None) -> List[Experiment]:
        """Active experiments (named ``name`` when given) that carry every ``tags`` item,
        either as experiment tags or on one of their active runs (the tags
        ``mlflow.set_tags`` sets inside a run), following pages. Values compare as MLflow
        stores them, as strings: ``{"production_candidate": True}`` finds ``"True"``.

        ``exp.metrics`` are the latest metrics of the experiment's most recent run that
        carries the tags (of its most recent run when only the experiment's own tags match).
        """
        if not tags:
            return self._search_experiments(experiments_filter(None, name))
        by_experiment_tags = {e.experiment_id
                              for e in self._search_experiments(experiments_filter(tags, name))}
        candidates = self._search_experiments(experiments_filter(None, name))
        tagged_runs = self._latest_tagged_runs([e.experiment_id for e in candidates], tags)
        found = []
        for experiment in candidates:
            run = tagged_runs.get(experiment.experiment_id)
            if run is not None:
                experiment._latest = [run]
            elif experiment.experiment_id not in by_experiment_tags:
                continue
            found.append(experiment)
        return found

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Sets tags on the workspace's experiment (what ``get_experiments(tags=...)`` finds)."""
        for key, value in tags.items():
            self._transport.call("POST", _MLFLOW + "/experiments/set-experiment-tag", json_body={
                "experiment_id": self.experiment_id, "key": key, "value": str(value)})
        self.experiment.refresh()

    def start_run(self, **kwargs):
        """``mlflow.start_run(**kwargs)`` in the workspace's experiment (inside a platform job:
        the job's run). Needs ``mlflow``; raises ImportError saying how to install it."""
        if self._mlflow is None:
            raise ImportError("ExperimentTracker.start_run needs the mlflow package: "
                              "pip install mlflow (queries work without it)")
        if "run_id" not in kwargs and not os.environ.get("MLFLOW_RUN_ID"):
            kwargs.setdefault("experiment_id", self.experiment_id)
        return self._mlflow.start_run(**kwargs)
