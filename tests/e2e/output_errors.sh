# Output problems: an --out folder that cannot be written (read-only) and a full disk each give
# a one-line message naming the file, exit status 1, and leave the previous results as they
# were. As root, permissions do not stop writes, so the conditions come from a read-only bind
# mount and a tiny tmpfs; where those cannot be made, the case is skipped with a message.
source "$(dirname "$0")/lib.sh"
ARGS=("${SMALL[@]}" --epochs 1)
"$POOLNET" train "${ARGS[@]}" --out previous
# The results a failed run must leave alone. (Before writing a checkpoint the trainer keeps the
# current one as checkpoint.prev.safetensors, a hard link: that file may appear.)
snapshot() { (cd "$1" && find . -type f ! -name '*.prev.safetensors' -print0 | sort -z | xargs -0 sha256sum); }
snapshot previous > previous.sha256
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done; }
trap cleanup EXIT
ran=0

# 1. A read-only output folder.
mkdir -p readonly
cp -a previous/. readonly/
if [ "$(id -u)" != 0 ]; then
  chmod -R a-w readonly
  can_ro=1
elif mount --bind -o ro readonly readonly 2>/dev/null; then
  mounts+=("$WORK/readonly")
  can_ro=1
else
  can_ro=0
fi
if [ "$can_ro" = 1 ] && ! touch readonly/probe 2>/dev/null; then
  expect_exit 1 "readonly/.*(Read-only|Permission denied)" -- "$POOLNET" train "${ARGS[@]}" --out readonly
  diff previous.sha256 <(snapshot readonly) || fail "a failed run changed the read-only folder's results"
  ran=$((ran + 1))
else
  echo "output_errors: read-only folder: skipped (cannot make a folder read-only here)"
fi

# 2. A full disk: a tmpfs with room for the previous results and little more.
mkdir -p full
kb=$(( $(du -sk previous | cut -f1) + 16 ))
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o "size=${kb}k" tmpfs full 2>/dev/null; then
  mounts+=("$WORK/full")
  cp -a previous/. full/ || fail "the previous results do not fit the ${kb} KiB tmpfs"
  expect_exit 1 "full/.*No space left" -- "$POOLNET" train "${ARGS[@]}" --out full --resume
  diff previous.sha256 <(snapshot full) || fail "a run on a full disk changed the previous results"
  ls full | grep -q '\.tmp' && fail "a temporary file was left behind: $(ls full)"
  # A fresh run (no --resume) that fails part-way leaves no half-written file either.
  expect_exit 1 "full/.*No space left" -- "$POOLNET" train "${ARGS[@]}" --epochs 2 --out full
  diff previous.sha256 <(snapshot full) || fail "a fresh run on a full disk changed the previous results"
  cmp previous/checkpoint.safetensors full/checkpoint.prev.safetensors || fail "checkpoint.prev is not the kept checkpoint"
  ran=$((ran + 1))
else
  echo "output_errors: full disk: skipped (needs root and tmpfs to mount a small file system)"
fi
echo "output_errors: $ran of 2 conditions tested, each with status 1, a clear message and intact results"
