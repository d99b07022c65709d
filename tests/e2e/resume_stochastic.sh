# Stochastic pooling draws from counters that are part of the training state: a run killed
# midway and resumed from its checkpoint ends bit-identical to an uninterrupted one.
source "$(dirname "$0")/lib.sh"
ARGS=("${SMALL[@]}" --train-samples 3000 --epochs 2 --downsample stochastic_pool --checkpoint-every 7)
"$POOLNET" train "${ARGS[@]}" --out reference > /dev/null
for delay in 0.4 0.8 1.2; do
  rm -rf victim
  "$POOLNET" train "${ARGS[@]}" --out victim > /dev/null &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  "$POOLNET" train "${ARGS[@]}" --out victim --resume > /dev/null
  cmp reference/model.safetensors victim/model.safetensors || fail "weights differ after a kill at ${delay}s"
done
echo "resume_stochastic: stochastic pooling resumes bit-identically"
