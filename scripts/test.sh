#!/usr/bin/env bash
# Sets up what is missing, builds, and runs the whole test suite (unit, property, golden,
# end-to-end, interop and the real-Slurm test, label `slurm`) with CTest.
#   scripts/test.sh            Release build (build/release)
#   scripts/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer build, unit tests only
#   scripts/test.sh tsan       ThreadSanitizer build of the framework tests and the poolnet
#                              command only; runs the tests of the parallel code (the `tsan` test
#                              preset's filter in CMakePresets.json) with two or more threads
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
preset=${1:-release}
case "$preset" in
  release) scripts/setup.sh --tests ;;
  asan) scripts/setup.sh --tests --no-build
        cmake --preset asan >/dev/null
        cmake --build --preset asan ;;
  tsan) scripts/setup.sh --tests --no-build
        cmake --preset tsan >/dev/null
        cmake --build --preset tsan --target test_framework poolnet_cli ;;
  *) echo "test.sh: unknown preset '$preset' (expected release, asan or tsan)" >&2; exit 2 ;;
esac
jobs=$(nproc)
case "$preset" in
  asan) ctest --preset asan -L unit -j "$jobs" ;;
  tsan) ctest --preset tsan -j "$jobs" ;;
  *) ctest --preset release -j "$jobs" ;;
esac
