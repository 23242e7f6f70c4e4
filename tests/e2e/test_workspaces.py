"""Teams are MLflow workspaces: the real mlflow client with MLFLOW_WORKSPACE (or
mlflow.set_workspace) logs into its team, searches see only it, and another team's experiments,
runs, metric histories and artifacts answer as if absent, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import requests

from conftest import ADMIN_TOKEN
from test_teams import as_user, cli, new_token

pytestmark = pytest.mark.reference_incompatible  # teams are inet's own; needs its identity API

# Logs one run through the fluent API in the team MLFLOW_WORKSPACE names, with a metric
# history and an artifact, and prints what it made and what its searches see.
CLIENT = textwrap.dedent("""
    import json, os, sys, tempfile
    import mlflow
    from mlflow import MlflowClient
    mlflow.set_experiment("bert-experiments")
    with mlflow.start_run() as run:
        mlflow.log_param("team", os.environ["MLFLOW_WORKSPACE"])
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notes.txt")
            with open(path, "w") as f:
                f.write(os.environ["MLFLOW_WORKSPACE"])
            mlflow.log_artifact(path)
    client = MlflowClient()
    experiment = client.get_experiment_by_name("bert-experiments")
    print(json.dumps({
        "run_id": run.info.run_id,
        "experiment_id": experiment.experiment_id,
        "artifact_uri": run.info.artifact_uri,
        "searched": [r.info.run_id for r in client.search_runs([experiment.experiment_id])],
        "experiments": sorted(e.name for e in client.search_experiments()),
        "workspaces": [w.name for w in mlflow.list_workspaces()],
        "artifacts": [a.path for a in client.list_artifacts(run.info.run_id)],
    }))
""")


def log_in_team(server, token: str, team: str, script: str = CLIENT) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(MLFLOW_TRACKING_URI=server.url, MLFLOW_TRACKING_TOKEN=token,
               MLFLOW_WORKSPACE=team)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_teams(server):
    """alice in nlp-team, bob in cv-team, each with a user token that names no team."""
    tokens = {}
    for user, team in (("alice", "nlp-team"), ("bob", "cv-team")):
        cli(server, "user", "create", user)
        cli(server, "team", "create", team)
        cli(server, "team", "add-member", team, user)
        tokens[user] = new_token(server, "--user", user)
    return tokens


def test_the_mlflow_client_in_two_workspaces_sees_only_its_own_team(server, two_teams):
    nlp = log_in_team(server, two_teams["alice"], "nlp-team")
    cv = log_in_team(server, two_teams["bob"], "cv-team")

    # The same experiment name in both teams: two experiments, each team's artifacts in its
    # own root.
    assert nlp["experiment_id"] != cv["experiment_id"]
    assert "/workspaces/nlp-team/" in nlp["artifact_uri"]
    assert "/workspaces/cv-team/" in cv["artifact_uri"]
    assert nlp["searched"] == [nlp["run_id"]] and cv["searched"] == [cv["run_id"]]
    assert nlp["experiments"] == ["bert-experiments"] == cv["experiments"]
    assert nlp["workspaces"] == ["nlp-team"] and cv["workspaces"] == ["cv-team"]
    assert nlp["artifacts"] == ["notes.txt"]

    # Bob (cv-team) reaches nothing of nlp-team's, by any route: absent, not forbidden.
    bob = two_teams["bob"]
    run_id, experiment_id = nlp["run_id"], nlp["experiment_id"]
    for method, path, kwargs in [
        ("GET", "/api/2.0/mlflow/runs/get", {"params": {"run_id": run_id}}),
        ("GET", "/api/2.0/mlflow/experiments/get", {"params": {"experiment_id": experiment_id}}),
        ("GET", "/api/2.0/mlflow/metrics/get-history",
         {"params": {"run_id": run_id, "metric_key": "loss"}}),
        ("GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
         {"params": {"run_ids": run_id, "metric_key": "loss"}}),
        ("POST", "/api/2.0/mlflow/runs/log-metric",
         {"json": {"run_id": run_id, "key": "x", "value": 1, "timestamp": 1}}),
        ("POST", "/api/2.0/mlflow/experiments/delete", {"json": {"experiment_id": experiment_id}}),
        ("GET", "/api/2.0/mlflow/artifacts/list", {"params": {"run_id": run_id}}),
        ("GET", "/api/2.0/mlflow-artifacts/artifacts/workspaces/nlp-team/" + experiment_id +
         "/" + run_id + "/artifacts/notes.txt", {}),
    ]:
        r = as_user(server, bob, method, path, **kwargs)
        assert r.status_code == 404, (path, r.status_code, r.text)
        if path.startswith("/api/2.0/mlflow/"):
            assert r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST", (path, r.text)
    searched = as_user(server, bob, "POST", "/api/2.0/mlflow/runs/search",
                       json={"experiment_ids": [experiment_id]})
    assert searched.status_code == 200 and "runs" not in searched.json()
    # An unprefixed artifact path is relative to the caller's own team root.
    mine = as_user(server, bob, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=" +
                   experiment_id)
    assert "files" not in mine.json()

    # Naming a team one is not in is refused with a message that says what to do.
    denied = requests.get(server.url + "/api/2.0/mlflow/experiments/search",
                          headers={"Authorization": f"Bearer {bob}",
                                   "X-MLFLOW-WORKSPACE": "nlp-team"}, timeout=30)
    assert denied.status_code == 403, denied.text
    assert denied.json()["error_code"] == "PERMISSION_DENIED"
    assert "not a member of team \"nlp-team\"" in denied.json()["message"]
    assert "inet platform team add-member nlp-team bob" in denied.json()["message"]

    # Alice reads her own artifact through the proxied route.
    got = as_user(server, two_teams["alice"], "GET",
                  "/api/2.0/mlflow-artifacts/artifacts/workspaces/nlp-team/" + experiment_id +
                  "/" + run_id + "/artifacts/notes.txt")
    assert got.status_code == 200 and got.text == "nlp-team"


def test_workspace_routes_and_server_info_speak_mlflows_contract(server, two_teams):
    info = requests.get(server.url + "/api/3.0/mlflow/server-info", timeout=30)
    assert info.status_code == 200 and info.json()["workspaces_enabled"] is True
    alice = two_teams["alice"]
    for version in ("2.0", "3.0"):
        listed = as_user(server, alice, "GET", f"/api/{version}/mlflow/workspaces").json()
        assert listed == {"workspaces": [{"name": "nlp-team"}]}
        assert as_user(server, alice, "GET", f"/api/{version}/mlflow/workspaces/nlp-team"
                       ).json() == {"workspace": {"name": "nlp-team"}}
        assert as_user(server, alice, "GET", f"/api/{version}/mlflow/workspaces/cv-team"
                       ).status_code == 404

    # mlflow's own workspace calls: a platform admin creates a team through them.
    from mlflow import MlflowClient
    client = MlflowClient(server.url)
    made = client.create_workspace("made-by-mlflow")
    assert made.name == "made-by-mlflow"
    assert "made-by-mlflow" in [w.name for w in client.list_workspaces()]
    assert client.get_workspace("made-by-mlflow").name == "made-by-mlflow"
    teams = as_user(server, ADMIN_TOKEN, "GET", "/api/v1/teams").json()["teams"]
    assert "made-by-mlflow" in [t["name"] for t in teams]


def test_a_user_of_several_teams_without_a_default_is_told_to_name_one(server, two_teams):
    cli(server, "user", "create", "carol")
    for team in ("nlp-team", "cv-team"):
        cli(server, "team", "add-member", team, "carol")
    carol = new_token(server, "--user", "carol")
    r = as_user(server, carol, "POST", "/api/2.0/mlflow/experiments/search", json={})
    assert r.status_code == 400, r.text
    assert "MLFLOW_WORKSPACE" in r.json()["message"]
    # A token made for a team acts there without the header.
    carol_cv = new_token(server, "--user", "carol", "--team", "cv-team")
    r = as_user(server, carol_cv, "POST", "/api/2.0/mlflow/experiments/search", json={})
    assert r.status_code == 200 and [e["name"] for e in r.json()["experiments"]] == [
        "bert-experiments"]


LEAK = "leak-"  # every marker of nlp-team's objects starts so; none is an id or a name sent


def test_no_route_leaks_another_teams_objects(server, two_teams):
    """Walks the whole route table (read from the server's router, so a new route cannot be
    left out) with a cv-team token and every id of nlp-team's objects, and checks that no
    answer carries nlp-team's data and that nothing of nlp-team's changed."""
    alice, bob = two_teams["alice"], two_teams["bob"]

    def call(token, method, path, team=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        if team:
            headers["X-MLFLOW-WORKSPACE"] = team
        return requests.request(method, server.url + path, headers=headers, timeout=30,
                                **kwargs)

    def ok(response):
        assert response.status_code in (200, 201), response.text
        return response.json()

    # nlp-team's objects, each carrying a marker.
    exp = ok(call(alice, "POST", "/api/2.0/mlflow/experiments/create",
                  json={"name": "leak-exp-name"}))["experiment_id"]
    run = ok(call(alice, "POST", "/api/2.0/mlflow/runs/create",
                  json={"experiment_id": exp}))["run"]["info"]
    run_id = run["run_id"]
    ok(call(alice, "POST", "/api/2.0/mlflow/runs/log-batch", json={
        "run_id": run_id, "params": [{"key": "p", "value": "leak-param"}],
        "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}],
        "tags": [{"key": "t", "value": "leak-tag"}]}))
    artifact_key = run["artifact_uri"].removeprefix("mlflow-artifacts:/") + "/notes.txt"
    ok(call(alice, "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + artifact_key,
            data=b"leak-artifact"))
    model = ok(call(alice, "POST", "/api/2.0/mlflow/logged-models", json={
        "experiment_id": exp, "name": "leak-model", "source_run_id": run_id}))
    model_id = model["model"]["info"]["model_id"]
    job = ok(call(alice, "POST", "/api/v1/jobs", json={
        "name": "secret-job", "command": ["python", "-c", "pass"],
        "env": {"MARKER": "leak-job"}}))["job"]
    ok(call(alice, "PUT", "/api/v1/artifacts/nlp-team/secret.txt", data=b"leak-platform"))
    token_id = ok(call(alice, "GET", "/api/v1/tokens"))["tokens"][0]["token_id"]

    params = {"run_id": run_id, "job_id": job["job_id"], "model_id": model_id,
              "experiment_id": exp, "team": "nlp-team", "user": "alice", "token_id": token_id,
              "workspace_name": "nlp-team", "namespace": "nlp-team", "tag_key": "t"}
    fields = {"run_id": run_id, "run_uuid": run_id, "experiment_id": exp,
              "experiment_ids": [exp], "run_ids": [run_id], "model_id": model_id,
              "metric_key": "loss", "key": "loss", "value": 1, "timestamp": 1, "step": 0,
              "path": "notes.txt", "user": "alice", "team": "nlp-team"}

    routes = ok(call(ADMIN_TOKEN, "GET", "/api/v1/routes"))["routes"]
    assert len(routes) > 100 and {"method": "GET", "path": "/api/2.0/mlflow/runs/get",
                                  "public": False, "scoped_tokens": True} in routes
    walked = 0
    for route in routes:
        if route["public"]:
            continue
        path = route["path"]
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        if "{path...}" in path:
            path = path.replace("{path...}", "secret.txt" if "/artifacts/nlp-team/" in path
                                else artifact_key)
        assert "{" not in path, f"the test has no value for a parameter of {route['path']}"
        method = route["method"]
        kwargs = {"params": {k: v for k, v in fields.items() if not isinstance(v, list)}}
        if method in ("POST", "PATCH", "PUT"):
            kwargs["json"] = fields
        response = call(bob, method, path, **kwargs)
        walked += 1
        assert response.status_code < 500, (method, path, response.status_code, response.text)
        assert LEAK not in response.text, (method, path, response.status_code, response.text)
    assert walked > 100

    # Nothing of nlp-team's changed.
    got = ok(call(alice, "GET", "/api/2.0/mlflow/runs/get", params={"run_id": run_id}))["run"]
    assert got["info"]["lifecycle_stage"] == "active"
    assert [p["value"] for p in got["data"]["params"]] == ["leak-param"]
    assert [m["value"] for m in got["data"]["metrics"]] == [0.5]
    assert ok(call(alice, "GET", "/api/2.0/mlflow/experiments/get",
                   params={"experiment_id": exp}))["experiment"]["lifecycle_stage"] == "active"
    assert call(alice, "GET", "/api/2.0/mlflow-artifacts/artifacts/" + artifact_key
                ).content == b"leak-artifact"
    assert call(alice, "GET", "/api/v1/artifacts/nlp-team/secret.txt").content == \
        b"leak-platform"
    assert ok(call(alice, "GET", f"/api/v1/jobs/{job['job_id']}"))["job"]["state"] != \
        "Cancelled"
    members = ok(call(alice, "GET", "/api/v1/teams/nlp-team"))["team"]["members"]
    assert "alice" in [m["user"] for m in members]


# The fluent API with no experiment set: the client sends experiment "0" for the run and for
# the search.
NO_EXPERIMENT_CLIENT = textwrap.dedent("""
    import json
    import mlflow
    from mlflow import MlflowClient
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.5)
    experiment = MlflowClient().get_experiment(run.info.experiment_id)
    print(json.dumps({
        "run_id": run.info.run_id,
        "experiment_id": run.info.experiment_id,
        "experiment_name": experiment.name,
        "artifact_uri": run.info.artifact_uri,
        "searched": [r.info.run_id for r in mlflow.search_runs(output_format="list")],
    }))
""")


def test_a_run_with_no_experiment_logs_into_its_own_teams_default_experiment(server, two_teams):
    nlp = log_in_team(server, two_teams["alice"], "nlp-team", NO_EXPERIMENT_CLIENT)
    cv = log_in_team(server, two_teams["bob"], "cv-team", NO_EXPERIMENT_CLIENT)
    for got, team in ((nlp, "nlp-team"), (cv, "cv-team")):
        assert got["experiment_id"] != "0" and got["experiment_name"] == "Default", got
        assert f"/workspaces/{team}/{got['experiment_id']}/" in got["artifact_uri"], got
        assert got["searched"] == [got["run_id"]], got
    assert nlp["experiment_id"] != cv["experiment_id"]

    # Team default's experiment 0 holds neither run; a second run reuses the team's Default.
    in_zero = server.api("POST", "/api/2.0/mlflow/runs/search", json={"experiment_ids": ["0"]})
    zero_runs = {r["info"]["run_id"] for r in in_zero.json().get("runs", [])}
    assert not zero_runs & {nlp["run_id"], cv["run_id"]}
    again = log_in_team(server, two_teams["alice"], "nlp-team", NO_EXPERIMENT_CLIENT)
    assert again["experiment_id"] == nlp["experiment_id"]
    assert again["searched"] == [again["run_id"], nlp["run_id"]]

    # A team's default cannot be deleted, by its id or as "0".
    for experiment_id in (nlp["experiment_id"], "0"):
        r = as_user(server, two_teams["alice"], "POST", "/api/2.0/mlflow/experiments/delete",
                    json={"experiment_id": experiment_id})
        assert r.status_code == 400, r.text
        assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert "This is a reserved experiment." in r.json()["message"], r.text
