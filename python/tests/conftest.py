"""Shared fixtures: the package on sys.path without installing it, a clean environment per
test (the SDK reads INET_* / MLFLOW_* variables and ExperimentTracker sets some), and the
in-memory FakePlatform."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_platform import FakePlatform  # noqa: E402

_SDK_VARIABLES = ("INET_URL", "INET_TOKEN", "MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN",
                  "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME",
                  "XDG_CONFIG_HOME")


@pytest.fixture(autouse=True)
def clean_environment(tmp_path_factory):
    """Each test starts without SDK variables and with an empty HOME, and whatever it sets in
    os.environ is undone afterwards."""
    saved = dict(os.environ)
    for name in _SDK_VARIABLES:
        os.environ.pop(name, None)
    os.environ["HOME"] = str(tmp_path_factory.mktemp("home"))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def platform():
    return FakePlatform()


@pytest.fixture(scope="module")
def inet_server(tmp_path_factory):
    """A real `inet server` for one test module (skipped only when the binary is missing)."""
    from inet_server import InetServer

    # The mlflow client must fail fast instead of retrying a 5xx for minutes.
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    server = InetServer(tmp_path_factory.mktemp("inet-server")).start()
    # The teams the article and these tests name (a namespace is a team), made as a platform
    # admin would make them before handing the snippets to their members.
    import json
    import urllib.request
    for team in ("data-team", "ml-team", "other-team", "folders"):
        request = urllib.request.Request(
            server.url + "/api/v1/teams", data=json.dumps({"name": team}).encode(),
            method="POST", headers={"Authorization": f"Bearer {server.token}",
                                    "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).close()
    yield server
    server.stop()
