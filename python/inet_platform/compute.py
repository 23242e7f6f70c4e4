"""Training jobs: :class:`ComputeClient` submits and finds jobs, :class:`Job` follows one.

A job runs a command (or a script) on the platform's executor with the requested CPU, memory and
GPUs, retries on failure if asked, and uploads its output artifacts and logs its metrics to an
MLflow run the platform creates for it. The wire format is the platform's REST API under
``/api/v1`` (see docs/python-sdk.md and api/openapi.yaml).
"""

from __future__ import annotations

import codecs
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._snapshot import DEFAULT_MAX_SNAPSHOT_MB, pack_directory
from ._transport import Transport, in_team, iter_pages, quote_path
from ._util import download_to, from_ms
from .errors import InetError, WaitTimeoutError

JOB_STATES = ("Pending", "Queued", "Running", "Succeeded", "Failed", "Cancelled", "TimedOut")
TERMINAL_STATES = frozenset({"Succeeded", "Failed", "Cancelled", "TimedOut"})

# Reads of a followed log wait at most this long for a byte; the server ends a follow response
# after about 30 s without output, so this only trips when the connection is dead.
_FOLLOW_READ_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class JobArtifact:
    """An uploaded output file of a job: ``name`` (the spec's output name, or
    ``name/relative/path`` for a file inside an output folder), ``uri`` in the artifact store
    (``mlflow-artifacts:/...``), ``size`` in bytes."""

    name: str
    uri: str
    size: int
    _transport: Optional[Transport] = field(default=None, repr=False, compare=False)

    def download(self, local_file: Optional[str] = None) -> str:
        """Downloads the artifact through the server's MLflow artifact proxy; ``local_file``
        defaults to the artifact's base name in the current folder. Returns the local path."""
        prefix = "mlflow-artifacts:/"
        if self._transport is None or not self.uri.startswith(prefix):
            raise InetError(f"cannot download {self.uri!r}: only mlflow-artifacts:/ URIs are "
                            "served by the platform")
        path = "/api/2.0/mlflow-artifacts/artifacts/" + quote_path(self.uri[len(prefix):]
                                                                     .lstrip("/"))
        return download_to(self._transport, path, local_file, self.name.rsplit("/", 1)[-1])


class JobArtifacts(Mapping[str, str]):
    """A job's uploaded outputs as a read-only mapping from the output name in the spec to its
    URI: ``job.artifacts["model"]`` is ``"mlflow-artifacts:/.../outputs/model"``. An output that
    was a folder maps to the folder's URI (its files are under it). Iterating gives the names,
    like a dict; :attr:`files` lists every uploaded file with its size and a ``download()``.
    Looking up a name that was not uploaded raises a KeyError that says which ones were."""

    def __init__(self, files: Sequence[JobArtifact], state: str = ""):
        self.files: List[JobArtifact] = list(files)
        self._state = state
        self._uris: Dict[str, str] = {}
        for f in self.files:
            output, sep, inner = f.name.partition("/")
            if not sep:
                self._uris[output] = f.uri
            elif output not in self._uris and f.uri.endswith("/" + f.name):
                # A file inside an output folder: the folder's URI is the file's minus its path.
                self._uris[output] = f.uri[:len(f.uri) - len(inner) - 1]

    def __getitem__(self, name: str) -> str:
        try:
            return self._uris[name]
        except KeyError:
            uploaded = ", ".join(repr(n) for n in self._uris) or "none"
            when = "" if self._state in TERMINAL_STATES else \
                " (outputs are uploaded when the job ends)"
            raise KeyError(f"no output artifact {name!r} (uploaded: {uploaded}){when}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._uris)

    def __len__(self) -> int:
        return len(self._uris)

    def file(self, name: str) -> JobArtifact:
        """The uploaded file called ``name`` (an output name, or ``output/path`` for a file in
        an output folder). Raises KeyError."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(f"no uploaded file {name!r}")

    def download(self, name: str, local_file: Optional[str] = None) -> str:
        """Downloads the output file ``name`` (see :meth:`file`); returns the local path."""
        return self.file(name).download(local_file)

    def __repr__(self) -> str:
        return f"JobArtifacts({self._uris!r})"


@dataclass(frozen=True)
class JobEvent:
    """One state change of a job, with the reason the platform gave."""

    seq: int
    timestamp: Optional[datetime]
    state: str
    attempt: int
    reason: str


@dataclass(frozen=True)
class NodePoolCapacity:
    """One node pool of the executor. The ``*_used`` fields are ``None`` where the server does not
    know what the pool's attempts hold (an executor with several pools); ``gpu_model`` is ``""``
    when unknown."""

    name: str
    cpu_millis_allocatable: int
    memory_bytes_allocatable: int
    gpus_allocatable: int
    cpu_millis_used: Optional[int]
    memory_bytes_used: Optional[int]
    gpus_used: Optional[int]
    gpu_model: str
    gpu_source: str
    isolation: str

    @classmethod
    def from_json(cls, p: Mapping[str, Any]) -> "NodePoolCapacity":
        def used(key: str) -> Optional[int]:
            return None if p.get(key) is None else int(p[key])

        return cls(p.get("name", ""), int(p.get("cpu_millis_allocatable") or 0),
                   int(p.get("memory_bytes_allocatable") or 0),
                   int(p.get("gpus_allocatable") or 0), used("cpu_millis_used"),
                   used("memory_bytes_used"), used("gpus_used"), p.get("gpu_model", ""),
                   p.get("gpu_source", ""), p.get("isolation", ""))


@dataclass(frozen=True)
class Capacity:
    """What the executor has and what running jobs use (``cpu_millis``: 1000 = one core): the
    totals, and each node pool in ``node_pools``."""

    cpu_millis_total: int
    cpu_millis_used: int
    memory_bytes_total: int
    memory_bytes_used: int
    gpus_total: int
    gpus_used: int
    gpu_source: str
    isolation: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    node_pools: Tuple[NodePoolCapacity, ...] = ()


class Job:
    """A submitted job. Attributes that change while the job runs (``status``, ``reason``,
    ``attempt``, ``artifacts``...) fetch the job again when the cached copy is older than half a
    second; ``refresh()`` forces it. Not thread-safe: share the job id, not the object."""

    _CACHE_S = 0.5

    def __init__(self, data: Mapping[str, Any], transport: Transport):
        self._data = dict(data)
        self._transport = transport
        self._fetched_at = self._now()

    # Indirections so tests can run wait() without real time passing.
    @staticmethod
    def _now() -> float:
        return time.monotonic()

    @staticmethod
    def _sleep(seconds: float) -> None:
        time.sleep(seconds)

    @property
    def _path(self) -> str:
        return "/api/v1/jobs/" + quote_path(self.id)

    def _fresh(self) -> Dict[str, Any]:
        if self._now() - self._fetched_at >= self._CACHE_S:
            self.refresh()
        return self._data

    def refresh(self) -> "Job":
        """Fetches the job from the server now. Raises NotFoundError if it was deleted."""
        self._data = dict(self._transport.call("GET", self._path)["job"])
        self._fetched_at = self._now()
        return self

    # -- fixed at submission ----------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._data["job_id"]

    job_id = id

    @property
    def name(self) -> str:
        return self._data.get("name", "")

    @property
    def team(self) -> str:
        return self._data.get("team", "")

    @property
    def user(self) -> str:
        return self._data.get("user", "")

    @property
    def spec(self) -> Dict[str, Any]:
        """The job's spec in canonical form, as the server stored it."""
        return dict(self._data.get("spec") or {})

    @property
    def created_at(self) -> Optional[datetime]:
        return from_ms(self._data.get("created_at"))

    # -- live --------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The state: Pending, Queued, Running, Succeeded, Failed, Cancelled or TimedOut."""
        return self._fresh().get("state", "")

    state = status

    @property
    def reason(self) -> str:
        """Why the job is in its state, e.g. ``"attempt 1 started on GPUs 0"``."""
        return self._fresh().get("reason", "")

    @property
    def attempt(self) -> int:
        return int(self._fresh().get("attempt") or 0)

    @property
    def max_attempts(self) -> int:
        return int(self._fresh().get("max_attempts") or 0)

    @property
    def exit_code(self) -> Optional[int]:
        return self._fresh().get("exit_code")

    @property
    def last_failure(self) -> str:
        return self._fresh().get("last_failure") or ""

    @property
    def gpus(self) -> List[int]:
        return list(self._fresh().get("gpus") or [])

    @property
    def runtime_seconds(self) -> float:
        return float(self._fresh().get("runtime_seconds") or 0.0)

    @property
    def started_at(self) -> Optional[datetime]:
        return from_ms(self._fresh().get("started_at"))

    @property
    def finished_at(self) -> Optional[datetime]:
        return from_ms(self._fresh().get("finished_at"))

    def is_complete(self) -> bool:
        """True once the job has finished, whatever the outcome."""
        return self.status in TERMINAL_STATES

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    @property
    def artifacts(self) -> JobArtifacts:
        """Output artifacts uploaded so far (they are uploaded when the job ends), as a mapping
        from the output name to its URI; ``artifacts.files`` has every file with its size."""
        data = self._fresh()
        return JobArtifacts([JobArtifact(a.get("name", ""), a.get("uri", ""),
                                         int(a.get("size") or 0), self._transport)
                             for a in data.get("artifacts") or []], data.get("state", ""))

    @property
    def mlflow_run_id(self) -> Optional[str]:
        return (self._fresh().get("mlflow") or {}).get("run_id") or None

    @property
    def mlflow_experiment_id(self) -> Optional[str]:
        return (self._fresh().get("mlflow") or {}).get("experiment_id") or None

    @property
    def mlflow_run_url(self) -> Optional[str]:
        return (self._fresh().get("mlflow") or {}).get("run_url") or None

    def to_dict(self) -> Dict[str, Any]:
        """The job as the server last returned it (the API's Job JSON)."""
        return dict(self._data)

    # -- actions -----------------------------------------------------------------------------

    def logs(self, offset: int = 0) -> str:
        """The job's output (stdout and stderr) from byte ``offset`` so far; "" before it
        starts. Undecodable bytes are replaced."""
        with self._transport.request("GET", self._path + "/logs",
                                     query={"offset": offset, "follow": "false"}) as r:
            return r.read().decode("utf-8", errors="replace")

    def stream_logs(self, offset: int = 0, poll_interval: float = 1.0) -> Iterator[str]:
        """Yields the output as it is written, from byte ``offset``, until the job finishes.

        Reconnects when the server ends a follow response (it does after ~30 s of silence);
        a chunk may be any length and need not end at a line break.
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            received = 0
            with self._transport.request("GET", self._path + "/logs",
                                         query={"offset": offset, "follow": "true"},
                                         timeout=_FOLLOW_READ_TIMEOUT_S) as r:
                state_at_start = r.header("X-Inet-Job-State", "")
                for chunk in r.iter_chunks(64 * 1024):
                    received += len(chunk)
                    text = decoder.decode(chunk)
                    if text:
                        yield text
            offset += received
            if state_at_start in TERMINAL_STATES:
                break  # the response ran to the end of a finished log
            if self.refresh().status in TERMINAL_STATES:
                # Output written between the end of the stream and the job finishing.
                with self._transport.request("GET", self._path + "/logs",
                                             query={"offset": offset, "follow": "false"}) as r:
                    text = decoder.decode(r.read())
                if text:
                    yield text
                break
            if received == 0:
                self._sleep(poll_interval)  # no output and no news: do not spin
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def cancel(self) -> str:
        """Asks the platform to stop the job (SIGTERM, then SIGKILL after a grace period).
        Returns the state right after the request; :meth:`wait` for ``"Cancelled"``. Raises
        ConflictError or InvalidRequestError if the job has already finished."""
        self._data = dict(self._transport.call("POST", self._path + "/cancel", json_body={})
                          ["job"])
        self._fetched_at = self._now()
        return self._data.get("state", "")

    def wait(self, timeout: Optional[float] = None, poll_interval: float = 1.0) -> str:
        """Blocks until the job finishes and returns its final state. Raises
        :class:`WaitTimeoutError` (a TimeoutError) after ``timeout`` seconds; the job keeps
        running."""
        start = self._now()
        while True:
            state = self.refresh().status
            if state in TERMINAL_STATES:
                return state
            elapsed = self._now() - start
            if timeout is not None and elapsed >= timeout:
                raise WaitTimeoutError(f"job {self.id} is still {state} after {timeout:g} s "
                                       f"({self.reason})")
            pause = poll_interval if timeout is None else min(poll_interval, timeout - elapsed)
            self._sleep(max(pause, 0.0))

    def events(self) -> List[JobEvent]:
        """Every state change so far, oldest first."""
        answer = self._transport.call("GET", self._path + "/events")
        return [JobEvent(int(e.get("seq") or 0), from_ms(e.get("timestamp")),
                         e.get("state", ""), int(e.get("attempt") or 0), e.get("reason", ""))
                for e in answer.get("events") or []]

    def __repr__(self) -> str:
        data = self._data
        return (f"Job(id={data.get('job_id')!r}, state={data.get('state')!r}, "
                f"attempt={data.get('attempt')}, reason={data.get('reason', '')!r})")


def format_bytes(size: int) -> str:
    """Sizes as the CLI prints them: ``"512 B"``, ``"35.2 MiB"``."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    units = ("KiB", "MiB", "GiB", "TiB", "PiB")
    unit = -1
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.1f} {units[unit]}"


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Progress:
    """The CLI's packing and upload progress lines, redrawn in place at most every 0.1 s."""

    def __init__(self, stream: Any):
        self._stream = stream
        self._last = 0.0

    def _draw(self, text: str, force: bool = False, end: str = "") -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self._stream.write("\r\x1b[K" + text + end)
        self._stream.flush()

    @staticmethod
    def _packing_line(files: int, size: int) -> str:
        return f"Packing code: {files:,} file{'' if files == 1 else 's'}, {format_bytes(size)}"

    def packing(self, files: int, size: int) -> None:
        self._draw(self._packing_line(files, size))

    def packed(self, result: Any) -> None:
        self._draw(self._packing_line(result.files, result.bytes)
                   + f" ({format_bytes(result.compressed_bytes)} compressed)", True, "\n")

    def uploading(self, sent: int, total: int) -> None:
        self._draw(f"Uploading code: {sent * 100 // max(total, 1)}% of {format_bytes(total)}",
                   force=sent >= total)

    def clear(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


def _quantity(value: Union[None, str, int, float], field: str) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"{field} must be a quantity such as \"4\" or \"16Gi\", not a bool")
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{field} must be a string such as \"16Gi\" or a number, "
                    f"not {type(value).__name__}")


def build_job_spec(name: str, image: Optional[str] = None,
                   command: Union[None, str, Sequence[str]] = None,
                   script: Optional[str] = None, args: Optional[Sequence[str]] = None,
                   cpu_request: Union[None, str, int, float] = None,
                   memory_request: Union[None, str, int] = None, gpu_request: int = 0,
                   timeout_hours: float = 24, retries: int = 0,
                   output_artifacts: Union[None, str, Sequence[str], Mapping[str, str]] = None,
                   env: Optional[Mapping[str, Any]] = None,
                   distributed_backend: Optional[str] = None, processes: int = 1,
                   code_snapshot: Optional[str] = None, workdir: Optional[str] = None,
                   team: str = "default", priority_class: str = "batch",
                   experiment: Optional[str] = None,
                   max_cost_usd: Optional[float] = None) -> Dict[str, Any]:
    """The JobSpec JSON for :meth:`ComputeClient.submit_training`'s arguments. Fields left at
    None are omitted; the server validates everything and fills defaults."""
    spec: Dict[str, Any] = {"name": name, "team": team, "priority_class": priority_class,
                            "timeout_hours": timeout_hours, "retries": retries}
    if max_cost_usd is not None:
        spec["max_cost_usd"] = max_cost_usd
    if image:
        spec["image"] = image
    if command is not None:
        spec["command"] = command if isinstance(command, str) else [str(c) for c in command]
    if script:
        spec["script"] = script
    if args:
        spec["args"] = [str(a) for a in args]
    if env:
        spec["env"] = {str(k): str(v) for k, v in env.items()}
    resources: Dict[str, Any] = {}
    cpu = _quantity(cpu_request, "cpu_request")
    memory = _quantity(memory_request, "memory_request")
    if cpu is not None:
        resources["cpu"] = cpu
    if memory is not None:
        resources["memory"] = memory
    if gpu_request:
        resources["gpu"] = gpu_request
    if resources:
        spec["resources"] = resources
    if output_artifacts:
        if isinstance(output_artifacts, str):
            spec["output_artifacts"] = [output_artifacts]
        elif isinstance(output_artifacts, Mapping):
            spec["output_artifacts"] = {str(k): str(v) for k, v in output_artifacts.items()}
        else:
            spec["output_artifacts"] = [str(p) for p in output_artifacts]
    if distributed_backend or processes != 1:
        distributed: Dict[str, Any] = {"processes": processes}
        if distributed_backend:
            distributed["backend"] = distributed_backend
        spec["distributed"] = distributed
    if code_snapshot:
        spec["code_snapshot"] = code_snapshot
    if workdir:
        spec["workdir"] = workdir
    if experiment:
        spec["experiment"] = experiment
    return spec


class ComputeClient:
    """Submits and finds training jobs of one team (``namespace``).

    Args:
        namespace: the team the jobs belong to, one you are a member of (sent as the
            ``X-MLFLOW-WORKSPACE`` header); ``None``: your token's team, or your only team, or
            ``default``.
        url, token: the server and token; by default found like the ``inet`` CLI finds them
            (INET_URL/INET_TOKEN, the ``inet login`` config file, or the local server).
        transport: a ready :class:`~inet_platform._transport.Transport` (tests, custom
            timeouts); ``url``/``token`` are ignored then.
    """

    def __init__(self, namespace: Optional[str] = None, url: Optional[str] = None,
                 token: Optional[str] = None, transport: Optional[Transport] = None):
        self.namespace = namespace
        self._transport = in_team(transport or Transport(url=url, token=token), namespace)

    @property
    def url(self) -> str:
        return self._transport.url

    def submit_training(self, name: str, image: Optional[str] = None,
                        command: Union[None, str, Sequence[str]] = None,
                        script: Optional[str] = None, args: Optional[Sequence[str]] = None,
                        cpu_request: Union[None, str, int, float] = None,
                        memory_request: Union[None, str, int] = None, gpu_request: int = 0,
                        timeout_hours: float = 24, retries: int = 0,
                        output_artifacts: Union[None, str, Sequence[str],
                                                Mapping[str, str]] = None,
                        env: Optional[Mapping[str, Any]] = None,
                        distributed_backend: Optional[str] = None, processes: int = 1,
                        code_dir: Union[None, str, "os.PathLike[str]"] = ".",
                        workdir: Optional[str] = None,
                        priority_class: str = "batch", experiment: Optional[str] = None,
                        max_snapshot_mb: Optional[float] = DEFAULT_MAX_SNAPSHOT_MB,
                        progress: Optional[bool] = None,
                        max_cost_usd: Optional[float] = None) -> Job:
        """Submits a job and returns it (usually ``Queued``).

        ``command`` is a list of arguments or one string (split by the server like a POSIX
        shell); alternatively ``script`` (``.py`` runs with python, ``.sh`` with bash) plus
        ``args``. Quantities use Kubernetes syntax: ``cpu_request="4"`` or ``"500m"``,
        ``memory_request="16Gi"``. ``output_artifacts`` lists paths relative to the job's
        working directory (or maps names to paths); they are uploaded when the job ends.

        The job's code is the folder ``code_dir``, by default the current working directory,
        packed and uploaded as the ``inet platform train`` CLI does (see :meth:`upload_code`:
        ``.gitignore``/``.inetignore`` honoured, at most ``max_snapshot_mb`` MiB); the job
        runs in its copy. ``max_cost_usd`` stops the job once it has cost that much at the
        server's prices (stop reason ``max_cost``). ``code_dir=None`` sends no code (the job starts in an empty folder,
        like ``--no-code``). ``progress`` prints the packing and upload progress to stderr;
        by default only when stderr is a terminal, as the CLI does.

        Raises :class:`InvalidRequestError` with the server's explanation for a spec it
        rejects, :class:`ResourceExhaustedError` for too much code.
        """
        snapshot = (self.upload_code(code_dir, max_snapshot_mb, progress)
                    if code_dir is not None and code_dir is not False else None)
        spec = build_job_spec(
            name, image=image, command=command, script=script, args=args,
            cpu_request=cpu_request, memory_request=memory_request, gpu_request=gpu_request,
            timeout_hours=timeout_hours, retries=retries, output_artifacts=output_artifacts,
            env=env, distributed_backend=distributed_backend, processes=processes,
            code_snapshot=snapshot, workdir=workdir, team=self.namespace or "",
            priority_class=priority_class, experiment=experiment, max_cost_usd=max_cost_usd)
        return self.submit_spec(spec)

    def submit_spec(self, spec: Mapping[str, Any]) -> Job:
        """Submits a JobSpec given as a dict in the API's JSON form (the escape hatch for
        fields this SDK has no argument for)."""
        answer = self._transport.call("POST", "/api/v1/jobs", json_body=dict(spec))
        return Job(answer["job"], self._transport)

    def upload_code(self, code_dir: Union[str, "os.PathLike[str]"] = ".",
                    max_snapshot_mb: Optional[float] = DEFAULT_MAX_SNAPSHOT_MB,
                    progress: Optional[bool] = None) -> str:
        """Packs ``code_dir`` as a .tar.gz (leaving out ``.git`` and what ``.gitignore`` /
        ``.inetignore`` files exclude; links are skipped) and uploads it; returns the snapshot
        id for a JobSpec's ``code_snapshot``. Raises ResourceExhaustedError past
        ``max_snapshot_mb`` MiB of files (or past the server's own limit). ``progress``: as
        for :meth:`submit_training`."""
        root = os.fspath(code_dir)
        report = _Progress(sys.stderr) if (progress if progress is not None
                                           else _is_terminal(sys.stderr)) else None
        fd, archive = tempfile.mkstemp(prefix="inet-snapshot-", suffix=".tar.gz")
        os.close(fd)
        try:
            try:
                packed = pack_directory(root, archive, max_snapshot_mb,
                                        report.packing if report else None)
            except BaseException:
                if report:
                    report.clear()
                raise
            if report:
                report.packed(packed)
            try:
                answer = self._transport.upload_file(
                    "POST", "/api/v1/snapshots", archive, content_type="application/gzip",
                    progress=report.uploading if report else None)
            finally:
                if report:
                    report.clear()
        finally:
            os.unlink(archive)
        return answer["snapshot_id"]

    def get_job(self, job_id: str) -> Job:
        """The job with this id. Raises NotFoundError if there is none."""
        answer = self._transport.call("GET", "/api/v1/jobs/" + quote_path(job_id))
        return Job(answer["job"], self._transport)

    def list_jobs(self, state: Union[None, str, Sequence[str]] = None,
                  name: Optional[str] = None, user: Optional[str] = None,
                  team: Optional[str] = None, limit: Optional[int] = None) -> List[Job]:
        """Jobs matching every filter given, newest first, following pages.

        ``state`` is one state or several (any of them matches); ``team`` defaults to this
        client's namespace (pass ``""`` for every team); ``limit`` caps the number returned.
        """
        team = self.namespace if team is None else team
        states = [state] if isinstance(state, str) else list(state or [])
        page_size = 1000 if limit is None else max(1, min(limit, 1000))

        def fetch(page_token):
            return self._transport.call("GET", "/api/v1/jobs", query={
                "team": team or None, "user": user, "name": name, "state": states or None,
                "max_results": page_size, "page_token": page_token})

        jobs = []
        for data in iter_pages(fetch, "jobs"):
            jobs.append(Job(data, self._transport))
            if limit is not None and len(jobs) >= limit:
                break
        return jobs

    def capacity(self) -> Capacity:
        """The executor's CPU, memory and GPUs, total and in use, and each node pool's."""
        c = self._transport.call("GET", "/api/v1/capacity")
        pools = tuple(NodePoolCapacity.from_json(p) for p in c.get("node_pools") or ())
        return Capacity(int(c.get("cpu_millis_total") or 0), int(c.get("cpu_millis_used") or 0),
                        int(c.get("memory_bytes_total") or 0),
                        int(c.get("memory_bytes_used") or 0), int(c.get("gpus_total") or 0),
                        int(c.get("gpus_used") or 0), c.get("gpu_source", ""),
                        c.get("isolation", ""), c, node_pools=pools)
