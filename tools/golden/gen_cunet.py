"""Goldens for the Real-CUGAN / waifu2x CUNet U-Net blocks and networks (tools/reference/cunet.py;
include/pixforge/models/cunet_blocks.hpp, realcugan.hpp, waifu2x_cunet.hpp).

Writes three files:
  tests/golden/cunet_blocks.safetensors   SEBlock (weights stored), UNet1 (3 bottoms), UNet2 (hashed weights)
  tests/golden/realcugan.safetensors      UpCunet 2x (padded forward, whole-image pipeline, alpha + pro), 3x, 4x
                                          with hashed weights; the real up2x-conservative weights on a photo crop
  tests/golden/waifu2x_cunet.safetensors  CUNet 1x, UpCUNet 2x with hashed weights; the real scale2.0x weights

"Hashed" weights: the full-width blocks have 0.2-1.4 M parameters, too many to store, so their values are a pure
function of (tensor index, element index) that tests/models/cunet_test_util.hpp recomputes in C++ (the case lists
[key, bound] per tensor in state_dict order):
    x = (i + 0x9E3779B9 * (t + 1 + 1000 * seed)) mod 2^32;  x = murmur3 fmix32(x)
    value = float32((2 * (x >> 8) / 2^24 - 1) * bound)
Bounds: weights sqrt(6 / fan_in) (He-uniform, so activations neither vanish nor explode through ~30 layers),
biases 0.1.

The real-weight cases need weights/realcugan-se-up2x-conservative.safetensors and
weights/waifu2x-cunet-scale2x.safetensors (tools/convert_ncnn.py; see weights/README.md).
Run: /usr/bin/python3 tools/golden/gen_cunet.py
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

from common import REPO, GoldenWriter, load_file

sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
import cunet  # noqa: E402

M32 = 0xFFFFFFFF


def hash_values(t, n, seed, bound):
    i = np.arange(n, dtype=np.uint64)
    x = (i + np.uint64(0x9E3779B9) * np.uint64(t + 1 + 1000 * seed)) & np.uint64(M32)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(M32)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(M32)
    x ^= x >> np.uint64(16)
    u = (x >> np.uint64(8)).astype(np.float64) / float(1 << 24)
    return ((2.0 * u - 1.0) * bound).astype(np.float32)


def fan_in(module, name, shape):
    if name.endswith("bias"):
        return None
    if isinstance(module, nn.ConvTranspose2d):
        # taps per output pixel: Cin * (k / s)^2 (k2 s2: Cin; k4 s2: 4 Cin; k5 s3: ~2.8 Cin)
        k, s = module.kernel_size[0], module.stride[0]
        return shape[0] * (k / s) ** 2
    return int(np.prod(shape[1:]))


def hash_fill(model, seed):
    """Fills every parameter of `model` with hashed values; returns the [key, bound] list (state_dict order)."""
    mods = dict(model.named_modules())
    spec = []
    with torch.no_grad():
        for t, (key, p) in enumerate(model.named_parameters()):
            mod = mods[key.rsplit(".", 1)[0]]
            f = fan_in(mod, key, tuple(p.shape))
            bound = 0.1 if f is None else math.sqrt(6.0 / f)
            p.copy_(torch.from_numpy(hash_values(t, p.numel(), seed, bound)).reshape(p.shape))
            spec.append([key, bound])
    return spec


def rand(shape, lo=0.0, hi=1.0):
    return torch.rand(*shape) * (hi - lo) + lo


def photo_crop(top, left, h, w):
    img = np.asarray(Image.open(os.path.join(REPO, "examples", "data", "sample.png")).convert("RGB"))
    return torch.from_numpy(img[top:top + h, left:left + w].astype(np.float32) / 255.0).permute(2, 0, 1)[None] \
        .contiguous()


def load_real(path, arch):
    sd, meta = load_file(os.path.join(REPO, path))
    assert meta["pixforge.arch"] == arch, meta
    net = cunet.build(arch, json.loads(meta["pixforge.config"])).eval()
    net.load_state_dict({k: v.float() for k, v in sd.items()})
    return net


def blocks():
    g = GoldenWriter("cunet_blocks")
    torch.manual_seed(1)
    with torch.no_grad():
        se = cunet.SEBlock(16)
        for p in se.parameters():
            p.uniform_(-0.5, 0.5)
        x = torch.randn(2, 16, 5, 7)
        g.case({"block": "SEBlock", "channels": 16}, x=x, y=se(x), mean=se.squeeze(x),
               **{"conv1.weight": se.conv1.weight, "conv1.bias": se.conv1.bias, "conv2.weight": se.conv2.weight,
                  "conv2.bias": se.conv2.bias})
        for bottom, (h, w) in [("deconv", (20, 24)), ("conv", (22, 26)), ("deconv_x3", (18, 20))]:
            m = cunet.UNet1(3, 3, deconv=bottom != "conv", x3=bottom == "deconv_x3")
            spec = hash_fill(m, seed=2)
            x = rand((1, 3, h, w))
            g.case({"block": "UNet1", "bottom": bottom, "in": 3, "out": 3, "seed": 2, "params": spec}, x=x, y=m(x))
        m = cunet.UNet2(3, 3)
        spec = hash_fill(m, seed=3)
        x = rand((1, 3, 44, 48), -0.5, 1.0)
        g.case({"block": "UNet2", "in": 3, "out": 3, "alpha": 1.0, "seed": 3, "params": spec}, x=x, y=m(x))
        x = rand((1, 3, 48, 44), -0.5, 1.0)
        g.case({"block": "UNet2", "in": 3, "out": 3, "alpha": 0.75, "seed": 3, "params": spec}, x=x, y=m(x, 0.75))
    g.save()


def realcugan():
    g = GoldenWriter("realcugan")
    torch.manual_seed(2)
    with torch.no_grad():
        for scale, pro, alpha, shape in [(2, False, 1.0, (40, 44)), (2, True, 0.7, (42, 40)), (3, False, 1.0, (40, 44)),
                                         (4, False, 1.0, (42, 44))]:
            m = cunet.build("realcugan", {"scale": scale, "pro": pro})
            spec = hash_fill(m, seed=10 + scale)
            x = rand((1, 3) + shape)
            cfg = {"scale": scale, "pro": pro, "alpha": alpha}
            g.case({"what": "forward (padded input)", "config": cfg, "seed": 10 + scale, "params": spec},
                   x=x, y=m(x, alpha))
        m = cunet.build("realcugan", {"scale": 2})
        spec = hash_fill(m, seed=12)
        x = rand((1, 3, 21, 23))
        g.case({"what": "whole image (reflect pad 18 + round-up)", "config": {"scale": 2}, "seed": 12,
                "params": spec}, x=x, y=cunet.upscale(m, x))
        net = load_real("weights/realcugan-se-up2x-conservative.safetensors", "realcugan")
        x = photo_crop(90, 50, 24, 28)
        g.case({"what": "real up2x-conservative, sample.png crop 24x28, whole image", "real": True,
                "config": {"scale": 2}}, x=x, y=cunet.upscale(net, x))
    g.save()


def waifu2x_cunet():
    g = GoldenWriter("waifu2x_cunet")
    torch.manual_seed(3)
    with torch.no_grad():
        for scale, shape in [(1, (60, 64)), (2, (40, 42))]:
            m = cunet.build("waifu2x_cunet", {"scale": scale})
            spec = hash_fill(m, seed=20 + scale)
            x = rand((1, 3) + shape)
            g.case({"what": "forward (padded input)", "config": {"scale": scale}, "seed": 20 + scale, "params": spec},
                   x=x, y=m(x))
        m = cunet.build("waifu2x_cunet", {"scale": 1})
        spec = hash_fill(m, seed=21)
        x = rand((1, 3, 9, 11))
        g.case({"what": "whole image (replicate pad 28 + round-up)", "config": {"scale": 1}, "seed": 21,
                "params": spec}, x=x, y=cunet.waifu2x_whole_image(m, x))
        net = load_real("weights/waifu2x-cunet-scale2x.safetensors", "waifu2x_cunet")
        x = photo_crop(90, 50, 24, 28)
        g.case({"what": "real scale2.0x (upcunet), sample.png crop 24x28, whole image", "real": True,
                "config": {"scale": 2}}, x=x, y=cunet.waifu2x_whole_image(net, x))
    g.save()


if __name__ == "__main__":
    blocks()
    realcugan()
    waifu2x_cunet()
