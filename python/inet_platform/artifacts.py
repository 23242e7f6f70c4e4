"""Platform artifacts: :class:`ArtifactStore` saves, lists, loads and deletes files by path.

Files live in the server's artifact store under ``platform/<namespace>/<path>`` and are
reachable by MLflow as ``mlflow-artifacts:/platform/<namespace>/<path>``. Bytes are streamed
both ways, so files larger than memory are fine. Metadata (a flat JSON object of strings and
numbers) is kept beside each file by the server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union

from ._transport import Transport, iter_pages, quote_path
from ._util import download_to, from_ms

BACKENDS = ("server", "local", "s3")


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


def _check_metadata(metadata: Mapping[str, Any]) -> Dict[str, Union[str, int, float]]:
    checked: Dict[str, Union[str, int, float]] = {}
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise TypeError(f"metadata keys must be strings, not {type(key).__name__}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise TypeError(f"metadata[{key!r}] must be a string or a number, "
                            f"not {type(value).__name__}")
        checked[key] = value
    return checked


class ArtifactStore:
    """Stores files on the platform under one namespace (team).

    Args:
        backend: ``"server"``, ``"local"`` or ``"s3"``. Informational only: the server's
            configured artifact store (a local directory or S3) decides where the bytes go;
            the SDK always talks to the server. Any other value raises ValueError.
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
        self._transport = transport or Transport(url=url, token=token)

    def _path(self, path: str) -> str:
        if not path or path.startswith("/"):
            raise ValueError(f"artifact path must be relative and non-empty, not {path!r}")
        return f"/api/v1/artifacts/{quote_path(self.namespace).replace('/', '%2F')}/" \
               f"{quote_path(path)}"

    def save_artifact(self, path: str, local_file: Union[str, os.PathLike],
                      metadata: Optional[Mapping[str, Any]] = None) -> Artifact:
        """Uploads ``local_file`` as ``path`` (replacing what was there) with optional
        ``metadata`` such as ``{"accuracy": 0.92}``. Raises InvalidRequestError for a path the
        server refuses (absolute, containing ".."), FileNotFoundError for a missing file."""
        headers = {}
        if metadata:
            headers["X-Inet-Artifact-Metadata"] = json.dumps(_check_metadata(metadata))
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
