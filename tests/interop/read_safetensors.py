#!/usr/bin/python3
"""Reads a safetensors file with json + struct + torch only and checks it against the rules.

    /usr/bin/python3 tests/interop/read_safetensors.py tests/interop/data/written_by_poolnet.safetensors

The file is written by the C++ test Safetensors.WritesInteropFile (run it with
POOLNET_INTEROP_DIR=tests/interop/data). Its tensors hold known values: "ramp" [2,3,4] = 0.25*i - 3,
"bias" [5] = i / 8, "scalar" [] = -1.5, "empty" [0,4]; metadata {"model": "lenet", "step": "42"}.
Exits non-zero with a message on the first mismatch.
"""
import json
import struct
import sys
import zlib

import torch


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0, "header length %d is not a multiple of 8" % n
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors, expected_begin = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32", name
        assert begin == expected_begin, "%s: gap or overlap at %d" % (name, begin)
        count = 1
        for d in info["shape"]:
            count *= d
        assert end - begin == 4 * count, name
        raw = bytearray(data[begin:end])
        t = torch.frombuffer(raw, dtype=torch.float32) if raw else torch.zeros(0, dtype=torch.float32)
        tensors[name] = t.reshape(info["shape"]).clone()
        expected_begin = end
    assert expected_begin == len(data), "trailing bytes in the data section"
    if "poolnet.crc32" in meta:
        assert meta["poolnet.crc32"] == "%08x" % zlib.crc32(data), "checksum mismatch"
    return tensors, meta


def main(path):
    tensors, meta = read(path)
    expected = {
        "ramp": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) * 0.25 - 3,
        "bias": torch.arange(5, dtype=torch.float32) / 8,
        "scalar": torch.tensor(-1.5),
        "empty": torch.zeros(0, 4),
    }
    assert set(tensors) == set(expected), sorted(tensors)
    for name, want in expected.items():
        got = tensors[name]
        assert got.shape == want.shape, "%s: shape %s, expected %s" % (name, tuple(got.shape), tuple(want.shape))
        assert torch.equal(got, want), "%s: values differ\n%s\n%s" % (name, got, want)
    assert meta.get("model") == "lenet" and meta.get("step") == "42", meta
    print("ok: %s (%d tensors, metadata %s)" % (path, len(tensors), meta))


if __name__ == "__main__":
    main(sys.argv[1])
