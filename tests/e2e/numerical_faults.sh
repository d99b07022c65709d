# Numerical faults: training with a huge learning rate stops with a NumericalError naming the
# epoch and step (status 1), and the checkpoint on disk is still the last good one (finite
# weights, loadable with --resume). With --detect-anomaly the message also names the first op
# that produced a non-finite value, with its shape.
source "$(dirname "$0")/lib.sh"
ARGS=("${SMALL[@]}" --lr 1e6 --checkpoint-every 1)
expect_exit 1 "diverged.*epoch 1, step [0-9]+.*last good checkpoint is diverged/checkpoint.safetensors" -- \
  "$POOLNET" train "${ARGS[@]}" --out diverged
[ -f diverged/checkpoint.safetensors ] || fail "no checkpoint kept"
[ ! -e diverged/model.safetensors ] || fail "a diverged run wrote model.safetensors"
/usr/bin/python3 - diverged/checkpoint.safetensors diverged/checkpoint.prev.safetensors <<'PY' || fail "a kept checkpoint holds non-finite values"
import json, math, struct, sys
for path in sys.argv[1:]:
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    values = struct.unpack("<%df" % ((len(blob) - 8 - n) // 4), blob[8 + n:])
    assert values and all(math.isfinite(v) for v in values), path
PY
# Resuming from it meets the same divergence at the same step: the checkpoint is the good state.
first=$(grep -oE 'step [0-9]+' stderr.txt | head -1)
expect_exit 1 "diverged.*$first" -- "$POOLNET" train "${ARGS[@]}" --out diverged --resume
expect_exit 1 "diverged at epoch 1, step [0-9]+.*: [a-z_0-9]+: (output|input gradient) has a non-finite value .* \(shape \[[0-9,]+\]\)" -- \
  "$POOLNET" train "${ARGS[@]}" --detect-anomaly --out anomaly
echo "numerical_faults: divergence stops with status 1 naming epoch, step (and op), last good checkpoint kept"
