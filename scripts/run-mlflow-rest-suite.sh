#!/usr/bin/env bash
# Runs MLflow's own REST tracking test-suite (tests/tracking/test_rest_tracking.py from an MLflow
# source checkout) against the inet server, one fresh `inet server` process per test.
#
# Usage: scripts/run-mlflow-rest-suite.sh PATH_TO_MLFLOW_CHECKOUT [extra pytest args]
#
# The MLflow checkout is never copied into this repository. The suite runs in its own virtualenv
# (.venv-mlflow-suite, so the project's .venv keeps the PyPI client it pins) with the MLflow client
# installed from the checkout itself (`pip install -e`), so tests and client are the same version.
#
# Environment:
#   INET_BIN                  inet binary (default build/release/src/cli/inet)
#   INET_SUITE_REFERENCE      "mlflow" starts the real `mlflow server` instead (proves the plumbing)
#   INET_SUITE_TESTS          test files relative to the checkout
#                             (default tests/tracking/test_rest_tracking.py)
#   INET_SUITE_INCLUDE_REGISTRY=1  keep the model-registry tests (deselected by default)
#   INET_SUITE_MLFLOW_INSTALL "editable" (default) or "pypi": install mlflow==<checkout version>
#                             from PyPI instead (only works when the checkout is a release)
#   INET_SUITE_VENV           virtualenv path (default .venv-mlflow-suite)
# Prints the pass/fail counts; writes a JUnit XML report to build/mlflow-suite/junit.xml.
set -euo pipefail

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkout="$(cd "$1" && pwd)"
shift
venv="${INET_SUITE_VENV:-$repo_root/.venv-mlflow-suite}"
install_mode="${INET_SUITE_MLFLOW_INSTALL:-editable}"

if [[ ! -f "$checkout/tests/tracking/test_rest_tracking.py" || ! -f "$checkout/mlflow/version.py" ]]; then
  echo "error: $checkout does not look like an MLflow source checkout" \
       "(no tests/tracking/test_rest_tracking.py or mlflow/version.py)" >&2
  exit 2
fi

mlflow_version="$(sed -n 's/^VERSION = "\(.*\)"$/\1/p' "$checkout/mlflow/version.py")"
echo "== MLflow checkout $checkout (version $mlflow_version)"

# --- virtualenv, re-created only when the checkout version or this script's install list changes.
suite_requirements=(
  # What test_rest_tracking.py and MLflow's tests/conftest.py import beyond mlflow's own
  # dependencies.
  pytest pytest-timeout pytest-asyncio psutil
)
lock_hash="none"
[[ -f "$checkout/uv.lock" ]] && lock_hash="$(sha256sum "$checkout/uv.lock" | cut -d' ' -f1)"
stamp_key="$mlflow_version|$install_mode|$lock_hash|${suite_requirements[*]}"
stamp="$venv/.inet-suite-stamp"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$stamp_key" ]]; then
  echo "== preparing $venv"
  python3 -m venv "$venv"
  # Keep the virtualenv out of git without touching the repository's .gitignore.
  echo '*' > "$venv/.gitignore"
  "$venv/bin/pip" install --quiet --upgrade pip
  constraints=()
  if [[ -f "$checkout/requirements/constraints.txt" ]]; then
    constraints+=(-c "$checkout/requirements/constraints.txt")
  fi
  if [[ -f "$checkout/uv.lock" ]]; then
    # Pin every dependency to the version the checkout was tested with (its uv.lock): today's
    # PyPI releases can break an older checkout (e.g. SQLAlchemy 2.1 dropped names MLflow 3.6
    # imports). Packages locked at several versions (per Python version) are left to pip.
    "$venv/bin/python" - "$checkout/uv.lock" > "$venv/uv-lock-constraints.txt" <<'PY'
import collections
import sys
import tomllib

with open(sys.argv[1], "rb") as f:
    lock = tomllib.load(f)
versions = collections.defaultdict(set)
for package in lock.get("package", []):
    source = package.get("source", {})
    if "registry" in source and package.get("version"):
        versions[package["name"]].add(package["version"])
for name, found in sorted(versions.items()):
    if len(found) == 1:
        print(f"{name}=={found.pop()}")
PY
    constraints+=(-c "$venv/uv-lock-constraints.txt")
  fi
  if [[ "$install_mode" == "pypi" ]]; then
    "$venv/bin/pip" install --quiet "${constraints[@]}" "mlflow==$mlflow_version"
  else
    "$venv/bin/pip" install --quiet "${constraints[@]}" -e "$checkout"
  fi
  "$venv/bin/pip" install --quiet "${constraints[@]}" "${suite_requirements[@]}"
  echo "$stamp_key" > "$stamp"
fi

# --- the server under test.
if [[ "${INET_SUITE_REFERENCE:-}" != "mlflow" ]]; then
  export INET_BIN="${INET_BIN:-$repo_root/build/release/src/cli/inet}"
  if [[ ! -x "$INET_BIN" ]]; then
    echo "error: inet binary $INET_BIN not found; build it (cmake --preset release &&" \
         "cmake --build --preset release) or set INET_BIN" >&2
    exit 2
  fi
  echo "== server under test: $INET_BIN"
else
  echo "== server under test: reference mlflow server ($venv/bin/mlflow)"
fi

# --- deselections: groups the inet server does not implement, and tests that only make sense
# in-process (they patch MLflow's own handlers). Each entry is a pytest -k term.
deselect=(
  graphql                 # /graphql (UI only)
  trace                   # traces v2/v3 and their artifacts
  assessments
  otel                    # OTLP span ingestion
  gateway                 # AI gateway proxy
  promptlab               # prompt-lab ajax routes
  scorer                  # GenAI scorers
  evaluation_dataset      # GenAI evaluation datasets, and their experiment links:
  dataset_to_experiments
  dataset_from_experiments
  add_multiple_experiments_at_once
  dataset_experiment_association
  idempotent_add_experiments
  idempotent_remove_experiments
  client_api_add_remove_experiments
  # In-process only: patch MLflow's own handlers or inspect its stdout.
  test_get_metric_history_bulk_calls_optimized_impl_when_expected
  test_suppress_url_printing
  # `mlflow experiments ...` runs in-process through click's CliRunner and resolves the tracking
  # URI to the suite's mocked local store instead of the server: fails identically against the
  # reference mlflow server started by this plugin, so it says nothing about the server.
  test_delete_restore_experiment_cli
  test_rename_experiment_cli
)
if [[ "${INET_SUITE_INCLUDE_REGISTRY:-0}" != "1" ]]; then
  deselect+=(model_version)  # test_create_model_version_*
fi
k_expr=""
for term in "${deselect[@]}"; do
  k_expr+="${k_expr:+ and }not $term"
done

tests="${INET_SUITE_TESTS:-tests/tracking/test_rest_tracking.py}"
report_dir="$repo_root/build/mlflow-suite"
mkdir -p "$report_dir"
log="$report_dir/pytest.log"

echo "== running pytest (log: $log)"
set +e
(
  cd "$checkout"
  # CI=true makes MLflow's conftest build and serve a wheel; the suite needs neither.
  env -u CI \
    PYTHONPATH="$repo_root/tests/mlflow_suite${PYTHONPATH:+:$PYTHONPATH}" \
    MLFLOW_HTTP_REQUEST_MAX_RETRIES=0 \
    "$venv/bin/python" -m pytest $tests -p conftest_plugin \
      -k "$k_expr" \
      -o addopts="" -p no:cacheprovider --timeout=300 -rfE -q \
      --junitxml="$report_dir/junit.xml" "$@"
) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# pytest's last line already has the counts; repeat them in a fixed, greppable form.
"$venv/bin/python" - "$report_dir/junit.xml" <<'PY' || true
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(f"mlflow-suite: {tests - failed - skipped} passed, {failed} failed, {skipped} skipped or xfailed")
PY
exit "$rc"
