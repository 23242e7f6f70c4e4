#!/usr/bin/env bash
# Time to first job for a newcomer: from a clean clone to a finished training job with logged
# metrics and its model artifact, following the README's quick start word for word.
#
#   bench/time-to-first-job.sh [--warm-cache] [REPO]
#
# REPO (default: this checkout) is cloned into a temporary directory; then, timing each step:
#   1. ./scripts/run.sh --port 0 --data-dir <tmp>/data   (set-up, release build, server start)
#   2. inet platform train --name quickstart --script train.py --output-artifacts model.pt --follow
#      from examples/quickstart, with INET_URL / INET_TOKEN as the README says
#   3. checks that the job Succeeded, its MLflow run has the loss metric, and model.pt is on it.
# The compiler cache is disabled (CCACHE_DISABLE=1) so the build is as cold as a newcomer's,
# unless --warm-cache. Debian packages already installed on this machine are not reinstalled
# (apt is part of a truly fresh machine's first run; its time is not included here).
set -euo pipefail

warm=0
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for arg in "$@"; do
  case "$arg" in
    --warm-cache) warm=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) repo="$arg" ;;
  esac
done
((warm)) || export CCACHE_DISABLE=1

work="$(mktemp -d /tmp/inet-first-job-XXXXXX)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now)
git clone -q "$repo" "$work/inet"
cd "$work/inet"

echo "[1/3] ./scripts/run.sh (set-up, build, start) ..." >&2
./scripts/run.sh --port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
url=""
while [[ -z "$url" ]]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh exited before the server listened:" >&2
    tail -n 40 "$work/server.log" >&2
    exit 1
  fi
  url="$(grep -o 'listening on http://[^ ]*' "$work/server.log" | head -n1 | cut -d' ' -f3 || true)"
  sleep 0.2
done
t_server=$(now)

echo "[2/3] inet platform train ... --follow" >&2
export INET_URL="$url" INET_TOKEN="$(cat "$work/data/admin-token")"
cd examples/quickstart
../../build/release/src/cli/inet platform train --name quickstart --script train.py \
  --output-artifacts model.pt --follow >"$work/job.out" 2>&1 || {
  echo "the job did not succeed:" >&2
  cat "$work/job.out" >&2
  exit 1
}
t_job=$(now)

echo "[3/3] checking the result ..." >&2
job_id="$(sed -n 's/^Job submitted: //p' "$work/job.out")"
status="$(../../build/release/src/cli/inet platform status "$job_id" --json)"
python3 - "$status" <<'PY'
import json, sys
job = json.loads(sys.argv[1])["job"]
assert job["state"] == "Succeeded", job["state"]
assert [a["name"] for a in job["artifacts"]] == ["model.pt"], job["artifacts"]
assert job["mlflow"]["run_id"], job["mlflow"]
PY
run_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["job"]["mlflow"]["run_id"])' "$status")"
curl -sf -H "Authorization: Bearer $INET_TOKEN" \
  "$url/api/2.0/mlflow/metrics/get-history?run_id=$run_id&metric_key=loss" | grep -q '"loss"'

echo
echo "time to first job: $(elapsed "$t0" "$t_job") s in all"
echo "  clone + set-up + build + server start: $(elapsed "$t0" "$t_server") s"
echo "  submit to finished job (train.py, 20 epochs): $(elapsed "$t_server" "$t_job") s"
echo "  compiler cache: $([[ $warm == 1 ]] && echo warm || echo disabled), $(nproc) CPUs"
