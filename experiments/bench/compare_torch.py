#!/usr/bin/python3
"""poolnet against PyTorch on the CPU: training-step and inference images/s of the standard models.

Builds the same lenet and vgg models in PyTorch (the downsampling strategies poolnet has and
PyTorch lacks -- max_blur_pool, aps -- as small torch modules below), then measures poolnet
(`poolnet bench --json` for one configuration at a time, in a subprocess) and PyTorch alternately,
configuration by configuration and round by round, so both see the same machine load. Prints a
Markdown table: the median images/s over the rounds of each side and the median of the per-round
ratios poolnet / PyTorch.

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
import torch.nn as nn
import torch.nn.functional as F

STRATEGIES = ["max_pool", "avg_pool", "strided_conv", "max_blur_pool:filter=3", "aps"]


class Blur(nn.Module):
    """poolnet blur_pool2d (binomial filter, zero padding as the models' default padding mode)."""

    def __init__(self, channels, filter_size=3, stride=2):
        super().__init__()
        k = torch.tensor([float(c) for c in _binomial(filter_size)])
        k2 = torch.outer(k, k)
        k2 /= k2.sum()
        self.register_buffer("weight", k2.expand(channels, 1, filter_size, filter_size).contiguous())
        self.pad = ((filter_size - 1) // 2, filter_size // 2)
        self.stride, self.channels = stride, channels

    def forward(self, x):
        x = F.pad(x, (self.pad[0], self.pad[1], self.pad[0], self.pad[1]))
        return F.conv2d(x, self.weight, stride=self.stride, groups=self.channels)


def _binomial(n):
    row = [1]
    for _ in range(n - 1):
        row = [a + b for a, b in zip([0] + row, row + [0])]
    return row


class MaxBlurPool(nn.Module):
    """poolnet max_blur_pool2d: dense 2x2 max (stride 1, unpadded), then blur + subsample by 2."""

    def __init__(self, channels, filter_size=3):
        super().__init__()
        self.blur = Blur(channels, filter_size)

    def forward(self, x):
        return self.blur(F.max_pool2d(x, 2, stride=1))


class Aps(nn.Module):
    """poolnet aps (l2): per sample keep the 2x2 polyphase component with the largest norm."""

    def forward(self, x):
        comps = torch.stack([x[:, :, i::2, j::2] for i in range(2) for j in range(2)], dim=1)  # [N,4,C,H/2,W/2]
        norms = comps.pow(2).flatten(2).sum(2)  # [N,4]
        idx = norms.argmax(1)
        return comps[torch.arange(x.shape[0]), idx]


def downsample(strategy, channels):
    name = strategy.split(":")[0]
    if name == "max_pool":
        return nn.MaxPool2d(2, 2)
    if name == "avg_pool":
        return nn.AvgPool2d(2, 2)
    if name == "strided_conv":
        return nn.Sequential(nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.ReLU())
    if name == "max_blur_pool":
        return MaxBlurPool(channels, int(strategy.split("filter=")[1]) if "filter=" in strategy else 3)
    if name == "aps":
        return Aps()
    raise ValueError(strategy)


def lenet(strategy):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), downsample(strategy, 6),
        nn.Conv2d(6, 16, 5), nn.ReLU(), downsample(strategy, 16),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def vgg(strategy):
    def block(i, o):
        return [nn.Conv2d(i, o, 3, padding=1), nn.ReLU()]
    return nn.Sequential(
        *block(3, 32), *block(32, 32), downsample(strategy, 32),
        *block(32, 64), *block(64, 64), downsample(strategy, 64),
        *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))


def torch_rate(model_name, strategy, workload, batch, repetitions, min_seconds):
    torch.manual_seed(0)
    model = lenet(strategy) if model_name == "lenet" else vgg(strategy)
    shape = (batch, 1, 28, 28) if model_name == "lenet" else (batch, 3, 32, 32)
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


def poolnet_rate(binary, model_name, strategy, workload, threads, batch, repetitions, min_seconds):
    out = subprocess.run([binary, "bench", "--json", "--models", model_name, "--strategies", strategy,
                          "--threads", str(threads), "--workloads", workload, "--batch", str(batch),
                          "--repetitions", str(repetitions), "--min-seconds", str(min_seconds)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["results"][0]["images_per_second"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(here, "..", "..", "build", "release", "poolnet"))
    p.add_argument("--models", default="lenet,vgg")
    p.add_argument("--strategies", default=",".join(STRATEGIES), help="';'-separated when a spec has a comma")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--workloads", default="train,infer")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3, help="alternating poolnet/PyTorch rounds per configuration")
    p.add_argument("--repetitions", type=int, default=3, help="timed repetitions inside one round (median)")
    p.add_argument("--min-seconds", type=float, default=0.3)
    a = p.parse_args()
    strategies = a.strategies.split(";") if ";" in a.strategies else a.strategies.split(",")
    strategies = [s for s in strategies if s]
    print(f"torch {torch.__version__}, batch {a.batch}, {a.rounds} alternating rounds per row; "
          f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    print()
    print("| model | strategy | workload | threads | poolnet img/s | PyTorch img/s | poolnet / PyTorch |")
    print("|---|---|---|---:|---:|---:|---:|")
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        for model_name in a.models.split(","):
            for strategy in strategies:
                for workload in a.workloads.split(","):
                    ours, theirs, ratios = [], [], []
                    for _ in range(a.rounds):
                        o = poolnet_rate(a.binary, model_name, strategy, workload, threads, a.batch, a.repetitions,
                                         a.min_seconds)
                        t = torch_rate(model_name, strategy, workload, a.batch, a.repetitions, a.min_seconds)
                        ours.append(o)
                        theirs.append(t)
                        ratios.append(o / t)
                    print(f"| {model_name} | {strategy} | {workload} | {threads} | {statistics.median(ours):.0f} | "
                          f"{statistics.median(theirs):.0f} | {statistics.median(ratios):.2f} |", flush=True)
    print()
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
