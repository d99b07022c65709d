#!/usr/bin/python3
"""Golden values for the global heads gem, lse, simpool and attn_pool (layers/global_heads.h,
layers/attention_heads.h), computed with PyTorch from the published formulas: GeM as cirtorch's
`gem` (filipradenovic/cnnimageretrieval-pytorch), LSE as timm's LsePlus2d, SimPool as timm's
SimPool2d with gamma 2 (pytorch-image-models, timm/layers/other_pool.py), attention pooling as
CLIP's AttentionPool2d (openai/CLIP, clip/model.py) through F.multi_head_attention_forward; written
here anew in models/torch_modules.py, which this script imports.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_heads.py

It writes tests/golden/heads.json (committed), read by tests/layers/test_heads_golden.cpp.
Each case: the head spec (name, channels, size, heads), the input x [N,C,H,W], the parameters by
name, the output y, an upstream gradient gy and the gradients of sum(y * gy) with respect to x and
every parameter; tensors as {"shape": [...], "data": [...]} (9 significant digits).
"""
import importlib.util
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("torch_modules", os.path.join(HERE, "../../models/torch_modules.py"))
tm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tm)
torch.manual_seed(0)


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.detach().flatten().tolist()]}


def linear(c, bias):
    return nn.Linear(c, c, bias=bias)


def make(name, c, size, heads):
    if name == "gem":
        m = tm.GemPool()
        m.p.data.fill_(2.5)
    elif name == "lse":
        m = tm.LsePool()
        m.r.data.fill_(4.0)
    elif name == "simpool":
        m = tm.SimPool2d(c, heads, tm.LayerNorm(c), linear(c, False), linear(c, False))
    else:
        m = tm.AttentionPool2d(c, size, heads, linear(c, True), linear(c, True), linear(c, True), linear(c, True))
        m.positional_embedding.data.normal_(0.0, c ** -0.5)
    for p in m.parameters():  # LayerNorm's ones and zeros would hide a wrong weight or bias gradient
        if p.dim() == 1 and name in ("simpool",):
            p.data.add_(0.1 * torch.randn_like(p))
    return m


cases = []
for name, c, size, heads in [("gem", 3, (4, 5), 1), ("lse", 3, (4, 5), 1), ("simpool", 4, (3, 4), 1),
                             ("simpool", 6, (3, 3), 2), ("attn_pool", 4, (3, 4), 1), ("attn_pool", 8, (2, 3), 4)]:
    m = make(name, c, size, heads)
    low = 0.05 if name == "gem" else -1.0
    x = (torch.rand(2, c, *size) * (1.5 - low) + low).requires_grad_()
    y = m(x)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    cases.append({"name": f"{name}_{c}_{size[0]}x{size[1]}_h{heads}", "head": name, "channels": c,
                  "size": list(size), "heads": heads, "x": tensor_json(x),
                  "params": {n: tensor_json(p) for n, p in m.named_parameters()}, "y": tensor_json(y),
                  "gy": tensor_json(gy), "gx": tensor_json(x.grad),
                  "grads": {n: tensor_json(p.grad) for n, p in m.named_parameters()}})

with open(os.path.join(HERE, "heads.json"), "w") as f:
    json.dump({"cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases")
