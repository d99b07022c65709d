# The fill of vacated pixels is spelled `zeros` everywhere; `zero` is still accepted, on the
# command line and in configs, and gives the same runs and files.
source "$(dirname "$0")/lib.sh"
"$POOLNET" train "${SMALL[@]}" --augment-shift 2 --augment-shift-mode zeros --out zeros
"$POOLNET" train "${SMALL[@]}" --augment-shift 2 --augment-shift-mode zero --out zero
cmp zeros/model.safetensors zero/model.safetensors || fail "--augment-shift-mode zero differs from zeros"
grep -q '"augment_shift_mode":"zeros"' <(tr -d ' \n' < zero/metrics.json) || fail "metrics.json does not say zeros"
"$POOLNET" eval --checkpoint zeros/model.safetensors --max-shift 2 --shift-modes circular,zero --quiet \
  --json zeros/eval.json > eval.txt
grep -q '^zeros ' eval.txt || fail "the metrics table does not say zeros: $(cat eval.txt)"
grep -q '"mode": "zeros"' zeros/eval.json || fail "eval.json does not say zeros"
printf 'dataset = "shapes"\ntrain-samples = 256\ntest-samples = 64\nepochs = 1\nbatch = 32\nmax-shift = 2\n' > study.toml
printf 'strategies = ["max_pool"]\nseeds = 1\nshift-modes = ["circular", "zero"]\naugment-shift-mode = "zero"\n' >> study.toml
"$POOLNET" ablate --config study.toml --quiet --out study > /dev/null
cut -d, -f3 study/summary.csv | sort -u | tr '\n' ' ' | grep -qx 'circular shift_mode zeros ' ||
  fail "summary.csv shift modes: $(cut -d, -f3 study/summary.csv | tr '\n' ' ')"
grep -q '^max_pool,zeros,' study/aggregate.csv || fail "aggregate.csv does not say zeros"
echo "zeros_alias: zero is an alias of zeros; outputs say zeros"
