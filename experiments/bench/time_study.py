#!/usr/bin/python3
"""Times poolnet's study against the same study in PyTorch, alternating, and prints a Markdown table.

For --rounds R, runs `poolnet ablate --config CONFIG` and `experiments/bench/torch_study.py
--config CONFIG` (the same strategies x seeds, recipe and evaluation suites; docs/performance.md,
"The default study against PyTorch") one after the other, poolnet first, R times, each in a
fresh output folder under --work, each under `/usr/bin/time -v`: wall time and peak resident
memory (the largest single process's, which is what `time -v` reports for a process tree). Prints
per round both wall times, their ratio PyTorch / poolnet and both peaks, then the median ratio and
its range. Alternating spreads a drift in the machine's load over both.

Threads: poolnet runs with its config's `jobs` and `threads` (the default study: jobs = 0, one
single-threaded process per core). PyTorch runs its runs one after another with
torch.set_num_threads(cores) by default (--torch-jobs 1 --torch-threads 0), or --torch-jobs J runs
in J processes at once with cores / J threads each (--torch-jobs 2 on two cores: two
single-threaded runs side by side, the arrangement poolnet's study uses). Give the arrangement
that is faster for PyTorch on the machine measured; the table names the one used.

  /usr/bin/python3 experiments/bench/time_study.py --rounds 3 [--torch-jobs 2] [--work DIR] \\
      [--strategies a,b --seeds N --epochs E --train-samples N --test-samples N]

The overrides are passed to both studies alike; without them the whole default study runs
(poolnet's half alone takes about 14 minutes on two cores; docs/study.md).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TIME = "/usr/bin/time"


def fail(message):
    sys.exit(f"time_study: {message}")


def timed(command, log):
    """(wall seconds, peak resident MiB) of command under `time -v`; its output goes to log."""
    report = log + ".time"
    with open(log, "w") as out:
        status = subprocess.run([TIME, "-v", "-o", report, *command], stdout=out, stderr=subprocess.STDOUT).returncode
    if status != 0:
        with open(log) as f:
            tail = f.read()[-2000:]
        fail(f"{' '.join(command)} exited with {status}; the end of {log}:\n{tail}")
    with open(report) as f:
        text = f.read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not wall or not peak:
        fail(f"{report}: no wall time or peak memory in the output of {TIME} -v")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, int(peak.group(1)) / 1024


def overrides(a):
    out = []
    for key in ("strategies", "seeds", "epochs", "train_samples", "test_samples"):
        value = getattr(a, key)
        if value is not None:
            out += [f"--{key.replace('_', '-')}", str(value)]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=os.path.normpath(os.path.join(HERE, "..", "configs", "default.toml")))
    p.add_argument("--binary", default=os.path.normpath(os.path.join(HERE, "..", "..", "build", "release", "poolnet")))
    p.add_argument("--rounds", type=int, default=3, help="poolnet, PyTorch pairs (default 3)")
    p.add_argument("--torch-jobs", type=int, default=1, help="PyTorch runs at once, in processes (default 1)")
    p.add_argument("--torch-threads", type=int, default=0, help="PyTorch threads in all (0: all cores)")
    p.add_argument("--work", help="folder for the output folders (default: a temporary one, removed after)")
    p.add_argument("--strategies")
    p.add_argument("--seeds", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--train-samples", type=int)
    p.add_argument("--test-samples", type=int)
    a = p.parse_args()
    if a.rounds < 1:
        p.error(f"--rounds: {a.rounds} is out of range (at least 1)")
    if a.torch_jobs < 1 or a.torch_threads < 0:
        p.error("--torch-jobs must be at least 1 and --torch-threads at least 0")
    for path, what in ((a.config, "--config"), (a.binary, "--binary"), (TIME, "GNU time (apt-get install time)")):
        if not os.path.isfile(path):
            p.error(f"{what}: {path} not found")
    work = a.work or tempfile.mkdtemp(prefix="time_study-")
    os.makedirs(work, exist_ok=True)
    common = ["--config", a.config, *overrides(a)]
    poolnet = [a.binary, "ablate", *common, "--quiet"]
    torch_study = [sys.executable, os.path.join(HERE, "torch_study.py"), "--binary", a.binary, *common, "--jobs",
                   str(a.torch_jobs), "--threads", str(a.torch_threads)]
    rows = []
    for r in range(1, a.rounds + 1):
        row = []
        for name, command in (("poolnet", poolnet), ("torch", torch_study)):
            out = os.path.join(work, f"round{r}-{name}")
            shutil.rmtree(out, ignore_errors=True)
            row.append(timed(command + ["--out", out], out + ".log"))
            print(f"round {r}: {name} {row[-1][0]:.1f} s, {row[-1][1]:.0f} MiB", file=sys.stderr, flush=True)
        rows.append(row)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    cores = os.cpu_count()
    print(f"{' '.join(poolnet[1:])} against torch_study.py --jobs {a.torch_jobs} --threads {a.torch_threads} "
          f"({cores} cores; wall time and peak resident memory from {TIME} -v)\n")
    print("| round | poolnet s | PyTorch s | PyTorch / poolnet | poolnet peak MiB | PyTorch peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for r, ((p_wall, p_peak), (t_wall, t_peak)) in enumerate(rows, 1):
        ratios.append(t_wall / p_wall)
        print(f"| {r} | {p_wall:.1f} | {t_wall:.1f} | {ratios[-1]:.2f} | {p_peak:.0f} | {t_peak:.0f} |")
    print(f"\nmedian ratio PyTorch / poolnet {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}–{max(ratios):.2f}, {len(ratios)} rounds)")


if __name__ == "__main__":
    main()
