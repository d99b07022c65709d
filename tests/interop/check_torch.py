"""Interoperability with PyTorch (Debian's python3-torch).

For several models: train briefly with `poolnet train`, read the model.safetensors with plain
json + struct, check the documented names and layouts, build the equivalent PyTorch module
from `poolnet inspect --format torch`, load the weights with strict=True, and compare the
logits of both on the same inputs (`poolnet predict`). Usage: check_torch.py POOLNET WORKDIR
"""
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys

import torch

POOLNET, WORK = sys.argv[1], sys.argv[2]

# (family, strategy, head, padding mode, extra model options): every strategy, every head and
# family at least once; keyed variants cover overlapping, padded and ceil-mode windows.
SMALL = ["--width", "0.25"]
RESNET8 = ["--depth", "8", "--width", "0.5"]
CASES = [
    ("lenet", "max_pool", "flatten", "zeros", []),
    ("lenet", "avg_pool", "gap", "circular", []),
    ("lenet", "strided_conv", "gmp", "zeros", []),
    ("lenet", "max_blur_pool:filter=3", "gap", "circular", []),
    ("lenet", "blur_pool:filter=5", "gap_gmp", "zeros", []),
    ("lenet", "aps", "gap", "circular", []),
    ("lenet", "lp_pool:p=2", "flatten", "zeros", []),
    ("lenet", "none", "gap", "circular", []),
    ("lenet", "aps_blur:filter=4", "gap", "circular", []),
    ("lenet", "conv_blur_pool:filter=3", "flatten", "zeros", []),
    ("lenet", "mixed_pool", "gmp", "zeros", []),
    ("lenet", "soft_pool", "gap_gmp", "circular", []),
    ("lenet", "stochastic_pool", "flatten", "zeros", []),
    ("lenet", "fractional_max_pool:ratio=0.7", "gap", "zeros", []),
    ("lenet", "lps", "gap", "circular", []),
    ("lenet", "lps:filter=3,hidden=4,tau=0.5", "flatten", "zeros", []),
    ("lenet", "s3_pool:grid=4", "gap", "zeros", []),
    ("lenet", "tips:kernel=5", "gap", "circular", []),
    ("lenet", "lp_pool:kernel=3,p=3,ceil_mode=true", "gap", "zeros", []),
    ("lenet", "max_pool:kernel=3,padding=1,ceil_mode=true", "gap", "zeros", []),
    ("lenet", "avg_pool:kernel=3,padding=1,count_include_pad=false", "flatten", "zeros", []),
    ("lenet", "max_blur_pool:filter=7", "flatten", "zeros", []),
    ("vgg", "max_pool", "gap", "zeros", SMALL),
    ("vgg", "aps:norm=linf", "gap", "circular", SMALL + ["--batch-norm"]),
    ("allconv", "blur_pool:filter=3", "gap_gmp", "circular", SMALL + ["--batch-norm"]),
    ("lenet", "max_pool", "gap", "zeros", ["--input-downsample"]),
    ("vgg", "strided_conv", "gap", "circular", SMALL + ["--input-downsample"]),
    ("allconv", "max_blur_pool:filter=3", "gap_gmp", "zeros", SMALL + ["--input-downsample"]),
    ("resnet", "aps_blur:filter=3", "gap", "circular", RESNET8),
    ("resnet", "lps", "gap", "circular", RESNET8),
    ("resnet", "max_blur_pool:filter=3", "gap_gmp", "zeros", RESNET8),
    ("resnet", "strided_conv", "flatten", "zeros", RESNET8),
    ("resnet", "mixed_pool", "gap", "circular", RESNET8),
    ("lenet", "max_pool", "gem", "circular", []),
    ("lenet", "max_pool", "lse", "zeros", []),
    ("lenet", "aps", "simpool", "circular", []),
    ("lenet", "max_pool", "attn_pool:heads=4", "zeros", []),
    ("vgg", "max_pool", "simpool:heads=2", "circular", SMALL),
    ("allconv", "max_pool", "attn_pool", "circular", SMALL),
    ("resnet", "max_pool", "gem", "circular", RESNET8),
    ("lenet", "lip_pool", "gap", "circular", []),
    ("lenet", "lip_pool:window=2,logit_kernel=5", "flatten", "zeros", []),
    ("resnet", "lip_pool", "gap", "zeros", RESNET8),
    ("lenet", "spectral_pool", "gap", "circular", []),
    ("lenet", "flc_pool", "gap", "circular", []),
    ("lenet", "asap_pool", "gap", "circular", []),
    ("lenet", "wavelet_pool:wavelet=db2", "gap", "circular", []),
    ("lenet", "wavelet_pool:wavelet=haar", "flatten", "zeros", []),
    ("lenet", "dpp_pool", "gap", "circular", []),
]


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info)
        begin, end = info["data_offsets"]
        values = struct.unpack("<%df" % ((end - begin) // 4), data[begin:end])
        tensors[name] = torch.tensor(values, dtype=torch.float32).reshape(info["shape"])
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def run(*args):
    subprocess.run([POOLNET, *args], check=True, stdout=subprocess.PIPE)


def check(family, strategy, head, padding, extra):
    name = f"{family}-{strategy}-{head}-{padding}{''.join(extra)}".replace(":", "_").replace("=", "").replace(",", "_")
    out = os.path.join(WORK, name)
    data = ["--dataset", "shapes", "--train-samples", "256", "--test-samples", "64"]
    model_args = ["--model", family, "--downsample", strategy, "--head", head, "--padding-mode", padding, *extra]
    run("train", *data, *model_args, "--epochs", "1", "--batch", "32", "--quiet", "--out", out)

    weights, metadata = read_safetensors(os.path.join(out, "model.safetensors"))
    assert metadata["poolnet.model.family"] == family, metadata
    # The first layer with weights sees the 1-channel input (it is features.1 when
    # --input-downsample puts a pool without parameters first).
    first = min((k for k in weights if k.startswith("features.") and k.endswith(".weight")),
                key=lambda k: int(k.split(".")[1]))
    conv0 = weights[first]
    assert conv0.dim() == 4 and conv0.shape[1] == 1, (first, conv0.shape)  # [out, in, kh, kw]
    linears = [k for k, v in weights.items() if k.startswith("classifier") and k.endswith("weight") and v.dim() == 2]
    assert linears and weights[linears[-1]].shape[0] == 8, linears  # [out = 8 shapes classes, in]

    inspect = ["inspect", *model_args, "--input", "1,28,28", "--classes", "8", "--format", "torch"]
    source = subprocess.run([POOLNET, *inspect], check=True, stdout=subprocess.PIPE, text=True).stdout
    namespace = {}
    exec(compile(source, name + ".py", "exec"), namespace)
    net = namespace["build"]()
    assert sorted(net.state_dict()) == sorted(weights), (sorted(net.state_dict()), sorted(weights))
    net.load_state_dict(weights, strict=True)
    net.eval()

    torch.manual_seed(0)
    x = torch.randn(16, 1, 28, 28)
    write_safetensors(os.path.join(out, "input.safetensors"), {"input": x})
    run("predict", "--checkpoint", os.path.join(out, "model.safetensors"), "--input",
        os.path.join(out, "input.safetensors"), "--out", os.path.join(out, "logits.safetensors"))
    ours, _ = read_safetensors(os.path.join(out, "logits.safetensors"))
    with torch.no_grad():
        theirs = net(x)
    diff = (ours["logits"] - theirs).abs().max().item()
    assert diff < 1e-4, f"{name}: logits differ by {diff}"
    return diff


def check_python_module():
    """models/torch_modules.py imports on its own and is clean under pyflakes."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "torch_modules.py")
    spec = importlib.util.spec_from_file_location("torch_modules", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lint = subprocess.run([sys.executable, "-m", "pyflakes", path], stdout=subprocess.PIPE, text=True)
    assert lint.returncode == 0 and not lint.stdout, f"pyflakes on {path}:\n{lint.stdout}"


def every_strategy_covered(cases):
    """CASES plus a default case (lenet, gap, circular) for every strategy of the registry
    (`poolnet strategies --format names`) that no case names, so a new strategy is checked too."""
    names = subprocess.run([POOLNET, "strategies", "--format", "names"], check=True, stdout=subprocess.PIPE,
                           text=True).stdout.split()
    covered = {case[1].split(":")[0] for case in cases}
    return cases + [("lenet", n, "gap", "circular", []) for n in names if n not in covered]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    check_python_module()
    cases = every_strategy_covered(CASES)
    worst = 0.0
    for case in cases:
        diff = check(*case)
        print(f"{case}: max |logit difference| = {diff:.2e}")
        worst = max(worst, diff)
    print(f"interop: {len(cases)} models give the same logits in PyTorch (worst {worst:.2e})")


if __name__ == "__main__":
    main()
