"""inet platform Python SDK: submit training jobs, store artifacts, track experiments and manage
teams and tokens.

    from inet_platform import ComputeClient, ArtifactStore, ExperimentTracker

    job = ComputeClient(namespace="ml-team").submit_training(
        name="bert-finetuning", command=["python", "train.py"], gpu_request=1,
        memory_request="16Gi", output_artifacts=["model.pt"])  # sends "." as the code
    job.wait()
    print(job.artifacts["model.pt"])

The server and token are found like the ``inet`` CLI finds them (INET_URL / INET_TOKEN, the file
written by ``inet login``, or the local server's admin token); see docs/python-sdk.md. Standard
library only; ``mlflow`` is used when installed.
"""

from ._transport import ServerConfig, Transport, resolve_config
from ._version import __version__
from .artifacts import Artifact, ArtifactStore
from .costs import Budget, CostReport, Costs, JobCost, TeamCosts
from .compute import (JOB_STATES, TERMINAL_STATES, Capacity, ComputeClient, Job, JobArtifact,
                      JobArtifacts, JobEvent, NodePoolCapacity)
from .errors import (AuthenticationError, ConflictError, InetError, InvalidRequestError,
                     NotFoundError, PermissionDeniedError, ResourceExhaustedError, ServerError,
                     ServerUnreachableError, WaitTimeoutError)
from .teams import CreatedToken, Member, Team, TeamManager, TokenInfo, User
from .tracking import Experiment, ExperimentTracker, Run

__all__ = [
    "__version__",
    "ComputeClient", "Job", "JobArtifact", "JobArtifacts", "JobEvent", "Capacity", "NodePoolCapacity",
    "JOB_STATES",
    "TERMINAL_STATES",
    "ArtifactStore", "Artifact",
    "ExperimentTracker", "Experiment", "Run",
    "TeamManager", "Team", "Member", "User", "TokenInfo", "CreatedToken",
    "Costs", "CostReport", "TeamCosts", "JobCost", "Budget",
    "Transport", "ServerConfig", "resolve_config",
    "InetError", "InvalidRequestError", "NotFoundError", "AuthenticationError",
    "PermissionDeniedError", "ConflictError", "ResourceExhaustedError", "ServerError",
    "ServerUnreachableError", "WaitTimeoutError",
]
