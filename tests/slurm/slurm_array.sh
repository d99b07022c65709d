# A study spread over a Slurm job array on a real single-node Slurm (Debian's slurm-wlm and
# munge): a generated slurm.conf and munge key in a temporary folder, munged, slurmctld and
# slurmd started with them and stopped by their pids at the end. The array runs the README's
# sbatch line on a small shapes study, the README's --report-only merges it, and summary.csv
# must equal (timing excluded) the same study run in one process. If the daemons cannot start,
# the test says why and fails.
source "$(dirname "$0")/../e2e/lib.sh"
for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup.sh --tests installs slurm-wlm and munge)"
done
[ "$(id -u)" = 0 ] || fail "the Slurm test starts slurmd, which needs root"
T=$WORK/slurm
mkdir -p "$T/state" "$T/spool" "$T/munge"
chmod 711 "$T/munge"
HOST=$(hostname -s)
# Ports of our own, so that parallel checkouts running this test do not collide.
base=$(( 20000 + (($$ * 7) % 20000) ))
pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null || true
  done
}
trap stop EXIT
why() { echo "--- $1"; tail -n 20 "$1" 2>/dev/null || true; }

mungekey --create --keyfile="$T/munge/munge.key" --force || fail "mungekey could not create a key"
chmod 400 "$T/munge/munge.key"
munged --foreground --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" --seed-file="$T/munge/munge.seed" \
  2> "$T/munge/munged.out" &
pids+=($!)
for _ in $(seq 50); do [ -S "$T/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.socket" ] || { why "$T/munge/munged.out"; fail "munged did not start"; }

cat > "$T/slurm.conf" <<CONF
ClusterName=poolnettest
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=3600
NodeName=$HOST CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$T/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$T/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true)
  case "$state" in idle*|mixed*|allocated*) break ;; esac
  sleep 0.5
done
case "$state" in
  idle*|mixed*|allocated*) ;;
  *) why "$T/slurmctld.log"; why "$T/slurmctld.out"; why "$T/slurmd.log"; why "$T/slurmd.out"
     fail "the single-node Slurm did not come up (node state '$state')" ;;
esac
echo "slurm_array: slurmctld and slurmd up on $HOST (ports $base, $((base + 1)))"

# The README's Slurm section, on a small study: N array tasks, then --report-only.
cfg=$WORK/study.toml
printf 'dataset = "shapes"\nhead = "gap"\npadding-mode = "circular"\nstrategies = ["max_pool", "aps"]\nseeds = 2\nquick = true\nepochs = 1\ntrain-samples = 500\ntest-samples = 100\nmax-shift = 2\nquiet = true\n' > "$cfg"
OUT=$WORK/study
N=4
job=$(sbatch --parsable --chdir="$WORK" --output="$WORK/slurm-%A_%a.out" --array=0-$((N - 1)) --cpus-per-task=1 \
  --wrap "$POOLNET ablate --config $cfg --out $OUT --shard \${SLURM_ARRAY_TASK_ID}/$N --threads \${SLURM_CPUS_PER_TASK:-0}") \
  || fail "sbatch failed"
echo "slurm_array: submitted array job $job"
deadline=$(( $(date +%s) + 300 ))
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { squeue; fail "the array did not finish within 300 s"; }
  sleep 1
done
states=$(scontrol -o show job "$job" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c)
echo "slurm_array: $states"
n_done=$(scontrol -o show job "$job" | grep -c 'JobState=COMPLETED' || true)
[ "$n_done" = "$N" ] || { cat "$WORK"/slurm-*.out; fail "expected $N completed array tasks: $states"; }
trained=$(( $(cat "$WORK"/slurm-"$job"_*.out | sed -nE 's/.*runs complete \(([0-9]+) trained now.*/\1/p' | paste -sd+) ))
[ "$trained" = 4 ] || { cat "$WORK"/slurm-*.out; fail "the array tasks trained $trained runs, expected 4"; }
"$POOLNET" ablate --config "$cfg" --out "$OUT" --report-only > merge.txt
grep -q "4 of 4 runs complete" merge.txt || fail "the merge did not find every run: $(cat merge.txt)"

# The same study in one process.
"$POOLNET" ablate --config "$cfg" --out "$WORK/single" > /dev/null
python3 -c "import csv,sys
t=lambda p:[{k:v for k,v in r.items() if k!='train_seconds'} for r in csv.DictReader(open(p))]
sys.exit(t(sys.argv[1])!=t(sys.argv[2]))" "$OUT/summary.csv" "$WORK/single/summary.csv" \
  || fail "the Slurm study's summary differs from the single-process one"
echo "slurm_array: $N array tasks on a real Slurm gave the single-process summary"
