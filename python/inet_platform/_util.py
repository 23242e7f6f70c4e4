"""Small helpers shared by the client classes: timestamps and safe downloads."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from typing import Any, Optional

from ._transport import Transport


def from_ms(ms: Any) -> Optional[datetime]:
    """Milliseconds since the epoch -> aware UTC datetime; None for 0 or missing."""
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)


def download_to(transport: Transport, path: str, local_file: Optional[str],
                default_name: str) -> str:
    """Downloads ``path`` into ``local_file`` (a file or an existing folder; default: a file
    named ``default_name`` in the current folder) and returns the local path. Writes to a
    temporary file beside the target and renames it, so a failed download never leaves a
    partial file or damages an existing one."""
    target = local_file if local_file is not None else default_name
    if os.path.isdir(target):
        target = os.path.join(target, default_name)
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".inet-download-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            transport.download(path, f)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
