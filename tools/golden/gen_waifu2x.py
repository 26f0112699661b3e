"""Goldens for waifu2x upconv_7 and vgg_7 (include/pixforge/models/waifu2x_upconv7.hpp, waifu2x_vgg7.hpp) against
the PyTorch reference definitions in tools/reference/waifu2x.py.

Writes tests/golden/waifu2x_upconv7.safetensors and tests/golden/waifu2x_vgg7.safetensors. Case kinds:
  * narrow random-weight networks (small `base`), weights stored in the case as "<case>.conv<i>.weight/bias";
    "mode" "forward" = the bare network on a given (already padded) input, "upscale" = the app's whole-image
    path (nearest prescale, replicate pad 7, network). The last conv's bias/scale are set so that most outputs
    fall inside (0, 1) and only a few are clipped (a random net would otherwise clip about half of them to 0).
  * "real": the released weights on a crop of examples/data/sample.png, whole-image path:
      upconv_7: weights/waifu2x-upconv7-scale2x.safetensors (committed);
      vgg_7:    tools/cache/converted/waifu2x-vgg7-scale2x.safetensors, converted here from the npm package's
                models_rgb/scale2.0x_model.json (not committed: the C++ test skips the case when it is absent).
Run: /usr/bin/python3 tools/golden/gen_waifu2x.py
"""
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

from common import REPO, GoldenWriter, load_file

sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
from waifu2x import UpConv7, Vgg7, load_state, upscale_whole_image  # noqa: E402

PKG = os.path.join(REPO, "tools", "cache", "waifu2x-1.6.5", "package", "waifu2x")
VGG7_REAL = os.path.join(REPO, "tools", "cache", "converted", "waifu2x-vgg7-scale2x.safetensors")


def photo_crop(top, left, h, w):
    photo = np.asarray(Image.open(os.path.join(REPO, "examples", "data", "sample.png")).convert("RGB"))
    x = photo[top:top + h, left:left + w].astype(np.float32) / 255.0
    return torch.from_numpy(x).permute(2, 0, 1)[None].contiguous()


def calibrate_last(net, x, prescale=1):
    """Rescales the last layer so the pre-clip output has mean 0.5 and std 0.3 on x (about 10% clipped)."""
    net.clip = False
    with torch.no_grad():
        y = upscale_whole_image(net, x, prescale)
        s = 0.3 / max(float(y.std()), 1e-6)
        net.conv7.weight.mul_(s)
        net.conv7.bias.mul_(s)
        y = upscale_whole_image(net, x, prescale)
        net.conv7.bias.add_(0.5 - y.mean(dim=(0, 2, 3)))
    net.clip = True


def add_case(g, net, params, x, prescale=1):
    with torch.no_grad():
        if params["mode"] == "forward":
            y = net(torch.nn.functional.interpolate(x, scale_factor=prescale, mode="nearest") if prescale != 1 else x)
        else:
            y = upscale_whole_image(net, x, prescale)
    frac = float(((y > 0) & (y < 1)).float().mean())
    tensors = dict(x=x, y=y)
    if not params.get("real"):
        tensors.update({k: v for k, v in net.state_dict().items()})
    name = g.case(params, **tensors)
    print("  %s %-50s x %s -> y %s, %.1f%% unclipped" % (name, params["what"], tuple(x.shape), tuple(y.shape),
                                                         100 * frac))


def gen_upconv7():
    g = GoldenWriter("waifu2x_upconv7")
    torch.manual_seed(1)
    for ch, base, shape, mode in [(3, 2, (1, 3, 21, 18), "forward"), (1, 2, (2, 1, 17, 20), "forward"),
                                  (3, 2, (1, 3, 9, 6), "upscale"), (3, 1, (1, 3, 1, 1), "upscale")]:
        net = UpConv7(ch, base).eval()
        x = torch.rand(*shape)
        calibrate_last(net, x if mode == "upscale" else x[:, :, 7:-7, 7:-7] if min(shape[2:]) > 15 else x)
        add_case(g, net, {"what": "random base %d ch %d %s" % (base, ch, mode), "channels": ch, "base": base,
                          "mode": mode}, x)
    sd, meta = load_file(os.path.join(REPO, "weights", "waifu2x-upconv7-scale2x.safetensors"))
    net = load_state(UpConv7(3), sd).eval()
    add_case(g, net, {"what": "real scale2x weights, sample.png crop 20x14", "channels": 3, "base": 16,
                      "mode": "upscale", "real": True}, photo_crop(120, 100, 14, 20))
    g.save()


def gen_vgg7():
    g = GoldenWriter("waifu2x_vgg7")
    torch.manual_seed(2)
    for ch, base, prescale, shape, mode in [(3, 4, 1, (1, 3, 22, 17), "forward"), (1, 3, 1, (2, 1, 16, 19), "forward"),
                                            (3, 4, 2, (1, 3, 11, 9), "forward"), (3, 3, 2, (1, 3, 7, 5), "upscale"),
                                            (3, 4, 1, (1, 3, 6, 9), "upscale")]:
        net = Vgg7(ch, base).eval()
        x = torch.rand(*shape)
        calibrate_last(net, x, prescale)
        add_case(g, net, {"what": "random base %d ch %d prescale %d %s" % (base, ch, prescale, mode),
                          "channels": ch, "base": base, "prescale": prescale, "mode": mode}, x, prescale)
    src = os.path.join(PKG, "models_rgb", "scale2.0x_model.json")
    if os.path.exists(src):
        os.makedirs(os.path.dirname(VGG7_REAL), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(REPO, "tools", "convert_waifu2x_json.py"), src, VGG7_REAL],
                       check=True)
    if os.path.exists(VGG7_REAL):
        sd, meta = load_file(VGG7_REAL)
        net = load_state(Vgg7(3), sd).eval()
        add_case(g, net, {"what": "real scale2.0x weights, sample.png crop 16x12", "channels": 3, "base": 32,
                          "prescale": 2, "mode": "upscale", "real": True}, photo_crop(130, 110, 12, 16), 2)
    else:
        print("  (no %s: the real-weights case is left out)" % os.path.relpath(src, REPO))
    g.save()


if __name__ == "__main__":
    gen_upconv7()
    gen_vgg7()
