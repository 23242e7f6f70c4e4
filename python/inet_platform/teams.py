"""Users, teams, memberships and API tokens: :class:`TeamManager`, the SDK side of
``inet platform user | team | token``.

Platform admins create users and teams; a team's team-admins (and platform admins) manage its
members; everyone sees the teams they belong to and manages their own tokens. The server says
who may do what: a refusal raises :class:`~inet_platform.PermissionDeniedError` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import urllib.parse
from datetime import datetime, timezone
from typing import Any, List, Mapping, Optional

from ._transport import Transport
from ._util import from_ms

ROLES = ("member", "team-admin")


def _segment(name: str) -> str:
    """One path segment, '/' included in the encoding."""
    return urllib.parse.quote(name, safe="")


@dataclass(frozen=True)
class User:
    name: str
    platform_admin: bool
    created: Optional[datetime]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "User":
        return User(name=data.get("name", ""), platform_admin=bool(data.get("platform_admin")),
                    created=from_ms(data.get("created_at")))


@dataclass(frozen=True)
class Member:
    team: str
    user: str
    role: str  # "member" or "team-admin"
    since: Optional[datetime]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Member":
        return Member(team=data.get("team", ""), user=data.get("user", ""),
                      role=data.get("role", "member"), since=from_ms(data.get("created_at")))


@dataclass(frozen=True)
class Team:
    """A team; ``members`` is filled by :meth:`TeamManager.get_team`, empty in lists."""

    name: str
    created: Optional[datetime]
    members: List[Member] = field(default_factory=list)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Team":
        return Team(name=data.get("name", ""), created=from_ms(data.get("created_at")),
                    members=[Member.from_json(m) for m in data.get("members") or []])


@dataclass(frozen=True)
class TokenInfo:
    """What the server keeps of a token: never its secret."""

    token_id: str
    user: str
    team: str  # where its requests act when they name none ("": the user's default team)
    created: Optional[datetime]
    expires: Optional[datetime]
    revoked: Optional[datetime]

    @property
    def active(self) -> bool:
        now = datetime.now(tz=timezone.utc)
        return self.revoked is None and (self.expires is None or self.expires > now)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "TokenInfo":
        return TokenInfo(token_id=data.get("token_id", ""), user=data.get("user", ""),
                         team=data.get("team", ""), created=from_ms(data.get("created_at")),
                         expires=from_ms(data.get("expires_at")),
                         revoked=from_ms(data.get("revoked_at")))


@dataclass(frozen=True)
class CreatedToken:
    """A new token: ``token`` is the secret, shown only this once; store it now."""

    token: str
    info: TokenInfo


class TeamManager:
    """Users, teams, members and tokens on one server.

    Args:
        url, token, transport: as for :class:`~inet_platform.ComputeClient`.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None,
                 transport: Optional[Transport] = None):
        self._transport = transport or Transport(url=url, token=token)

    # -- users -------------------------------------------------------------------------------

    def create_user(self, name: str, platform_admin: bool = False) -> User:
        """Platform admins only."""
        answer = self._transport.call("POST", "/api/v1/users",
                                      json_body={"name": name, "platform_admin": platform_admin})
        return User.from_json(answer["user"])

    def list_users(self) -> List[User]:
        """Platform admins and team admins."""
        return [User.from_json(u) for u in self._transport.call("GET", "/api/v1/users")["users"]]

    # -- teams -------------------------------------------------------------------------------

    def create_team(self, name: str) -> Team:
        """Platform admins only. ``name`` is a DNS-1123 label, e.g. ``"nlp-team"``."""
        answer = self._transport.call("POST", "/api/v1/teams", json_body={"name": name})
        return Team.from_json(answer["team"])

    def list_teams(self) -> List[Team]:
        """Your teams (every team for a platform admin)."""
        return [Team.from_json(t) for t in self._transport.call("GET", "/api/v1/teams")["teams"]]

    def get_team(self, name: str) -> Team:
        """The team with its members (for its members and platform admins)."""
        answer = self._transport.call("GET", f"/api/v1/teams/{_segment(name)}")
        return Team.from_json(answer["team"])

    def add_member(self, team: str, user: str, role: str = "member") -> Member:
        """Adds ``user`` to ``team`` or changes their role (team admins and platform admins)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        answer = self._transport.call("POST", f"/api/v1/teams/{_segment(team)}/members",
                                      json_body={"user": user, "role": role})
        return Member.from_json(answer["member"])

    def remove_member(self, team: str, user: str) -> None:
        self._transport.call("DELETE",
                             f"/api/v1/teams/{_segment(team)}/members/{_segment(user)}")

    # -- tokens ------------------------------------------------------------------------------

    def create_token(self, user: Optional[str] = None, team: Optional[str] = None,
                     expires_days: Optional[int] = None) -> CreatedToken:
        """A token for you (or, for a platform admin, for ``user``), acting in ``team`` by
        default, expiring after ``expires_days`` (1..3650; None: never)."""
        body: dict = {}
        if user:
            body["user"] = user
        if team:
            body["team"] = team
        if expires_days is not None:
            body["expires_days"] = expires_days
        answer = self._transport.call("POST", "/api/v1/tokens", json_body=body)
        return CreatedToken(token=answer["token"], info=TokenInfo.from_json(answer["token_info"]))

    def list_tokens(self, user: Optional[str] = None) -> List[TokenInfo]:
        """Your tokens (``user``'s, for a platform admin), oldest first, revoked ones too."""
        answer = self._transport.call("GET", "/api/v1/tokens",
                                      query={"user": user} if user else None)
        return [TokenInfo.from_json(t) for t in answer["tokens"]]

    def revoke_token(self, token_id: str) -> None:
        """Refused from the next request on, on every server."""
        self._transport.call("DELETE", f"/api/v1/tokens/{_segment(token_id)}")
