# Fault injection: a training run killed with SIGKILL at random moments (including while it
# writes checkpoints) and resumed each time ends with weights and metrics bit-identical to an
# uninterrupted run. Also SIGINT: a checkpoint, status 130, and resuming finishes the run.
source "$(dirname "$0")/lib.sh"
KILLS=${KILLS:-20}
ARGS=("${SMALL[@]}" --train-samples 3000 --epochs 3 --downsample aps --checkpoint-every 3)
"$POOLNET" train "${ARGS[@]}" --out reference
strip_timing() { grep -vE '"(seconds|train_seconds|images_per_second)"' "$1"; }
RANDOM=7
kills=0
while [ "$kills" -lt "$KILLS" ]; do
  rm -rf victim
  done_run=0
  # Kill at several random moments, resuming after each, until the run finishes.
  for attempt in 1 2 3 4 5 6 7 8; do
    "$POOLNET" train "${ARGS[@]}" --out victim --resume &
    pid=$!
    sleep "0.$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"
    if kill -9 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      kills=$((kills + 1))
    else
      wait "$pid" || fail "the resumed run failed"
      done_run=1
      break
    fi
  done
  [ "$done_run" = 1 ] || "$POOLNET" train "${ARGS[@]}" --out victim --resume
  cmp reference/model.safetensors victim/model.safetensors || fail "weights differ after $kills kills"
  diff <(strip_timing reference/metrics.json) <(strip_timing victim/metrics.json) >/dev/null ||
    fail "metrics differ after $kills kills"
done
# SIGINT: finish the step, checkpoint, exit 130 with a resume hint; resuming completes identically.
rm -rf interrupted
"$POOLNET" train "${ARGS[@]}" --train-samples 20000 --out interrupted 2>sigint.txt &
pid=$!
sleep 1
kill -INT "$pid"
status=0
wait "$pid" || status=$?
if [ "$status" = 130 ]; then
  grep -q -- "--resume" sigint.txt || fail "the interrupt message does not say how to resume: $(cat sigint.txt)"
  [ -s interrupted/checkpoint.safetensors ] || fail "no checkpoint after SIGINT"
  "$POOLNET" train "${ARGS[@]}" --train-samples 20000 --out interrupted --resume
  "$POOLNET" train "${ARGS[@]}" --train-samples 20000 --out uninterrupted
  cmp uninterrupted/model.safetensors interrupted/model.safetensors || fail "weights differ after SIGINT and resume"
elif [ "$status" != 0 ]; then
  fail "SIGINT gave status $status: $(cat sigint.txt)"
fi
[ "$status" = 130 ] || fail "SIGINT arrived after the run had finished; the test needs a longer run"
echo "kill_resume: $kills SIGKILLs and a SIGINT, every resumed run bit-identical to the reference"
