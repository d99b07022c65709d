#!/usr/bin/python3
"""Golden values for s3_pool2d, computed with PyTorch from the semantics of the authors' code
(StochasticPool2DLayer in Shuangfei/s3pool build_net.py, Theano), written out again here:

  m = 2x2 max pooling with stride 1 and no padding: [N, C, H-1, W-1]
  training: m[:, :, rows][:, :, :, cols], where along each axis (input length n, grid g, stride
    s) the pooled indices are split into n // g grids of g, the last taking the rest, and each
    grid keeps min(g // s, its size) indices drawn without replacement, sorted; one draw for
    the whole batch;
  evaluation: average pooling of m, kernel s, stride s, padding s // 2, padding not counted.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_s3_pool.py

It writes tests/golden/s3_pool.json (committed), read by tests/framework/test_s3_pool.cpp, which
feeds the same rows and columns to poolnet's op; the test suite itself needs no Python.

Each case holds the stride [SH, SW] and grid [GH, GW], the drawn rows and cols, the input x,
the training output y and input gradient gx = d(sum(y * gy))/dx for an upstream gradient gy,
and the evaluation output y_eval and gradient gx_eval for gy_eval, tensors as
{"shape": [...], "data": [...]} in row-major order (9 significant digits: float32 values
round-trip exactly).
"""
import json
import os

import torch
import torch.nn.functional as F

from generate import tensor_json, distinct, ties

torch.manual_seed(0)
DTYPE = torch.float32


def grid_draw(n, grid, stride):
    """One axis: the kept indices into the pooled length n - 1."""
    count, per_grid, kept = n // grid, grid // stride, []
    assert count >= 1 and per_grid >= 1, (n, grid, stride)
    for i in range(count):
        first = i * grid
        last = first + grid if i + 1 < count else n - 1  # the last grid runs to the end
        pick = torch.randperm(last - first)[:per_grid]
        kept.extend(sorted(first + int(p) for p in pick))
    return kept


cases = []


def add(name, x, stride, grid=None):
    sh, sw = stride
    gh, gw = grid if grid is not None else stride
    rows, cols = grid_draw(x.shape[2], gh, sh), grid_draw(x.shape[3], gw, sw)

    xt = x.clone().requires_grad_(True)
    y = F.max_pool2d(xt, kernel_size=2, stride=1).index_select(2, torch.tensor(rows)).index_select(3, torch.tensor(cols))
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)

    xe = x.clone().requires_grad_(True)
    ye = F.avg_pool2d(F.max_pool2d(xe, kernel_size=2, stride=1), kernel_size=(sh, sw), stride=(sh, sw),
                      padding=(sh // 2, sw // 2), count_include_pad=False)
    gye = torch.randn(ye.shape, dtype=DTYPE)
    ye.backward(gye)

    case = {"name": name, "stride": [sh, sw], "grid": [0, 0] if grid is None else [gh, gw], "rows": rows, "cols": cols}
    case.update(x=tensor_json(x), y=tensor_json(y), gy=tensor_json(gy), gx=tensor_json(xt.grad), y_eval=tensor_json(ye),
                gy_eval=tensor_json(gye), gx_eval=tensor_json(xe.grad))
    cases.append(case)


# The default grid (= the stride), sizes that are and are not multiples of it.
add("s2_8x8", distinct((2, 3, 8, 8)), (2, 2))
add("s2_odd_7x9", distinct((2, 2, 7, 9)), (2, 2))
add("s2_14x10", distinct((1, 2, 14, 10)), (2, 2))
# Larger grids: g a multiple of s, g not a multiple of s (g // s per grid), a last grid larger
# than g (n mod g >= 2).
add("s2_g4_16x12", distinct((2, 2, 16, 12)), (2, 2), (4, 4))
add("s2_g4_odd_11x13", distinct((2, 2, 11, 13)), (2, 2), (4, 4))
add("s2_g5_15x12", distinct((1, 3, 15, 12)), (2, 2), (5, 5))
add("s2_g3_10x9", distinct((2, 2, 10, 9)), (2, 2), (3, 3))
add("s2_g8_16x16", distinct((1, 2, 16, 16)), (2, 2), (8, 8))
add("s2_one_grid_6x6", distinct((2, 2, 6, 6)), (2, 2), (6, 6))
# Stride 3.
add("s3_9x9", distinct((2, 2, 9, 9)), (3, 3))
add("s3_odd_10x11", distinct((2, 2, 10, 11)), (3, 3))
add("s3_g6_12x13", distinct((1, 2, 12, 13)), (3, 3), (6, 6))
# Anisotropic strides; stride 1 along an axis (every row of a full grid kept).
add("s2x1_8x7", distinct((2, 2, 8, 7)), (2, 1))
add("s1x2_9x8", distinct((2, 2, 9, 8)), (1, 2))
add("s2x1_g4x3_12x11", distinct((1, 2, 12, 11)), (2, 1), (4, 3))
add("s3x2_12x10", distinct((2, 2, 12, 10)), (3, 2))
# Ties: the first maximum in row-major window order.
add("s2_ties_8x8", ties((2, 2, 8, 8)), (2, 2))
add("s3_ties_g3_10x9", ties((1, 2, 10, 9), levels=2), (3, 3))

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3_pool.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_s3_pool.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
