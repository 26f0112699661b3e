"""Goldens for the DeOldify NoGAN generator (include/pixforge/models/deoldify_unet.hpp) from the reference
tools/reference/deoldify.py.

Weights and inputs are not stored: every tensor is a deterministic function of its state_dict key, the hash of
tools/golden/gen_u2net.py / tests/models/u2net_fill.hpp (He-uniform convs, randomised BN statistics). A key is a
BatchNorm key when its owner also has a `running_mean`; SelfAttention's `gamma` uses the "bn_weight" rule
(1 + 0.5u, so never 0 — a zero gamma would hide the attention). The whole net is the real full-size artistic
configuration (ResNet-34, nf_factor 1.5, 63.6 M parameters), so only its output is stored.

tests/golden/deoldify_unet.safetensors, cases ("kind"):
    block      UnetBlockDeep(12, 6, final_div=True, self_attention=True) on up_in [1,12,3,5], skip [1,6,5,9]
               (shuffle gives 6x10 != 5x9: the nearest resize-to-skip branch)
    block      UnetBlockDeep(10, 4, final_div=False) on up_in [1,10,4,6], skip [1,4,8,12] (final-block width rule)
    net        DynamicUnetDeep() full size on [1,3,48,80] (encoder 24x40 ... 2x3; block 0 resizes 4x6 -> 3x5)
    net        the same on [1,3,40,56] (encoder 20x28, 10x14, 5x7, 3x4, 2x2: block 0 resizes 4x4 -> 3x4 (H only),
               block 1 resizes 6x8 -> 5x7 before its self-attention)
    post       deoldify/filters.py post-process with OpenCV (uint8 YUV, fixed point) on a random 6x10 original and
               model output: original, model_out, y (RGB 0..255)
Inputs: key "input" (u*2), skip: key "skip" (u*2).

Run: /usr/bin/python3 tools/golden/gen_deoldify_unet.py
"""
import os
import sys

import torch

from common import REPO, GoldenWriter
from gen_u2net import det_tensor

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.deoldify import DynamicUnetDeep, UnetBlockDeep  # noqa: E402


def kind_of(key, bn_owners):
    owner, leaf = key.rsplit(".", 1) if "." in key else ("", key)
    if leaf == "gamma":
        return "bn_weight"
    if owner in bn_owners:
        return {"weight": "bn_weight", "bias": "bn_bias", "running_mean": "running_mean",
                "running_var": "running_var"}[leaf]
    return {"weight": "conv_weight", "bias": "conv_bias"}[leaf]


def det_fill(module):
    sd = module.state_dict()
    bn_owners = {k.rsplit(".", 1)[0] for k in sd if k.endswith(".running_mean")}
    new = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            new[k] = v
            continue
        new[k] = det_tensor(k, list(v.shape), kind_of(k, bn_owners))
    module.load_state_dict(new)
    return module.eval()


def main():
    torch.set_num_threads(2)
    g = GoldenWriter("deoldify_unet")
    blocks = [(dict(up_in_c=12, x_in_c=6, final=False, self_attention=True), (1, 12, 3, 5), (1, 6, 5, 9)),
              (dict(up_in_c=10, x_in_c=4, final=True, self_attention=False), (1, 10, 4, 6), (1, 4, 8, 12))]
    for p, us, ss in blocks:
        m = det_fill(UnetBlockDeep(p["up_in_c"], p["x_in_c"], final_div=not p["final"],
                                   self_attention=p["self_attention"]))
        u = det_tensor("input", list(us), "input")
        s = det_tensor("skip", list(ss), "input")
        with torch.no_grad():
            y = m(u, s)
            y64 = m.double()(u.double(), s.double())
        print("block %s -> %s std %.4f |f32-f64| %.2e" % (p, list(y.shape), y.std().item(),
                                                         (y.double() - y64).abs().max().item()))
        g.case(dict(kind="block", up_shape=list(us), skip_shape=list(ss), **p), y=y)

    m = det_fill(DynamicUnetDeep())
    for shape in ((1, 3, 48, 80), (1, 3, 40, 56)):
        x = det_tensor("input", list(shape), "input")
        with torch.no_grad():
            y = m.float()(x)
            y64 = m.double()(x.double())
        print("net %s -> %s mean %.4f std %.4f min %.3f max %.3f |f32-f64| %.2e, %d params" % (
            list(shape), list(y.shape), y.mean().item(), y.std().item(), y.min().item(), y.max().item(),
            (y.double() - y64).abs().max().item(), sum(q.numel() for q in m.parameters())))
        g.case(dict(kind="net", shape=list(shape)), y=y)
    # Post-process (deoldify/filters.py): model output -> denorm -> x255 -> astype(uint8) (clipped first, part-a
    # §12 #9) -> cv2 COLOR_BGR2YUV of it and of the original (on RGB arrays, as filters.py does), Y from the
    # original, COLOR_YUV2BGR (all uint8, cv2 fixed point).
    import cv2
    import numpy as np
    rng = np.random.RandomState(5)
    H, W = 6, 10
    orig = rng.randint(0, 256, size=(H, W, 3)).astype(np.uint8)
    out = (rng.randn(1, 3, H, W) * 1.2).astype(np.float32)
    mean = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
    std = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
    raw = np.clip((out[0] * std + mean) * np.float32(255), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    yuv_c = cv2.cvtColor(np.ascontiguousarray(raw), cv2.COLOR_BGR2YUV)
    yuv_o = cv2.cvtColor(orig, cv2.COLOR_BGR2YUV)
    hires = yuv_o.copy()
    hires[:, :, 1:3] = yuv_c[:, :, 1:3]
    final = cv2.cvtColor(hires, cv2.COLOR_YUV2BGR)
    chw = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)[None].astype(np.float32)))
    g.case(dict(kind="post"), original=chw(orig), model_out=torch.from_numpy(out), y=chw(final))
    g.save()


if __name__ == "__main__":
    main()
