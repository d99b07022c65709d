# A study folder that cannot lie: re-running under another configuration (epochs, a strategy
# key, the data files, the folder's format version) exits 2 with one message naming each
# differing key with both values; --rerun-mismatched trains only the mismatched runs again and
# moves their old results aside; an evaluation-only change re-evaluates the saved models.
source "$(dirname "$0")/lib.sh"
S=(--dataset shapes --quick --epochs 1 --train-samples 500 --test-samples 100 --max-shift 2 --seeds 1 --head gap --padding-mode circular --quiet)
"$POOLNET" ablate "${S[@]}" --strategies max_pool --out study > /dev/null
"$POOLNET" ablate "${S[@]}" --strategies aps --epochs 2 --out study > /dev/null

# 1. Changed epochs: both values and the ways out, in one line; --report-only refuses as well.
expect_exit 2 "max_pool-seed0.*train.epochs 1 in the folder, 2 now.*--out.*--rerun-mismatched" -- \
  "$POOLNET" ablate "${S[@]}" --strategies max_pool,aps --epochs 2 --out study
grep -q "aps_norm=l2-seed0" stderr.txt && fail "a matching run was named as mismatched: $(cat stderr.txt)"
expect_exit 2 "train.epochs 1 in the folder, 2 now" -- \
  "$POOLNET" ablate "${S[@]}" --strategies max_pool,aps --epochs 2 --out study --report-only

# 2. --rerun-mismatched trains max_pool again, keeps aps, moves the old max_pool aside.
aps_model=$(sha256sum study/runs/aps_norm=l2-seed0/model.safetensors)
"$POOLNET" ablate "${S[@]}" --strategies max_pool,aps --epochs 2 --out study --rerun-mismatched > rerun.txt
grep -q "2 of 2 runs complete (1 trained now, 0 failed)" rerun.txt || fail "rerun: $(cat rerun.txt)"
[ "$aps_model" = "$(sha256sum study/runs/aps_norm=l2-seed0/model.safetensors)" ] || fail "a matching run was retrained"
ls -d study/mismatched/max_pool-seed0-* > /dev/null || fail "the old max_pool results were not moved aside"
grep -q '"train.epochs": "1"' study/mismatched/max_pool-seed0-*/fingerprint.json || fail "the moved run is not the old one"
[ "$(grep -c '^max_pool,' study/summary.csv)" = 2 ] || fail "summary.csv mixes old and new runs: $(cat study/summary.csv)"

# 3. A strategy key recorded with another value (a default changed between versions).
python3 - study/runs/max_pool-seed0/fingerprint.json <<'PY'
import json, sys
p = sys.argv[1]; f = json.load(open(p)); f["strategy.padding"] = "1"; json.dump(f, open(p, "w"))
PY
expect_exit 2 "strategy.padding 1 in the folder, 0 now" -- "$POOLNET" ablate "${S[@]}" --strategies max_pool,aps --epochs 2 --out study

# 4. An evaluation-only change (--max-shift) evaluates the saved models again, trains nothing.
"$POOLNET" ablate "${S[@]}" --strategies aps --epochs 2 --out study --max-shift 3 > eval.txt
grep -q "1 of 1 runs complete (0 trained now, 0 failed)" eval.txt || fail "max-shift change: $(cat eval.txt)"
[ "$aps_model" = "$(sha256sum study/runs/aps_norm=l2-seed0/model.safetensors)" ] || fail "--max-shift retrained"
grep -q '"eval.max_shift": "3"' study/runs/aps_norm=l2-seed0/fingerprint.json || fail "fingerprint not updated"

# 5. Another format version: both versions named.
python3 -c 'import json; json.dump({"format_version": 1}, open("study/study.json", "w"))'
expect_exit 2 "format version 1.*format version 3" -- "$POOLNET" ablate "${S[@]}" --strategies aps --epochs 2 --out study

# 6. Changed data files (same images, other bytes): named by file, with both hashes.
src=/usr/share/datasets/fashion-mnist
if [ -f "$src/t10k-images-idx3-ubyte.gz" ]; then
  mkdir -p data && cp "$src"/*.gz data/
  F=(--dataset fashion-mnist --data-dir data --train-samples 256 --test-samples 64 --epochs 1 --seeds 1 --quiet
     --strategies max_pool)
  "$POOLNET" ablate "${F[@]}" --out fm > /dev/null
  [ -f fm/data_sha256.json ] || fail "no data hash cache"
  gunzip -c "$src/t10k-labels-idx1-ubyte.gz" | gzip -1 -n > data/t10k-labels-idx1-ubyte.gz
  expect_exit 2 "data.sha256.t10k-labels-idx1-ubyte.gz [0-9a-f]{64} in the folder, [0-9a-f]{64} now" -- \
    "$POOLNET" ablate "${F[@]}" --out fm
  echo "study_fingerprint: data files checked"
else
  echo "study_fingerprint: data files: skipped (no Fashion-MNIST in $src)"
fi
echo "study_fingerprint: mismatches exit 2 naming the keys; --rerun-mismatched and re-evaluation work"
