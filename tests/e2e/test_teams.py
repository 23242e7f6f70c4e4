"""End-to-end tests of users, teams, memberships and tokens through the real CLI and REST API,
on SQLite and PostgreSQL: what a platform admin and a team admin do to onboard a team."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import requests

from conftest import ADMIN_TOKEN, inet_binary

pytestmark = pytest.mark.reference_incompatible  # teams and tokens are inet's own API


def cli(server, *args: str, token: str = ADMIN_TOKEN, check: bool = True):
    env = dict(os.environ, INET_URL=server.url, INET_TOKEN=token)
    env.pop("XDG_CONFIG_HOME", None)
    proc = subprocess.run([str(inet_binary()), "platform", *args], env=env, capture_output=True,
                          text=True, timeout=60)
    if check and proc.returncode != 0:
        pytest.fail(f"inet platform {' '.join(args)} exited {proc.returncode}\n"
                    f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def new_token(server, *args: str, token: str = ADMIN_TOKEN) -> str:
    """`token create` prints the token alone on its last line."""
    out = cli(server, "token", "create", *args, token=token).stdout
    return out.strip().splitlines()[-1]


def as_user(server, token: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, server.url + path,
                            headers={"Authorization": f"Bearer {token}"}, timeout=30, **kwargs)


def test_onboarding_a_team_with_the_cli(server):
    team, alice, bob = "nlp-team", "alice", "bob"
    assert f"Created user {alice}" in cli(server, "user", "create", alice).stdout
    cli(server, "user", "create", bob)
    assert f"Created team {team}" in cli(server, "team", "create", team).stdout
    out = cli(server, "team", "add-member", team, alice, "--role", "team-admin").stdout
    assert f"{alice} is now a team-admin of team {team}" in out

    alice_token = new_token(server, "--user", alice, "--team", team, "--expires-days", "30")
    assert alice_token.startswith("inet_")
    # The team admin adds a member; the member sees the team, and only it.
    cli(server, "team", "add-member", team, bob, token=alice_token)
    bob_token = new_token(server, "--user", bob)
    listed = json.loads(cli(server, "team", "list", "--json", token=bob_token).stdout)
    assert [t["name"] for t in listed["teams"]] == [team]
    shown = cli(server, "team", "show", team, token=bob_token).stdout
    assert alice in shown and "team-admin" in shown and bob in shown

    # A member can neither create teams nor manage members; the errors say why.
    denied = cli(server, "team", "create", "cv-team", token=bob_token, check=False)
    assert denied.returncode == 1
    assert "Only platform admins can create teams" in denied.stderr
    denied = cli(server, "team", "remove-member", team, alice, token=bob_token, check=False)
    assert f"Only team admins of team '{team}'" in denied.stderr

    # Tokens: listed without their secret, revoked from the next request on.
    tokens = json.loads(cli(server, "token", "list", "--json", token=bob_token).stdout)["tokens"]
    assert len(tokens) == 1 and "token" not in tokens[0] and "token_hash" not in tokens[0]
    table = cli(server, "token", "list", token=bob_token).stdout
    assert bob_token not in table and "active" in table
    assert as_user(server, bob_token, "GET", "/api/v1/teams").status_code == 200
    cli(server, "token", "revoke", tokens[0]["token_id"], token=bob_token)
    assert as_user(server, bob_token, "GET", "/api/v1/teams").status_code == 401


def test_team_names_and_unknown_users_get_messages_that_say_what_to_do(server):
    bad = cli(server, "team", "create", "NLP_Team", check=False)
    assert bad.returncode == 1
    assert "DNS-1123" in bad.stderr and "uppercase" in bad.stderr, bad.stderr
    missing = cli(server, "team", "add-member", "default", "nobody-here", check=False)
    assert "inet platform user create nobody-here" in missing.stderr, missing.stderr
    created = json.loads(cli(server, "token", "create", "--json").stdout)
    assert created["token"].startswith("inet_")
    assert created["token_info"]["user"] == "admin"


def test_a_token_for_a_team_its_user_is_not_in_is_refused(server):
    carol = "carol"
    cli(server, "user", "create", carol)
    carol_token = new_token(server, "--user", carol)
    refused = cli(server, "token", "create", "--team", "default", token=carol_token, check=False)
    assert refused.returncode == 1
    assert f"User '{carol}' is not a member of team 'default'" in refused.stderr
    # Attempting to mint a token for someone else is for platform admins only.
    refused = cli(server, "token", "create", "--user", "admin", token=carol_token, check=False)
    assert "Only platform admins can create tokens for other users" in refused.stderr
