"""Platform artifacts: :class:`ArtifactStore` saves, lists, loads and deletes files by path.

Files live in the server's artifact store under ``platform/<namespace>/<path>`` and are
reachable by MLflow as ``mlflow-artifacts:/platform/<namespace>/<path>``. Bytes are streamed
both ways, so files larger than memory are fine. Metadata (any JSON object, nested values
included) is kept beside each file by the server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union

from ._transport import Transport, in_team, iter_pages, quote_path
from ._util import download_to, from_ms
from .errors import InvalidRequestError, NotFoundError

# backend= -> the kind of store the server must have (None: whatever it has).
BACKENDS: Dict[str, Optional[str]] = {"server": None, "local": "local", "s3": "s3",
                                      "minio": "s3", "ceph": "s3"}
_KIND_NAMES = {"local": "a local directory on the server",
               "s3": "an S3-compatible store (AWS S3, MinIO, Ceph)"}


@dataclass(frozen=True)
class Artifact:
    """A stored file: ``path`` within the namespace, ``size`` in bytes, ``created`` (UTC),
    the ``metadata`` saved with it and its ``uri`` for MLflow."""

    path: str
    size: int
    created: Optional[datetime]
    metadata: Dict[str, Any] = field(default_factory=dict)
    uri: str = ""

    @property
    def size_mb(self) -> float:
        """Size in MiB (1,048,576 bytes)."""
        return self.size / (1024 * 1024)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Artifact":
        return Artifact(path=data.get("path", ""), size=int(data.get("size") or 0),
                        created=from_ms(data.get("created")),
                        metadata=dict(data.get("metadata") or {}), uri=data.get("uri", ""))


def _metadata_header(metadata: Mapping[str, Any]) -> str:
    """The metadata as the header's JSON text. Raises TypeError for a key that is not a string
    or a value JSON cannot hold, ValueError for NaN or infinity."""
    for key in metadata:
        if not isinstance(key, str):
            raise TypeError(f"metadata keys must be strings, not {type(key).__name__}")
    try:
        return json.dumps(dict(metadata), allow_nan=False)
    except ValueError as e:
        raise ValueError(f"metadata cannot be stored as JSON: {e}") from e
    except TypeError as e:
        raise TypeError(f"metadata must hold JSON values (strings, numbers, booleans, None, "
                        f"lists and dicts): {e}") from e


def _files_under(folder: str) -> List[tuple]:
    """(relative '/'-separated path, full path) of the regular files below ``folder``, in
    path order; symbolic links are followed as ``open`` would."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                found.append((os.path.relpath(full, folder).replace(os.sep, "/"), full))
    return sorted(found)


class ArtifactStore:
    """Stores files on the platform under one namespace (team).

    Args:
        backend: the kind of store you expect the server to keep the bytes in: ``"local"`` (a
            directory on the server), or ``"s3"``, ``"minio"`` or ``"ceph"`` (an S3-compatible
            store); ``"server"`` (the default) takes whatever the server has. The SDK always
            talks to the server, whose configuration decides where the bytes go; a backend
            the server's store is not raises InvalidRequestError saying what it has. Any other
            value raises ValueError.
        namespace: the team whose files these are.
        url, token, transport: as for :class:`~inet_platform.ComputeClient`.
    """

    def __init__(self, backend: str = "server", namespace: str = "default",
                 url: Optional[str] = None, token: Optional[str] = None,
                 transport: Optional[Transport] = None):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}; "
                             "the server's configuration decides where the bytes are stored")
        if not namespace:
            raise ValueError("namespace must not be empty")
        self.backend = backend
        self.namespace = namespace
        self._transport = in_team(transport or Transport(url=url, token=token), namespace)
        expected = BACKENDS[backend]
        if expected is not None and self.store_kind != expected:
            raise InvalidRequestError(
                f"ArtifactStore(backend={backend!r}) expects {_KIND_NAMES[expected]}, but the "
                f"server at {self._transport.url} keeps artifacts in "
                f"{_KIND_NAMES.get(self.store_kind, repr(self.store_kind))}; use "
                f"backend={self.store_kind!r} or leave backend out, or have the server started "
                f"with an artifact store of that kind")

    @property
    def store_kind(self) -> str:
        """The kind of store the server keeps the bytes in: ``"local"`` or ``"s3"``
        (asked once, then cached)."""
        kind = getattr(self, "_store_kind", None)
        if kind is None:
            try:
                kind = str(self._transport.call("GET", "/api/v1/artifact-store").get("kind")
                           or "local")
            except NotFoundError:
                kind = "local"  # servers before this route had only local stores
            self._store_kind = kind
        return kind

    def _path(self, path: str) -> str:
        if not path or path.startswith("/"):
            raise ValueError(f"artifact path must be relative and non-empty, not {path!r}")
        return f"/api/v1/artifacts/{quote_path(self.namespace).replace('/', '%2F')}/" \
               f"{quote_path(path)}"

    def save_artifact(self, path: str, local_file: Union[str, os.PathLike],
                      metadata: Optional[Mapping[str, Any]] = None
                      ) -> Union[Artifact, List[Artifact]]:
        """Uploads ``local_file`` as ``path`` (replacing what was there) with optional
        ``metadata``, any JSON object such as ``{"accuracy": 0.92, "hyperparams": {...}}``;
        returns the :class:`Artifact`. A folder (e.g. what ``save_pretrained`` writes) is
        uploaded file by file as ``path/<file's path in the folder>``, each with the metadata;
        that returns the list of Artifacts in path order. Raises InvalidRequestError for a path
        the server refuses (absolute, containing ".."), FileNotFoundError for a missing file,
        TypeError or ValueError for metadata JSON cannot hold."""
        headers = {}
        if metadata:
            headers["X-Inet-Artifact-Metadata"] = _metadata_header(metadata)
        if os.path.isdir(local_file):
            return [self._upload(f"{path.rstrip('/')}/{rel}", full, headers)
                    for rel, full in _files_under(os.fspath(local_file))]
        return self._upload(path, local_file, headers)

    def _upload(self, path: str, local_file: Union[str, os.PathLike],
                headers: Mapping[str, str]) -> Artifact:
        answer = self._transport.upload_file("PUT", self._path(path), local_file,
                                             headers=headers)
        return Artifact.from_json(answer["artifact"])

    def list_artifacts(self, prefix: str = "") -> List[Artifact]:
        """Every artifact whose path starts with ``prefix`` (e.g. ``"models/"``), in path
        order, following pages."""
        base = f"/api/v1/artifacts/{quote_path(self.namespace).replace('/', '%2F')}"

        def fetch(page_token):
            return self._transport.call("GET", base, query={
                "prefix": prefix or None, "max_results": 1000, "page_token": page_token})

        return [Artifact.from_json(a) for a in iter_pages(fetch, "artifacts")]

    def load_artifact(self, path: str, local_file: Optional[Union[str, os.PathLike]] = None
                      ) -> str:
        """Downloads ``path`` to ``local_file`` (a file path or an existing folder) and returns
        the local path. Without ``local_file`` the file lands in the current folder under the
        artifact's base name (``models/bert/model.pt`` -> ``./model.pt``). The download goes to
        a temporary file first, so an existing file is replaced only by a complete copy.
        Raises NotFoundError if there is no such artifact."""
        target = os.fspath(local_file) if local_file is not None else None
        return download_to(self._transport, self._path(path), target,
                            path.rstrip("/").rsplit("/", 1)[-1])

    def delete_artifact(self, path: str) -> None:
        """Deletes ``path`` and its metadata."""
        self._transport.call("DELETE", self._path(path))
