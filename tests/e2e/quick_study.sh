# A --quick study produces every documented file with the documented columns; re-running skips
# finished runs; a study killed midway and re-run ends with the same summary.csv; shards merge.
source "$(dirname "$0")/lib.sh"
STUDY=(--dataset shapes --quick --strategies max_pool,aps,max_blur_pool:filter=3 --seeds 2 --head gap
       --padding-mode circular)
"$POOLNET" ablate "${STUDY[@]}" --quiet --out study > first.txt
for f in summary.csv aggregate.csv shift_curve.csv equivariance.csv comparisons.csv report.md report.html; do
  [ -s study/$f ] || fail "missing $f"
done
ls study/plots/*.gp >/dev/null || fail "no plot scripts"
ls study/plots/*.svg >/dev/null || fail "no plots drawn"
grep -q '^## Findings' study/report.md || fail "the report has no Findings section"
grep -q 'features.2 MaxPool2d (S=2)' study/report.md || fail "the equivariance table does not name the layer types"
python3 - study <<'PY' || fail "the study's CSV files are not as documented"
import csv, sys
d = sys.argv[1]
def rows(name):
    with open(f"{d}/{name}", newline="") as f:
        return list(csv.DictReader(f))
def columns(name):
    with open(f"{d}/{name}", newline="") as f:
        return next(csv.reader(f))
metrics = ["clean_acc", "consistency", "flip_rate", "prob_change", "acc_shift_mean", "acc_shift_min"]
suites = ["worst_shift_acc"]  # the default suites beyond translation
assert columns("summary.csv") == ["strategy", "seed", "shift_mode", "model", "dataset", "epochs", "train_seconds"] + metrics + suites
assert columns("aggregate.csv") == ["strategy", "shift_mode", "n"] + [f"{m}_{s}" for m in metrics + suites
                                                                     for s in ("mean", "std", "ci95")]
assert columns("shift_curve.csv") == ["strategy", "shift_mode", "curve", "dx", "dy", "acc_mean", "acc_std", "n"]
assert columns("equivariance.csv") == ["strategy", "layer_index", "layer", "type", "stride", "shift", "error_mean", "error_std", "n"]
assert columns("comparisons.csv") == ["strategy", "shift_mode", "metric", "baseline", "baseline_mean", "strategy_mean", "diff",
                                      "ci_low", "ci_high", "seeds", "test", "better", "worse", "p", "p_holm", "significant"]
comparisons = rows("comparisons.csv")
assert len(comparisons) == 2 * (1 + 5 * 2 + 1), len(comparisons)  # 2 strategies x (clean + 5 metrics x 2 modes + worst_shift_acc)
assert all(r["baseline"] == "max_pool" and r["seeds"] == "2" for r in comparisons), comparisons
aps = {(r["metric"], r["shift_mode"]): r for r in comparisons if r["strategy"] == "aps:norm=l2"}
assert aps[("worst_shift_acc", "")]["test"] == "t", aps
assert aps[("consistency", "circular")]["test"] == "mcnemar" and float(aps[("consistency", "circular")]["diff"]) > 0
layers = {(r["strategy"], r["layer"]): r["type"] for r in rows("equivariance.csv")}
assert layers[("max_pool", "features.2")] == "MaxPool2d", layers
summary = rows("summary.csv")
assert len(summary) == 12, len(summary)  # 3 strategies x 2 seeds x 2 shift modes
for r in summary:
    for m in metrics:
        assert 0.0 <= float(r[m]) <= 1.0, (r, m)
    if r["strategy"] == "aps:norm=l2" and r["shift_mode"] == "circular":
        # circular padding + APS: exactly invariant to circular shifts
        assert float(r["consistency"]) == 1.0 and float(r["flip_rate"]) == 0.0, r
aggregate = rows("aggregate.csv")
assert len(aggregate) == 6 and all(r["n"] == "2" for r in aggregate), aggregate
PY
grep -q 'complete, skipped' <("$POOLNET" ablate "${STUDY[@]}" --out study 2>&1) || fail "a re-run trained again"
# Kill a second study midway, re-run it, compare the summaries (without the timing column).
"$POOLNET" ablate "${STUDY[@]}" --quiet --out killed > /dev/null 2>&1 &
pid=$!
sleep 4
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
"$POOLNET" ablate "${STUDY[@]}" --quiet --out killed > /dev/null
same_summary() { python3 -c "import csv,sys
t=lambda p:[{k:v for k,v in r.items() if k!='train_seconds'} for r in csv.DictReader(open(p))]
sys.exit(t(sys.argv[1])!=t(sys.argv[2]))" "$1" "$2"; }
same_summary study/summary.csv killed/summary.csv || fail "killed study differs"
# Two shards into one folder, then the report: the same summary.
"$POOLNET" ablate "${STUDY[@]}" --quiet --out sharded --shard 0/2 > /dev/null
"$POOLNET" ablate "${STUDY[@]}" --quiet --out sharded --shard 1/2 > /dev/null
"$POOLNET" ablate "${STUDY[@]}" --quiet --out sharded --report-only > /dev/null
same_summary study/summary.csv sharded/summary.csv || fail "sharded study differs"
echo "quick_study: all outputs present and reproducible across kills and shards"
