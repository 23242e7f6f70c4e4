"""Code snapshots: ignore rules, what the archive holds, the size limit."""

from __future__ import annotations

import os
import tarfile

import pytest

from inet_platform import InvalidRequestError, ResourceExhaustedError
from inet_platform._snapshot import IgnoreRules, pack_directory


def rules(*lines, base=""):
    r = IgnoreRules()
    for line in lines:
        r.add_pattern(base, line)
    return r


@pytest.mark.parametrize("lines,path,is_dir,expected", [
    (["*.pyc"], "a/b/c.pyc", False, True),
    (["*.pyc"], "a/b/c.py", False, False),
    (["build/"], "build", True, True),
    (["build/"], "build", False, False),  # directories only
    (["build/"], "src/build", True, True),  # unanchored: any depth
    (["/build"], "src/build", True, False),  # anchored to the root
    (["/build"], "build", True, True),
    (["doc/*.txt"], "doc/a.txt", False, True),
    (["doc/*.txt"], "doc/x/a.txt", False, False),  # * does not cross '/'
    (["**/logs"], "a/b/logs", True, True),
    (["**/logs"], "logs", True, True),
    (["data/**"], "data/x/y.csv", False, True),
    (["a/**/b"], "a/x/y/b", False, True),
    (["a/**/b"], "a/b", False, True),
    (["*.log", "!keep.log"], "keep.log", False, False),
    (["*.log", "!keep.log"], "other.log", False, True),
    (["# comment", "", "x"], "# comment", False, False),
    (["file?.txt"], "file1.txt", False, True),
    (["file[0-9].txt"], "filea.txt", False, False),
    (["file[!0-9].txt"], "filea.txt", False, True),
    # As the CLI's packer reads them: escapes, and unescaped trailing spaces dropped.
    (["\\#hash"], "#hash", False, True),
    (["\\!bang"], "!bang", False, True),
    (["*.log  "], "x.log", False, True),
    (["name\\ "], "name ", False, True),
    (["name\\ "], "name", False, False),
    (["build/  "], "build", True, True),
])
def test_patterns(lines, path, is_dir, expected):
    assert rules(*lines).ignored(path, is_dir) is expected


def test_git_files_and_symlinked_ignore_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".git").write_text("gitdir: ../../.git/worktrees/sub\n")
    (tmp_path / "train.py").write_text("x")
    (tmp_path / "real-ignore").write_text("train.py\n")
    (tmp_path / ".gitignore").symlink_to(tmp_path / "real-ignore")
    archive = tmp_path.parent / (tmp_path.name + ".tar.gz")
    pack_directory(str(tmp_path), str(archive))
    with tarfile.open(archive) as tar:
        # git does not follow a symlinked .gitignore; a worktree's .git file is left out.
        assert sorted(tar.getnames()) == ["real-ignore", "sub", "train.py"]


def test_an_oversized_ignore_file_is_an_error(tmp_path):
    (tmp_path / ".inetignore").write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    with pytest.raises(InvalidRequestError) as e:
        pack_directory(str(tmp_path), str(tmp_path.parent / "x.tar.gz"))
    assert "larger than 4 MiB" in str(e.value)


def test_nested_rules_apply_to_their_subtree_only():
    r = rules("*.csv", base="data")
    assert r.ignored("data/x.csv", False)
    assert not r.ignored("x.csv", False)
    assert not r.ignored("database/x.csv", False)


def make_tree(root):
    files = {
        "train.py": "print('train')\n",
        "lib/model.py": "x = 1\n",
        "lib/__pycache__/model.cpython-311.pyc": "bytecode",
        "data/raw/big.csv": "1,2\n",
        "data/keep.txt": "keep\n",
        "notes.log": "log\n",
        "important.log": "keep me\n",
        ".git/HEAD": "ref\n",
        ".gitignore": "__pycache__/\n*.log\n!important.log\n",
        ".inetignore": "data/raw/\n",
        "lib/.gitignore": "*.tmp\n",
        "lib/scratch.tmp": "tmp\n",
        "scratch.tmp": "kept: the rule is lib's\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "empty").mkdir()
    deep = root / ("d" * 60) / ("é" * 30) / "weights-with-a-long-name.bin"
    deep.parent.mkdir(parents=True)
    deep.write_bytes(b"w")
    (root / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "run.sh", 0o755)
    os.symlink(root / "train.py", root / "link.py")


def test_pack_directory(tmp_path):
    root = tmp_path / "code"
    make_tree(root)
    archive = tmp_path / "code.tar.gz"
    result = pack_directory(str(root), str(archive))
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
        long_dir = "d" * 60
        assert sorted(members) == sorted([
            ".gitignore", ".inetignore", "data", "data/keep.txt", "empty", "important.log",
            "lib", "lib/.gitignore", "lib/model.py", "run.sh", "scratch.tmp", "train.py",
            long_dir, f"{long_dir}/{'é' * 30}",
            f"{long_dir}/{'é' * 30}/weights-with-a-long-name.bin"])
        assert all(m.isfile() or m.isdir() for m in members.values())  # the link is skipped
        assert members["run.sh"].mode & 0o111
        assert members["train.py"].uid == 0 and members["train.py"].uname == ""
        assert tar.extractfile("train.py").read() == b"print('train')\n"
    assert result.files == 10
    assert result.bytes == sum(m.size for m in members.values())
    assert result.compressed_bytes == archive.stat().st_size


def test_size_limit_names_the_largest_files(tmp_path):
    root = tmp_path / "code"
    root.mkdir()
    (root / "weights.bin").write_bytes(b"\0" * (2 * 1024 * 1024))
    (root / "train.py").write_text("x")
    with pytest.raises(ResourceExhaustedError) as e:
        pack_directory(str(root), str(tmp_path / "a.tar.gz"), max_mb=1)
    assert "weights.bin (2.0 MiB)" in str(e.value)
    assert ".inetignore" in str(e.value)
    assert not (tmp_path / "a.tar.gz").exists()


def test_not_a_directory(tmp_path):
    with pytest.raises(InvalidRequestError):
        pack_directory(str(tmp_path / "missing"), str(tmp_path / "a.tar.gz"))
