#!/usr/bin/python3
"""Converts an ncnn model (.param + .bin) into a pixforge safetensors weight file.

    /usr/bin/python3 tools/convert_ncnn.py ARCH PARAM BIN OUT.safetensors [--fp32] [--license L]

ARCH selects tools/ncnn_maps/<ARCH>.py (its convert(layers) returns the state_dict and the model Config). fp16
weights stay F16 unless --fp32 is given (biases are fp32 in ncnn and stay F32). Metadata written:
    pixforge.arch       ARCH
    pixforge.config     JSON of the map's config
    pixforge.source     JSON {"package": ..., "files": [{"name": <param basename>, "sha256": ...}, {bin ...}]}
    pixforge.license    the map's LICENSE (or --license)
    pixforge.converter  "tools/convert_ncnn.py v1"
"""
import argparse
import hashlib
import importlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))

from ncnn import load_ncnn  # noqa: E402
from common import save_file  # noqa: E402

CONVERTER = "tools/convert_ncnn.py v1"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_json(paths, package=None):
    src = {"files": [{"name": os.path.basename(p), "sha256": sha256(p)} for p in paths]}
    if package:
        src["package"] = package
    return json.dumps(src, separators=(",", ":"))


def write_weights(out, arch, state, config, source, license_, converter, fp32=False):
    """Writes the state_dict with pixforge metadata. Arrays must be float16/float32."""
    tensors = {}
    for k, v in state.items():
        v = np.asarray(v)
        if v.dtype not in (np.float16, np.float32):
            raise ValueError("%s: tensor %s has dtype %s (expected float16/float32)" % (out, k, v.dtype))
        tensors[k] = np.ascontiguousarray(v.astype(np.float32) if fp32 else v)
    meta = {"pixforge.arch": arch, "pixforge.config": json.dumps(config, separators=(",", ":")),
            "pixforge.source": source, "pixforge.license": license_, "pixforge.converter": converter}
    save_file(tensors, out, meta)
    return tensors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", help="architecture; selects tools/ncnn_maps/<arch>.py")
    ap.add_argument("param")
    ap.add_argument("bin")
    ap.add_argument("out")
    ap.add_argument("--fp32", action="store_true", help="store every tensor as F32 (default: keep fp16 as F16)")
    ap.add_argument("--license", default=None, help="pixforge.license (default: the map's LICENSE)")
    a = ap.parse_args(argv)
    try:
        mod = importlib.import_module("ncnn_maps." + a.arch)
    except ModuleNotFoundError as e:
        maps = sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "ncnn_maps"))
                      if f.endswith(".py") and not f.startswith("_"))
        sys.exit("convert_ncnn: no map for arch %r (%s); available: %s" % (a.arch, e, ", ".join(maps)))
    layers = load_ncnn(a.param, a.bin)
    state, config = mod.convert(layers)
    license_ = a.license or getattr(mod, "LICENSE", None)
    if not license_:
        sys.exit("convert_ncnn: map %s has no LICENSE; pass --license" % a.arch)
    tensors = write_weights(a.out, a.arch, state, config,
                            source_json([a.param, a.bin], getattr(mod, "SOURCE_PACKAGE", None)), license_,
                            CONVERTER, a.fp32)
    n = sum(t.size for t in tensors.values())
    print("wrote %s: arch %s, %d tensors, %d parameters, %d bytes, sha256 %s"
          % (a.out, a.arch, len(tensors), n, os.path.getsize(a.out), sha256(a.out)))


if __name__ == "__main__":
    main()
