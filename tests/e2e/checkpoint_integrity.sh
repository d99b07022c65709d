# Checkpoint integrity: the trainer keeps checkpoint.safetensors and checkpoint.prev.safetensors;
# --resume falls back to the previous one, with a warning naming the bad file, when the newest
# is truncated or has a flipped bit, and the resumed run ends bit-identical to an uninterrupted
# one. With both files bad, --resume fails (status 1) naming them.
source "$(dirname "$0")/lib.sh"
ARGS=("${SMALL[@]}")
# A finished two-epoch run: its checkpoints are from after epoch 2 (newest) and epoch 1.
"$POOLNET" train "${ARGS[@]}" --out base
[ -f base/checkpoint.safetensors ] && [ -f base/checkpoint.prev.safetensors ] || fail "not two checkpoints: $(ls base)"
cmp -s base/checkpoint.safetensors base/checkpoint.prev.safetensors && fail "the two checkpoints are identical"

resume_after() {  # NAME DAMAGE-COMMAND: damage the newest checkpoint of a copy, then resume
  local name=$1
  rm -rf "$name"
  cp -a base "$name"
  eval "$2"
  "$POOLNET" train "${ARGS[@]}" --out "$name" --resume > "$name.err" 2>&1 ||
    fail "$name: resume failed: $(cat "$name.err")"
  grep -q "checkpoint.safetensors" "$name.err" || fail "$name: no warning naming the bad checkpoint: $(cat "$name.err")"
  grep -q "checkpoint.prev.safetensors" "$name.err" || fail "$name: the warning does not name the fallback"
  cmp base/model.safetensors "$name/model.safetensors" || fail "$name: weights differ from the undamaged run"
}
size=$(stat -c %s base/checkpoint.safetensors)
resume_after truncated "truncate -s $((size / 2)) truncated/checkpoint.safetensors"
flip_bit() {  # FILE OFFSET: flips the lowest bit of the byte at OFFSET
  local byte
  byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
resume_after bitflip "flip_bit bitflip/checkpoint.safetensors $((size - 100))"

# Both bad: status 1 and a message naming both files.
rm -rf both && cp -a base both
truncate -s 100 both/checkpoint.safetensors
flip_bit both/checkpoint.prev.safetensors $(( $(stat -c %s both/checkpoint.prev.safetensors) - 100 ))
expect_exit 1 "checkpoint.safetensors.*checkpoint.prev.safetensors" -- "$POOLNET" train "${ARGS[@]}" --out both --resume
echo "checkpoint_integrity: truncated and bit-flipped checkpoints fall back to the previous one"
