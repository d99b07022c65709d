# The tips strategy's regulariser (--tips-loss) draws its shifts from the layers' call counters,
# which checkpoints save: a run killed midway and resumed ends bit-identical to an uninterrupted one.
source "$(dirname "$0")/lib.sh"
ARGS=("${SMALL[@]}" --train-samples 3000 --epochs 2 --downsample tips --tips-loss alpha=0.5,start_epoch=2
      --checkpoint-every 7)
"$POOLNET" train "${ARGS[@]}" --out reference > /dev/null
for delay in 0.6 1.2 1.8; do
  rm -rf victim
  "$POOLNET" train "${ARGS[@]}" --out victim > /dev/null &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  "$POOLNET" train "${ARGS[@]}" --out victim --resume > /dev/null
  cmp reference/model.safetensors victim/model.safetensors || fail "weights differ after a kill at ${delay}s"
done
echo "resume_tips: the tips loss resumes bit-identically"
