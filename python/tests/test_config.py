"""Server address and token resolution, in the CLI's order."""

import json
import os

import pytest

from inet_platform import InetError, resolve_config


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def write_config(home, data, xdg=None):
    path = (xdg if xdg else home / ".config") / "inet" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def write_admin_token(home, token="admin-secret\n"):
    path = home / ".inet" / "admin-token"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token)
    return path


def test_default_is_the_local_server_with_its_admin_token(home):
    write_admin_token(home)
    c = resolve_config(environ={}, home=home)
    assert c.url == "http://127.0.0.1:8080"
    assert c.url_source == "default"
    assert c.token == "admin-secret"
    assert c.token_source.endswith("admin-token")


def test_no_token_anywhere(home):
    c = resolve_config(environ={}, home=home)
    assert c.token is None and c.token_source is None


def test_arguments_beat_everything(home):
    write_config(home, {"url": "http://file:1", "token": "file-token"})
    env = {"INET_URL": "http://env:2", "INET_TOKEN": "env-token"}
    c = resolve_config(url="http://arg:3/", token="arg-token", environ=env, home=home)
    assert (c.url, c.token) == ("http://arg:3", "arg-token")
    assert (c.url_source, c.token_source) == ("argument url", "argument token")


def test_inet_variables_beat_mlflow_variables_and_the_file(home):
    write_config(home, {"url": "http://file:1", "token": "file-token"})
    env = {"INET_URL": "http://env:2", "INET_TOKEN": "env-token",
           "MLFLOW_TRACKING_URI": "http://mlflow:4", "MLFLOW_TRACKING_TOKEN": "mlflow-token"}
    c = resolve_config(environ=env, home=home)
    assert (c.url, c.token) == ("http://env:2", "env-token")
    assert c.url_source == "INET_URL"


def test_mlflow_variables_are_a_fallback(home):
    write_config(home, {"url": "http://file:1", "token": "file-token"})
    env = {"MLFLOW_TRACKING_URI": "https://mlflow:4", "MLFLOW_TRACKING_TOKEN": "mlflow-token"}
    c = resolve_config(environ=env, home=home)
    assert (c.url, c.token) == ("https://mlflow:4", "mlflow-token")


def test_non_http_mlflow_uri_is_ignored(home):
    c = resolve_config(environ={"MLFLOW_TRACKING_URI": "file:///tmp/mlruns"}, home=home)
    assert c.url == "http://127.0.0.1:8080"


def test_config_file_from_inet_login(home):
    write_admin_token(home)
    write_config(home, {"url": "http://file:1", "token": "file-token"})
    c = resolve_config(environ={}, home=home)
    assert (c.url, c.token) == ("http://file:1", "file-token")
    assert c.url_source.endswith("inet/config.json")


def test_xdg_config_home_moves_the_file(home, tmp_path):
    xdg = tmp_path / "xdg"
    write_config(home, {"url": "http://wrong:1"})
    write_config(home, {"url": "http://xdg:1"}, xdg=xdg)
    c = resolve_config(environ={"XDG_CONFIG_HOME": str(xdg)}, home=home)
    assert c.url == "http://xdg:1"


def test_config_file_token_only_goes_to_its_own_server(home):
    write_config(home, {"url": "http://file:1/", "token": "file-token"})
    assert resolve_config(environ={"INET_URL": "http://env:2"}, home=home).token is None
    c = resolve_config(environ={"INET_URL": "http://file:1"}, home=home)
    assert (c.url, c.token) == ("http://file:1", "file-token")


def test_values_resolve_independently(home):
    write_config(home, {"url": "http://file:1", "token": "file-token"})
    c = resolve_config(url="http://file:1", environ={"INET_TOKEN": "env-token"}, home=home)
    assert (c.token, c.token_source) == ("env-token", "INET_TOKEN")
    write_config(home, {"token": "file-token"})  # no URL saved: the token goes to the default
    c = resolve_config(environ={}, home=home)
    assert (c.url, c.token) == ("http://127.0.0.1:8080", "file-token")


def test_empty_values_count_as_unset(home):
    c = resolve_config(url="", environ={"INET_URL": "", "INET_TOKEN": ""}, home=home)
    assert c.url == "http://127.0.0.1:8080"
    assert c.token is None


def test_admin_token_is_never_sent_to_another_host(home):
    write_admin_token(home)
    assert resolve_config(environ={"INET_URL": "http://ml.example.com"}, home=home).token is None
    assert resolve_config(environ={"INET_URL": "http://localhost:9"}, home=home).token == \
        "admin-secret"
    assert resolve_config(environ={"INET_URL": "http://[::1]:9"}, home=home).token == \
        "admin-secret"


def test_malformed_config_file_says_how_to_fix_it(home):
    path = write_config(home, "{not json")
    with pytest.raises(InetError) as e:
        resolve_config(environ={}, home=home)
    assert str(path) in str(e.value) and "inet login" in str(e.value)
    write_config(home, "[1, 2]")
    with pytest.raises(InetError):
        resolve_config(environ={}, home=home)


def test_config_file_is_not_read_when_arguments_suffice(home):
    write_config(home, "{not json")
    c = resolve_config(url="http://a:1", token="t", environ={}, home=home)
    assert c.url == "http://a:1"


def test_uses_process_environment_by_default(home, monkeypatch):
    monkeypatch.setenv("INET_URL", "http://from-env:7")
    monkeypatch.setenv("INET_TOKEN", "tok")
    c = resolve_config(home=home)
    assert (c.url, c.token) == ("http://from-env:7", "tok")
    assert os.environ["INET_URL"] == "http://from-env:7"
