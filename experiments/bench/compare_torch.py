#!/usr/bin/python3
"""poolnet against PyTorch on the CPU: training-step and inference images/s of the standard models.

Builds the same lenet and vgg models in PyTorch from `poolnet inspect --format torch` (the
downsampling strategies PyTorch lacks come from models/torch_modules.py), then measures poolnet
(`poolnet bench --json` for one configuration at a time, in a subprocess) and PyTorch alternately,
configuration by configuration and round by round, so both see the same machine load. Prints a
Markdown table: the median images/s over the rounds of each side and the median of the per-round
ratios poolnet / PyTorch with their range (lowest-highest round).

Run with Debian's interpreter (the one with torch):
  /usr/bin/python3 experiments/bench/compare_torch.py [--rounds 3] [--threads 1,2]
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

def bench_spec(model_name, head=""):
    """The head and input shape `poolnet bench` uses for a model family (`head`: another head)."""
    default, shape = ("gap", "3,32,32") if model_name == "vgg" else ("flatten", "1,28,28")
    return head or default, shape


def torch_model(binary, model_name, strategy, head):
    """The PyTorch equivalent of the model `poolnet bench` times, from `poolnet inspect --format torch`."""
    head, shape = bench_spec(model_name, head)
    source = subprocess.run([binary, "inspect", "--model", model_name, "--downsample", strategy, "--head", head,
                             "--input", shape, "--format", "torch"], check=True, capture_output=True, text=True).stdout
    namespace = {}
    exec(compile(source, f"<{model_name} {strategy}>", "exec"), namespace)
    return namespace["build"]()


def bench_strategies(binary):
    """`poolnet bench`'s default strategies (the registry rows marked for it)."""
    out = subprocess.run([binary, "strategies", "--format", "bench"], check=True, capture_output=True, text=True)
    return out.stdout.split()


def torch_rate(binary, model_name, strategy, head, workload, batch, repetitions, min_seconds):
    torch.manual_seed(0)
    model = torch_model(binary, model_name, strategy, head)
    shape = (batch,) + tuple(int(d) for d in bench_spec(model_name)[1].split(","))
    x = torch.randn(shape)
    labels = torch.arange(batch) % 10
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def train_step():
        model.train()
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    def infer_step():
        model.eval()
        with torch.no_grad():
            model(x)

    step = train_step if workload == "train" else infer_step
    for _ in range(2):
        step()
    rates = []
    for _ in range(repetitions):
        steps, start = 0, time.perf_counter()
        while True:
            step()
            steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(steps * batch / elapsed)
    return statistics.median(rates)


def poolnet_rate(binary, model_name, strategy, head, workload, threads, batch, repetitions, min_seconds):
    out = subprocess.run([binary, "bench", "--json", "--models", model_name, "--strategies", strategy, "--head", head,
                          "--threads", str(threads), "--workloads", workload, "--batch", str(batch),
                          "--repetitions", str(repetitions), "--min-seconds", str(min_seconds)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["results"][0]["images_per_second"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(here, "..", "..", "build", "release", "poolnet"))
    p.add_argument("--models", default="lenet,vgg")
    p.add_argument("--strategies", default="", help="';'-separated when a spec has a comma (default: poolnet bench's)")
    p.add_argument("--head", default="", help="the head of every model (default: poolnet bench's, gap for vgg, "
                   "flatten for lenet)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--workloads", default="train,infer")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3, help="alternating poolnet/PyTorch rounds per configuration")
    p.add_argument("--repetitions", type=int, default=3, help="timed repetitions inside one round (median)")
    p.add_argument("--min-seconds", type=float, default=0.3)
    a = p.parse_args()
    strategies = a.strategies.split(";") if ";" in a.strategies else a.strategies.split(",")
    strategies = [s for s in strategies if s] or bench_strategies(a.binary)
    print(f"torch {torch.__version__}, batch {a.batch}, {a.rounds} alternating rounds per row; "
          f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    print()
    print("| model | strategy | workload | threads | poolnet img/s | PyTorch img/s | poolnet / PyTorch | range |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        for model_name in a.models.split(","):
            for strategy in strategies:
                for workload in a.workloads.split(","):
                    ours, theirs, ratios = [], [], []
                    for _ in range(a.rounds):
                        o = poolnet_rate(a.binary, model_name, strategy, a.head, workload, threads, a.batch,
                                         a.repetitions, a.min_seconds)
                        t = torch_rate(a.binary, model_name, strategy, a.head, workload, a.batch, a.repetitions,
                                       a.min_seconds)
                        ours.append(o)
                        theirs.append(t)
                        ratios.append(o / t)
                    name = f"{model_name}[{a.head}]" if a.head else model_name
                    print(f"| {name} | {strategy} | {workload} | {threads} | {statistics.median(ours):.0f} | "
                          f"{statistics.median(theirs):.0f} | {statistics.median(ratios):.2f} | "
                          f"{min(ratios):.2f}-{max(ratios):.2f} |", flush=True)
    print()
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
