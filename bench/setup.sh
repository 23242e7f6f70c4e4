#!/usr/bin/env bash
# Creates .venv-bench (the comparative benchmark's virtualenv) from bench/requirements.txt.
# Idempotent: re-running with unchanged requirements only checks a stamp and exits.
# Usage: bench/setup.sh            (prints the venv's python path last)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${INET_BENCH_VENV:-$repo_root/.venv-bench}"
requirements="$repo_root/bench/requirements.txt"
stamp="$venv/.inet-bench-stamp"
fasttrackml_version=0.6.0
want="$(sha256sum "$requirements" | cut -d' ' -f1)-fasttrackml-$fasttrackml_version"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$venv/bin/python"
  exit 0
fi
echo "preparing $venv from bench/requirements.txt" >&2
python3 -m venv "$venv"
# Keep the virtualenv out of git without touching the repository's .gitignore.
echo '*' > "$venv/.gitignore"
"$venv/bin/pip" install --quiet --upgrade pip >&2
"$venv/bin/pip" install --quiet -r "$requirements" >&2
# FastTrackML's wheel ships the Go server binary `fml` plus a Python client pinned to mlflow<3;
# only the binary is used, so its dependencies are not installed (they would downgrade mlflow).
"$venv/bin/pip" install --quiet --no-deps "fasttrackml==$fasttrackml_version" >&2
"$venv/bin/fml" --version >/dev/null 2>&1 || {
  echo "error: fasttrackml installed but its fml binary does not run" >&2
  exit 1
}
echo "$want" > "$stamp"
echo "$venv/bin/python"
