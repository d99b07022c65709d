#!/usr/bin/python3
"""Golden values for local importance pooling (poolnet's lip_pool2d and LipPool2d), computed with PyTorch.

Run by hand from the repository root with the system Python that has PyTorch (1.13):

    /usr/bin/python3 tests/golden/generate_lip.py

It writes tests/golden/lip.json (committed), read by tests/layers/test_lip_pool2d.cpp; the test
suite itself needs no Python.

Written from the paper's code (sebgao/LIP, imagenet/lip_resnet.py): the op is lip2d's formula
  y = F.avg_pool2d(x * w, kernel, stride, padding) / F.avg_pool2d(w, kernel, stride, padding),
  w = exp(logits)
(no max subtracted: the cases keep the logits small enough for exp), and the layer is
SimplifiedLIP: logits = COEFF * sigmoid(InstanceNorm2d(C, affine=True)(Conv2d(C, C, k, padding=k//2,
bias=False)(x))), COEFF = 12. Each case holds kernel, stride, padding (each [h, w]), the input x,
an upstream gradient gy and the output y; op cases ("op": true) also the logits and the
gradients gx and glogits of sum(y * gy); layer cases ("op": false) the logit kernel, the
parameters conv_weight, bn_weight, bn_bias (random, not the zero initialisation, so the logits
vary), the gradients gx, gconv_weight, gbn_weight, gbn_bias, and the logits G(x). Tensors as
{"shape": [...], "data": [...]} (9 significant digits: float32 values round-trip exactly).
"""
import json
import os

import torch
import torch.nn.functional as F

from generate import tensor_json

torch.manual_seed(0)
DTYPE = torch.float32
COEFF = 12.0


def lip2d(x, logit, kernel, stride, padding):
    weight = logit.exp()
    return F.avg_pool2d(x * weight, kernel, stride, padding) / F.avg_pool2d(weight, kernel, stride, padding)


cases = []


def window(kernel, stride, padding):
    return {"kernel": list(kernel), "stride": list(stride), "padding": list(padding)}


def add_op(name, shape, kernel=(3, 3), stride=(2, 2), padding=(1, 1), logit_scale=2.0):
    x = torch.randn(shape, dtype=DTYPE, requires_grad=True)
    logits = (logit_scale * torch.randn(shape, dtype=DTYPE)).requires_grad_(True)
    y = lip2d(x, logits, kernel, stride, padding)
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    cases.append({"name": name, "op": True, **window(kernel, stride, padding), "x": tensor_json(x),
                  "logits": tensor_json(logits), "y": tensor_json(y), "gy": tensor_json(gy),
                  "gx": tensor_json(x.grad), "glogits": tensor_json(logits.grad)})


def add_layer(name, shape, logit_kernel=3, kernel=(3, 3), stride=(2, 2), padding=(1, 1)):
    c = shape[1]
    conv = torch.nn.Conv2d(c, c, logit_kernel, padding=logit_kernel // 2, bias=False)
    bn = torch.nn.InstanceNorm2d(c, affine=True)
    with torch.no_grad():
        bn.weight.copy_(1.0 + 0.5 * torch.randn(c))
        bn.bias.copy_(0.5 * torch.randn(c))
    x = torch.randn(shape, dtype=DTYPE, requires_grad=True)
    logits = torch.sigmoid(bn(conv(x))).mul(COEFF)
    y = lip2d(x, logits, kernel, stride, padding)
    gy = torch.randn(y.shape, dtype=DTYPE)
    y.backward(gy)
    cases.append({"name": name, "op": False, **window(kernel, stride, padding), "logit_kernel": logit_kernel,
                  "x": tensor_json(x), "conv_weight": tensor_json(conv.weight), "bn_weight": tensor_json(bn.weight),
                  "bn_bias": tensor_json(bn.bias), "logits": tensor_json(logits), "y": tensor_json(y),
                  "gy": tensor_json(gy), "gx": tensor_json(x.grad), "gconv_weight": tensor_json(conv.weight.grad),
                  "gbn_weight": tensor_json(bn.weight.grad), "gbn_bias": tensor_json(bn.bias.grad)})


add_op("op_k3s2p1_8x8", (2, 3, 8, 8))
add_op("op_k3s2p1_odd_7x9", (2, 2, 7, 9), logit_scale=4.0)
add_op("op_k2s2p0_6x8", (2, 2, 6, 8), kernel=(2, 2), stride=(2, 2), padding=(0, 0))
add_op("op_k3s1p1_5x6", (1, 2, 5, 6), kernel=(3, 3), stride=(1, 1), padding=(1, 1))
add_op("op_k3x2_s2x1_p1x0_7x6", (2, 2, 7, 6), kernel=(3, 2), stride=(2, 1), padding=(1, 0))
add_op("op_k5s3p2_11x10", (1, 3, 11, 10), kernel=(5, 5), stride=(3, 3), padding=(2, 2))
add_layer("layer_k3_8x8", (2, 3, 8, 8))
add_layer("layer_k3_odd_9x7", (3, 2, 9, 7))
add_layer("layer_k5_10x10", (2, 4, 10, 10), logit_kernel=5)
add_layer("layer_k1_window5_12x12", (2, 2, 12, 12), logit_kernel=1, kernel=(5, 5), stride=(3, 3), padding=(2, 2))

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lip.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/generate_lip.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {path} ({os.path.getsize(path)} bytes)")
