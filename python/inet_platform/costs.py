"""What jobs cost and the teams' monthly budgets: :class:`Costs`, the SDK side of
``inet platform costs`` and ``inet platform team create/set --monthly-budget``.

Team members read their team's costs and budget; platform admins read every team's and set
budgets. Prices, warnings and runaway stops are described in docs/costs.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from ._transport import Transport
from ._util import from_ms
from .teams import _segment


@dataclass(frozen=True)
class Budget:
    """A team's monthly budget; ``monthly_usd`` is None when the team has none."""

    team: str
    monthly_usd: Optional[float]
    allow_overrun: bool
    updated: Optional[datetime] = None
    updated_by: str = ""

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Budget":
        return Budget(team=data.get("team", ""), monthly_usd=data.get("monthly_budget_usd"),
                      allow_overrun=bool(data.get("allow_overrun")),
                      updated=from_ms(data.get("updated_at")),
                      updated_by=data.get("updated_by", ""))


@dataclass(frozen=True)
class JobCost:
    job_id: str
    run_id: str
    cost_usd: float


@dataclass(frozen=True)
class TeamCosts:
    """One team's month: compute (the jobs' ledger) and storage, against its budget."""

    team: str
    budget: Budget
    compute_usd: float
    storage_usd: float
    total_usd: float
    percent_used: Optional[float]
    jobs: List[JobCost] = field(default_factory=list)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "TeamCosts":
        return TeamCosts(
            team=data.get("team", ""), budget=Budget.from_json(data),
            compute_usd=float(data.get("compute_usd") or 0),
            storage_usd=float(data.get("storage_usd") or 0),
            total_usd=float(data.get("total_usd") or 0), percent_used=data.get("percent_used"),
            jobs=[JobCost(j.get("job_id", ""), j.get("run_id", ""), float(j.get("cost_usd") or 0))
                  for j in data.get("jobs") or []])


@dataclass(frozen=True)
class CostReport:
    month: str  # "YYYY-MM" (UTC)
    teams: List[TeamCosts]

    def team(self, name: str) -> TeamCosts:
        for t in self.teams:
            if t.team == name:
                return t
        raise KeyError(name)


class Costs:
    """Costs and budgets.

    Args:
        url, token, transport: as for :class:`~inet_platform.ComputeClient`.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None,
                 transport: Optional[Transport] = None):
        self._transport = transport or Transport(url=url, token=token)

    def get_costs(self, team: Optional[str] = None, month: Optional[str] = None) -> CostReport:
        """The month's (``"2026-12"``; default this month) costs of ``team`` (default your
        team; every team for a platform admin)."""
        query: Dict[str, str] = {}
        if team:
            query["team"] = team
        if month:
            query["month"] = month
        answer = self._transport.call("GET", "/api/v1/costs", query=query or None)
        return CostReport(month=answer.get("month", ""),
                          teams=[TeamCosts.from_json(t) for t in answer.get("teams") or []])

    def get_budget(self, team: str) -> Budget:
        answer = self._transport.call("GET", f"/api/v1/teams/{_segment(team)}/budget")
        return Budget.from_json(answer["budget"])

    def set_budget(self, team: str, monthly_usd: Optional[float],
                   allow_overrun: bool = False) -> Budget:
        """Platform admins only; ``monthly_usd=None`` removes the budget."""
        answer = self._transport.call(
            "PUT", f"/api/v1/teams/{_segment(team)}/budget",
            json_body={"monthly_budget_usd": monthly_usd, "allow_overrun": allow_overrun})
        return Budget.from_json(answer["budget"])
