"""HTTP transport: the one place where the SDK talks to the network.

:class:`Transport` sends requests to the inet server with ``urllib.request`` (bearer token, JSON
in and out, streaming downloads and streaming file uploads) and turns error responses into the
typed exceptions of :mod:`inet_platform.errors`. Every client class takes a ``transport=``
argument; tests pass a subclass that overrides :meth:`Transport.send` to answer from memory.

:func:`resolve_config` finds the server address and token the same way as the ``inet`` CLI:
explicit arguments, then ``INET_URL``/``INET_TOKEN``, then ``MLFLOW_TRACKING_URI``/
``MLFLOW_TRACKING_TOKEN``, then the file written by ``inet login``, then the embedded default
(``http://127.0.0.1:8080`` with the admin token in ``~/.inet/admin-token``).
"""

from __future__ import annotations

import copy
import http.client
import io
import ipaddress
import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

from ._version import __version__
from .errors import InetError, ServerError, ServerUnreachableError, error_from_response

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT_S = 60.0
CHUNK_SIZE = 1 << 20

QueryValue = Union[None, str, int, float, bool, Sequence[Union[str, int, float]]]
Query = Union[Mapping[str, QueryValue], Sequence[Tuple[str, Any]], None]


@dataclass(frozen=True)
class ServerConfig:
    """Where the server is and how to authenticate; ``*_source`` says where each came from
    (e.g. ``"INET_URL"``, ``"~/.config/inet/config.json"``, ``"default"``) for error messages."""

    url: str
    token: Optional[str]
    url_source: str
    token_source: Optional[str]


def _config_file_path(environ: Mapping[str, str], home: Path) -> Path:
    xdg = environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else home / ".config"
    return base / "inet" / "config.json"


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_config_file(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise InetError(f"cannot read the inet config file {path}: {e.strerror}; "
                        "fix its permissions or run `inet login` again") from e
    try:
        data = json.loads(text)
    except ValueError as e:
        raise InetError(f"the inet config file {path} is not valid JSON ({e}); "
                        "fix it or run `inet login` again") from e
    if not isinstance(data, dict):
        raise InetError(f"the inet config file {path} must hold a JSON object "
                        '{"url": ..., "token": ...}; run `inet login` again')
    return data


def resolve_config(url: Optional[str] = None, token: Optional[str] = None,
                   environ: Optional[Mapping[str, str]] = None,
                   home: Optional[Path] = None) -> ServerConfig:
    """Resolves the server URL and token; the first source that sets a value wins, per value.

    Order: ``url``/``token`` arguments; ``INET_URL``/``INET_TOKEN``; ``MLFLOW_TRACKING_URI``
    (only an http(s) URI) / ``MLFLOW_TRACKING_TOKEN``; ``$XDG_CONFIG_HOME/inet/config.json``
    (default ``~/.config/inet/config.json``, written by ``inet login``; its token is used only
    for the URL saved with it); the default URL ``http://127.0.0.1:8080``. When no source gives
    a token and the URL is a loopback address,
    the embedded server's admin token from ``~/.inet/admin-token`` is used if readable (never
    sent to another host). Empty values count as unset. Raises :class:`InetError` for a config
    file that exists but is not valid JSON.
    """
    env = os.environ if environ is None else environ
    home_dir = Path.home() if home is None else home
    url_candidates = [("argument url", url), ("INET_URL", env.get("INET_URL"))]
    mlflow_uri = env.get("MLFLOW_TRACKING_URI") or ""
    if mlflow_uri.startswith(("http://", "https://")):
        url_candidates.append(("MLFLOW_TRACKING_URI", mlflow_uri))
    token_candidates = [("argument token", token), ("INET_TOKEN", env.get("INET_TOKEN")),
                        ("MLFLOW_TRACKING_TOKEN", env.get("MLFLOW_TRACKING_TOKEN"))]

    def first(candidates):
        for source, value in candidates:
            if value:
                return source, value
        return None, None

    url_source, resolved_url = first(url_candidates)
    token_source, resolved_token = first(token_candidates)
    if resolved_url is None or resolved_token is None:
        path = _config_file_path(env, home_dir)
        data = _read_config_file(path)
        if resolved_url is None and isinstance(data.get("url"), str) and data["url"]:
            url_source, resolved_url = str(path), data["url"]
        # The saved token belongs to the saved server: never send it to another one.
        file_url = data.get("url") if isinstance(data.get("url"), str) else ""
        if (resolved_token is None and isinstance(data.get("token"), str) and data["token"]
                and (resolved_url or "").rstrip("/") == file_url.rstrip("/")):
            token_source, resolved_token = str(path), data["token"]
    if resolved_url is None:
        url_source, resolved_url = "default", DEFAULT_URL
    resolved_url = resolved_url.rstrip("/")
    if resolved_token is None and _is_loopback(resolved_url):
        admin_token_path = home_dir / ".inet" / "admin-token"
        try:
            file_token = admin_token_path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            file_token = ""
        if file_token:
            token_source, resolved_token = str(admin_token_path), file_token
    return ServerConfig(resolved_url, resolved_token, url_source, token_source)


def encode_query(query: Query) -> str:
    """Encodes query parameters: None values are dropped, list values repeat the key,
    booleans become ``true``/``false``."""
    if not query:
        return ""
    items = query.items() if isinstance(query, Mapping) else query
    pairs = []
    for key, value in items:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, bool):
                v = "true" if v else "false"
            pairs.append((key, str(v)))
    return urllib.parse.urlencode(pairs)


def quote_path(segment: str) -> str:
    """Percent-encodes a path that may contain '/' (kept as separators)."""
    return urllib.parse.quote(segment, safe="/")


class Response:
    """An HTTP response whose body is read on demand (so large downloads and log streams are
    never held in memory). Use as a context manager, or call :meth:`close`."""

    def __init__(self, status: int, headers: Mapping[str, str], stream: BinaryIO):
        self.status = status
        # Header names are case-insensitive; keep a lower-cased copy for lookups.
        self.headers = {k.lower(): v for k, v in headers.items()}
        self._stream = stream

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)

    def read(self, size: int = -1) -> bytes:
        """Reads up to ``size`` bytes (all with -1); b"" at the end. A dropped connection
        raises :class:`ServerUnreachableError`."""
        try:
            return self._stream.read(size) if size >= 0 else self._stream.read()
        except (OSError, http.client.HTTPException) as e:
            raise ServerUnreachableError(f"connection lost while reading the response: {e}") from e

    def iter_chunks(self, size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yields the body in pieces as they arrive (at most ``size`` bytes each)."""
        read1 = getattr(self._stream, "read1", None)
        while True:
            try:
                chunk = read1(size) if read1 is not None else self._stream.read(size)
            except (OSError, http.client.HTTPException) as e:
                raise ServerUnreachableError(
                    f"connection lost while reading the response: {e}") from e
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        try:
            self._stream.close()
        except (OSError, http.client.HTTPException):
            pass

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _ProgressReader(io.RawIOBase):
    """A file whose reads report (bytes read so far, total) to a callback."""

    def __init__(self, inner: BinaryIO, total: int, progress: Callable[[int, int], None]):
        super().__init__()
        self._inner = inner
        self._total = total
        self._sent = 0
        self._progress = progress

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self._sent += len(data)
        self._progress(self._sent, self._total)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class Transport:
    """Sends authenticated requests to one inet server. Thread-safe (no shared mutable state).

    Args:
        url, token: override the resolved configuration (see :func:`resolve_config`).
        timeout: seconds to wait for the connection and for each read (not for a whole
            streaming response).
        config: a ready :class:`ServerConfig` (then ``url``/``token`` are ignored).
        team: the team every request acts in, sent as the ``X-MLFLOW-WORKSPACE`` header (what
            the mlflow client sends for ``MLFLOW_WORKSPACE``); ``None``: the token's default.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT_S, config: Optional[ServerConfig] = None,
                 team: Optional[str] = None):
        self.config = config or resolve_config(url=url, token=token)
        self.timeout = timeout
        self.team = team

    def in_team(self, team: Optional[str]) -> "Transport":
        """A copy of this transport whose requests act in ``team`` (``None``: unchanged)."""
        if team is None:
            return self
        other = copy.copy(self)
        other.team = team
        return other

    @property
    def url(self) -> str:
        return self.config.url

    @property
    def token(self) -> Optional[str]:
        return self.config.token

    # -- the seam: tests override send() -----------------------------------------------------

    def send(self, method: str, path: str, query: Query = None,
             headers: Optional[Mapping[str, str]] = None,
             body: Union[None, bytes, BinaryIO] = None,
             timeout: Optional[float] = None) -> Response:
        """Sends one request and returns the response whatever its status; raises only
        :class:`ServerUnreachableError` (no response). ``body`` may be bytes or a binary file
        object (streamed; pass its Content-Length in ``headers``)."""
        full_url = self.url + path
        qs = encode_query(query)
        if qs:
            full_url += "?" + qs
        request = urllib.request.Request(full_url, data=body, method=method)
        request.add_header("User-Agent", f"inet-platform-python/{__version__}")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if self.team:
            request.add_header("X-MLFLOW-WORKSPACE", self.team)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            raw = urllib.request.urlopen(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers.items()) if e.headers else {}, e)
        except urllib.error.URLError as e:
            raise self._unreachable(e.reason) from e
        except (OSError, http.client.HTTPException) as e:
            raise self._unreachable(e) from e
        return Response(raw.status, dict(raw.headers.items()), raw)

    def _unreachable(self, reason: Any) -> ServerUnreachableError:
        if isinstance(reason, socket.timeout) or isinstance(reason, TimeoutError):
            why = f"no answer within {self.timeout:g} s"
        elif isinstance(reason, OSError) and reason.strerror:
            why = reason.strerror.lower()
        else:
            why = str(reason)
        source = self.config.url_source
        hint = ("start it with `inet server`, or point the SDK at your server with "
                "INET_URL or ComputeClient(url=...)")
        where = "" if source in ("default", "argument url") else f" (from {source})"
        return ServerUnreachableError(f"cannot reach the inet server at {self.url}{where}: "
                                      f"{why}; {hint}")

    # -- conveniences built on send() --------------------------------------------------------

    def request(self, method: str, path: str, query: Query = None,
                headers: Optional[Mapping[str, str]] = None,
                body: Union[None, bytes, BinaryIO] = None,
                timeout: Optional[float] = None) -> Response:
        """Like :meth:`send`, but raises the typed error for a status >= 400. The caller
        closes the returned response."""
        response = self.send(method, path, query=query, headers=headers, body=body,
                             timeout=timeout)
        if response.status >= 400:
            with response:
                data = response.read()
            raise error_from_response(response.status, data, f"{method} {path}")
        return response

    def call(self, method: str, path: str, query: Query = None, json_body: Any = None,
             headers: Optional[Mapping[str, str]] = None) -> Any:
        """Sends ``json_body`` (if not None) as JSON and returns the parsed JSON answer
        ({} for an empty body). Raises the typed error for an error status."""
        all_headers = {"Accept": "application/json"}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        with self.request(method, path, query=query, headers=all_headers, body=body) as r:
            return self._parse_json(r, method, path)

    def upload_file(self, method: str, path: str, file_path: Union[str, os.PathLike],
                    content_type: str = "application/octet-stream",
                    headers: Optional[Mapping[str, str]] = None, query: Query = None,
                    progress: Optional[Callable[[int, int], None]] = None) -> Any:
        """Streams a local file as the request body (never read whole into memory) and returns
        the parsed JSON answer; ``progress(sent, total)`` is called as the bytes go out."""
        size = os.path.getsize(file_path)
        all_headers = {"Content-Type": content_type, "Content-Length": str(size),
                       "Accept": "application/json"}
        all_headers.update(headers or {})
        with open(file_path, "rb") as f:
            body: BinaryIO = f if progress is None else _ProgressReader(f, size, progress)
            with self.request(method, path, query=query, headers=all_headers, body=body) as r:
                return self._parse_json(r, method, path)

    def download(self, path: str, dest: BinaryIO, query: Query = None) -> int:
        """Streams a response body into ``dest``; returns the number of bytes written."""
        written = 0
        with self.request("GET", path, query=query) as r:
            for chunk in r.iter_chunks():
                dest.write(chunk)
                written += len(chunk)
        return written

    @staticmethod
    def _parse_json(response: Response, method: str, path: str) -> Any:
        data = response.read()
        if not data.strip():
            return {}
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ServerError(f"{method} {path}: the server's answer is not JSON ({e})",
                              status=response.status) from e


def iter_pages(fetch, items_key: str, token_key: str = "next_page_token") -> Iterable[Any]:
    """Follows page tokens: ``fetch(page_token)`` returns one page (a dict); yields every item
    of ``items_key`` until a page has no (or an empty) next token."""
    page_token = None
    while True:
        page = fetch(page_token)
        for item in page.get(items_key) or []:
            yield item
        next_token = page.get(token_key)
        if not next_token:
            return
        if next_token == page_token:
            raise ServerError(f"the server returned the same page token twice ({next_token!r})")
        page_token = next_token


def in_team(transport: Any, team: Optional[str]) -> Any:
    """``transport`` acting in ``team`` (see :meth:`Transport.in_team`); a test double that is
    not a :class:`Transport` is returned as it is."""
    return transport.in_team(team) if isinstance(transport, Transport) else transport
