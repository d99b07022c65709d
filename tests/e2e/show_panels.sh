# poolnet show: the layer panels of a saved model and of a new one (SVG and their scripts), the
# error table (0 at shift 0; a circularly padded convolution stays at 0), the CAM / attention,
# ERF and spectra figures with their tables (a CAM row per shift, r50 <= r90 <= the theoretical
# radius, aliased shares in [0, 1]), and bad arguments exit 2 with one message.
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

# figures STEM...: the scripts and data exist, and the SVGs when gnuplot is there.
figures() {
  local dir=$1
  shift
  for f in "$@"; do
    [ -s "$dir/$f.gp" ] && [ -s "$dir/$f.dat" ] || fail "no $dir/$f.gp/.dat"
    if command -v gnuplot > /dev/null; then [ -s "$dir/$f.svg" ] || fail "no $dir/$f.svg"; fi
  done
}

# A trained vgg with the gap head: the CAM of the class predicted at 0 px, one row per shift
# (shift, class, peak cell, peak pixel, peak value), the ERF and the spectra.
"$POOLNET" train --dataset shapes --model vgg --width 0.125 --train-samples 256 --test-samples 16 --epochs 1 \
  --batch 32 --head gap --quiet --out v > /dev/null
"$POOLNET" show --checkpoint v/model.safetensors --image 2 --shifts 3 --channels 1 --overlay cam,erf --spectra \
  --out overlays > overlays.txt
figures overlays show_input cam erf spectra
grep -q "^class activation map of class [0-9]* (.*), predicted at 0 px; map 7x7, stride 4$" overlays.txt ||
  fail "the CAM header: $(cat overlays.txt)"
[ "$(grep -cE '^[0-3] +[a-z]+ +[0-6],[0-6] +[0-9]+,[0-9]+ +-?[0-9.]+$' overlays.txt)" = 4 ] ||
  fail "a CAM row per shift: $(cat overlays.txt)"
# ERF rows: layer stride field radius r50 r90, with r50 <= r90 <= radius; the stride grows.
awk '/^effective receptive field/ {on = 1; next} on && /^features/ {n++; if (!($5 <= $6 && $6 <= $4)) bad = 1;
     if ($2 < last) bad = 1; last = $2} /^$/ {on = 0} END {exit !(n == 3 && !bad)}' overlays.txt ||
  fail "the ERF table: $(cat overlays.txt)"
grep -q "^features.4 *2 *6 *2.5 " overlays.txt || fail "the first pool's field is inspect's 6 px: $(cat overlays.txt)"
awk '/^spectra at 0 px/ {on = 1; next} on && /^features/ {n++; if (!($5 > 0 && $5 < 1) || $2 != "2x2") bad = 1}
     END {exit !(n == 2 && !bad)}' overlays.txt || fail "the spectra table: $(cat overlays.txt)"
grep -q "^features.4 *2x2 *28x28 *14x14 " overlays.txt || fail "the spectra sizes: $(cat overlays.txt)"

# A new model with an attention head and blur pooling: the attention map, and the spectra.
"$POOLNET" show --dataset shapes --model vgg --width 0.125 --downsample max_blur_pool --head simpool --shifts 2 \
  --overlay cam --spectra --out attention > attention.txt
figures attention cam spectra
grep -q "^attention map (mean over heads) of class" attention.txt || fail "the attention map: $(cat attention.txt)"
[ ! -e attention/erf.gp ] || fail "erf drawn without --overlay erf"
[ ! -e panels/cam.gp ] && [ ! -e panels/spectra.gp ] || fail "overlays drawn by default"

# No map to draw: refused before any work, naming the head.
expect_exit 2 "--overlay cam: vgg.*head=flatten.* has no map to draw: the flatten head has no spatial map" -- \
  "$POOLNET" show --dataset shapes --model vgg --width 0.125 --head flatten --overlay cam --out flat
[ ! -e flat ] || fail "a refused show wrote flat/"
expect_exit 2 "--overlay cam: lenet.* the gap head is followed by" -- \
  "$POOLNET" show --checkpoint m/model.safetensors --overlay cam --out bad
expect_exit 2 "--overlay" -- "$POOLNET" show --checkpoint m/model.safetensors --overlay heat --out bad
echo "show_panels: panels, overlays and spectra drawn, errors as defined, bad arguments refused"
