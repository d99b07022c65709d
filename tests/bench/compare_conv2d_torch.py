"""PyTorch timings for the shapes of bench_conv2d.cpp (batch 64, x requires grad, with bias).

Run with a Python that has torch:  /usr/bin/python3 tests/bench/compare_conv2d_torch.py
Prints milliseconds per forward and per forward+backward at 1 and 2 threads (the minimum over
repetitions, like bench_conv2d's *_min rows).
"""
import time

import torch
import torch.nn.functional as F

SHAPES = [  # C, OC, H (= W), K, padding, stride
    (1, 6, 28, 5, 2, 1), (6, 16, 14, 5, 0, 1), (3, 32, 32, 3, 1, 1), (32, 32, 32, 3, 1, 1),
    (32, 64, 16, 3, 1, 1), (64, 64, 16, 3, 1, 1), (64, 128, 8, 3, 1, 1), (32, 64, 32, 3, 1, 2),
]


def best_ms(fn, min_time=1.0, repeats=5):
    """The minimum over `repeats` windows of the mean time per call (the machine is shared)."""
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


def main():
    print(f"torch {torch.__version__}, mkldnn {torch.backends.mkldnn.is_available()}")
    print(f"{'C':>3} {'OC':>4} {'H':>3} {'K':>2} {'pad':>3} {'s':>2} {'thr':>3} {'fwd ms':>8} {'fwd+bwd ms':>11}")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for c, oc, h, k, p, s in SHAPES:
            g = torch.Generator().manual_seed(0)
            x = torch.rand((64, c, h, h), generator=g).requires_grad_()
            w = torch.rand((oc, c, k, k), generator=g).requires_grad_()
            b = torch.rand((oc,), generator=g).requires_grad_()
            with torch.no_grad():
                fwd = best_ms(lambda: F.conv2d(x, w, b, stride=s, padding=p))
            gy = torch.rand(F.conv2d(x, w, b, stride=s, padding=p).shape, generator=g)
            both = best_ms(lambda: F.conv2d(x, w, b, stride=s, padding=p).backward(gy))
            print(f"{c:>3} {oc:>4} {h:>3} {k:>2} {p:>3} {s:>2} {threads:>3} {fwd:>8.3f} {both:>11.3f}")


if __name__ == "__main__":
    main()
