# --input-downsample: a model trained with it is saved and loads with it (eval, show), inspect
# lists the input's downsampler first with stride 2 and its field, the PyTorch source starts with
# it, a TOML config sets it, and resnet refuses it with one message.
source "$(dirname "$0")/lib.sh"
"$POOLNET" train "${SMALL[@]}" --epochs 1 --model lenet --downsample max_pool --head gap --input-downsample --out m \
  > /dev/null
grep -q '"poolnet.model.input_downsample":"true"' <(head -c 4096 m/model.safetensors | tr -d ' ') ||
  fail "the checkpoint's metadata has no input_downsample"
"$POOLNET" eval --checkpoint m/model.safetensors --max-shift 2 --shift-modes circular --quiet > eval.txt ||
  fail "eval of the checkpoint: $(cat eval.txt)"
grep -q "input_down" eval.txt || fail "eval does not name the model with input_down: $(cat eval.txt)"
"$POOLNET" show --checkpoint m/model.safetensors --shifts 2 --channels 1 --out panels > show.txt
grep -q "^features.0 .*MaxPool2d" show.txt || fail "show's first layer is not the input's pool: $(cat show.txt)"

"$POOLNET" inspect --model lenet --downsample max_pool --input-downsample > inspect.txt
grep -qE "^features.0 +MaxPool2d\(kernel=2x2, stride=2x2\) +\[1,14,14\] +0 +0 +2x2 +2 +\(0.5,0.5\)$" inspect.txt ||
  fail "inspect: $(cat inspect.txt)"
grep -qE "^features.1 +Conv2d\(1, 6, .*\[6,14,14\] .* 10x10 +2 " inspect.txt || fail "inspect conv1: $(cat inspect.txt)"
"$POOLNET" inspect --model lenet --downsample max_pool --input-downsample --format torch > net.py
grep -A2 'add_module("features", Sequential(' net.py | grep -q "MaxPool2d(" || fail "torch export: $(cat net.py)"

printf 'model = "vgg"\nwidth = 0.25\ndownsample = "avg_pool"\ninput-downsample = true\n' > cfg.toml
"$POOLNET" inspect --config cfg.toml > cfg.txt
grep -qE "^features.0 +AvgPool2d" cfg.txt || fail "TOML input-downsample: $(cat cfg.txt)"
"$POOLNET" inspect --model vgg --width 0.25 --downsample avg_pool > plain.txt
grep -qE "^features.0 +Conv2d" plain.txt || fail "the default has no input downsampler: $(cat plain.txt)"

expect_exit 2 "input downsampling applies to lenet, vgg and allconv, not resnet" -- \
  "$POOLNET" inspect --model resnet --input-downsample
expect_exit 2 "input downsampling applies to lenet, vgg and allconv, not resnet" -- \
  "$POOLNET" train "${SMALL[@]}" --model resnet --input-downsample --out r
echo "input_downsample: saved, loaded, inspected, exported, refused for resnet"
