# Helpers for the end-to-end tests: each test script is run as `bash SCRIPT POOLNET WORKDIR`.
set -euo pipefail
POOLNET=$1
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_exit STATUS PATTERN -- COMMAND...: runs COMMAND, checks its exit status and that its
# stderr is one line matching PATTERN.
expect_exit() {
  local want=$1 pattern=$2
  shift 3
  local status=0
  "$@" >stdout.txt 2>stderr.txt || status=$?
  [ "$status" = "$want" ] || fail "'$*' exited $status, expected $want; stderr: $(cat stderr.txt)"
  grep -qE -- "$pattern" stderr.txt || fail "'$*': stderr does not match '$pattern': $(cat stderr.txt)"
  local lines
  lines=$(grep -c . stderr.txt || true)
  [ "$lines" -le 1 ] || fail "'$*': expected a one-line message, got $lines lines: $(cat stderr.txt)"
}

# A small, fast training configuration on the built-in shapes data.
SMALL=(--dataset shapes --train-samples 512 --test-samples 128 --epochs 2 --batch 32 --quiet)
