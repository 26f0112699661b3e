"""Goldens for include/pixforge/imgproc/ (flip, rotate, adjust, metrics) -> tests/golden/imgproc.safetensors.

Run with Debian's /usr/bin/python3 (python3-pil, python3-numpy, python3-skimage). No PyTorch needed.

Every case has "x" (an 8-bit image, U8 [H, W, C]) and, by "op":
  flip        "y" = PIL img.transpose(FLIP_LEFT_RIGHT / FLIP_TOP_BOTTOM)             params: axis
  rotate      "y" = PIL img.rotate(angle, Image.BILINEAR, expand, fillcolor)        params: angle, expand, fill
              (fill [R, G, B, A] or null = PIL's default black, transparent with alpha; gray images get PIL's luma
              of R, G, B; fills of images with alpha are opaque or fully transparent, where PIL's premultiplied
              handling of the fill equals the C++ one)
  adjust      "y" = ImageEnhance.Contrast(ImageEnhance.Brightness(img).enhance(b)).enhance(c), a factor of 1
              skipping its step                                                     params: brightness, contrast
  metrics     "x2" (the second image) and "q" = [PSNR, SSIM, PSNR-Y, SSIM-Y] computed on both images converted to
              RGB (PIL convert('RGB'): gray replicated, alpha dropped): PSNR by
              skimage.metrics.peak_signal_noise_ratio(data_range=255), SSIM by structural_similarity(channel_axis=2,
              gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255), PSNR-Y / SSIM-Y by
              tools/eval_sr.py's y_channel, psnr and ssim (no border crop).
Images are 8-bit values; the C++ tests compare flip/rotate/adjust exactly and the metrics to rtol 1e-6 (the
values are stored as float32).
"""
import os
import sys

import numpy as np
from PIL import Image, ImageEnhance
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from common import GoldenWriter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import eval_sr  # noqa: E402  (tools/eval_sr.py: the PSNR-Y / SSIM-Y definitions the CLI must match)

rng = np.random.default_rng(2026)
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def test_image(h, w, c):
    """A smooth gradient plus noise (so bilinear interpolation and SSIM windows see structure), uint8 HWC."""
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(xx * 255.0 / max(w - 1, 1)), (yy * 255.0 / max(h - 1, 1)), ((xx + yy) * 127.0 / (h + w))],
                    axis=-1)[..., :3]
    base = np.concatenate([base, 255.0 - base], axis=-1)[..., :c]
    noisy = base + rng.normal(0, 25, base.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


def to_pil(a):
    return Image.fromarray(a[..., 0] if a.shape[2] == 1 else a, MODES[a.shape[2]])


def from_pil(im):
    a = np.asarray(im)
    return a[..., None] if a.ndim == 2 else a


def add_case(g, params, **tensors):
    """GoldenWriter.case, but 8-bit images are stored as U8 (4x smaller than float32; the C++ side reads any dtype
    as float)."""
    images = {k: v for k, v in tensors.items() if np.asarray(v).dtype == np.uint8}
    name = g.case(params, **{k: v for k, v in tensors.items() if k not in images})
    for k, v in images.items():
        g.tensors[name + "." + k] = np.ascontiguousarray(v)
    return name


def pil_luma(r, g, b):
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16


def main():
    g = GoldenWriter("imgproc")

    # ---- flip ----------------------------------------------------------------------------------------------
    for shape in [(5, 7, 3), (4, 6, 1), (3, 5, 4), (6, 1, 2)]:
        x = test_image(*shape)
        for axis, t in [("horizontal", Image.Transpose.FLIP_LEFT_RIGHT), ("vertical", Image.Transpose.FLIP_TOP_BOTTOM)]:
            add_case(g, {"op": "flip", "axis": axis}, x=x, y=from_pil(to_pil(x).transpose(t)))

    # ---- rotate --------------------------------------------------------------------------------------------
    fill = [10, 200, 30, 255]
    clear = [90, 40, 220, 0]
    rotations = [(0, False, None), (90, False, None), (180, False, None), (270, False, None), (-90, True, None),
                 (90, True, fill), (270, True, None), (30, False, None), (30, True, fill), (-17.5, True, None),
                 (45, True, fill), (200, True, None), (359.9, False, None), (0.001, False, fill), (735, True, None),
                 (123.456, True, fill), (-60, True, clear)]
    for shape in [(9, 13, 3), (10, 10, 1), (11, 8, 1), (7, 9, 4), (6, 5, 2)]:
        x = test_image(*shape)
        if shape[2] in (2, 4):  # alpha with transparent, opaque and in-between pixels
            x[..., -1] = rng.choice([0, 3, 60, 128, 200, 255], size=x.shape[:2])
        for angle, expand, f in rotations:
            kw = {}
            if f is not None:
                luma = pil_luma(*f[:3])
                kw["fillcolor"] = {1: luma, 2: (luma, f[3]), 3: tuple(f[:3]), 4: tuple(f)}[shape[2]]
            y = to_pil(x).rotate(angle, resample=Image.Resampling.BILINEAR, expand=expand, **kw)
            add_case(g, {"op": "rotate", "angle": angle, "expand": expand, "fill": f}, x=x, y=from_pil(y))

    # ---- adjust (brightness, then contrast) -----------------------------------------------------------------
    factors = [(0.2, 1), (0.5, 1), (0.73, 1), (1.5, 1), (3.3, 1), (100, 1), (1, 0.2), (1, 0.61), (1, 1.7), (1, 4),
               (1, 100), (1.2, 0.8), (0.4, 2.5)]
    for shape in [(6, 9, 3), (5, 4, 1), (4, 5, 4), (3, 6, 2)]:
        x = test_image(*shape)
        for b, c in factors:
            im = to_pil(x)
            if b != 1:
                im = ImageEnhance.Brightness(im).enhance(b)
            if c != 1:
                im = ImageEnhance.Contrast(im).enhance(c)
            add_case(g, {"op": "adjust", "brightness": b, "contrast": c}, x=x, y=from_pil(im))

    # ---- metrics -------------------------------------------------------------------------------------------
    def quality(a, b):
        ra = np.asarray(to_pil(a).convert("RGB")).astype(np.float64)
        rb = np.asarray(to_pil(b).convert("RGB")).astype(np.float64)
        psnr = peak_signal_noise_ratio(ra, rb, data_range=255)
        ssim = structural_similarity(ra, rb, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, data_range=255)
        ya, yb = eval_sr.y_channel(ra), eval_sr.y_channel(rb)
        return np.array([psnr, ssim, eval_sr.psnr(ya, yb), eval_sr.ssim(ya, yb)])

    def degrade(a, sigma):
        return np.clip(np.round(a + rng.normal(0, sigma, a.shape)), 0, 255).astype(np.uint8)

    pairs = []
    a = test_image(20, 24, 3)
    pairs += [(a, degrade(a, 5)), (a, degrade(a, 40)), (a, a.copy())]
    a = test_image(13, 16, 1)
    pairs.append((a, degrade(a, 12)))
    a = test_image(11, 11, 4)  # the smallest size SSIM accepts; alpha must be ignored
    b = degrade(a, 8)
    b[..., 3] = 255 - a[..., 3]
    pairs.append((a, b))
    a = test_image(12, 17, 3)
    pairs.append((a, np.repeat(from_pil(to_pil(a).convert("L")), 3, axis=2)))  # colour vs its gray version
    for a, b in pairs:
        with np.errstate(divide="ignore"):
            q = quality(a, b)
        add_case(g, {"op": "metrics"}, x=a, x2=b, q=q)

    g.save()


if __name__ == "__main__":
    main()
