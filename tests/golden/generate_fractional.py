#!/usr/bin/python3
"""Golden values for fractional_max_pool2d, computed with PyTorch's F.fractional_max_pool2d.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_fractional.py

It writes tests/golden/fractional_max_pool.json (committed), read by
tests/framework/test_fractional_max_pool.cpp, which feeds the same draws (_random_samples) to
poolnet's op; the test suite itself needs no Python.

Each case holds the kernel [KH, KW], the output size [OH, OW] (and the ratio, when the output
size came from output_ratio), the draws samples [N, C, 2] = (u_w, u_h) per plane, the input x,
the output y, PyTorch's argmax indices (flat h*W + w in the input plane), an upstream gradient
gy and the input gradient gx = d(sum(y * gy))/dx, tensors as {"shape": [...], "data": [...]}
in row-major order (9 significant digits: float32 values round-trip exactly).
"""
import json
import os

import torch
import torch.nn.functional as F

from generate import tensor_json, distinct, ties, pair

torch.manual_seed(0)
DTYPE = torch.float32


cases = []


def add(name, x, kernel, output=None, ratio=None, samples=None):
    n, c, h, w = x.shape
    k = pair(kernel)
    if samples is None:
        samples = torch.rand(n, c, 2, dtype=DTYPE)
    elif not torch.is_tensor(samples):
        samples = torch.full((n, c, 2), float(samples), dtype=DTYPE)
    xg = x.clone().requires_grad_(True)
    if ratio is not None:
        y, indices = F.fractional_max_pool2d(xg, k, output_ratio=ratio, return_indices=True, _random_samples=samples)
    else:
        y, indices = F.fractional_max_pool2d(xg, k, output_size=pair(output), return_indices=True,
                                             _random_samples=samples)
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    case = {"name": name, "kernel": k, "output": [y.shape[2], y.shape[3]]}
    if ratio is not None:
        case["ratio"] = ratio
    case.update(samples=tensor_json(samples), x=tensor_json(x), y=tensor_json(y), indices=indices.flatten().tolist(),
                gy=tensor_json(gy), gx=tensor_json(xg.grad))
    cases.append(case)


# Non-integer ratios, odd and non-square inputs, several samples and channels (one draw pair
# per plane), overlapping windows (kernel larger than the gaps between starts).
add("k2_8x8_to_5x5", distinct((2, 3, 8, 8)), 2, output=5)
add("k2_odd_7x9_to_4x6", distinct((2, 2, 7, 9)), 2, output=(4, 6))
add("k2_13x11_to_9x7", distinct((3, 2, 13, 11)), 2, output=(9, 7))
add("k3_overlap_10x12_to_7x9", distinct((2, 2, 10, 12)), 3, output=(7, 9))
add("k2x3_nonsquare_kernel_9x10_to_6x5", distinct((2, 2, 9, 10)), (2, 3), output=(6, 5))
add("k2_output_1", distinct((2, 2, 5, 6)), 2, output=1)
add("k2_output_1x3", distinct((1, 3, 4, 7)), 2, output=(1, 3))
add("k1_6x6_to_4x4", distinct((2, 2, 6, 6)), 1, output=4)
add("k2_exact_fit_5x5_to_4x4", distinct((2, 2, 5, 5)), 2, output=4)
add("k2_large_31x29_to_19x17", distinct((1, 2, 31, 29), scale=0.01), 2, output=(19, 17))
# output_ratio: output = int(input * ratio), as poolnet's ratio key.
add("k2_ratio_half_12x12", distinct((2, 3, 12, 12)), 2, ratio=0.5)
add("k2_ratio_half_odd_11x9", distinct((2, 2, 11, 9)), 2, ratio=0.5)
add("k2_ratio_0.7_15x13", distinct((2, 2, 15, 13)), 2, ratio=0.7)
add("k3_ratio_0.6_17x14", distinct((1, 3, 17, 14)), 3, ratio=0.6)
add("k2_ratio_third_18x20", distinct((2, 2, 18, 20)), 2, ratio=1.0 / 3.0)
# Fixed draws: poolnet's evaluation offset eval_u (default 0.5), the ends of [0, 1).
add("k2_u_half_10x9_to_6x5", distinct((2, 2, 10, 9)), 2, output=(6, 5), samples=0.5)
add("k2_u_zero_9x9_to_6x6", distinct((1, 2, 9, 9)), 2, output=6, samples=0.0)
add("k2_u_almost_one_9x9_to_6x6", distinct((1, 2, 9, 9)), 2, output=6, samples=0.99999994)
add("k2_u_half_ratio_half_16x16", distinct((2, 2, 16, 16)), 2, ratio=0.5, samples=0.5)
# Ties: the first maximum in row-major window order.
add("k2_ties_9x9_to_6x6", ties((2, 2, 9, 9)), 2, output=6)
add("k3_ties_10x10_to_6x6", ties((1, 2, 10, 10), levels=2), 3, output=6)

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fractional_max_pool.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_fractional.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
