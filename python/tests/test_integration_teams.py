"""TeamManager against a real `inet server`: onboarding a team and its tokens."""

from __future__ import annotations

import pytest

from inet_platform import (AuthenticationError, ComputeClient, InvalidRequestError, NotFoundError,
                           PermissionDeniedError, TeamManager)

pytestmark = pytest.mark.integration


def test_a_platform_admin_onboards_a_team_and_its_admin_adds_a_member(inet_server):
    admin = TeamManager(url=inet_server.url, token=inet_server.token)
    assert admin.create_user("alice").platform_admin is False
    admin.create_user("bob")
    team = admin.create_team("nlp-team")
    assert team.name == "nlp-team" and team.created is not None
    assert admin.add_member("nlp-team", "alice", role="team-admin").role == "team-admin"

    created = admin.create_token(user="alice", team="nlp-team", expires_days=7)
    assert created.token.startswith("inet_")
    assert created.info.user == "alice" and created.info.team == "nlp-team"
    assert created.info.expires is not None and created.info.active

    alice = TeamManager(url=inet_server.url, token=created.token)
    alice.add_member("nlp-team", "bob")
    assert [t.name for t in alice.list_teams()] == ["nlp-team"]
    members = {m.user: m.role for m in alice.get_team("nlp-team").members}
    assert members == {"alice": "team-admin", "bob": "member"}
    with pytest.raises(PermissionDeniedError, match="Only platform admins can create teams"):
        alice.create_team("cv-team")
    with pytest.raises(InvalidRequestError, match="DNS-1123"):
        admin.create_team("NLP_Team")
    with pytest.raises(NotFoundError, match="inet platform user create nobody"):
        admin.add_member("nlp-team", "nobody")
    with pytest.raises(ValueError, match="role must be one of"):
        admin.add_member("nlp-team", "bob", role="owner")


def test_a_revoked_token_is_refused_on_the_next_request(inet_server):
    admin = TeamManager(url=inet_server.url, token=inet_server.token)
    admin.create_user("carol")
    created = admin.create_token(user="carol")
    carol = TeamManager(url=inet_server.url, token=created.token)
    assert [t.token_id for t in carol.list_tokens()] == [created.info.token_id]
    carol.revoke_token(created.info.token_id)
    with pytest.raises(AuthenticationError):
        carol.list_teams()
    listed = admin.list_tokens(user="carol")
    assert listed[0].revoked is not None and not listed[0].active
    # Other clients of the same server see the same identity rules.
    with pytest.raises(AuthenticationError):
        ComputeClient(namespace="default", url=inet_server.url, token=created.token).capacity()
