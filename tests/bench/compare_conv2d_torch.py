"""conv2d alone, poolnet against PyTorch: the shapes of bench_conv2d.cpp (batch 64, x requires
grad, with bias), forward and forward+backward, at 1 and 2 threads.

Run with a Python that has torch, after building the release preset:
  /usr/bin/python3 tests/bench/compare_conv2d_torch.py [--rounds 3] [--threads 1,2] [--shapes "6,6,28,3,1,2;..."]

Both sides are measured alternately, shape by shape and round by round (poolnet through
bench_conv2d in a subprocess), so both see the same machine load. Each round takes the minimum
over repetitions of the mean time per call; the table shows the median over rounds in ms and the
median of the per-round ratios PyTorch time / poolnet time (above 1: poolnet is faster).
"""
import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import torch
import torch.nn.functional as F

SHAPES = [  # C, OC, H (= W), K, padding, stride
    (1, 6, 28, 5, 2, 1), (6, 16, 14, 5, 0, 1), (3, 32, 32, 3, 1, 1), (32, 32, 32, 3, 1, 1),
    (32, 64, 16, 3, 1, 1), (64, 64, 16, 3, 1, 1), (64, 128, 8, 3, 1, 1), (32, 32, 32, 3, 1, 2),
    (64, 64, 16, 3, 1, 2), (6, 6, 28, 3, 1, 2), (16, 16, 10, 3, 1, 2),
]
BENCH = Path(__file__).resolve().parents[2] / "build/release/tests/bench/bench_conv2d"


def best_ms(fn, min_time=1.0, repeats=5):
    """The minimum over `repeats` windows of the mean time per call."""
    for _ in range(3):
        fn()  # warm up (oneDNN builds its kernels on first use)
    best = float("inf")
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < min_time / repeats or n < 2:
            fn()
            n += 1
        best = min(best, (time.perf_counter() - start) / n * 1e3)
    return best


def torch_ms(shape, threads):
    c, oc, h, k, p, s = shape
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    x = torch.rand((64, c, h, h), generator=g).requires_grad_()
    w = torch.rand((oc, c, k, k), generator=g).requires_grad_()
    b = torch.rand((oc,), generator=g).requires_grad_()
    with torch.no_grad():
        fwd = best_ms(lambda: F.conv2d(x, w, b, stride=s, padding=p))
    gy = torch.rand(F.conv2d(x, w, b, stride=s, padding=p).shape, generator=g)
    both = best_ms(lambda: F.conv2d(x, w, b, stride=s, padding=p).backward(gy))
    return fwd, both


def poolnet_ms(binary, shape, threads):
    c, oc, h, k, p, s = shape
    name = f"C:{c}/OC:{oc}/H:{h}/K:{k}/pad:{p}/threads:{threads}/stride:{s}/"
    out = subprocess.run([str(binary), f"--benchmark_filter=/{name}", "--benchmark_min_time=0.2",
                          "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    rows = {r["run_name"].split("/")[0]: r["real_time"] for r in json.loads(out)["benchmarks"]
            if r.get("aggregate_name") == "min"}
    return rows["BM_Conv2dForward"], rows["BM_Conv2dForwardBackward"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(BENCH))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--shapes", default="", help="';'-separated C,OC,H,K,padding,stride (default: all)")
    args = parser.parse_args()
    shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";")] if args.shapes else SHAPES
    print(f"torch {torch.__version__}, mkldnn {torch.backends.mkldnn.is_available()}, {args.rounds} alternating rounds")
    print("| C | OC | H | K | pad | stride | threads | poolnet fwd ms | PyTorch fwd ms | ratio | "
          "poolnet fwd+bwd ms | PyTorch fwd+bwd ms | ratio |")
    print("|" + "---:|" * 13)
    for threads in (int(t) for t in args.threads.split(",")):
        for shape in shapes:
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(poolnet_ms(args.binary, shape, threads))
                theirs.append(torch_ms(shape, threads))
            cells = []
            for i in (0, 1):
                ratio = statistics.median(t[i] / o[i] for o, t in zip(ours, theirs))
                cells += [f"{statistics.median(o[i] for o in ours):.2f}", f"{statistics.median(t[i] for t in theirs):.2f}",
                          f"{ratio:.2f}"]
            print("| " + " | ".join(str(v) for v in (*shape, threads, *cells)) + " |")


if __name__ == "__main__":
    main()
