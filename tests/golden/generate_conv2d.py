"""Writes tests/golden/conv2d.json: conv2d cases computed by PyTorch (nn.Conv2d semantics).

Run with a Python that has torch:  /usr/bin/python3 tests/golden/generate_conv2d.py
Each case holds the options, x, weight, bias (or null), the upstream gradient gy, and PyTorch's
output y and gradients gx, gweight, gbias. Non-zero padding modes pad with F.pad first, exactly
as nn.Conv2d does.
"""
import json
import os

import torch
import torch.nn.functional as F

CASES = [
    # name, x shape, weight shape, bias, stride, padding ('same' or (h, w)), dilation, groups, mode
    ("basic", (2, 3, 6, 7), (4, 3, 3, 3), True, (1, 1), (0, 0), (1, 1), 1, "zeros"),
    ("no_bias_pad1", (1, 2, 5, 5), (3, 2, 3, 3), False, (1, 1), (1, 1), (1, 1), 1, "zeros"),
    ("stride2_pad1", (2, 3, 7, 9), (4, 3, 3, 3), True, (2, 2), (1, 1), (1, 1), 1, "zeros"),
    ("stride3_odd", (1, 2, 11, 8), (2, 2, 3, 2), True, (3, 2), (1, 0), (1, 1), 1, "zeros"),
    ("dilation2", (1, 2, 9, 9), (3, 2, 3, 3), True, (1, 1), (2, 2), (2, 2), 1, "zeros"),
    ("dilation_stride", (2, 2, 10, 9), (2, 2, 3, 2), True, (2, 2), (1, 1), (2, 3), 1, "zeros"),
    ("groups2", (2, 4, 6, 5), (6, 2, 3, 3), True, (1, 1), (1, 1), (1, 1), 2, "zeros"),
    ("depthwise", (2, 3, 6, 6), (3, 1, 3, 3), True, (1, 1), (1, 1), (1, 1), 3, "zeros"),
    ("depthwise_mult2_s2", (1, 4, 7, 7), (8, 1, 3, 3), False, (2, 2), (1, 1), (1, 1), 4, "zeros"),
    ("reflect1", (2, 2, 5, 6), (3, 2, 3, 3), True, (1, 1), (1, 1), (1, 1), 1, "reflect"),
    ("reflect2_s2", (1, 2, 6, 5), (2, 2, 3, 3), True, (2, 2), (2, 2), (1, 1), 1, "reflect"),
    ("reflect_groups", (1, 4, 5, 5), (4, 2, 3, 3), True, (1, 1), (1, 2), (1, 1), 2, "reflect"),
    ("circular1", (2, 2, 4, 5), (3, 2, 3, 3), True, (1, 1), (1, 1), (1, 1), 1, "circular"),
    ("circular_full", (1, 1, 3, 3), (2, 1, 3, 3), True, (1, 1), (3, 3), (1, 1), 1, "circular"),
    ("circular_s2_dil", (1, 2, 7, 6), (2, 2, 3, 3), False, (2, 2), (2, 1), (2, 1), 1, "circular"),
    ("same_odd", (2, 2, 6, 5), (3, 2, 3, 3), True, (1, 1), "same", (1, 1), 1, "zeros"),
    ("same_even", (1, 2, 6, 7), (3, 2, 4, 2), True, (1, 1), "same", (1, 1), 1, "zeros"),
    ("same_dilated", (1, 2, 7, 6), (2, 2, 2, 3), True, (1, 1), "same", (3, 2), 1, "zeros"),
    ("same_reflect", (1, 2, 5, 6), (3, 2, 4, 3), False, (1, 1), "same", (1, 1), 1, "reflect"),
    ("same_circular_groups", (2, 4, 5, 5), (4, 2, 2, 3), True, (1, 1), "same", (1, 1), 2, "circular"),
    ("pointwise_s2", (2, 3, 5, 5), (4, 3, 1, 1), True, (2, 2), (0, 0), (1, 1), 1, "zeros"),
    ("lenet_like", (2, 1, 8, 8), (6, 1, 5, 5), True, (1, 1), (2, 2), (1, 1), 1, "zeros"),
]


def reversed_padding(weight_shape, padding, dilation):
    """[left, right, top, bottom] as nn.Conv2d computes _reversed_padding_repeated_twice."""
    if padding == "same":
        out = []
        for d, k in zip(reversed(dilation), reversed(weight_shape[2:])):
            total = d * (k - 1)
            out += [total // 2, total - total // 2]
        return out
    return [padding[1], padding[1], padding[0], padding[0]]


def run_case(name, xs, ws, has_bias, stride, padding, dilation, groups, mode, seed):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(xs, generator=g) * 2 - 1).requires_grad_()
    w = (torch.rand(ws, generator=g) * 2 - 1).requires_grad_()
    b = (torch.rand(ws[0], generator=g) * 2 - 1).requires_grad_() if has_bias else None
    if mode == "zeros":
        y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    else:
        xp = F.pad(x, reversed_padding(ws, padding, dilation), mode=mode)
        y = F.conv2d(xp, w, b, stride=stride, padding=0, dilation=dilation, groups=groups)
    gy = torch.rand(y.shape, generator=g) * 2 - 1
    y.backward(gy)

    def pack(t):
        return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}

    return {
        "name": name,
        "stride": list(stride),
        "padding": [0, 0] if padding == "same" else list(padding),
        "same": padding == "same",
        "dilation": list(dilation),
        "groups": groups,
        "padding_mode": mode,
        "x": pack(x), "weight": pack(w), "bias": pack(b) if has_bias else None,
        "gy": pack(gy), "y": pack(y), "gx": pack(x.grad), "gweight": pack(w.grad),
        "gbias": pack(b.grad) if has_bias else None,
    }


def main():
    torch.set_num_threads(1)
    cases = [run_case(*c, seed=i + 1) for i, c in enumerate(CASES)]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv2d.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_conv2d.py", "torch": torch.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
