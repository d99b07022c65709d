# poolnet show: the layer panels of a saved model and of a new one (SVG and their scripts), the
# error table (0 at shift 0; a circularly padded convolution stays at 0), and bad arguments
# exit 2 with one message.
source "$(dirname "$0")/lib.sh"
"$POOLNET" train --dataset shapes --train-samples 128 --test-samples 16 --epochs 1 --batch 32 --head gap \
  --padding-mode circular --quiet --out m > /dev/null
"$POOLNET" show --checkpoint m/model.safetensors --image 3 --shifts 3 --channels 2 --out panels > show.txt
grep -q "^features.0 .* 1  0.0000 0.0000 0.0000 0.0000$" show.txt || fail "the first convolution: $(cat show.txt)"
grep -q "^features.2 .*MaxPool2d .* 2  0.0000 [0-9.]* 0.0000 " show.txt || fail "the first pooling layer: $(cat show.txt)"
for f in show_input show_features_0 show_features_2; do
  [ -s panels/$f.gp ] && [ -s panels/$f.dat ] || fail "no $f.gp/.dat"
  if command -v gnuplot > /dev/null; then [ -s panels/$f.svg ] || fail "no $f.svg"; fi
done
"$POOLNET" show --dataset shapes --model vgg --width 0.125 --downsample aps --head gap --shifts 2 --shift-mode zeros \
  --out fresh > fresh.txt
grep -q "^features\.[0-9]* .*ApsPool2d\|^features\.[0-9]* .*Aps" fresh.txt || fail "a new aps model: $(cat fresh.txt)"
expect_exit 2 "--image: 99 is past the last of the 16 test images" -- \
  "$POOLNET" show --checkpoint m/model.safetensors --image 99 --out bad
expect_exit 2 "--shift-mode" -- "$POOLNET" show --checkpoint m/model.safetensors --shift-mode crop --out bad
echo "show_panels: panels drawn, errors as defined, bad arguments refused"
