# Four processes started at once on one study folder train each run exactly once, and their
# final summary equals a single-process study's. Claims: a claim of a live process is
# respected and reported, a claim of a dead process on this host or an old one from another
# host is taken over.
source "$(dirname "$0")/lib.sh"
S=(--dataset shapes --quick --epochs 1 --train-samples 500 --test-samples 100 --max-shift 2 --seeds 2 --strategies max_pool,aps --head gap --padding-mode circular --quiet)
"$POOLNET" ablate "${S[@]}" --out single > single.txt
pids=()
for i in 1 2 3 4; do
  "$POOLNET" ablate "${S[@]}" --out shared > "p$i.txt" 2> "p$i.err" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent process failed: $(cat p*.err)"; done
trained=0
for i in 1 2 3 4; do
  line=$(grep -E "runs complete \([0-9]+ trained now" "p$i.txt") || fail "process $i: no final line: $(cat "p$i.txt")"
  k=$(sed -E 's/.*\(([0-9]+) trained now.*/\1/' <<< "$line")
  trained=$((trained + k))
done
[ "$trained" = 4 ] || fail "4 runs, trained $trained times in total: $(cat p*.txt)"
for d in shared/runs/*/; do
  [ "$(grep -c . "$d/train_log.csv")" -ge 2 ] || fail "$d: no training log"
  [ ! -e "$d/claim" ] || fail "$d: claim left behind"
done
same_summary() { python3 -c "import csv,sys
t=lambda p:[{k:v for k,v in r.items() if k!='train_seconds'} for r in csv.DictReader(open(p))]
sys.exit(t(sys.argv[1])!=t(sys.argv[2]))" "$1" "$2"; }
same_summary single/summary.csv shared/summary.csv || fail "the concurrent study's summary differs"
cmp <(cut -d, -f1-3 single/aggregate.csv) <(cut -d, -f1-3 shared/aggregate.csv) || fail "aggregate.csv differs"

# Claims. A live process's claim (this shell's) is skipped and reported.
C=(--dataset shapes --quick --epochs 1 --train-samples 500 --test-samples 100 --max-shift 2 --seeds 1 --strategies max_pool --quiet)
"$POOLNET" ablate "${C[@]}" --out claims --report-only > /dev/null
mkdir -p claims/runs/max_pool-seed0
printf '{"host": "%s", "pid": %d, "start": %d}\n' "$(hostname -s)" $$ "$(date +%s)" > claims/runs/max_pool-seed0/claim
"$POOLNET" ablate "${C[@]}" --out claims > live.txt
grep -q "max_pool-seed0: being trained by $(hostname -s):$$" live.txt || fail "live claim: $(cat live.txt)"
grep -q "0 of 1 runs complete (0 trained now, 0 failed)" live.txt || fail "live claim: $(cat live.txt)"
# Another host's claim is live until --claim-timeout, then taken over.
printf '{"host": "elsewhere", "pid": 1, "start": %d}\n' $(( $(date +%s) - 100 )) > claims/runs/max_pool-seed0/claim
"$POOLNET" ablate "${C[@]}" --out claims > remote.txt
grep -q "being trained by elsewhere:1" remote.txt || fail "remote claim: $(cat remote.txt)"
"$POOLNET" ablate "${C[@]}" --out claims --claim-timeout 50 > remote2.txt
grep -q "1 of 1 runs complete (1 trained now" remote2.txt || fail "old remote claim not taken over: $(cat remote2.txt)"
# A dead process's claim on this host is taken over.
bash -c 'exit 0' & dead=$!; wait "$dead"
rm -rf claims && "$POOLNET" ablate "${C[@]}" --out claims --report-only > /dev/null
mkdir -p claims/runs/max_pool-seed0
printf '{"host": "%s", "pid": %d, "start": %d}\n' "$(hostname -s)" "$dead" "$(date +%s)" > claims/runs/max_pool-seed0/claim
"$POOLNET" ablate "${C[@]}" --out claims > dead.txt
grep -q "1 of 1 runs complete (1 trained now" dead.txt || fail "dead claim not taken over: $(cat dead.txt)"
echo "study_concurrent: 4 processes trained each run once and match the single-process study; claims respected"
