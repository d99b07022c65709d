# A study folder on a small file system that fills up while the report is written: poolnet
# exits 1 with one message, every finished run is kept, and no half-written summary or report
# is left (each file is written to a temporary file and renamed).
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "study_full_disk: skipped (needs root to mount a tmpfs)"; exit 0; }
S=(--dataset shapes --quick --epochs 1 --train-samples 500 --test-samples 100 --max-shift 2 --seeds 1 --strategies max_pool,aps --head gap --padding-mode circular --quiet)
"$POOLNET" ablate "${S[@]}" --out done > /dev/null
mkdir -p full
trap 'umount "$WORK/full" 2>/dev/null || true' EXIT
mount -t tmpfs -o size=4m tmpfs full || fail "cannot mount a tmpfs"
cp -a done/runs done/study.json done/strip_images.json full/
used=$(df -k --output=used full | tail -n 1)
umount full
# Room for the runs and about 8 KiB more: the report does not fit.
mount -t tmpfs -o "size=$((used + 8))k" tmpfs full || fail "cannot mount a tmpfs"
cp -a done/runs done/study.json done/strip_images.json full/ || fail "the runs do not fit the tmpfs"
snapshot() { (cd "$1" && find runs -type f -print0 | sort -z | xargs -0 sha256sum); }
snapshot full > before.sha256
expect_exit 1 "full/.*No space left on device" -- "$POOLNET" ablate "${S[@]}" --out full
diff before.sha256 <(snapshot full) || fail "finished runs changed"
[ -z "$(find full -name '*.tmp*')" ] || fail "temporary files left: $(find full -name '*.tmp*')"
for f in summary.csv aggregate.csv report.md report.html; do
  [ ! -e "full/$f" ] || cmp -s "full/$f" "done/$f" || fail "$f is half-written"
done
echo "study_full_disk: a full disk during the report exits 1, keeps the runs, leaves no half-written file"
