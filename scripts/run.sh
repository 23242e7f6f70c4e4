#!/usr/bin/env bash
# Builds inet (release preset) and starts the platform with embedded defaults: SQLite and a
# local artifact directory under ~/.inet, listening on http://127.0.0.1:8080.
#
#   ./scripts/run.sh                      build if needed, then `inet server`
#   ./scripts/run.sh --port 0 --data-dir /tmp/inet   any `inet server` flags are passed through
#
# The first run installs Debian build packages (scripts/setup.sh --no-python) and compiles;
# later runs rebuild only what changed and start in seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --no-python
if [[ ! -f build/release/build.ninja ]]; then
  echo "[run] configuring build/release" >&2
  cmake --preset release >&2
fi
echo "[run] building build/release (first time: several minutes)" >&2
cmake --build --preset release --target inet >&2
exec build/release/src/cli/inet server "$@"
