# Every strategy that draws random numbers in training draws them from counters that are part of
# the training state (the tips loss draws its shifts the same way): a run killed midway and
# resumed from its checkpoint ends bit-identical to an uninterrupted one.
source "$(dirname "$0")/lib.sh"
for strategy in stochastic_pool fractional_max_pool s3_pool lps "tips --tips-loss alpha=0.5,start_epoch=2"; do
  read -ra chosen <<< "$strategy"
  ARGS=("${SMALL[@]}" --train-samples 3000 --epochs 2 --checkpoint-every 7 --downsample "${chosen[@]}")
  "$POOLNET" train "${ARGS[@]}" --out reference > /dev/null
  for delay in 0.5 1.2; do
    rm -rf victim
    "$POOLNET" train "${ARGS[@]}" --out victim > /dev/null &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    "$POOLNET" train "${ARGS[@]}" --out victim --resume > /dev/null
    cmp reference/model.safetensors victim/model.safetensors || fail "$strategy: weights differ after a kill at ${delay}s"
  done
  rm -rf reference
done
echo "resume_random: stochastic_pool, fractional_max_pool, s3_pool, lps and tips resume bit-identically"
