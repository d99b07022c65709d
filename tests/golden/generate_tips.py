#!/usr/bin/python3
"""Golden values for tips_downsample and tips_regulariser (framework/ops/tips.h), computed with
PyTorch from the TIPS layer of the paper's code (sourajitcs/tips, tips.py; the loss of
train_test.py), written here anew.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_tips.py

It writes tests/golden/tips.json (committed), read by tests/framework/test_tips.cpp; the test
suite itself needs no Python.

Each case holds the stride [SH, SW], the input x [N,C,H,W], the branch weights w1 [C,1,K,K] and
w2 [C,1,1,1], the output y, the mixing weights [N,C,P] (phase i*SW + j), the regulariser's shift
[dy, dx], its value for the circular and the zero-filling transform, an upstream gradient gy and
the gradients of L = sum(y * gy) + reg_circular with respect to x, w1 and w2; tensors as
{"shape": [...], "data": [...]} in row-major order (9 significant digits).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
DTYPE = torch.float32


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.detach().flatten().tolist()]}


def pad_to_stride(x, sh, sw):
    """tips.py: an odd side gets one reflected row at the top / column at the left; here the same
    for any stride: enough rows (columns) to reach a multiple of it."""
    h, w = x.shape[-2:]
    top, left = (sh - h % sh) % sh, (sw - w % sw) % sw
    if top == 0 and left == 0:
        return x
    return nn.ReflectionPad2d((left, 0, top, 0))(x)


def branch(xp, w1, w2, sh, sw):
    """psi = relu(depthwise KxK conv), tau = softmax over the flattened (sh, sw) bins of
    conv2(adaptive_avg_pool(psi))."""
    n, c = xp.shape[:2]
    k = w1.shape[-1]
    psi = F.relu(F.conv2d(xp, w1, padding=(k - 1) // 2, groups=c))
    a = F.conv2d(F.adaptive_avg_pool2d(psi, (sh, sw)), w2, groups=c)
    tau = torch.softmax(a.view(n, c, -1), dim=-1)
    return psi, tau


def tips_stride2(x, w1, w2):
    """tips.py's forward for stride 2, its four components stacked in its order."""
    xp = pad_to_stride(x, 2, 2)
    n, c, h, w = xp.shape
    psi, tau = branch(xp, w1, w2, 2, 2)
    stack = torch.stack([xp[:, :, 0::2, 0::2], xp[:, :, 1::2, 0::2], xp[:, :, 0::2, 1::2], xp[:, :, 1::2, 1::2]],
                        dim=2).view(n, c, 4, h // 2 * w // 2)
    y = (tau.reshape(n, c, 4, 1) * stack).view(n, c, 4, h // 2, w // 2).sum(dim=2)
    return y, psi, xp, tau


def tips_any(x, w1, w2, sh, sw):
    """The same for any stride: components stacked column-major (index j*sh + i), the k-th
    multiplied by tau[k] as tips.py does."""
    xp = pad_to_stride(x, sh, sw)
    n, c, h, w = xp.shape
    psi, tau = branch(xp, w1, w2, sh, sw)
    comps = [xp[:, :, i::sh, j::sw] for j in range(sw) for i in range(sh)]
    y = (tau.reshape(n, c, sh * sw, 1, 1) * torch.stack(comps, dim=2)).sum(dim=2)
    return y, psi, xp, tau


def shifted(xp, dy, dx, circular):
    """feat_transform: torch.roll, then (transform 'standard') the vacated rows/columns zeroed."""
    t = torch.roll(xp, shifts=(dy, dx), dims=(-2, -1))
    if circular:
        return t
    t = t.clone()
    if dy > 0:
        t[:, :, :dy, :] = 0
    elif dy < 0:
        t[:, :, dy:, :] = 0
    if dx > 0:
        t[:, :, :, :dx] = 0
    elif dx < 0:
        t[:, :, :, dx:] = 0
    return t


def regulariser(psi, xp, dy, dx, circular):
    """train_test.py: aux_criterion = MSELoss()(psi_x, x_t); x_t is not detached there."""
    return nn.MSELoss()(psi, shifted(xp, dy, dx, circular))


cases = []


def add(name, shape, stride, kernel, shift, x=None, w1=None, w2=None):
    sh, sw = stride
    n, c = shape[:2]
    x = torch.randn(shape, dtype=DTYPE) if x is None else x
    w1 = torch.randn(c, 1, kernel, kernel, dtype=DTYPE) * 0.5 if w1 is None else w1
    w2 = torch.randn(c, 1, 1, 1, dtype=DTYPE) * 2 if w2 is None else w2
    xg, w1g, w2g = (t.clone().requires_grad_(True) for t in (x, w1, w2))
    y, psi, xp, tau = tips_any(xg, w1g, w2g, sh, sw)
    if (sh, sw) == (2, 2):
        y2 = tips_stride2(x, w1, w2)[0]
        assert torch.allclose(y, y2, atol=1e-6), name
    # The mixing weights in phase order i*sw + j: component (i, j) took tau[j*sh + i].
    weights = torch.stack([tau[:, :, j * sh + i] for i in range(sh) for j in range(sw)], dim=2)
    reg_c = regulariser(psi, xp, shift[0], shift[1], True)
    reg_z = regulariser(psi, xp, shift[0], shift[1], False)
    gy = torch.randn(y.shape, dtype=DTYPE)
    ((y * gy).sum() + reg_c).backward()
    cases.append({"name": name, "stride": [sh, sw], "shift": list(shift), "x": tensor_json(x), "w1": tensor_json(w1),
                  "w2": tensor_json(w2), "y": tensor_json(y), "weights": tensor_json(weights),
                  "reg_circular": reg_c.item(), "reg_zeros": reg_z.item(), "gy": tensor_json(gy),
                  "gx": tensor_json(xg.grad), "gw1": tensor_json(w1g.grad), "gw2": tensor_json(w2g.grad)})


add("s2_k3_even_6x8", (2, 3, 6, 8), (2, 2), 3, (1, -2))
add("s2_k3_odd_7x9", (2, 2, 7, 9), (2, 2), 3, (-1, 1))
add("s2_k5_odd_h_5x6", (1, 3, 5, 6), (2, 2), 5, (2, 2))
add("s2_k1_odd_w_6x5", (2, 2, 6, 5), (2, 2), 1, (0, -1))
add("s2x3_k3_7x8", (2, 2, 7, 8), (2, 3), 3, (1, 1))
add("s3_k3_7x8", (1, 2, 7, 8), (3, 3), 3, (-2, 0))
# The regulariser is 0 when psi is the shifted input: shift 0, a centred unit tap, x >= 0.
unit = torch.zeros(2, 1, 3, 3, dtype=DTYPE)
unit[:, :, 1, 1] = 1
add("zero_reg_s2_unit_tap_6x6", (1, 2, 6, 6), (2, 2), 3, (0, 0), x=torch.rand(1, 2, 6, 6, dtype=DTYPE), w1=unit)

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tips.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_tips.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
