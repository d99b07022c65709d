# The evaluation suites: `eval --suites` writes each suite's metrics and curves, the same at any
# thread count; bad suite lists exit 2 naming the valid suites; a study records its suites,
# reports them (summary.csv columns, curve CSVs, tables, plot scripts) and evaluates its saved
# models again when they change.
source "$(dirname "$0")/lib.sh"
"$POOLNET" train --dataset shapes --train-samples 256 --test-samples 32 --epochs 1 --batch 32 --head gap --quiet --out m > /dev/null
mkdir -p one two rot
ALL=translation,worst_shift,scale,rotation,corruption,subpixel,aliasing,localization,erf
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites "$ALL" --suite-samples 16 --quiet \
  --json one/eval.json > one.txt
for metric in worst_shift_acc scale_acc_mean rotation_acc_mean corruption_acc_mean subpixel_consistency \
  subpixel_prob_change aliasing_mean position_r2_last erf_r50 erf_r90; do
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
# erf: radius by layer position (lenet: conv, relu, pool, conv, relu, pool measured at 1, 2, 4, 5)
# beside the theoretical field, and the maps (28 x 28 each).
for c in r50 r90 field; do
  [ "$(head -1 one/erf_$c.csv)" = "layer,radius_px" ] && [ "$(cut -d, -f1 one/erf_$c.csv | tr '\n' ' ')" = "layer 1 2 4 5 " ] ||
    fail "erf_$c.csv: $(cat one/erf_$c.csv)"
done
[ "$(sed -n 2,5p one/erf_field.csv | tr '\n' ' ')" = "1,2.000000 2,2.500000 4,6.500000 5,7.500000 " ] ||
  fail "erf_field.csv is not inspect's field: $(cat one/erf_field.csv)"
[ "$(head -1 one/erf_maps.csv)" = "map,row,col,value" ] && [ "$(wc -l < one/erf_maps.csv)" = $((4 * 28 * 28 + 1)) ] ||
  fail "erf_maps.csv: $(head -3 one/erf_maps.csv)"
[ -s one/erf_maps.gp ] && [ -s one/erf_maps.dat ] || fail "no erf_maps.gp beside eval.json"
if command -v gnuplot > /dev/null; then [ -s one/erf_maps.svg ] || fail "no erf_maps.svg beside eval.json"; fi
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites "$ALL" --suite-samples 16 --quiet --threads 1 \
  --json two/eval.json > /dev/null
for f in scale_curve.csv rotation_curve.csv corruption.csv subpixel_curve.csv aliasing.csv position_probe.csv \
  erf_r50.csv erf_r90.csv erf_maps.csv; do
  cmp one/$f two/$f || fail "$f differs at 1 thread"
done
# The official corruption files (--corruption-dir): a tiny MNIST-C tree in the real .npy format.
npy() {  # npy FILE SHAPE BYTES...: a uint8 .npy file (numpy.save's layout) of the byte values
  python3 - "$@" <<'PY'
import struct, sys
path, shape, values = sys.argv[1], sys.argv[2], [int(v) for v in sys.argv[3:]]
header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }" % shape
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(values))
PY
}
mkdir -p mc/fog mc/identity
for c in fog identity; do
  npy mc/$c/test_images.npy "16, 28, 28, 1" $(for i in $(seq 0 $((16 * 784 - 1))); do echo $(((i * 37 + ${#c}) % 256)); done)
  npy mc/$c/test_labels.npy "16," $(for i in $(seq 0 15); do echo $((i % 2)); done)
done
mkdir -p files1 files2
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites corruption --corruption-dir mc --suite-samples 8 \
  --quiet --json files1/eval.json > files1.txt
grep -q "^corruption_files_acc_mean " files1.txt || fail "eval prints no corruption_files_acc_mean: $(cat files1.txt)"
[ "$(head -1 files1/corruption_files.csv)" = "corruption,severity,acc" ] && [ "$(wc -l < files1/corruption_files.csv)" = 3 ] &&
  [ "$(cut -d, -f1,2 files1/corruption_files.csv | tail -2 | tr '\n' ' ')" = "fog,0 identity,0 " ] ||
  fail "corruption_files.csv: $(cat files1/corruption_files.csv)"
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites corruption --corruption-dir mc --suite-samples 8 \
  --quiet --threads 1 --json files2/eval.json > /dev/null
cmp files1/corruption_files.csv files2/corruption_files.csv || fail "corruption_files.csv differs at 1 thread"
expect_exit 2 "--corruption-dir: only the corruption suite reads it" -- \
  "$POOLNET" eval --checkpoint m/model.safetensors --suites translation --corruption-dir mc
mkdir -p c10c
npy c10c/labels.npy "5," 0 1 0 1 0
npy c10c/fog.npy "5, 32, 32, 3" $(for i in $(seq 1 $((5 * 3072))); do echo 7; done)
expect_exit 2 "fog.npy holds images of 32x32x3 \(HxWxC\), but the data set being evaluated \(shapes\) has 28x28x1" -- \
  "$POOLNET" eval --checkpoint m/model.safetensors --suites corruption --corruption-dir c10c
head -c 1000 mc/fog/test_images.npy > cut.npy && mv cut.npy mc/fog/test_images.npy
expect_exit 1 "mc/fog/test_images.npy: truncated" -- \
  "$POOLNET" eval --checkpoint m/model.safetensors --suites corruption --corruption-dir mc
expect_exit 2 "--corruption-dir .*/absent: no such folder" -- \
  "$POOLNET" eval --checkpoint m/model.safetensors --suites corruption --corruption-dir absent
# translation alone: no suite files; a suite alone: no shift table.
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --suites rotation --suite-samples 8 --quiet \
  --json rot/eval.json > rot.txt
grep -q "^circular" rot.txt && fail "--suites rotation evaluated the shifts: $(cat rot.txt)"
grep -q '"suites": \[' rot/eval.json || fail "eval.json does not list its suites"

VALID="translation, worst_shift, scale, rotation, corruption, subpixel, aliasing, localization, erf"
expect_exit 2 "--suites: unknown suite 'scales' \(valid: $VALID\)" -- \
  "$POOLNET" eval --checkpoint m/model.safetensors --suites translation,scales
expect_exit 2 "--suites: give at least one" -- "$POOLNET" eval --checkpoint m/model.safetensors --suites ,
S=(--dataset shapes --train-samples 128 --test-samples 32 --epochs 1 --batch 32 --max-shift 2 --seeds 1 --quiet
   --strategies max_pool,avg_pool --suite-samples 16)
expect_exit 2 "--suites: a study needs 'translation'" -- "$POOLNET" ablate "${S[@]}" --suites scale --out bad

"$POOLNET" ablate "${S[@]}" --suites translation,scale,erf --out study > /dev/null
head -1 study/summary.csv | grep -q ',acc_shift_min,scale_acc_mean,erf_r50,erf_r90$' || fail "summary.csv: $(head -1 study/summary.csv)"
[ "$(head -1 study/erf_r90.csv)" = "strategy,layer,radius_px_mean,radius_px_std,n" ] || fail "study erf_r90.csv"
[ -s study/runs/max_pool-seed0/erf_maps.csv ] || fail "no erf_maps.csv in the run folder"
[ "$(grep -c "with image" study/plots/erf_maps.gp)" = 8 ] || fail "erf_maps.gp: not 2 variants x 4 layers"
grep -q '"maps": \[' study/runs/avg_pool-seed0/eval.json || fail "eval.json holds no maps"
grep -q ',scale_acc_mean_ci95,erf_r50_mean,erf_r50_std,erf_r50_ci95,erf_r90_mean,erf_r90_std,erf_r90_ci95$' study/aggregate.csv || fail "aggregate.csv"
[ "$(head -1 study/scale_curve.csv)" = "strategy,scale,acc_mean,acc_std,n" ] || fail "study scale_curve.csv"
[ -s study/runs/max_pool-seed0/scale_curve.csv ] || fail "no scale_curve.csv in the run folder"
[ -s study/plots/scale_curve.gp ] && [ -s study/plots/suite_metrics.gp ] || fail "no suite plot scripts"
grep -q '^## scale_curve (accuracy by scale)' study/report.md || fail "the report has no scale table"
grep -q '"eval.suites": "translation,scale,erf"' study/runs/max_pool-seed0/fingerprint.json || fail "fingerprint lacks the suites"
# Other suites: --report-only names the key; a plain re-run evaluates the saved models again.
expect_exit 2 "eval.suites translation,scale,erf in the folder, translation,rotation now" -- \
  "$POOLNET" ablate "${S[@]}" --suites translation,rotation --out study --report-only
model=$(sha256sum study/runs/max_pool-seed0/model.safetensors)
"$POOLNET" ablate "${S[@]}" --suites translation,rotation --out study > again.txt
grep -q "2 of 2 runs complete (0 trained now, 0 failed)" again.txt || fail "suites change: $(cat again.txt)"
[ "$model" = "$(sha256sum study/runs/max_pool-seed0/model.safetensors)" ] || fail "a suites change retrained"
head -1 study/summary.csv | grep -q ',rotation_acc_mean$' || fail "summary.csv after the change: $(head -1 study/summary.csv)"
echo "eval_suites: suites evaluated, reported and fingerprinted"
