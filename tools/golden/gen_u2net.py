"""Goldens for U^2-Net, U^2-Net-dagger and IS-Net (include/pixforge/models/u2net.hpp, isnet.hpp) from the reference
tools/reference/u2net.py.

Weights and inputs are not stored: every tensor is a deterministic function of its state_dict key (the same
integer hash in tests/models/u2net_fill.hpp), so whole networks fit in a few KB of expected outputs:

    h      = FNV-1a 32-bit of the key (UTF-8)
    x_i    = ((h ^ (i * 2654435761 mod 2^32)) * 1103515245 + 12345) mod 2^32
    u_i    = float32(((x_i >> 16) mod 2001) - 1000) / float32(1000)                   in [-1, 1]
    conv weight  u * float32(sqrt(6 / fan_in))       conv bias        u * 0.1      (He-uniform: keeps the scale)
    bn weight    1 + 0.5 u                           bn bias          u * 0.1
    running_mean u * 0.1                             running_var      1.25 + 0.75 u    (in [0.5, 2])
    input        u * 2                               (key "input")
All products in float32, like the C++ side. BN statistics are randomised (part-a 0.7), so a swapped mean/var or a
missing BN shows.

tests/golden/u2net.safetensors, cases ("kind"):
    rsu7   RSU7(3, 4, 6) on [1, 3, 29, 45]   (5 ceil-mode pools: 29 -> 15 -> 8 -> 4 -> 2 -> 1)
    rsu4f  RSU4F(6, 3, 5) on [1, 6, 13, 17]
    rsu4   RSU4(5, 3, 4) on [2, 5, 9, 7], BN folded into the conv (bn=False)
    net    U2NET / 4 and ISNetDIS / 4 (width_divisor) on [1, 3, 75, 115]: the prediction (d0 resp. s1) and the
           last side output (d6 resp. s6); U2NETP / 2 on [1, 3, 57, 83] and ISNetDIS / 4 with bn_folded on
           [1, 3, 33, 47]: the prediction
Expected outputs in float32; a float64 run bounds the reference's own rounding (printed).

Run: /usr/bin/python3 tools/golden/gen_u2net.py
"""
import json
import os
import sys

import numpy as np
import torch

from common import REPO, GoldenWriter

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.u2net import (ISNET_STAGES, U2NET_STAGES, U2NETP_STAGES, RSU, ISNetDIS, RSU4F, U2Net,  # noqa: E402
                             scaled)


def fnv1a(s):
    h = 0x811C9DC5
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def det_uniform(key, n):
    h = np.uint64(fnv1a(key))
    i = np.arange(n, dtype=np.uint64)
    x = (h ^ ((i * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF))) & np.uint64(0xFFFFFFFF)
    x = (x * np.uint64(1103515245) + np.uint64(12345)) & np.uint64(0xFFFFFFFF)
    k = ((x >> np.uint64(16)) % np.uint64(2001)).astype(np.int64) - 1000
    return k.astype(np.float32) / np.float32(1000)


def det_tensor(key, shape, kind):
    n = int(np.prod(shape))
    u = det_uniform(key, n)
    if kind == "conv_weight":
        fan_in = n // shape[0]
        v = u * np.float32(np.sqrt(6.0 / float(fan_in)))
    elif kind in ("conv_bias", "bn_bias", "running_mean"):
        v = u * np.float32(0.1)
    elif kind == "bn_weight":
        v = np.float32(1) + np.float32(0.5) * u
    elif kind == "running_var":
        v = np.float32(1.25) + np.float32(0.75) * u
    elif kind == "input":
        v = u * np.float32(2)
    else:
        raise ValueError(kind)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def kind_of(key, module_names_bn):
    owner, leaf = key.rsplit(".", 1)
    if owner in module_names_bn:
        return {"weight": "bn_weight", "bias": "bn_bias", "running_mean": "running_mean",
                "running_var": "running_var"}[leaf]
    return {"weight": "conv_weight", "bias": "conv_bias"}[leaf]


def det_fill(module):
    bn_names = {n for n, m in module.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    sd = module.state_dict()
    new = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            new[k] = v
            continue
        new[k] = det_tensor(k, list(v.shape), kind_of(k, bn_names))
    module.load_state_dict(new)
    return module.eval()


def run(module, x):
    with torch.no_grad():
        y32 = module(x)
        m64 = module.double()
        y64 = m64(x.double())
        module.float()
    return y32, y64


def main():
    g = GoldenWriter("u2net")
    blocks = [("rsu7", lambda: RSU(7, 3, 4, 6), (1, 3, 29, 45), {"height": 7, "in_ch": 3, "mid_ch": 4, "out_ch": 6}),
              ("rsu4f", lambda: RSU4F(6, 3, 5), (1, 6, 13, 17), {"height": 0, "in_ch": 6, "mid_ch": 3, "out_ch": 5}),
              ("rsu4", lambda: RSU(4, 5, 3, 4, bn=False), (2, 5, 9, 7),
               {"height": 4, "in_ch": 5, "mid_ch": 3, "out_ch": 4, "bn_folded": True})]
    for kind, make, shape, params in blocks:
        m = det_fill(make())
        x = det_tensor("input", list(shape), "input")
        y, y64 = run(m, x)
        print("%-6s %s -> %s  std %.4f  |f32 - f64| max %.2e" % (kind, list(shape), list(y.shape), y.std().item(),
                                                               (y.double() - y64).abs().max().item()))
        g.case(dict(kind=kind, shape=list(shape), **params), y=y)

    nets = [("u2net", lambda c: U2Net(3, 1, scaled(U2NET_STAGES, c["width_divisor"])),
             dict(variant="u2net", width_divisor=4), (1, 3, 75, 115)),
            ("u2netp", lambda c: U2Net(3, 1, scaled(U2NETP_STAGES, c["width_divisor"])),
             dict(variant="u2netp", width_divisor=2), (1, 3, 57, 83)),
            ("isnet", lambda c: ISNetDIS(3, 1, scaled(ISNET_STAGES, c["width_divisor"])),
             dict(width_divisor=4), (1, 3, 75, 115)),
            ("isnet", lambda c: ISNetDIS(3, 1, scaled(ISNET_STAGES, c["width_divisor"]), bn=False),
             dict(width_divisor=4, bn_folded=True), (1, 3, 33, 47))]
    for arch, make, cfg, shape in nets:
        m = det_fill(make(cfg))
        x = det_tensor("input", list(shape), "input")
        ys, ys64 = run(m, x)
        err = max((a.double() - b).abs().max().item() for a, b in zip(ys, ys64))
        print("%-6s %s %s: prediction mean %.4f std %.4f, last side std %.4f, |f32 - f64| max %.2e, %d params" % (
            arch, json.dumps(cfg), list(shape), ys[0].mean().item(), ys[0].std().item(), ys[-1].std().item(), err,
            sum(p.numel() for p in m.parameters())))
        outs = dict(pred=ys[0])
        if shape[2] == 75:  # the last side output too (at 33x47 IS-Net's hx6 is 1x1: a constant)
            outs["last"] = ys[-1]
        g.case(dict(kind="net", arch=arch, config=json.dumps(cfg), shape=list(shape)), **outs)
    g.save()


if __name__ == "__main__":
    main()
