# ablate --jobs: the runs trained by several worker processes give the same summary,
# comparisons and report tables as one process; Ctrl-C on the command stops every worker at a
# checkpoint (status 130) and the same command resumes; a worker killed half way is reported
# with its status and its run is taken over by the next invocation; failed runs still fail the
# command.
source "$(dirname "$0")/lib.sh"
S=(--dataset shapes --quick --epochs 1 --train-samples 500 --test-samples 100 --max-shift 2 --seeds 2
   --strategies max_pool,aps,avg_pool --head gap --padding-mode circular)
"$POOLNET" ablate "${S[@]}" --quiet --out single > single.txt
"$POOLNET" ablate "${S[@]}" --jobs 2 --out jobs > jobs.txt 2> jobs.err
grep -q "6 of 6 runs complete (trained by 2 processes, 0 failed)" jobs.txt || fail "jobs: $(cat jobs.txt jobs.err)"
grep -q "training in 2 processes of 1 thread each" jobs.txt || fail "jobs: no plan line: $(cat jobs.txt)"
grep -q "\[job 2/2\] .*: training" jobs.txt || fail "jobs: the second worker trained nothing: $(cat jobs.txt)"
for d in jobs/runs/*/; do [ ! -e "$d/claim" ] || fail "$d: claim left behind"; done
same_summary() { python3 -c "import csv,sys
t=lambda p:[{k:v for k,v in r.items() if k!='train_seconds'} for r in csv.DictReader(open(p))]
sys.exit(t(sys.argv[1])!=t(sys.argv[2]))" "$1" "$2"; }
same_summary single/summary.csv jobs/summary.csv || fail "--jobs 2 summary differs from one process's"
cmp single/comparisons.csv jobs/comparisons.csv || fail "--jobs 2 comparisons differ from one process's"
cmp <(sed -n '/^## Findings/,$p' single/report.md | grep -v 'seconds') <(sed -n '/^## Findings/,$p' jobs/report.md | grep -v 'seconds') ||
  fail "--jobs 2 report differs from one process's"
# --jobs 0 is one worker per core; with --report-only nothing is trained.
"$POOLNET" ablate "${S[@]}" --jobs 0 --report-only --out jobs > ro.txt 2> ro.err
grep -q "6 of 6 runs complete (0 trained now" ro.txt || fail "--report-only with --jobs: $(cat ro.txt ro.err)"

# Ctrl-C on the command: every worker checkpoints, status 130 with a resume hint, no claim left.
L=(--dataset shapes --train-samples 6000 --test-samples 100 --epochs 3 --max-shift 2 --grid-samples 50 --seeds 1
   --strategies max_pool,avg_pool --head gap --padding-mode circular --checkpoint-every 1)
"$POOLNET" ablate "${L[@]}" --quiet --out long_single > /dev/null
"$POOLNET" ablate "${L[@]}" --jobs 2 --out long > long.txt 2> long.err &
pid=$!
for _ in $(seq 100); do
  [ "$(grep -c 'epoch 1/3 batch' long.txt)" -ge 2 ] && break
  sleep 0.1
done
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 130 ] || fail "SIGINT on --jobs 2 gave status $status (the runs may have finished first): $(tail -3 long.err)"
tail -1 long.err | grep -q "re-run the same ablate command" || fail "no resume hint: $(tail -3 long.err)"
sleep 0.5
pgrep -f -- "--out long --jobs 1" > /dev/null && fail "a worker outlived the interrupted command"
for d in long/runs/*/; do [ ! -e "$d/claim" ] || fail "$d: claim left behind after SIGINT"; done
"$POOLNET" ablate "${L[@]}" --jobs 2 --out long > resumed.txt 2> resumed.err || fail "resume: $(cat resumed.err)"
same_summary long_single/summary.csv long/summary.csv || fail "interrupted and resumed --jobs study differs"

# A worker killed half way: the command names it and its status; the next invocation takes
# its run over (the claim of a dead process) and matches.
rm -rf killed
"$POOLNET" ablate "${L[@]}" --jobs 2 --out killed > killed.txt 2> killed.err &
pid=$!
for _ in $(seq 100); do
  worker=$(pgrep -f -- "--out killed --jobs 1 --threads 1 --worker 0/2" || true)
  [ -n "$worker" ] && grep -q '\[job 1/2\] .*epoch 1/3 batch' killed.txt && break
  sleep 0.1
done
[ -n "$worker" ] || fail "no worker process found: $(cat killed.txt killed.err)"
kill -9 "$worker"
status=0
wait "$pid" || status=$?
[ "$status" = 1 ] || fail "a killed worker gave status $status: $(tail -3 killed.err)"
tail -1 killed.err | grep -qE "worker process 1 of 2 exited with status 137" || fail "killed worker: $(tail -3 killed.err)"
"$POOLNET" ablate "${L[@]}" --jobs 2 --out killed > killed2.txt 2> killed2.err || fail "after a killed worker: $(cat killed2.err)"
same_summary long_single/summary.csv killed/summary.csv || fail "study with a killed worker differs"

# Runs that fail (a diverging learning rate) fail the command as they do in one process.
status=0
"$POOLNET" ablate "${S[@]}" --strategies max_pool --lr 1e6 --jobs 2 --quiet --out diverged > diverged.txt 2> diverged.err || status=$?
[ "$status" = 1 ] || fail "failed runs under --jobs gave status $status: $(cat diverged.err)"
tail -1 diverged.err | grep -q "2 run(s) failed; see the report" || fail "failed runs: $(cat diverged.err)"
grep -q "0 of 2 runs complete (trained by 2 processes, 2 failed)" diverged.txt || fail "failed runs: $(cat diverged.txt)"
echo "study_jobs: 2 workers match one process; SIGINT, a killed worker and failed runs handled"
