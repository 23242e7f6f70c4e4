#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, clang) and runs each for a bounded time.
#
# Usage: scripts/run-fuzzers.sh [target ...]     (default: every *_fuzz target in the build)
# Env:   FUZZ_SECONDS  seconds per target (default 60)
#        FUZZ_BUILD_DIR build directory (default build/fuzz)
#        FUZZ_JOBS      parallel build jobs (default 2)
# Each target starts from fuzz/corpus/<name>/ (seeds, read-only) and grows a scratch corpus in
# $FUZZ_BUILD_DIR/corpus/<name>/; fuzz/<name>.dict is used when present. Exits non-zero when a
# target crashes, leaks, trips a sanitizer or times out; the reproducer is left in
# $FUZZ_BUILD_DIR/artifacts/<target>/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-60}"
build_dir="${FUZZ_BUILD_DIR:-build/fuzz}"
jobs="${FUZZ_JOBS:-2}"

runtime="$(clang++ -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a"
if [[ ! -f "$runtime" ]]; then
  echo "run-fuzzers: libFuzzer runtime missing ($runtime); install libclang-rt-14-dev" >&2
  exit 2
fi

cmake --preset fuzz -B "$build_dir" >/dev/null
cmake --build "$build_dir" --target inet_fuzzers -j "$jobs"

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(find "$build_dir/fuzz" -maxdepth 1 -type f -name '*_fuzz' -perm -u+x \
    -printf '%f\n' | sort)
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run-fuzzers: no fuzz targets found in $build_dir/fuzz" >&2
  exit 2
fi

failed=()
for target in "${targets[@]}"; do
  name="${target%_fuzz}"
  binary="$build_dir/fuzz/$target"
  scratch="$build_dir/corpus/$name"
  artifacts="$build_dir/artifacts/$target"
  mkdir -p "$scratch" "$artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096
        -print_final_stats=1 -artifact_prefix="$artifacts/")
  [[ -f "fuzz/$name.dict" ]] && args+=(-dict="fuzz/$name.dict")
  seeds=()
  [[ -d "fuzz/corpus/$name" ]] && seeds+=("fuzz/corpus/$name")
  log="$build_dir/artifacts/$target.log"
  echo "== $target for ${seconds}s (log: $log)"
  rc=0
  "$binary" "${args[@]}" "$scratch" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  tail -n 25 "$log"
  if [[ $rc -ne 0 ]]; then
    echo "== $target FAILED (exit $rc)"
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run-fuzzers: FAILED: ${failed[*]} (reproducers under $build_dir/artifacts/)" >&2
  exit 1
fi
echo "run-fuzzers: ${#targets[@]} target(s) ran ${seconds}s each without findings"
