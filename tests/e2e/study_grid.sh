# A grid over training options: strategies x grid points x seeds runs, one folder each, a
# summary.csv and comparisons.csv column per grid option, report tables per grid point; three
# shard processes at once merge into the same summary as one process; the TOML [grid] table
# is the same grid; grid and baseline mistakes are one-line errors.
source "$(dirname "$0")/lib.sh"
STUDY=(--dataset shapes --train-samples 256 --test-samples 64 --epochs 1 --batch 32 --grid-samples 16
       --strategies max_pool,aps,none --seeds 2 --grid head=gap,flatten --grid padding-mode=zeros,circular)
"$POOLNET" ablate "${STUDY[@]}" --quiet --out one > /dev/null
[ "$(ls one/runs | wc -l)" = 24 ] || fail "expected 3 strategies x 4 grid points x 2 seeds = 24 runs: $(ls one/runs)"
[ -d one/runs/aps_norm=l2-head_flatten-padding-mode_circular-seed1 ] || fail "run folders are not named by grid point"
python3 - one <<'PY' || fail "the grid's CSV files are not as documented"
import csv, sys
d = sys.argv[1]
rows = lambda name: list(csv.DictReader(open(f"{d}/{name}", newline="")))
summary = rows("summary.csv")
assert list(summary[0])[:4] == ["strategy", "head", "padding-mode", "seed"], list(summary[0])
assert len(summary) == 24 * 2, len(summary)  # runs x shift modes
assert {(r["head"], r["padding-mode"]) for r in summary} == {(h, p) for h in ("gap", "flatten") for p in ("zeros", "circular")}
comparisons = rows("comparisons.csv")
assert list(comparisons[0])[:3] == ["strategy", "head", "padding-mode"], list(comparisons[0])
assert len(comparisons) == 2 * 4 * 12, len(comparisons)  # 2 strategies x 4 points x (clean + 5 metrics x 2 modes + worst_shift_acc)
for r in summary:
    if r["strategy"] == "none" and r["head"] == "gap" and r["padding-mode"] == "circular" and r["shift_mode"] == "circular":
        assert float(r["consistency"]) == 1.0, r  # no downsampling, circular padding, global head: exactly invariant
PY
grep -q '^## Results under circular shifts at head=flatten padding-mode=zeros' one/report.md ||
  fail "the report has no table per grid point"
# Three shard processes at once into one folder, then the report: the same summary.
for i in 0 1 2; do "$POOLNET" ablate "${STUDY[@]}" --quiet --out sharded --shard $i/3 > /dev/null & done
wait
"$POOLNET" ablate "${STUDY[@]}" --quiet --out sharded --report-only > /dev/null
same() { python3 -c "import csv,sys
t=lambda p:[{k:v for k,v in r.items() if k!='train_seconds'} for r in csv.DictReader(open(p))]
sys.exit(t(sys.argv[1])!=t(sys.argv[2]))" "$1" "$2"; }
same one/summary.csv sharded/summary.csv || fail "the sharded grid differs from one process"
cmp -s one/comparisons.csv sharded/comparisons.csv || fail "the sharded comparisons differ"
# The same grid from a TOML table: every run is found complete.
cat > grid.toml <<'TOML'
strategies = ["max_pool", "aps", "none"]
[grid]
head = ["gap", "flatten"]
padding-mode = ["zeros", "circular"]
TOML
grep -q '24 of 24 runs complete (0 trained now' <("$POOLNET" ablate --config grid.toml --dataset shapes --train-samples 256 \
  --test-samples 64 --epochs 1 --batch 32 --grid-samples 16 --seeds 2 --out one) || fail "the TOML grid is another grid"
# Mistakes.
expect_exit 2 "--grid: 'seed' is not a training option a grid can vary" -- "$POOLNET" ablate "${STUDY[@]}" --grid seed=1,2 --out bad
expect_exit 2 "--grid: 'head' is given twice" -- "$POOLNET" ablate "${STUDY[@]}" --grid head=gmp --out bad
expect_exit 2 "--grid epochs=two" -- "$POOLNET" ablate "${STUDY[@]}" --grid epochs=two --out bad
expect_exit 2 "--baseline: 'avg_pool' is not one of the study's strategies" -- "$POOLNET" ablate "${STUDY[@]}" --baseline avg_pool --out bad
[ ! -e bad ] || fail "a rejected command left a study folder"
echo "study_grid: grid runs, columns, shards and TOML agree"
