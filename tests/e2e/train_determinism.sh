# Same config and seed: bit-identical weights at 1 and 2 threads; a flag wins over --config.
source "$(dirname "$0")/lib.sh"
"$POOLNET" train "${SMALL[@]}" --downsample max_blur_pool:filter=3 --threads 1 --out one
"$POOLNET" train "${SMALL[@]}" --downsample max_blur_pool:filter=3 --threads 2 --out two
cmp one/model.safetensors two/model.safetensors || fail "weights differ between 1 and 2 threads"
for f in model.safetensors metrics.json train_log.csv checkpoint.safetensors; do
  [ -s one/$f ] || fail "missing $f"
done
printf 'dataset = "shapes"\ntrain-samples = 512\ntest-samples = 128\nepochs = 5\nbatch = 32\ndownsample = "max_blur_pool:filter=3"\n' > c.toml
"$POOLNET" train --config c.toml --epochs 2 --threads 2 --quiet --out three
cmp one/model.safetensors three/model.safetensors || fail "--config with --epochs 2 should equal the flag run"
echo "train_determinism: bit-identical across thread counts and config sources"
