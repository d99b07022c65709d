#!/usr/bin/python3
"""Golden values for wavelet_pool2d and dpp_pool2d, computed with PyTorch from the published
formulas, written out again here (not from poolnet's code):

  wavelet_pool2d (Williams & Li 2018): the four sub-bands of one periodic 2-D DWT level as one
    conv2d with the filter bank (outer products of the low-pass taps t and the high-pass taps
    g[k] = (-1)^k t[F-1-k]), stride 2, after circular padding F/2 - 1 on each side (an odd side
    first repeats its last sample, pywt's periodization mode). The pooled output is the LL band,
    which the two-level scheme rebuilds exactly. Taps in correlation orientation (pywt's rec_lo):
    haar [1, 1] / sqrt2; db2 [1 + sqrt3, 3 + sqrt3, 3 - sqrt3, 1 - sqrt3] / (4 sqrt2). When PyWavelets
    is installed (Debian's python3-pywt), LL is checked against pywt.dwt2(x, w, 'periodization').
  dpp_pool2d (Saeedan et al. 2018, symmetric lite as visinf/dpp DPP_sym_lite.lua): per window of
    k x k (stride k), guide = average pooling upsampled (nearest), s = (x - guide)^2 + 1e-3,
    w = exp(min(log_alpha, 10)) + (s / window mean of s)^(exp(log_lambda) / 2),
    y = avg_pool(x * w) / avg_pool(w).

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_wavelet_dpp.py

It writes tests/golden/wavelet_dpp.json (committed), read by
tests/framework/test_wavelet_dpp_golden.cpp; the test suite itself needs no Python.

Each case holds the op, its options (wavelet, or window [KH, KW]), the input x, the output y, an
upstream gradient gy and the input gradient gx = d(sum(y * gy))/dx; dpp cases also hold log_alpha,
log_lambda and their gradients g_log_alpha, g_log_lambda; tensors as {"shape": [...], "data": [...]}
in row-major order (9 significant digits: float32 values round-trip exactly).
"""
import json
import os

import torch
import torch.nn.functional as F

from generate import tensor_json

torch.manual_seed(0)
DTYPE = torch.float32
SQRT2, SQRT3 = 2 ** 0.5, 3 ** 0.5
LOWPASS = {
    "haar": [1 / SQRT2, 1 / SQRT2],
    "db2": [(1 + SQRT3) / (4 * SQRT2), (3 + SQRT3) / (4 * SQRT2), (3 - SQRT3) / (4 * SQRT2), (1 - SQRT3) / (4 * SQRT2)],
}


def filter_bank(wavelet):
    """[4, 1, F, F]: LL, LH, HL, HH (rows filter first index, columns the second)."""
    t = torch.tensor(LOWPASS[wavelet], dtype=torch.float64)
    f = t.numel()
    g = torch.tensor([(-1) ** k * t[f - 1 - k].item() for k in range(f)], dtype=torch.float64)
    return torch.stack([torch.outer(a, b) for a in (t, g) for b in (t, g)]).unsqueeze(1)


def dwt2(x, wavelet):
    """One periodic DWT level of x [N, C, H, W]: [N, C, 4, ceil(H/2), ceil(W/2)] (LL, LH, HL, HH)."""
    n, c = x.shape[:2]
    bank = filter_bank(wavelet).to(x.dtype)
    x = F.pad(x, (0, x.shape[3] % 2, 0, x.shape[2] % 2), mode="replicate")
    pad = bank.shape[-1] // 2 - 1
    if pad:
        x = F.pad(x, (pad, pad, pad, pad), mode="circular")
    y = F.conv2d(x.reshape(n * c, 1, *x.shape[2:]), bank, stride=2)
    return y.reshape(n, c, 4, *y.shape[2:])


def check_against_pywt(x, wavelet, ll):
    try:
        import pywt
    except ImportError:
        return
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            want = torch.tensor(pywt.dwt2(x[n, c].double().numpy(), wavelet, mode="periodization")[0])
            assert torch.allclose(ll[n, c].double(), want, atol=1e-5), (wavelet, n, c)


def dpp(x, log_alpha, log_lambda, window):
    kh, kw = window
    x = x[:, :, :x.shape[2] // kh * kh, :x.shape[3] // kw * kw]

    def upsampled_mean(t):
        return F.interpolate(F.avg_pool2d(t, window), scale_factor=window, mode="nearest")

    s = (x - upsampled_mean(x)) ** 2 + 1e-3
    c = x.shape[1]
    w = torch.exp(log_alpha.clamp(max=10)).view(1, c, 1, 1) + \
        (s / upsampled_mean(s)) ** (torch.exp(log_lambda) / 2).view(1, c, 1, 1)
    return F.avg_pool2d(x * w, window) / F.avg_pool2d(w, window)


cases = []


def add_wavelet(name, shape, wavelet):
    x = torch.randn(shape, dtype=DTYPE)
    xt = x.clone().requires_grad_(True)
    y = dwt2(xt, wavelet)[:, :, 0]
    check_against_pywt(x, wavelet, y.detach())
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    cases.append({"name": name, "op": "wavelet_pool2d", "wavelet": wavelet, "x": tensor_json(x), "y": tensor_json(y),
                  "gy": tensor_json(gy), "gx": tensor_json(xt.grad)})


def add_dpp(name, shape, window, alpha_scale=0.5):
    c = shape[1]
    x = torch.randn(shape, dtype=DTYPE)
    la = ((torch.rand(c, dtype=DTYPE) * 2 - 1) * alpha_scale).requires_grad_(True)
    ll = ((torch.rand(c, dtype=DTYPE) * 2 - 1) * 0.5).requires_grad_(True)
    xt = x.clone().requires_grad_(True)
    y = dpp(xt, la, ll, window)
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    cases.append({"name": name, "op": "dpp_pool2d", "window": list(window), "x": tensor_json(x),
                  "log_alpha": tensor_json(la), "log_lambda": tensor_json(ll), "y": tensor_json(y),
                  "gy": tensor_json(gy), "gx": tensor_json(xt.grad), "g_log_alpha": tensor_json(la.grad),
                  "g_log_lambda": tensor_json(ll.grad)})


for wavelet in ("haar", "db2"):
    add_wavelet(f"{wavelet}_8x8", (2, 3, 8, 8), wavelet)
    add_wavelet(f"{wavelet}_6x10", (1, 2, 6, 10), wavelet)
    add_wavelet(f"{wavelet}_odd_7x9", (2, 2, 7, 9), wavelet)
    add_wavelet(f"{wavelet}_tiny_2x3", (1, 2, 2, 3), wavelet)
add_dpp("dpp_2x2_8x8", (2, 3, 8, 8), (2, 2))
add_dpp("dpp_2x2_odd_7x9", (2, 2, 7, 9), (2, 2))
add_dpp("dpp_3x3_9x10", (1, 2, 9, 10), (3, 3))
add_dpp("dpp_2x3_6x9", (2, 2, 6, 9), (2, 3))
add_dpp("dpp_alpha_near_cap", (1, 2, 6, 6), (2, 2), alpha_scale=12.0)

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wavelet_dpp.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_wavelet_dpp.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
