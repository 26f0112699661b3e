"""Goldens for the UpscalerJS networks (include/pixforge/models/upscalerjs_rdn.hpp, upscalerjs_rrdn.hpp) from the
reference tools/reference/upscalerjs.py.

tests/golden/upscalerjs.safetensors — seeded random weights, narrow networks ("kind": "rdn" | "rrdn", "config" =
  the JSON pixforge.config): RDN x2 (C 2, D 2) and x3 (C 1, D 1, N = 2), RRDN x2 (C 2, D 2, T 2) and x3 (C 1, D 1,
  T 1; scale 3 exercises the DCR depth_to_space order). Weights "<case>.w.<key>" in F16 (rounded first, so both
  sides compute with the same values).

tests/golden/upscalerjs_real.safetensors — REAL converted models on crops of examples/data/sample.png:
  c00 esrgan-slim x2 (weights/upscalerjs-esrgan-slim-x2.safetensors, committed, converted from
      @upscalerjs/esrgan-slim@1.0.0 models/x2) on a 16x16 crop in [0, 255];
  c01 idealo `gans` RRDN x4 of @upscalerjs/models@0.9.0 on a 12x12 crop in [0, 1] (its 16.7 MB weights are not
      committed; converted into tools/cache/upscalerjs/conv/ when the package is unpacked there).
  Each has x (NCHW), y (PyTorch reference running the converted weights) and, when TensorFlow.js is installed in
  tools/cache/tfjs (see tools/run_tfjs.js), y_tfjs: the ORIGINAL TF.js model's output on the same input.

Fetch/unpack (not committed): tools/cache/upscalerjs/upscalerjs-<name>-<version>/package/... from
`npm pack @upscalerjs/esrgan-slim@1.0.0 @upscalerjs/models@0.9.0` + `tar xzf`.

Run: /usr/bin/python3 tools/golden/gen_upscalerjs.py
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

from common import REPO, GoldenWriter, load_file

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.upscalerjs import RDN, RRDN  # noqa: E402

CACHE = os.path.join(REPO, "tools", "cache", "upscalerjs")
SLIM_DIR = os.path.join(CACHE, "upscalerjs-esrgan-slim-1.0.0", "package", "models", "x2")
GANS_DIR = os.path.join(CACHE, "upscalerjs-models-0.9.0", "package", "models", "idealo", "gans")
SLIM_WEIGHTS = os.path.join(REPO, "weights", "upscalerjs-esrgan-slim-x2.safetensors")
GANS_WEIGHTS = os.path.join(CACHE, "conv", "models-0.9.0-idealo-gans.safetensors")
TFJS_NODE_MODULES = os.path.join(REPO, "tools", "cache", "tfjs", "node_modules")


def fp16_weights(module, seed):
    torch.manual_seed(seed)
    for m in module.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.reset_parameters()
            with torch.no_grad():
                m.bias.uniform_(-0.3, 0.3)  # default bias init is tiny for wide fan-in; make biases matter
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.half().float())
    return module.eval()


def add_case(g, params, module, **io):
    name = g.case(params, **io)
    for k, v in module.state_dict().items():
        g.tensors[name + ".w." + k] = v.detach().half().numpy()
    return name


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def ensure_converted(model_dir, out):
    if not os.path.exists(out):
        if not os.path.exists(os.path.join(model_dir, "model.json")):
            return None
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.check_call([sys.executable, os.path.join(REPO, "tools", "convert_tfjs.py"),
                               os.path.join(model_dir, "model.json"), out])
    return out


def photo_crop(top, left, size, mul):
    photo = np.asarray(Image.open(os.path.join(REPO, "examples", "data", "sample.png")).convert("RGB"))
    crop = photo[top:top + size, left:left + size].astype(np.float32) * mul
    return torch.from_numpy(crop).permute(2, 0, 1)[None].contiguous()


def run_tfjs(model_dir, x):
    """The original TF.js model's output for NCHW x, or None when node / tfjs / the package are missing."""
    if not (os.path.isdir(TFJS_NODE_MODULES) and os.path.exists(os.path.join(model_dir, "model.json"))):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")
        nhwc = x.permute(0, 2, 3, 1).contiguous().numpy()
        with open(inp, "w") as f:
            json.dump({"shape": list(nhwc.shape), "data": nhwc.ravel().tolist()}, f)
        env = dict(os.environ, NODE_PATH=TFJS_NODE_MODULES)
        subprocess.check_call(["node", os.path.join(REPO, "tools", "run_tfjs.js"), model_dir, inp, outp], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(outp) as f:
            o = json.load(f)
    print("tfjs %s backend %s" % (o["version"], o["backend"]))
    y = np.asarray(o["data"], np.float32).reshape(o["shape"])
    return torch.from_numpy(y).permute(0, 3, 1, 2).contiguous()


def main():
    g = GoldenWriter("upscalerjs")
    with torch.no_grad():
        cases = [("rdn", dict(G0=8, G=4, C=2, D=2, scale=2, c_dim=3, kernel_size=3, upn=[6, 5]), (1, 3, 7, 9)),
                 ("rdn", dict(G0=6, G=3, C=1, D=1, scale=3, c_dim=3, kernel_size=3, upn=[5, 4]), (2, 3, 5, 6)),
                 ("rrdn", dict(G0=8, G=4, C=2, D=2, T=2, scale=2, c_dim=3, kernel_size=3), (1, 3, 6, 7)),
                 ("rrdn", dict(G0=6, G=3, C=1, D=1, T=1, scale=3, c_dim=3, kernel_size=3), (1, 3, 5, 4))]
        for seed, (kind, cfg, shape) in enumerate(cases):
            net = fp16_weights((RDN if kind == "rdn" else RRDN)(**cfg), 20 + seed)
            x = torch.rand(*shape)
            add_case(g, {"kind": kind, "config": json.dumps(cfg)}, net, x=x, y=net(x))
    g.save()

    r = GoldenWriter("upscalerjs_real")
    reals = [("esrgan-slim x2", SLIM_DIR, ensure_converted(SLIM_DIR, SLIM_WEIGHTS), (120, 96, 16, 1.0),
              "weights/upscalerjs-esrgan-slim-x2.safetensors"),
             ("idealo gans RRDN x4", GANS_DIR, ensure_converted(GANS_DIR, GANS_WEIGHTS), (100, 140, 12, 1 / 255.0),
              "tools/cache/upscalerjs/conv/models-0.9.0-idealo-gans.safetensors")]
    for what, model_dir, path, (top, left, size, mul), rel in reals:
        if path is None:
            sys.exit("%s: neither converted weights nor the npm package in tools/cache; not regenerating %s"
                     % (what, "tests/golden/upscalerjs_real.safetensors"))
        sd, meta = load_file(path)
        cfg = json.loads(meta["pixforge.config"])
        net = (RRDN if "T" in cfg else RDN)(**cfg).eval()
        net.load_state_dict({k: v.float() for k, v in sd.items()})
        with torch.no_grad():
            x = photo_crop(top, left, size, mul)
            y = net(x)
        io = dict(x=x, y=y)
        y_tfjs = run_tfjs(model_dir, x)
        if y_tfjs is not None:
            io["y_tfjs"] = y_tfjs
            print("%s: |torch - tfjs| max %.3g (output range %.3g..%.3g)"
                  % (what, (y - y_tfjs).abs().max().item(), y.min().item(), y.max().item()))
        r.case({"what": "%s, sample.png crop [%d:%d, %d:%d]" % (what, top, top + size, left, left + size),
                "weights": rel, "weights_sha256": sha256(path), "arch": meta["pixforge.arch"],
                "config": meta["pixforge.config"]}, **io)
    r.save()


if __name__ == "__main__":
    main()
