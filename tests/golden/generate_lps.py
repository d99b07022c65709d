#!/usr/bin/python3
"""Golden values for learnable polyphase sampling (poolnet's LpsPool2d), computed with PyTorch.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_lps.py

It writes tests/golden/lps.json (committed), read by tests/layers/test_lps_pool2d.cpp, which
loads the same scorer weights into the layer and feeds it the same Gumbel noise
(LpsPool2d::forward_with_noise); the test suite itself needs no Python.

Written from the paper's code (raymondyeh07/learnable_polyphase_sampling,
learn_poly_sampling/layers/: lps_logit_layers.py LPSLogitLayersV2, lps_utils.py
lps_downsampleV2, polydown.py split_polyV2), generalised to strides sh x sw and to sizes that are
not multiples of the stride by wrapping circularly at the bottom/right (poolnet's convention):
  components: phase p = i*sw + j is xp[:, :, i::sh, j::sw];
  logits: conv 3x3 C->hidden ('same', circular) -> ReLU -> conv 3x3 hidden->hidden -> mean over
          channels and positions, one per sample and phase;
  train:  softmax((logits + g) / tau) weights the components (F.gumbel_softmax with hard=False,
          its noise g given explicitly);
  eval:   the component of the largest logit.
An optional stride-1 binomial blur (filter F, padded floor((F-1)/2) before and floor(F/2) after
in the padding mode) comes first. Each case holds stride [sh, sw], blur_filter, blur_padding,
tau, the input x, the scorer's parameters conv1_weight, conv1_bias, conv2_weight, conv2_bias,
the noise g [N, P], the logits [N, P], the training output train_y, the evaluation output
eval_y and phases, and for the training output an upstream gradient gy with the gradients gx
and gconv1_weight of sum(train_y * gy); tensors as {"shape": [...], "data": [...]} (9
significant digits: float32 values round-trip exactly).
"""
import json
import os

import torch
import torch.nn.functional as F

from generate import tensor_json

torch.manual_seed(0)
DTYPE = torch.float32


def wrap(x, sh, sw):
    h, w = x.shape[2], x.shape[3]
    rows = torch.tensor([r % h for r in range(-(-h // sh) * sh)])
    cols = torch.tensor([c % w for c in range(-(-w // sw) * sw)])
    return x[:, :, rows][:, :, :, cols]


def components(x, sh, sw):
    """[N, P, C, OH, OW]."""
    xp = wrap(x, sh, sw)
    return torch.stack([xp[:, :, i::sh, j::sw] for i in range(sh) for j in range(sw)], 1)


def binomial_blur(x, size, mode):
    taps = [1.0]
    for _ in range(size - 1):
        taps = [a + b for a, b in zip(taps + [0.0], [0.0] + taps)]
    k = torch.tensor(taps, dtype=DTYPE) / 2.0 ** (size - 1)
    before, after = (size - 1) // 2, size // 2
    xp = F.pad(x, (before, after, before, after), mode="constant" if mode == "zeros" else mode)
    c = x.shape[1]
    return F.conv2d(xp, torch.outer(k, k).expand(c, 1, size, size), groups=c)


cases = []


def add(name, shape, stride, hidden, tau=1.0, blur_filter=1, blur_padding="zeros", ties=False):
    n, c, h, w = shape
    sh, sw = stride
    conv1 = torch.nn.Conv2d(c, hidden, 3, padding="same", padding_mode="circular")
    conv2 = torch.nn.Conv2d(hidden, hidden, 3, padding="same", padding_mode="circular")
    x = torch.randn(shape, dtype=DTYPE)
    if ties:  # every component equal: equal logits, the lowest phase wins
        x = x[:, :, :1, :1].expand(shape).contiguous()
    g = -torch.empty(n, sh * sw).exponential_().log()  # standard Gumbel, as F.gumbel_softmax draws
    xg = x.clone().requires_grad_(True)
    xb = binomial_blur(xg, blur_filter, blur_padding) if blur_filter > 1 else xg
    comps = components(xb, sh, sw)  # [N, P, C, OH, OW]
    batch = comps.flatten(0, 1)  # sample-major: [N*P, C, OH, OW]
    logits = conv2(F.relu(conv1(batch))).mean(dim=(-1, -2, -3)).view(n, sh * sw)
    weights = F.softmax((logits + g) / tau, dim=-1)
    train_y = (comps * weights.view(n, sh * sw, 1, 1, 1)).sum(1)
    phases = logits.argmax(1)
    eval_y = comps[torch.arange(n), phases]
    gy = torch.randn(train_y.shape, dtype=DTYPE)
    train_y.backward(gy)
    cases.append({"name": name, "stride": [sh, sw], "hidden": hidden, "tau": tau, "blur_filter": blur_filter,
                  "blur_padding": blur_padding, "x": tensor_json(x), "conv1_weight": tensor_json(conv1.weight),
                  "conv1_bias": tensor_json(conv1.bias), "conv2_weight": tensor_json(conv2.weight),
                  "conv2_bias": tensor_json(conv2.bias), "g": tensor_json(g), "logits": tensor_json(logits),
                  "train_y": tensor_json(train_y), "eval_y": tensor_json(eval_y), "phases": phases.tolist(),
                  "gy": tensor_json(gy), "gx": tensor_json(xg.grad), "gconv1_weight": tensor_json(conv1.weight.grad)})


add("s2_8x8_c3_h3", (2, 3, 8, 8), (2, 2), 3)
add("s2_odd_7x9_c2_h4_tau0.5", (3, 2, 7, 9), (2, 2), 4, tau=0.5)
add("s2x3_nonsquare_8x9_c2_h2", (2, 2, 8, 9), (2, 3), 2)
add("s3_9x10_c2_h3_tau2", (2, 2, 9, 10), (3, 3), 3, tau=2.0)
add("s2_blur3_circular_8x6", (2, 2, 8, 6), (2, 2), 2, blur_filter=3, blur_padding="circular")
add("s2_blur4_zeros_7x7_tau0.7", (2, 3, 7, 7), (2, 2), 3, tau=0.7, blur_filter=4, blur_padding="zeros")
add("s2_ties_6x6", (2, 2, 6, 6), (2, 2), 2, ties=True)
add("s2_tiny_2x2", (2, 2, 2, 2), (2, 2), 2)

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lps.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_lps.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
