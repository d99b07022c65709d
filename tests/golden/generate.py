#!/usr/bin/python3
"""Golden values for the pooling ops, computed with PyTorch.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate.py

It writes tests/golden/pooling.json (committed). The C++ test
tests/framework/test_pooling_golden.cpp reads that file; the test suite itself needs no Python.

Each case holds the op, its options, the input x, the output y, an upstream gradient gy and the
input gradient gx = d(sum(y * gy))/dx, all as {"shape": [...], "data": [...]} in row-major
order. max_pool2d cases also hold PyTorch's argmax indices; max_unpool2d cases hold the indices
they read (from a max pool of a larger tensor) and the output size.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
DTYPE = torch.float32


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.detach().flatten().tolist()]}


def distinct(shape, scale=0.1):
    """Distinct values in random order (no ties in any window)."""
    n = 1
    for s in shape:
        n *= s
    return ((torch.randperm(n).to(DTYPE) - n / 2) * scale).reshape(shape)


def ties(shape, levels=3):
    """Small integers: many ties in every window."""
    return torch.randint(0, levels, shape).to(DTYPE)


def positive(shape):
    return torch.rand(shape, dtype=DTYPE) * 2 + 0.1


def signed(shape):
    return torch.randn(shape, dtype=DTYPE)


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def run(fn, x):
    x = x.clone().requires_grad_(True)
    out = fn(x)
    y = out[0] if isinstance(out, tuple) else out
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    return out, y, gy, x.grad


cases = []


def add(name, op, x, **opts):
    case = {"name": name, "op": op}
    if op in ("max_pool2d", "avg_pool2d", "lp_pool2d"):
        k = pair(opts["kernel"])
        s = pair(opts.get("stride", k))
        case.update(kernel=k, stride=s, ceil_mode=opts.get("ceil_mode", False))
        if op != "lp_pool2d":
            case["padding"] = pair(opts.get("padding", 0))
        if op == "max_pool2d":
            case["dilation"] = pair(opts.get("dilation", 1))
            fn = lambda t: F.max_pool2d(t, k, s, case["padding"], case["dilation"], case["ceil_mode"],
                                        return_indices=True)
        elif op == "avg_pool2d":
            case["count_include_pad"] = opts.get("count_include_pad", True)
            case["divisor_override"] = opts.get("divisor_override", 0)
            fn = lambda t: F.avg_pool2d(t, k, s, case["padding"], case["ceil_mode"], case["count_include_pad"],
                                        case["divisor_override"] or None)
        else:
            case["p"] = opts["p"]
            fn = lambda t: F.lp_pool2d(t, case["p"], k, s, case["ceil_mode"])
    elif op in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        case["output_size"] = pair(opts["output_size"])
        pool = F.adaptive_avg_pool2d if op == "adaptive_avg_pool2d" else F.adaptive_max_pool2d
        fn = lambda t: pool(t, case["output_size"])
    else:  # max_unpool2d of a max pool of x
        k, s, p = pair(opts["kernel"]), pair(opts.get("stride", opts["kernel"])), pair(opts.get("padding", 0))
        pooled, indices = F.max_pool2d(x, k, s, p, return_indices=True)
        size = pair(opts.get("output_size", [x.shape[2], x.shape[3]]))
        case.update(indices=indices.flatten().tolist(), output_size=size)
        x = pooled
        fn = lambda t: F.max_unpool2d(t, indices, k, s, p, output_size=size)
    out, y, gy, gx = run(fn, x)
    if op == "max_pool2d":
        case["indices"] = out[1].flatten().tolist()
    case.update(x=tensor_json(x), y=tensor_json(y), gy=tensor_json(gy), gx=tensor_json(gx))
    cases.append(case)


# max_pool2d: odd sizes, ceil mode, padding, dilation, overlapping and non-square windows, ties.
M = "max_pool2d"
add("max_k2s2", M, distinct((1, 1, 4, 4)), kernel=2)
add("max_k2s2_odd", M, distinct((2, 3, 5, 7)), kernel=2)
add("max_k2s2_odd_ceil", M, distinct((2, 3, 5, 7)), kernel=2, ceil_mode=True)
add("max_k3s1_overlap", M, distinct((1, 2, 6, 6)), kernel=3, stride=1)
add("max_k3s2_overlap", M, distinct((2, 2, 7, 7)), kernel=3, stride=2)
add("max_k3s2_ceil", M, distinct((2, 2, 8, 8)), kernel=3, stride=2, ceil_mode=True)
add("max_k3s2_pad1", M, distinct((1, 2, 7, 7)), kernel=3, stride=2, padding=1)
add("max_k3s2_pad1_ceil", M, distinct((1, 2, 8, 9)), kernel=3, stride=2, padding=1, ceil_mode=True)
add("max_k2s1_dil2", M, distinct((1, 2, 7, 7)), kernel=2, stride=1, dilation=2)
add("max_k3s1_dil2_pad1", M, distinct((1, 1, 9, 8)), kernel=3, stride=1, padding=1, dilation=2)
add("max_k3s2_dil2_ceil", M, distinct((1, 1, 10, 9)), kernel=3, stride=2, dilation=2, ceil_mode=True)
add("max_k2x3_s1x2", M, distinct((2, 2, 6, 9)), kernel=(2, 3), stride=(1, 2))
add("max_k3x2_s2x1_pad1", M, distinct((1, 2, 7, 6)), kernel=(3, 2), stride=(2, 1), padding=1)
add("max_k3s3_ceil", M, distinct((1, 1, 10, 10)), kernel=3, stride=3, ceil_mode=True)
add("max_k4s3_pad2_ceil", M, distinct((1, 1, 11, 11)), kernel=4, stride=3, padding=2, ceil_mode=True)
add("max_k2s2_pad1_ceil", M, distinct((1, 1, 5, 5)), kernel=2, stride=2, padding=1, ceil_mode=True)
add("max_k1x3_s1", M, distinct((1, 2, 4, 6)), kernel=(1, 3), stride=1)
add("max_k3_s1x3_dil2x1_ceil", M, distinct((1, 1, 9, 10)), kernel=3, stride=(1, 3), dilation=(2, 1), ceil_mode=True)
add("max_k2s3_gaps", M, distinct((1, 2, 8, 8)), kernel=2, stride=3)
add("max_k5s2_pad2", M, distinct((1, 1, 9, 9)), kernel=5, stride=2, padding=2)
add("max_k1s1", M, distinct((1, 1, 3, 4)), kernel=1, stride=1)
add("max_k2s2_ties", M, ties((2, 2, 6, 6)), kernel=2)
add("max_k3s1_ties", M, ties((1, 2, 6, 6)), kernel=3, stride=1)
add("max_k3s2_pad1_ties", M, ties((1, 2, 7, 7), levels=2), kernel=3, stride=2, padding=1)
add("max_constant_negative", M, torch.full((1, 1, 4, 5), -3.0), kernel=2, ceil_mode=True)
add("max_k2s2_large_values", M, distinct((1, 2, 6, 6), scale=1000.0), kernel=2)

# avg_pool2d: count_include_pad both ways, divisor_override, ceil mode's partial windows.
A = "avg_pool2d"
add("avg_k2s2_odd", A, signed((2, 3, 5, 7)), kernel=2)
add("avg_k2s2_odd_ceil", A, signed((2, 3, 5, 7)), kernel=2, ceil_mode=True)
add("avg_k3s1_overlap", A, signed((1, 2, 6, 6)), kernel=3, stride=1)
add("avg_k3s2_overlap", A, signed((2, 2, 7, 7)), kernel=3, stride=2)
add("avg_k3s2_pad1_incl", A, signed((1, 2, 7, 7)), kernel=3, stride=2, padding=1)
add("avg_k3s2_pad1_excl", A, signed((1, 2, 7, 7)), kernel=3, stride=2, padding=1, count_include_pad=False)
add("avg_k3s2_pad1_ceil_incl", A, signed((1, 2, 8, 8)), kernel=3, stride=2, padding=1, ceil_mode=True)
add("avg_k3s2_pad1_ceil_excl", A, signed((1, 2, 8, 8)), kernel=3, stride=2, padding=1, ceil_mode=True,
    count_include_pad=False)
add("avg_k3s2_ceil_nopad", A, signed((1, 1, 8, 8)), kernel=3, stride=2, ceil_mode=True)
add("avg_k2s2_divisor3", A, signed((1, 2, 6, 6)), kernel=2, divisor_override=3)
add("avg_k3s2_pad1_ceil_divisor5", A, signed((1, 2, 8, 8)), kernel=3, stride=2, padding=1, ceil_mode=True,
    divisor_override=5)
add("avg_k3s2_pad1_ceil_excl_divisor2", A, signed((1, 1, 8, 7)), kernel=3, stride=2, padding=1, ceil_mode=True,
    count_include_pad=False, divisor_override=2)
add("avg_k2x3_s1x2_pad1_incl", A, signed((2, 2, 6, 9)), kernel=(2, 3), stride=(1, 2), padding=1)
add("avg_k2x3_s1x2_pad1_excl", A, signed((2, 2, 6, 9)), kernel=(2, 3), stride=(1, 2), padding=1,
    count_include_pad=False)
add("avg_k3x1_s2x1", A, signed((1, 2, 7, 5)), kernel=(3, 1), stride=(2, 1))
add("avg_k4s3_pad2_ceil_incl", A, signed((1, 1, 11, 11)), kernel=4, stride=3, padding=2, ceil_mode=True)
add("avg_k4s3_pad2_ceil_excl", A, signed((1, 1, 11, 11)), kernel=4, stride=3, padding=2, ceil_mode=True,
    count_include_pad=False)
add("avg_k2s1", A, signed((1, 1, 5, 5)), kernel=2, stride=1)
add("avg_k5s1_pad2_incl", A, signed((1, 1, 6, 6)), kernel=5, stride=1, padding=2)
add("avg_k5s1_pad2_excl", A, signed((1, 1, 6, 6)), kernel=5, stride=1, padding=2, count_include_pad=False)
add("avg_k2s2_pad1_ceil_excl", A, signed((1, 1, 5, 5)), kernel=2, stride=2, padding=1, ceil_mode=True,
    count_include_pad=False)
add("avg_k2s3_gaps", A, signed((1, 2, 8, 8)), kernel=2, stride=3)

# lp_pool2d (PyTorch LPPool2d: no padding; ceil mode scales partial windows by the full area).
L = "lp_pool2d"
add("lp_p2_k2s2", L, positive((2, 2, 6, 6)), p=2.0, kernel=2)
add("lp_p2_k3s2_signed", L, signed((1, 2, 7, 7)), p=2.0, kernel=3, stride=2)
add("lp_p2_k3s2_ceil", L, positive((1, 2, 8, 8)), p=2.0, kernel=3, stride=2, ceil_mode=True)
add("lp_p3_k2s2", L, positive((1, 2, 6, 6)), p=3.0, kernel=2)
add("lp_p1_k2s2", L, positive((1, 1, 6, 6)), p=1.0, kernel=2)
add("lp_p2.5_k2x3_s1x2", L, positive((1, 2, 6, 9)), p=2.5, kernel=(2, 3), stride=(1, 2))
add("lp_p4_k3s1_ceil", L, positive((1, 1, 6, 7)), p=4.0, kernel=3, stride=2, ceil_mode=True)
add("lp_p2_k2s1_overlap", L, signed((1, 1, 5, 5)), p=2.0, kernel=2, stride=1)

# adaptive pooling: PyTorch's floor/ceil windows, overlapping, larger output than input.
AA, AM = "adaptive_avg_pool2d", "adaptive_max_pool2d"
add("aavg_7x7_to_3x3", AA, signed((1, 2, 7, 7)), output_size=3)
add("aavg_5x9_to_2x4", AA, signed((2, 2, 5, 9)), output_size=(2, 4))
add("aavg_identity", AA, signed((1, 1, 6, 6)), output_size=6)
add("aavg_global", AA, signed((1, 2, 5, 5)), output_size=1)
add("aavg_4x4_to_7x5", AA, signed((1, 2, 4, 4)), output_size=(7, 5))
add("aavg_10x3_to_4x2", AA, signed((1, 1, 10, 3)), output_size=(4, 2))
add("amax_7x7_to_3x3", AM, distinct((1, 2, 7, 7)), output_size=3)
add("amax_5x9_to_2x4", AM, distinct((2, 2, 5, 9)), output_size=(2, 4))
add("amax_global", AM, distinct((1, 2, 5, 5)), output_size=1)
add("amax_4x4_to_7x5", AM, distinct((1, 2, 4, 4)), output_size=(7, 5))
add("amax_ties_6x6_to_4x4", AM, ties((1, 2, 6, 6)), output_size=4)
add("amax_10x3_to_4x2", AM, distinct((1, 1, 10, 3)), output_size=(4, 2))

# max_unpool2d of a max pool's output (the gradient gathers).
U = "max_unpool2d"
add("unpool_k2s2", U, distinct((1, 2, 4, 4)), kernel=2)
add("unpool_k2s2_odd", U, distinct((2, 2, 5, 7)), kernel=2)
add("unpool_k3s2_pad1", U, distinct((1, 2, 7, 7)), kernel=3, stride=2, padding=1)
add("unpool_k3s1_duplicates", U, distinct((1, 1, 6, 6)), kernel=3, stride=1)
add("unpool_k2s2_larger_output", U, distinct((1, 1, 4, 4)), kernel=2, output_size=(5, 5))

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pooling.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
