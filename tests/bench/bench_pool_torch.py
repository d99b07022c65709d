#!/usr/bin/python3
"""PyTorch's max_pool2d and avg_pool2d (kernel 2, stride 2) at the shapes of bench_pool.cpp,
for comparison. Run by hand: /usr/bin/python3 tests/bench/bench_pool_torch.py
Prints images/s for forward and forward + backward at 1 and 2 threads, and for overlapping
windows (kernel 2 stride 1, kernel 3 stride 2 padding 1) at 1 thread."""
import time

import torch
import torch.nn.functional as F

SHAPES = [(6, 28), (16, 10), (32, 32), (64, 16)]
N = 64


def rate(fn, min_time=0.5):
    for _ in range(5):
        fn()
    iters, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_time:
        fn()
        iters += 1
    return N * iters / (time.perf_counter() - start)


def main():
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, op in (("max_pool2d", F.max_pool2d), ("avg_pool2d", F.avg_pool2d)):
            for c, h in SHAPES:
                x = torch.rand(N, c, h, h) * 2 - 1
                with torch.no_grad():
                    fwd = rate(lambda: op(x, 2))
                xg = x.clone().requires_grad_(True)
                gy = torch.rand(N, c, h // 2, h // 2)
                both = rate(lambda: op(xg, 2).backward(gy))
                print(f"{name} C={c} H={h} threads={threads}: forward {fwd / 1e3:.1f}k img/s, "
                      f"forward+backward {both / 1e3:.1f}k img/s")
    torch.set_num_threads(1)
    for c, h, k, s in ((16, 10, 2, 1), (64, 16, 2, 1), (64, 16, 3, 2)):  # overlapping windows
        p = k // 2 * (s - 1)
        xg = torch.rand(N, c, h, h, requires_grad=True)
        gy = torch.rand_like(F.max_pool2d(xg, k, s, p))
        both = rate(lambda: F.max_pool2d(xg, k, s, p).backward(gy))
        print(f"max_pool2d k={k} s={s} C={c} H={h} threads=1: forward+backward {both / 1e3:.2f}k img/s")


if __name__ == "__main__":
    main()
