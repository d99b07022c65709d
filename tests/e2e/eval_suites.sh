# The evaluation suites: `eval --suites` writes each suite's metrics and curves, the same at any
# thread count; bad suite lists exit 2 naming the valid suites; a study records its suites,
# reports them (summary.csv columns, curve CSVs, tables, plot scripts) and evaluates its saved
# models again when they change.
source "$(dirname "$0")/lib.sh"
"$POOLNET" train --dataset shapes --train-samples 256 --test-samples 32 --epochs 1 --batch 32 --head gap --quiet --out m > /dev/null
mkdir -p one two rot
ALL=translation,worst_shift,scale,rotation,corruption,subpixel,aliasing,localization
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites "$ALL" --suite-samples 16 --quiet \
  --json one/eval.json > one.txt
for metric in worst_shift_acc scale_acc_mean rotation_acc_mean corruption_acc_mean subpixel_consistency \
  subpixel_prob_change aliasing_mean position_r2_last; do
  grep -q "^$metric " one.txt || fail "eval prints no $metric: $(cat one.txt)"
done
[ "$(head -1 one/scale_curve.csv)" = "scale,acc" ] && [ "$(wc -l < one/scale_curve.csv)" = 12 ] || fail "scale_curve.csv"
[ "$(head -1 one/rotation_curve.csv)" = "angle,acc" ] && [ "$(wc -l < one/rotation_curve.csv)" = 14 ] || fail "rotation_curve.csv"
[ "$(head -1 one/corruption.csv)" = "corruption,severity,acc" ] && [ "$(wc -l < one/corruption.csv)" = 31 ] ||
  fail "corruption.csv: $(cat one/corruption.csv)"
[ "$(head -1 one/subpixel_curve.csv)" = "axis,shift,agreement" ] && [ "$(wc -l < one/subpixel_curve.csv)" = 7 ] ||
  fail "subpixel_curve.csv: $(cat one/subpixel_curve.csv)"
[ "$(head -1 one/aliasing.csv)" = "layer,index,aliased_energy" ] &&
  grep -q '^features\.[0-9]*,1,[01]\.' one/aliasing.csv || fail "aliasing.csv: $(cat one/aliasing.csv)"
[ "$(head -1 one/position_probe.csv)" = "layer,r2" ] || fail "position_probe.csv: $(cat one/position_probe.csv)"
# lenet's fully connected layers after its gap head: no class activation map, said once.
[ "$(grep -c '^note: localization: no pointing_acc: the gap head is followed by' one.txt)" = 1 ] &&
  ! grep -q '^pointing_acc ' one.txt || fail "lenet with gap: $(cat one.txt)"
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites "$ALL" --suite-samples 16 --quiet --threads 1 \
  --json two/eval.json > /dev/null
for f in scale_curve.csv rotation_curve.csv corruption.csv subpixel_curve.csv aliasing.csv position_probe.csv; do
  cmp one/$f two/$f || fail "$f differs at 1 thread"
done
# translation alone: no suite files; a suite alone: no shift table.
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites rotation --suite-samples 8 --quiet \
  --json rot/eval.json > rot.txt
grep -q "^circular" rot.txt && fail "--suites rotation evaluated the shifts: $(cat rot.txt)"
grep -q '"suites": \[' rot/eval.json || fail "eval.json does not list its suites"

VALID="translation, worst_shift, scale, rotation, corruption, subpixel, aliasing, localization"
expect_exit 2 "--suites: unknown suite 'scales' \(valid: $VALID\)" -- \
  "$POOLNET" eval --checkpoint m/model.safetensors --suites translation,scales
expect_exit 2 "--suites: give at least one" -- "$POOLNET" eval --checkpoint m/model.safetensors --suites ,
S=(--dataset shapes --train-samples 128 --test-samples 32 --epochs 1 --batch 32 --max-shift 2 --seeds 1 --quiet
   --strategies max_pool,avg_pool --suite-samples 16)
expect_exit 2 "--suites: a study needs 'translation'" -- "$POOLNET" ablate "${S[@]}" --suites scale --out bad

"$POOLNET" ablate "${S[@]}" --suites translation,scale --out study > /dev/null
head -1 study/summary.csv | grep -q ',acc_shift_min,scale_acc_mean$' || fail "summary.csv: $(head -1 study/summary.csv)"
grep -q ',scale_acc_mean_mean,scale_acc_mean_std,scale_acc_mean_ci95$' study/aggregate.csv || fail "aggregate.csv"
[ "$(head -1 study/scale_curve.csv)" = "strategy,scale,acc_mean,acc_std,n" ] || fail "study scale_curve.csv"
[ -s study/runs/max_pool-seed0/scale_curve.csv ] || fail "no scale_curve.csv in the run folder"
[ -s study/plots/scale_curve.gp ] && [ -s study/plots/suite_metrics.gp ] || fail "no suite plot scripts"
grep -q '^## scale_curve (accuracy by scale)' study/report.md || fail "the report has no scale table"
grep -q '"eval.suites": "translation,scale"' study/runs/max_pool-seed0/fingerprint.json || fail "fingerprint lacks the suites"
# Other suites: --report-only names the key; a plain re-run evaluates the saved models again.
expect_exit 2 "eval.suites translation,scale in the folder, translation,rotation now" -- \
  "$POOLNET" ablate "${S[@]}" --suites translation,rotation --out study --report-only
model=$(sha256sum study/runs/max_pool-seed0/model.safetensors)
"$POOLNET" ablate "${S[@]}" --suites translation,rotation --out study > again.txt
grep -q "2 of 2 runs complete (0 trained now, 0 failed)" again.txt || fail "suites change: $(cat again.txt)"
[ "$model" = "$(sha256sum study/runs/max_pool-seed0/model.safetensors)" ] || fail "a suites change retrained"
head -1 study/summary.csv | grep -q ',rotation_acc_mean$' || fail "summary.csv after the change: $(head -1 study/summary.csv)"
echo "eval_suites: suites evaluated, reported and fingerprinted"
