#!/usr/bin/env python3
"""Reference safetensors files built from the format's rules with json + struct only, for
tests/framework/test_safetensors.cpp (which hard-codes the bytes this prints).

    python3 tests/interop/write_reference_safetensors.py [OUT_DIR]

The rules (as the Python `safetensors` package writes them): an 8-byte little-endian header
length N, then N bytes of compact JSON padded with spaces to a multiple of 8, then the raw
little-endian data; data_offsets are relative to the data section; tensors are contiguous.

1. "poolnet_layout": what poolnet's writer must produce byte for byte: __metadata__ first (user
   keys sorted, then "poolnet.crc32", the zlib CRC-32 of the data section as 8 hex digits), then
   the tensors in the order written.
2. "foreign_layout": a file as another writer may produce it: no __metadata__, JSON keys in
   name order while the data is in another order (poolnet must read it all the same).
"""
import json
import struct
import sys
import zlib


def f32(values):
    return struct.pack("<%df" % len(values), *values)


TENSORS = [  # (name, shape, values) in the order written
    ("conv.weight", [2, 1, 2, 2], [0.5 * i - 1.0 for i in range(8)]),
    ("conv.bias", [2], [0.25, -0.75]),
    ("empty", [0, 3], []),
    ("scalar", [], [3.5]),
]
METADATA = {"model": "lenet", "note": "caf\u00e9 \u00fcber"}


def build(tensors, metadata, key_order=None, checksum=True):
    data = b"".join(f32(v) for _, _, v in tensors)
    header = {}
    if metadata is not None:
        meta = dict(sorted(metadata.items()))
        if checksum:
            meta["poolnet.crc32"] = "%08x" % zlib.crc32(data)
        header["__metadata__"] = meta
    offset = 0
    entries = {}
    for name, shape, values in tensors:
        entries[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * len(values)]}
        offset += 4 * len(values)
    for name in key_order or [t[0] for t in tensors]:
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def cpp_bytes(name, blob):
    rows = [", ".join("0x%02x" % b for b in blob[i:i + 16]) for i in range(0, len(blob), 16)]
    return "const std::vector<uint8_t> %s = {\n    %s};" % (name, ",\n    ".join(rows))


if __name__ == "__main__":
    poolnet = build(TENSORS, METADATA)
    foreign_tensors = [TENSORS[1], TENSORS[3], TENSORS[0]]  # data order: bias, scalar, weight
    foreign = build(foreign_tensors, None, key_order=["conv.weight", "conv.bias", "scalar"])
    if len(sys.argv) > 1:
        for name, blob in (("poolnet_layout", poolnet), ("foreign_layout", foreign)):
            with open("%s/%s.safetensors" % (sys.argv[1], name), "wb") as f:
                f.write(blob)
    print(cpp_bytes("kPoolnetLayout", poolnet))
    print(cpp_bytes("kForeignLayout", foreign))
