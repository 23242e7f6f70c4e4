#!/usr/bin/env bash
# Builds inet (release preset) and starts the platform with embedded defaults: SQLite, a local
# artifact directory and the local job executor under ~/.inet, on http://127.0.0.1:8080.
#
#   ./scripts/run.sh                      build if needed, then `inet server`
#   ./scripts/run.sh --port 0 --data-dir /tmp/inet   any `inet server` flags are passed through
#
# The first run installs Debian build packages, the job user inet-job (as root: jobs run as it)
# and the job environment .venv-jobs (the MLflow client and the inet_platform SDK: the Python
# that jobs run with unless --python names another; scripts/setup.sh --run), then compiles;
# later runs rebuild only what changed and start in seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --run
if [[ ! -f build/release/build.ninja ]]; then
  echo "[run] configuring build/release" >&2
  cmake --preset release >&2
fi
echo "[run] building build/release (first time: a few minutes)" >&2
cmake --build --preset release --target inet >&2

python_flag=(--python "$PWD/.venv-jobs/bin/python")
for arg in "$@"; do
  [[ "$arg" == --python || "$arg" == --python=* ]] && python_flag=()
done
exec build/release/src/cli/inet server "${python_flag[@]}" "$@"
