#!/usr/bin/env bash
# Runs every test, as CI does (.ci/run): set-up, format check, PostgreSQL for the tests, the
# debug build (ASan + UBSan) with all C++ unit tests, the release build with the end-to-end suite
# (real mlflow client, real jobs) on SQLite and PostgreSQL, the Python SDK tests, clang-tidy, and
# the fuzzers for a bounded time.
#
#   ./scripts/test.sh
#
# Every step runs even when an earlier one failed (unless it needs that one's output); a summary
# closes the run and the exit status is non-zero when any step failed.
#
# Environment:
#   INET_BUILD_ROOT   where build trees go (default build: build/debug, build/release, build/fuzz)
#   INET_JOBS         parallel build/test jobs (default: the number of CPUs)
#   FUZZ_SECONDS      seconds per fuzz target (default 30)
#   INET_SKIP         space-separated step names to skip, e.g. "tidy fuzz" (reported as skipped)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

build_root="${INET_BUILD_ROOT:-build}"
[[ "$build_root" == /* ]] || build_root="$root/$build_root"
jobs="${INET_JOBS:-$(nproc)}"
debug_dir="$build_root/debug"
release_dir="$build_root/release"
fuzz_dir="$build_root/fuzz"
skip_list=" ${INET_SKIP:-} "

# ccache: key on paths relative to the checkout so that a fresh clone (CI) reuses the objects
# compiled in another one.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

declare -a summary=()
declare -A status=()
failures=0
t_start=$SECONDS

# step NAME DESCRIPTION COMMAND...: runs COMMAND under a header and records the outcome.
step() {
  local name="$1" what="$2"
  shift 2
  echo
  echo "================================================================================"
  echo "== [$name] $what"
  echo "================================================================================"
  if [[ "$skip_list" == *" $name "* ]]; then
    echo "skipped (INET_SKIP)"
    status[$name]=skipped
    summary+=("$(printf '%-8s %-7s %5s  %s' "$name" SKIPPED - "$what (INET_SKIP)")")
    return 0
  fi
  local t0=$SECONDS rc=0
  "$@" || rc=$?
  local dt=$((SECONDS - t0))
  if ((rc == 0)); then
    status[$name]=ok
    summary+=("$(printf '%-8s %-7s %4ss  %s' "$name" PASS "$dt" "$what")")
  else
    status[$name]=failed
    failures=$((failures + 1))
    summary+=("$(printf '%-8s %-7s %4ss  %s (exit %d)' "$name" FAIL "$dt" "$what" "$rc")")
    echo "== [$name] FAILED with exit code $rc"
  fi
  return 0
}

# blocked NAME DESCRIPTION NEEDED: records a step that cannot run because NEEDED failed.
blocked() {
  echo
  echo "== [$1] $2: not run, because step '$3' failed"
  status[$1]=failed
  failures=$((failures + 1))
  summary+=("$(printf '%-8s %-7s %5s  %s (needs %s)' "$1" FAIL - "$2" "$3")")
}

# after NEEDED NAME DESCRIPTION COMMAND...: runs the step when every step in NEEDED (space-
# separated) passed; skips it when one was skipped; records it as failed when one failed.
after() {
  local needed="$1" name="$2" what="$3" dep
  shift 3
  for dep in $needed; do
    case "${status[$dep]:-}" in
      ok) ;;
      skipped)
        echo
        echo "== [$name] $what: skipped, because step '$dep' was skipped"
        status[$name]=skipped
        summary+=("$(printf '%-8s %-7s %5s  %s (needs %s)' "$name" SKIPPED - "$what" "$dep")")
        return 0
        ;;
      *)
        blocked "$name" "$what" "$dep"
        return 0
        ;;
    esac
  done
  step "$name" "$what" "$@"
}

# -- the steps ------------------------------------------------------------------------------

do_setup() { bash scripts/setup.sh; }

cxx_sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'fuzz/*.h' 'bench/*.cc' 'bench/*.h'
  else
    find src fuzz bench -name '*.cc' -o -name '*.h' 2>/dev/null
  fi
}

do_format() {
  mapfile -t files < <(cxx_sources)
  echo "clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -n1):" \
    "${#files[@]} files"
  ((${#files[@]})) || { echo "no C++ sources found"; return 1; }
  clang-format --dry-run --Werror "${files[@]}"
}

# A PostgreSQL of this checkout's own (under /tmp so that the postgres user can reach it), so
# that a server someone else starts or stops on the same machine cannot disturb the run.
export INET_PG_DIR="${INET_PG_DIR:-/tmp/inet-pg-test-$(sha1sum <<<"$root" | cut -c1-10)}"
pg_started_here=0
do_postgres() {
  local out uri
  if ! bash scripts/postgres-test-server.sh status >/dev/null 2>&1; then
    pg_started_here=1
  fi
  out="$(bash scripts/postgres-test-server.sh)" || return 1
  uri="$(tail -n1 <<<"$out")"
  [[ "$uri" == postgresql://* ]] || { echo "unexpected output: $out"; return 1; }
  export INET_TEST_POSTGRES_URI="$uri"
  echo "INET_TEST_POSTGRES_URI=$uri"
}
stop_postgres() {
  if ((pg_started_here)); then
    bash scripts/postgres-test-server.sh stop >/dev/null 2>&1 || true
  fi
}
trap stop_postgres EXIT

configure() {  # configure PRESET DIR
  if [[ -f "$2/build.ninja" ]]; then
    cmake "$2" >/dev/null  # re-run configure only if CMake files changed (cheap)
  else
    cmake --preset "$1" -B "$2"
  fi
}

do_debug_build() {
  configure debug "$debug_dir" && nice cmake --build "$debug_dir" -j "$jobs"
}

do_unit_tests() {
  ctest --test-dir "$debug_dir" --output-on-failure --no-tests=error -j "$jobs" --timeout 900
}

do_release_build() {
  configure release "$release_dir" && nice cmake --build "$release_dir" --target inet -j "$jobs"
}

do_e2e() {
  # Without PostgreSQL (its step failed, so the run fails anyway) the SQLite half still runs.
  local require_pg=0
  [[ "${status[postgres]:-}" == ok ]] && require_pg=1
  # pytest exits 5 when it collected no test: that is a failure too (any non-zero is).
  INET_BIN="$release_dir/src/cli/inet" INET_E2E_REQUIRE_POSTGRES="$require_pg" \
    .venv/bin/python -m pytest tests/e2e -p no:cacheprovider --tb=short \
    --junitxml="$build_root/e2e-junit.xml" -o junit_family=xunit2
}

do_sdk() {
  # The Python SDK: unit tests against an in-memory platform, integration tests against the
  # release binary.
  INET_BIN="$release_dir/src/cli/inet" .venv/bin/python -m pytest python/tests \
    -p no:cacheprovider --tb=short --junitxml="$build_root/sdk-junit.xml" -o junit_family=xunit2
}

do_tidy() {
  # The production sources only: *_test.cc and testing/ fakes are dominated by GoogleTest macro
  # expansions, and leaving them out keeps this step to a few minutes on two cores.
  local log="$build_root/clang-tidy.log" rc=0
  run-clang-tidy -p "$debug_dir" -j "$jobs" -quiet \
    "^$root/src/(?!.*_test\.cc\$)(?!.*/testing/).*\.cc\$" >"$log" 2>&1 || rc=$?
  sed -i 's/\x1b\[[0-9;]*m//g' "$log"  # run-clang-tidy always asks for colour
  grep -E "^(/|src/).*: (warning|error):" "$log" | sed "s|^$root/||" | sort -u || true
  local warnings errors
  warnings=$(grep -cE ": warning: .*\[[a-z]" "$log" || true)
  errors=$(grep -cE ": error: " "$log" || true)
  echo "clang-tidy: $warnings warning line(s), $errors error line(s); full log: $log"
  return "$rc"
}

do_fuzz() {
  FUZZ_SECONDS="${FUZZ_SECONDS:-30}" FUZZ_BUILD_DIR="$fuzz_dir" FUZZ_JOBS="$jobs" \
    bash scripts/run-fuzzers.sh
}

# -- the run --------------------------------------------------------------------------------

echo "inet test run: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, builds under ${build_root#"$root"/}/"
mkdir -p "$build_root"

step setup "install build and test dependencies (scripts/setup.sh)" do_setup
step format "clang-format --dry-run --Werror over the C++ sources" do_format
step postgres "start PostgreSQL for the tests (scripts/postgres-test-server.sh)" do_postgres

after setup debug "debug build (ASan + UBSan) in ${debug_dir#"$root"/}" do_debug_build
after debug unit "C++ unit tests (ctest, ASan + UBSan, PostgreSQL conformance)" do_unit_tests
after debug tidy "clang-tidy over the production sources in src/" do_tidy
after setup release "release build of the inet binary in ${release_dir#"$root"/}" do_release_build
after release e2e \
  "end-to-end suite with the real mlflow client (SQLite and PostgreSQL)" do_e2e
after "setup release" sdk "Python SDK tests (python/tests; integration against the release binary)" \
  do_sdk

if [[ -f scripts/run-fuzzers.sh ]]; then
  step fuzz "libFuzzer targets, ${FUZZ_SECONDS:-30}s each (scripts/run-fuzzers.sh)" do_fuzz
fi

echo
echo "================================================================================"
echo "== summary ($((SECONDS - t_start))s)"
echo "================================================================================"
printf '%s\n' "${summary[@]}"
passed=0 skipped=0
for name in "${!status[@]}"; do
  case "${status[$name]}" in
    ok) passed=$((passed + 1)) ;;
    skipped) skipped=$((skipped + 1)) ;;
  esac
done
echo
line="test.sh: $passed passed, $failures failed"
((skipped)) && line+=", $skipped skipped"
echo "$line"
((failures == 0))
