#!/usr/bin/env bash
# Sets up what is missing, builds, and runs the whole test suite (unit, property, golden,
# end-to-end and interop tests) with CTest.
#   scripts/test.sh            Release build (build/release)
#   scripts/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer build, unit tests only
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
case "$preset" in
  release) scripts/setup.sh --tests ;;
  asan) scripts/setup.sh --tests --no-build
        cmake --preset asan >/dev/null
        cmake --build --preset asan ;;
  *) echo "test.sh: unknown preset '$preset' (expected release or asan)" >&2; exit 2 ;;
esac
jobs=$(nproc)
if [ "$preset" = asan ]; then
  ctest --preset asan -L unit -j "$jobs"
else
  ctest --preset release -j "$jobs"
fi
