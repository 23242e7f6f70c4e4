"""Packing a code directory into a .tar.gz code snapshot for a job.

The server's extractor accepts plain files and directories only (no links or devices), so
symbolic links and special files are skipped. Ignore rules come from every ``.gitignore`` and
``.inetignore`` under the directory (a deeper file applies to its subtree, ``.inetignore`` after
``.gitignore`` in the same folder); ``.git/`` is always left out. The pattern language covers
what projects use: ``#`` comments, ``!`` negation (last matching rule wins), a trailing ``/``
for directories only, a ``/`` inside the pattern anchoring it to the ignore file's folder,
``*``, ``?``, ``[...]``, ``**``, backslash escapes (``\\#``, ``\\!``, ``\\ ``) and unescaped
trailing spaces dropped, as the ``inet`` CLI's packer reads them. Anything named ``.git`` (a
folder, or the file a worktree or submodule has) is always left out; lines longer than 4096
bytes are skipped, ignore files that are symbolic links are not read and one over 4 MiB is an
error, as in the CLI.
"""

from __future__ import annotations

import os
import re
import tarfile
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from .errors import InvalidRequestError, ResourceExhaustedError

IGNORE_FILES = (".gitignore", ".inetignore")
DEFAULT_MAX_SNAPSHOT_MB = 512
_MAX_PATTERN_BYTES = 4096
_MAX_IGNORE_FILE_BYTES = 4 * 1024 * 1024

# Called with (files so far, bytes so far) while packing.
PackProgress = Callable[[int, int], None]


def _glob_to_regex(pattern: str) -> str:
    """Translates a gitignore glob to a regular expression over '/'-separated paths."""
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))  # an escaped character matches itself
            i += 2
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[!", i) else i + 1)
            if end < 0:
                out.append(re.escape(c))
                i += 1
                continue
            body = pattern[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@dataclass
class _Rule:
    base: str  # folder of the ignore file relative to the root, "" for the top
    regex: "re.Pattern[str]"
    negated: bool
    directory_only: bool
    anchored: bool


class IgnoreRules:
    """Ignore rules collected while walking a tree (see the module comment for the syntax)."""

    def __init__(self) -> None:
        self._rules: List[_Rule] = []

    def add_file(self, base: str, path: str) -> None:
        """Adds the rules of the ignore file at ``path`` found in folder ``base``. A symbolic
        link is not followed (as git); raises InvalidRequestError for a file over 4 MiB."""
        if os.path.islink(path):
            return
        try:
            with open(path, "rb") as f:
                data = f.read(_MAX_IGNORE_FILE_BYTES + 1)
        except OSError:
            return
        if len(data) > _MAX_IGNORE_FILE_BYTES:
            raise InvalidRequestError(f"ignore file {path} is larger than 4 MiB")
        for line in data.decode("utf-8", errors="replace").split("\n"):
            self.add_pattern(base, line[:-1] if line.endswith("\r") else line)

    def add_pattern(self, base: str, line: str) -> None:
        if not line or line.startswith("#") or len(line.encode()) > _MAX_PATTERN_BYTES:
            return
        while line.endswith(" "):
            # A space after an odd number of backslashes is escaped and kept.
            backslashes = len(line[:-1]) - len(line[:-1].rstrip("\\"))
            if backslashes % 2 == 1:
                break
            line = line[:-1]
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        directory_only = line.endswith("/")
        line = line[:-1] if directory_only else line
        if not line:
            return
        anchored = "/" in line
        line = line.lstrip("/")
        self._rules.append(_Rule(base, re.compile(_glob_to_regex(line) + r"\Z"), negated,
                                 directory_only, anchored))

    def ignored(self, relative_path: str, is_directory: bool) -> bool:
        """Whether ``relative_path`` ('/'-separated, relative to the root) is excluded."""
        result = False
        for rule in self._rules:
            if rule.directory_only and not is_directory:
                continue
            rel = relative_path
            if rule.base:
                if not relative_path.startswith(rule.base + "/"):
                    continue
                rel = relative_path[len(rule.base) + 1:]
            subject = rel if rule.anchored else rel.rsplit("/", 1)[-1]
            if rule.regex.match(subject):
                result = not rule.negated
        return result


@dataclass
class PackResult:
    files: int
    bytes: int  # uncompressed file contents
    compressed_bytes: int


def _collect(root: str) -> Tuple[List[Tuple[str, str, bool]], List[Tuple[int, str]]]:
    """Walks ``root``; returns (full path, archive name, is_dir) entries and (size, name) of
    files."""
    rules = IgnoreRules()
    entries: List[Tuple[str, str, bool]] = []
    sizes: List[Tuple[int, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        for name in IGNORE_FILES:
            if name in filenames:
                rules.add_file(rel_dir, os.path.join(dirpath, name))
        kept_dirs = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d == ".git" or os.path.islink(full) or rules.ignored(rel, True):
                continue
            kept_dirs.append(d)
            entries.append((full, rel, True))
        dirnames[:] = kept_dirs  # prune ignored folders: git cannot re-include inside them
        for f in sorted(filenames):
            full = os.path.join(dirpath, f)
            rel = f"{rel_dir}/{f}" if rel_dir else f
            if (f == ".git" or os.path.islink(full) or not os.path.isfile(full)
                    or rules.ignored(rel, False)):
                continue
            entries.append((full, rel, False))
            sizes.append((os.path.getsize(full), rel))
    return entries, sizes


def pack_directory(root: str, archive_path: str,
                   max_mb: Optional[float] = DEFAULT_MAX_SNAPSHOT_MB,
                   progress: Optional[PackProgress] = None) -> PackResult:
    """Writes a .tar.gz of ``root`` (ignored files left out) to ``archive_path``, calling
    ``progress(files, bytes)`` after each file when given.

    Raises :class:`InvalidRequestError` if ``root`` is not a directory or a path cannot be
    stored, and :class:`ResourceExhaustedError` when the files total more than ``max_mb`` MiB
    (the message names the largest files and how to leave them out).
    """
    if not os.path.isdir(root):
        raise InvalidRequestError(f"code_dir {root!r} is not a directory")
    entries, sizes = _collect(root)
    total = sum(size for size, _ in sizes)
    if max_mb is not None and total > max_mb * 1024 * 1024:
        largest = ", ".join(f"{name} ({size / 1048576:.1f} MiB)"
                            for size, name in sorted(sizes, reverse=True)[:3])
        raise ResourceExhaustedError(
            f"code_dir {root!r} holds {total / 1048576:.1f} MiB of files, more than the "
            f"{max_mb:g} MiB limit; largest: {largest}. List data and outputs in an "
            ".inetignore file (gitignore syntax), or pass a larger max_snapshot_mb")
    # pax: no limit on name length, UTF-8 names; the server's reader understands it.
    files = packed = 0
    with tarfile.open(archive_path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for full, rel, _ in entries:
            info = tar.gettarinfo(full, arcname=rel)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = int(info.mtime)  # a float would add a pax record to every entry
            try:
                if info.isreg():
                    with open(full, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
            except ValueError as e:  # a field the format cannot hold
                raise InvalidRequestError(f"cannot pack {rel!r} from code_dir: {e}") from e
            if info.isreg():
                files += 1
                packed += info.size
                if progress is not None:
                    progress(files, packed)
    return PackResult(files=len(sizes), bytes=total,
                      compressed_bytes=os.path.getsize(archive_path))
