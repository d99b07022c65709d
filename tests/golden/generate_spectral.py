#!/usr/bin/python3
"""Golden values for the frequency-domain pooling ops (framework/ops/spectral_pool.h), computed
with torch.fft, each op written in PyTorch's own terms:

  spectral_pool2d (Rippel et al. 2015): the centred block of the shifted spectrum,
      X = fftshift(fft2(x, norm="forward"))
      y = ifft2(ifftshift(X[:, :, H//2 - OH//2 : H//2 - OH//2 + OH, (same for W)]), norm="forward").real
    with OH = max(1, floor(ratio * H));
  flc_pool2d: the expression of FLC_Pooling.forward in GeJulia/flc_pooling, flc_pooling.py;
  asap_pool2d: the expression of ASAP.forward in GeJulia/flc_pooling, asap.py, with
    transpose=False and the window on the CPU.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_spectral.py

It writes tests/golden/spectral.json (committed), read by tests/framework/test_spectral_golden.cpp;
the test suite itself needs no Python. Each case holds the op, its ratio (spectral_pool2d), the
input x, the output y and the input gradient gx = d(sum(y * gy))/dx for an upstream gradient gy,
tensors as {"shape": [...], "data": [...]} in row-major order.
"""
import json
import os

import numpy as np
import torch

from generate import tensor_json

torch.manual_seed(0)
DTYPE = torch.float32


def spectral_pool(x, ratio):
    H, W = x.shape[2], x.shape[3]
    oh, ow = max(1, int(np.floor(ratio * H))), max(1, int(np.floor(ratio * W)))
    X = torch.fft.fftshift(torch.fft.fft2(x, norm="forward"), dim=(-2, -1))
    r0, c0 = H // 2 - oh // 2, W // 2 - ow // 2
    block = X[:, :, r0:r0 + oh, c0:c0 + ow]
    return torch.fft.ifft2(torch.fft.ifftshift(block, dim=(-2, -1)), norm="forward").real


def flc_pool(x):
    H, W = x.size()[2], x.size()[3]
    low = torch.fft.fftshift(torch.fft.fft2(x))[:, :, int(H / 4):int(H / 4 * 3), int(W / 4):int(W / 4 * 3)]
    return abs(torch.fft.ifft2(torch.fft.ifftshift(low)))


def asap_pool(x):
    H, W = x.size(2), x.size(3)
    window = torch.Tensor(np.sqrt(np.outer(np.abs(np.hamming(H)), np.abs(np.hamming(W)))))
    low = torch.fft.fftshift(torch.fft.fft2(x, norm="forward")) * window.unsqueeze(0).unsqueeze(0)
    low = low[:, :, int(H / 4):int(H / 4 * 3), int(W / 4):int(W / 4 * 3)]
    return torch.fft.ifft2(torch.fft.ifftshift(low), norm="forward").real


cases = []


def add(name, op, x, ratio=None):
    xt = x.clone().requires_grad_(True)
    if op == "spectral_pool2d":
        y = spectral_pool(xt, ratio)
    elif op == "flc_pool2d":
        y = flc_pool(xt)
    else:
        y = asap_pool(xt)
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    case = {"name": name, "op": op}
    if ratio is not None:
        case["ratio"] = ratio
    case.update(x=tensor_json(x), y=tensor_json(y), gy=tensor_json(gy), gx=tensor_json(xt.grad))
    cases.append(case)


def randn(shape):
    return torch.randn(shape, dtype=DTYPE)


# Sizes of the standard models (28 -> 14 -> 7, 32 -> 16 -> 8 -> 4), odd and non-square planes.
for op in ("spectral_pool2d", "flc_pool2d", "asap_pool2d"):
    ratio = 0.5 if op == "spectral_pool2d" else None
    short = op.split("_")[0]
    add(f"{short}_8x8", op, randn((2, 3, 8, 8)), ratio)
    add(f"{short}_28x28", op, randn((1, 2, 28, 28)), ratio)
    add(f"{short}_14x14", op, randn((2, 2, 14, 14)), ratio)
    add(f"{short}_7x7", op, randn((2, 2, 7, 7)), ratio)
    add(f"{short}_odd_9x6", op, randn((1, 3, 9, 6)), ratio)
    add(f"{short}_odd_5x11", op, randn((2, 1, 5, 11)), ratio)
    add(f"{short}_2x3", op, randn((1, 2, 2, 3)), ratio)
    add(f"{short}_32x16", op, randn((1, 1, 32, 16)), ratio)
# Other ratios of spectral pooling: odd and even kept sizes, a single frequency.
add("spectral_r0.3_10x10", "spectral_pool2d", randn((2, 2, 10, 10)), 0.3)
add("spectral_r0.75_12x9", "spectral_pool2d", randn((1, 2, 12, 9)), 0.75)
add("spectral_r0.6_15x15", "spectral_pool2d", randn((1, 2, 15, 15)), 0.6)
add("spectral_r0.1_6x8", "spectral_pool2d", randn((1, 2, 6, 8)), 0.1)

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spectral.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_spectral.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")
