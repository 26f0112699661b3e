"""Goldens for include/pixforge/tasks/pil_resize.hpp -> tests/golden/pil_resize.safetensors.

Run with Debian's /usr/bin/python3 (python3-pil). Pillow's Image.resize(size, Image.BILINEAR) on random 8-bit
L and RGB images: shrinking (antialiased, support widened by the scale), enlarging, mixed, one axis only, and the
DeOldify render-factor round trip shape (a non-square image to a square and back). Tensors "x" (input) and "y"
(Pillow's output) are stored HWC as float32 holding integers 0..255; case parameters: mode, width, height (target).
"""
import numpy as np
import PIL
from PIL import Image

from common import GoldenWriter

rng = np.random.default_rng(20261203)
g = GoldenWriter("pil_resize")


def case(mode, in_w, in_h, out_w, out_h, smooth=False):
    c = 1 if mode == "L" else 3
    x = rng.integers(0, 256, size=(in_h, in_w, c), dtype=np.uint8)
    if smooth:  # a gradient plus noise: closer to a photo than white noise
        yy, xx = np.mgrid[0:in_h, 0:in_w]
        base = (xx * 255 // max(1, in_w - 1) + yy * 128 // max(1, in_h - 1)) % 256
        x = np.clip(base[..., None] + rng.integers(-20, 21, size=x.shape), 0, 255).astype(np.uint8)
    im = Image.fromarray(x[..., 0] if c == 1 else x, mode)
    y = np.asarray(im.resize((out_w, out_h), Image.BILINEAR))
    if c == 1:
        y = y[..., None]
    g.case(dict(mode=mode, width=out_w, height=out_h), x=x.astype(np.float32), y=y.astype(np.float32))


case("RGB", 37, 23, 16, 16)           # shrink both axes (antialiased)
case("RGB", 5, 7, 16, 16)             # enlarge
case("RGB", 40, 30, 13, 47)           # shrink x, enlarge y
case("L", 9, 11, 20, 5)               # enlarge x, shrink y
case("RGB", 100, 3, 7, 3)             # x only, factor 14
case("L", 6, 50, 6, 9)                # y only
case("RGB", 61, 45, 32, 32, smooth=True)   # DeOldify: to a 32x32 render square ...
case("RGB", 32, 32, 61, 45, smooth=True)   # ... and back
case("RGB", 17, 17, 17, 17)           # same size: a copy
g.save()
print("Pillow", PIL.__version__)
