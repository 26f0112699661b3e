#!/usr/bin/python3
"""Converts a TF.js layers model (model.json + weight shards) of UpscalerJS into a pixforge safetensors file.

    /usr/bin/python3 tools/convert_tfjs.py MODEL.json OUT.safetensors [--arch auto|upscalerjs_rdn|upscalerjs_rrdn]
                                           [--range auto|byte|unit] [--package NAME@VERSION] [--license L]

numpy only. What it does:
  1. parses `modelTopology.model_config.config.layers` (Keras functional model: class_name, config, inbound_nodes);
  2. reads the `weightsManifest` groups: the group's shard files (`paths`, in order) are one byte stream holding the
     weights in manifest order; uint8 / uint16 quantized weights are dequantized as value = q * scale + min
     (`quantization` {dtype, scale, min}), float16 ones are widened; every tensor is stored F32;
  3. derives the architecture's hyper-parameters from the layer names and shapes (G0, G, C, D[, T], scale), then
     checks that the file's graph is EXACTLY the one tools/reference/upscalerjs.py describes (every layer's class,
     inputs, filters, kernel size, stride 1, dilation 1, bias, linear activation, 'same' padding, ReLU, nearest
     up-sampling, concat on the channel axis, MultiplyBeta beta, PixelShuffle scale) — an unknown variant fails
     with the first differing layer named;
  4. maps the Keras weight names (`LAYER/kernel`, `LAYER/bias`) to the reference's state_dict keys and converts
     Conv2D kernels [kh, kw, in, out] (HWIO) to PyTorch [out, in, kh, kw] (a transpose, no flip).
Metadata written: pixforge.arch, pixforge.config (JSON: G0, G, C, D, [T, beta], scale, c_dim, kernel_size, upn,
"range" = value range of input and output images: "byte" [0, 255] or "unit" [0, 1]), pixforge.source (package and
file names + sha256), pixforge.license, pixforge.converter.

Value ranges (--range auto): UpscalerJS's own model definitions (@upscalerjs/esrgan-slim / -medium 1.0.0,
dist/.../esrgan.js) declare inputRange = outputRange = [0, 255] for their "rdn" models, so `auto` gives byte for
RDNs of an @upscalerjs/esrgan-* package. @upscalerjs/models@0.9.0 ships no definition; its models come from idealo
image-super-resolution, whose predict() feeds img / 255 (and RRDN `gans` is [0, 1] by SOURCES.md): `auto` gives
unit for everything else. Measured (bicubic-downscaled 2x/3x/4x crops of examples/data/sample.png, PSNR RGB):
div2k 4x 26.55 dB as unit vs 22.07 as byte, div2k 3x 27.41 vs 24.00, psnr-small 31.45 vs 30.89, gans 27.90 vs
22.04, while esrgan-slim x2 gives 30.41 as byte vs 30.30 as unit.
"""
import argparse
import hashlib
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))

from common import save_file  # noqa: E402
from reference.upscalerjs import BETA, rdn_key, rdn_topology, rrdn_key, rrdn_topology  # noqa: E402

CONVERTER = "tools/convert_tfjs.py v1"
QDTYPES = {"uint8": np.uint8, "uint16": np.uint16}
DTYPES = {"float32": np.float32, "int32": np.int32}


class ConvertError(Exception):
    pass


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_model_json(path):
    with open(path) as f:
        m = json.load(f)
    if m.get("format") not in (None, "layers-model"):
        raise ConvertError("%s: format '%s' is not a TF.js layers model" % (path, m.get("format")))
    topo = m.get("modelTopology")
    if topo is None:
        raise ConvertError("%s: no modelTopology" % path)
    mc = topo.get("model_config", topo)
    if "config" not in mc or "layers" not in mc["config"]:
        raise ConvertError("%s: modelTopology has no config.layers" % path)
    return m, mc


def read_weights(model_path, manifest):
    """{name: float32 array} from the weightsManifest; returns (weights, shard paths)."""
    base = os.path.dirname(model_path)
    out, shards = {}, []
    for gi, group in enumerate(manifest):
        paths = [os.path.join(base, p) for p in group["paths"]]
        shards += paths
        data = b""
        for p in paths:
            with open(p, "rb") as f:
                data += f.read()
        off = 0
        for w in group["weights"]:
            name, shape = w["name"], [int(s) for s in w["shape"]]
            n = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            qd = q["dtype"] if q else None
            if qd in QDTYPES:
                dt = np.dtype(QDTYPES[qd]).newbyteorder("<")
            elif qd == "float16":
                dt = np.dtype("<f2")
            elif qd is not None:
                raise ConvertError("%s: weight '%s' has unsupported quantization dtype '%s'" % (model_path, name, qd))
            elif w["dtype"] in DTYPES:
                dt = np.dtype(DTYPES[w["dtype"]]).newbyteorder("<")
            else:
                raise ConvertError("%s: weight '%s' has unsupported dtype '%s'" % (model_path, name, w["dtype"]))
            if off + n * dt.itemsize > len(data):
                raise ConvertError("%s: weight '%s' %s needs bytes %d..%d but group %d's shards %s hold %d"
                                   % (model_path, name, shape, off, off + n * dt.itemsize, gi, group["paths"],
                                      len(data)))
            val = np.frombuffer(data, dt, n, off).astype(np.float64)
            if qd in QDTYPES:
                val = val * float(q["scale"]) + float(q["min"])  # TF.js dequantization
            off += n * dt.itemsize
            if name in out:
                raise ConvertError("%s: weight '%s' appears twice in the manifest" % (model_path, name))
            out[name] = np.asarray(val, dtype=np.float32).reshape(shape)
        if off != len(data):
            raise ConvertError("%s: group %d's shards hold %d bytes, the manifest describes %d"
                               % (model_path, gi, len(data), off))
    return out, shards


def inbound(layer):
    nodes = layer.get("inbound_nodes", [])
    if len(nodes) > 1:
        raise ConvertError("layer '%s' is called %d times (shared layers are not supported)" % (layer["name"], len(nodes)))
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3 style
        raise ConvertError("layer '%s': Keras 3 inbound_nodes are not supported" % layer["name"])
    return [x[0] for x in node]


def canonical_graph(layers, path):
    """{canonical name: (class, [inputs], params)} with generated names of custom layers replaced."""
    rename = {}
    for l in layers:
        if l["class_name"] == "MultiplyBeta":
            rename[l["name"]] = "beta(%s)" % inbound(l)[0]
        elif l["class_name"].startswith("PixelShuffle"):
            rename[l["name"]] = "shuffle(%s)" % inbound(l)[0]
    g = {}
    for l in layers:
        cls, c, name = l["class_name"], l.get("config", {}), rename.get(l["name"], l["name"])
        ins = [rename.get(i, i) for i in inbound(l)]
        where = "%s: layer '%s' (%s)" % (path, l["name"], cls)
        params = {}
        if cls == "Conv2D":
            k = c["kernel_size"]
            checks = [(k[0] == k[1] and k[0] % 2 == 1, "kernel %s is not square and odd" % k),
                      (list(c.get("strides", [1, 1])) == [1, 1], "strides %s != 1" % c.get("strides")),
                      (list(c.get("dilation_rate", [1, 1])) == [1, 1], "dilation %s != 1" % c.get("dilation_rate")),
                      (c.get("use_bias", True), "no bias"),
                      (c.get("activation", "linear") == "linear", "fused activation '%s'" % c.get("activation")),
                      (c.get("groups", 1) == 1, "groups %s" % c.get("groups")),
                      (c.get("data_format", "channels_last") == "channels_last", "data_format %s" % c.get("data_format")),
                      (c.get("padding") == "same" or (c.get("padding") == "valid" and k[0] == 1),
                       "padding '%s' with kernel %s" % (c.get("padding"), k))]
            for ok, what in checks:
                if not ok:
                    raise ConvertError("%s: %s" % (where, what))
            params = {"filters": int(c["filters"]), "kernel": int(k[0])}
        elif cls == "Activation":
            params = {"activation": c.get("activation")}
        elif cls == "Concatenate":
            if c.get("axis") not in (3, -1):
                raise ConvertError("%s: concat axis %s is not the channel axis" % (where, c.get("axis")))
        elif cls == "UpSampling2D":
            if c.get("interpolation", "nearest") != "nearest":
                raise ConvertError("%s: interpolation '%s'" % (where, c.get("interpolation")))
            params = {"size": list(c["size"])}
        elif cls == "MultiplyBeta":
            params = {"beta": c.get("beta", BETA)}
        elif cls.startswith("PixelShuffle"):
            cls = "PixelShuffle"
            params = {"scale": c.get("scale")}
        elif cls not in ("InputLayer", "Add"):
            raise ConvertError("%s: unsupported layer class" % where)
        g[name] = (cls, ins, params)
    return g


def filters(layers, name):
    for l in layers:
        if l["name"] == name:
            return int(l["config"]["filters"])
    raise ConvertError("no layer '%s'" % name)


def count(layers, pattern):
    return sum(1 for l in layers if re.fullmatch(pattern, l["name"]))


def derive_config(arch, layers, path):
    names = {l["name"] for l in layers}
    if arch == "upscalerjs_rdn":
        for n in ("F_m1", "F_1_1", "UPN1", "UPN2", "SR", "UPsample"):
            if n not in names:
                raise ConvertError("%s: no layer '%s': not an RDN" % (path, n))
        ups = [l for l in layers if l["name"] == "UPsample"][0]["config"]["size"]
        return {"G0": filters(layers, "F_m1"), "G": filters(layers, "F_1_1"), "C": count(layers, r"F_1_\d+"),
                "D": count(layers, r"LFF_\d+"), "scale": int(ups[0]), "c_dim": filters(layers, "SR"),
                "kernel_size": 3, "upn": [filters(layers, "UPN1"), filters(layers, "UPN2")], "upscaling": "ups"}
    for n in ("Pre_blocks_conv", "F_1_1_1", "PreShuffle", "SR"):
        if n not in names:
            raise ConvertError("%s: no layer '%s': not an RRDN" % (path, n))
    shuffle = [l for l in layers if l["class_name"].startswith("PixelShuffle")]
    if len(shuffle) != 1:
        raise ConvertError("%s: %d PixelShuffle layers, expected 1" % (path, len(shuffle)))
    return {"G0": filters(layers, "Pre_blocks_conv"), "G": filters(layers, "F_1_1_1"),
            "C": count(layers, r"F_1_1_\d+"), "D": count(layers, r"LFF_1_\d+"), "T": count(layers, r"RRDB_\d+_out"),
            "scale": int(shuffle[0]["config"]["scale"]), "c_dim": filters(layers, "SR"), "kernel_size": 3,
            "beta": BETA}


def check_graph(actual, expected, path):
    exp = {name: (cls, ins, params) for name, cls, ins, params in expected}
    for name, (cls, ins, params) in exp.items():
        if name not in actual:
            raise ConvertError("%s: the reference graph has layer '%s' (%s <- %s) that the file lacks"
                               % (path, name, cls, ins))
        a = actual[name]
        a_params = {k: a[2].get(k) for k in params}
        if (a[0], a[1], a_params) != (cls, ins, params):
            raise ConvertError("%s: layer '%s' is %s <- %s %s, the reference expects %s <- %s %s"
                               % (path, name, a[0], a[1], a[2], cls, ins, params))
    extra = sorted(set(actual) - set(exp))
    if extra:
        raise ConvertError("%s: layers not in the reference graph: %s" % (path, extra[:5]))


def convert(model_path, arch="auto", range_="auto", package=None):
    m, mc = load_model_json(model_path)
    layers = mc["config"]["layers"]
    classes = {l["class_name"] for l in layers}
    if arch == "auto":
        arch = "upscalerjs_rrdn" if any(c.startswith("PixelShuffle") or c == "MultiplyBeta" for c in classes) \
            else "upscalerjs_rdn"
    cfg = derive_config(arch, layers, model_path)
    expected = rdn_topology(**cfg) if arch == "upscalerjs_rdn" else rrdn_topology(**cfg)
    check_graph(canonical_graph(layers, model_path), expected, model_path)
    if range_ == "auto":
        esrgan_pkg = (package or "").startswith("@upscalerjs/esrgan-")
        range_ = "byte" if arch == "upscalerjs_rdn" and esrgan_pkg else "unit"
    cfg["range"] = range_

    weights, shards = read_weights(model_path, m["weightsManifest"])
    key_of = rdn_key if arch == "upscalerjs_rdn" else rrdn_key
    convs = {name: p for name, (cls, _, p) in canonical_graph(layers, model_path).items() if cls == "Conv2D"}
    state = {}
    for wname, arr in weights.items():
        layer, _, kind = wname.rpartition("/")
        key = key_of(layer)
        if key is None or layer not in convs or kind not in ("kernel", "bias"):
            raise ConvertError("%s: weight '%s' %s belongs to no Conv2D of the reference" % (model_path, wname,
                                                                                             list(arr.shape)))
        p = convs[layer]
        if kind == "kernel":
            if arr.ndim != 4 or arr.shape[0] != p["kernel"] or arr.shape[1] != p["kernel"] or arr.shape[3] != p["filters"]:
                raise ConvertError("%s: '%s' has shape %s, layer '%s' is a %dx%d conv with %d filters"
                                   % (model_path, wname, list(arr.shape), layer, p["kernel"], p["kernel"], p["filters"]))
            state[key + ".weight"] = np.ascontiguousarray(arr.transpose(3, 2, 0, 1))  # HWIO -> OIHW
        else:
            if list(arr.shape) != [p["filters"]]:
                raise ConvertError("%s: '%s' has shape %s, expected [%d]" % (model_path, wname, list(arr.shape),
                                                                            p["filters"]))
            state[key + ".bias"] = arr
    missing = sorted(key_of(n) + "." + k for n in convs for k in ("weight", "bias")
                     if key_of(n) + "." + k not in state)
    if missing:
        raise ConvertError("%s: the manifest has no weights for %s" % (model_path, missing[:5]))
    return arch, cfg, state, shards


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_json")
    ap.add_argument("out")
    ap.add_argument("--arch", default="auto", choices=["auto", "upscalerjs_rdn", "upscalerjs_rrdn"])
    ap.add_argument("--range", default="auto", choices=["auto", "byte", "unit"],
                    help="value range of the model's images (auto: byte for @upscalerjs/esrgan-* RDNs, else unit)")
    ap.add_argument("--package", default=None, help="source package, e.g. @upscalerjs/esrgan-slim@1.0.0 "
                                                    "(default: read from the package.json above MODEL.json)")
    ap.add_argument("--license", default=None, help="pixforge.license (default: the package.json licence)")
    a = ap.parse_args(argv)
    package, license_ = a.package, a.license
    d = os.path.dirname(os.path.abspath(a.model_json))
    while d != os.path.dirname(d) and not os.path.exists(os.path.join(d, "package.json")):
        d = os.path.dirname(d)
    has_pkg = os.path.exists(os.path.join(d, "package.json"))
    pkg_root = d if has_pkg else os.path.dirname(os.path.abspath(a.model_json))
    if has_pkg:
        pj = json.load(open(os.path.join(d, "package.json")))
        package = package or "%s@%s" % (pj.get("name"), pj.get("version"))
        license_ = license_ or pj.get("license")
    try:
        arch, cfg, state, shards = convert(a.model_json, a.arch, a.range, package)
    except (ConvertError, KeyError, ValueError) as e:
        sys.exit("convert_tfjs: %s" % e)
    files = [{"name": os.path.relpath(p, pkg_root), "sha256": sha256(p)} for p in [a.model_json] + shards]
    src = {"files": files}
    if package:
        src["package"] = package
    meta = {"pixforge.arch": arch, "pixforge.config": json.dumps(cfg, separators=(",", ":")),
            "pixforge.source": json.dumps(src, separators=(",", ":")), "pixforge.license": license_ or "unknown",
            "pixforge.converter": CONVERTER}
    save_file(state, a.out, meta)
    n = sum(v.size for v in state.values())
    print("wrote %s: arch %s, config %s, %d tensors, %d parameters, %d bytes, sha256 %s"
          % (a.out, arch, meta["pixforge.config"], len(state), n, os.path.getsize(a.out), sha256(a.out)))


if __name__ == "__main__":
    main()
