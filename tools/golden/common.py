"""Shared helpers for the golden generators (run with Debian's /usr/bin/python3 and python3-torch).

Each tools/golden/gen_<op>.py builds a sweep of cases with PyTorch and writes tests/golden/<op>.safetensors:
tensors are named "<case>.<tensor>" (e.g. "c03.x", "c03.weight", "c03.y"), and `__metadata__` holds
"op" and "cases" (a JSON array of objects, each with "name" plus the op's parameters). The C++ side reads it with
tests/test_util.hpp's Golden class. Keep each file under ~200 KB: small shapes, many cases.

save_file() writes safetensors byte-for-byte the way the official `safetensors` package does (it is not packaged in
Debian): tensors ordered by dtype (descending, in the package's dtype order) then by name, header JSON compact with
`__metadata__` first, padded with spaces to a multiple of 8 bytes, little-endian u64 header length in front.
"""
import json
import os
import struct

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN_DIR = os.path.join(REPO, "tests", "golden")

# dtype order of the Rust safetensors crate's Dtype enum (sorting key, descending).
_DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
                "I64", "U64"]
_NP_TO_ST = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
             np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("uint8"): "U8", np.dtype("int8"): "I8",
             np.dtype("bool"): "BOOL"}


def _to_bytes(t):
    """Returns (dtype string, shape, bytes) for a numpy array or torch tensor (bf16 supported via torch)."""
    try:
        import torch
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu().contiguous()
            if t.dtype == torch.bfloat16:
                return "BF16", list(t.shape), t.view(torch.int16).numpy().astype("<i2").tobytes()
            t = t.numpy()
    except ImportError:
        pass
    a = np.ascontiguousarray(t)
    dt = _NP_TO_ST[a.dtype]
    return dt, list(a.shape), a.astype(a.dtype.newbyteorder("<")).tobytes()


def save_file(tensors, path, metadata=None):
    items = [(name,) + _to_bytes(t) for name, t in tensors.items()]
    items.sort(key=lambda it: (-_DTYPE_ORDER.index(it[1]), it[0]))
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, dt, shape, data in items:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for _, _, _, data in items:
            f.write(data)
    os.replace(tmp, path)


class GoldenWriter:
    """Collects cases for one op and writes tests/golden/<op>.safetensors."""

    def __init__(self, op):
        self.op = op
        self.tensors = {}
        self.cases = []

    def case(self, params, **tensors):
        name = "c%02d" % len(self.cases)
        self.cases.append(dict(name=name, **params))
        for k, v in tensors.items():
            try:
                import torch
                if isinstance(v, torch.Tensor):
                    v = v.detach().to(torch.float32).contiguous().numpy()
            except ImportError:
                pass
            self.tensors[name + "." + k] = np.ascontiguousarray(v, dtype=np.float32)
        return name

    def save(self):
        os.makedirs(GOLDEN_DIR, exist_ok=True)
        path = os.path.join(GOLDEN_DIR, self.op + ".safetensors")
        save_file(self.tensors, path, {"op": self.op, "cases": json.dumps(self.cases, separators=(",", ":")),
                                       "generator": "tools/golden/gen_%s.py" % self.op})
        size = os.path.getsize(path)
        print("wrote %s: %d cases, %d bytes" % (os.path.relpath(path, REPO), len(self.cases), size))
        return path


def load_file(path):
    """Reads a safetensors file into {name: torch.Tensor} plus the metadata dict (F32/F16/BF16/I64 only)."""
    import torch
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        raw = bytearray(data[b:end])
        if e["dtype"] == "BF16":
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0)
        else:
            np_dt = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}[e["dtype"]]
            t = torch.from_numpy(np.frombuffer(bytes(raw), dtype=np_dt).copy())
        out[name] = t.reshape(e["shape"])
    return out, meta
