#!/usr/bin/python3
"""Quality of pixforge's super-resolution models on natural photos: PSNR-Y / SSIM-Y against bicubic.

Evaluation set (none of these images is used to train or convert anything in this repository; tiny-sr-2x was
trained on other skimage images: rocket, motorcycle, hubble, ihc, retina, color, coins, moon, camera, grass,
gravel, brick):

  skimage (Debian python3-skimage, skimage/data, public domain / CC0): chelsea.png, coffee.png, astronaut.png
  opencv-doc 4.6.0 (Debian opencv-doc, usr/share/doc/opencv-doc/examples/data/, Apache-2.0/BSD): baboon.jpg,
      fruits.jpg, butterfly.jpg, home.jpg  (JPEG sources: mild compression artefacts are part of the "HR")

Protocol (see IMAGES / hr_crop / degrade / y_channel / psnr / ssim below):
  HR    = the fixed centre crop of each image, CROP x CROP pixels (default 256; the window is centred, offsets
          floor((W - CROP) / 2), floor((H - CROP) / 2)), RGB 8-bit.
  LR    = HR downscaled by the model's scale with PIL Image.resize(..., Image.BICUBIC) (PIL's antialiased bicubic,
          a = -0.5), rounded to 8 bits.
  model = `pixforge run MODEL LR.png OUT.png` (8-bit PNG output).
  bicubic baseline = LR upscaled back with PIL BICUBIC.
  Y     = BT.601 studio-swing luma as MATLAB's rgb2ycbcr: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 with RGB
          in [0, 1], Y in [16, 235], kept as float64 (not rounded to 8 bits).
  border: `scale` pixels cropped on every side before the metrics (as BasicSR's crop_border).
  PSNR-Y = 10 log10(255^2 / MSE); SSIM-Y = skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
          use_sample_covariance=False, data_range=255) (the Wang et al. 2004 settings).
  Per model the table gives the mean over images of the per-image PSNR-Y and SSIM-Y.

Models: every weights/*.safetensors whose `pixforge info` says "task: upscale, scale 2" or "scale 4" (others are
listed as skipped, with the reason; a model whose run fails is skipped with the CLI's error).

Usage:
  /usr/bin/python3 tools/eval_sr.py [--models NAME ...] [--images NAME ...] [--crop 256] [--pixforge PATH]
                                    [--opencv-data DIR] [--tile N] [--per-image] [--keep DIR]
"""
import argparse
import glob
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (source, file name). Order is the table order.
IMAGES = [
    ("chelsea", "skimage", "chelsea.png"),
    ("coffee", "skimage", "coffee.png"),
    ("astronaut", "skimage", "astronaut.png"),
    ("baboon", "opencv-doc", "baboon.jpg"),
    ("fruits", "opencv-doc", "fruits.jpg"),
    ("butterfly", "opencv-doc", "butterfly.jpg"),
    ("home", "opencv-doc", "home.jpg"),
]
OPENCV_SUBDIR = "usr/share/doc/opencv-doc/examples/data"
OPENCV_CACHE = os.path.join(ROOT, "tools", "cache", "opencv-doc")


# ---- metrics ---------------------------------------------------------------------------------------------------

def y_channel(rgb):
    """BT.601 Y (MATLAB rgb2ycbcr) of an 8-bit-range RGB array (H, W, 3): float64 in [16, 235]."""
    rgb = np.asarray(rgb, dtype=np.float64) / 255.0
    return 16.0 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2])


def crop_border(img, border):
    if border <= 0:
        return img
    return img[border:-border, border:-border, ...]


def psnr(a, b, data_range=255.0):
    """PSNR in dB of two same-shape arrays; inf when they are identical."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("shape mismatch %s vs %s" % (a.shape, b.shape))
    mse = np.mean((a - b) ** 2)
    if mse == 0:
        return math.inf
    return 10.0 * math.log10(data_range * data_range / mse)


def ssim(a, b, data_range=255.0):
    """SSIM of two single-channel images: skimage, Gaussian window sigma 1.5, population covariance."""
    from skimage.metrics import structural_similarity
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                       data_range=data_range))


def psnr_ssim_y(out_rgb, hr_rgb, border):
    """(PSNR-Y, SSIM-Y) of an 8-bit RGB output against the 8-bit RGB ground truth, `border` px cropped."""
    yo = crop_border(y_channel(out_rgb), border)
    yh = crop_border(y_channel(hr_rgb), border)
    return psnr(yo, yh), ssim(yo, yh)


# ---- data ------------------------------------------------------------------------------------------------------

def opencv_data_dir(explicit):
    """The opencv-doc examples/data directory: --opencv-data, the installed package, or an extracted .deb in
    tools/cache/opencv-doc (fetched with `apt-get download opencv-doc` when missing)."""
    candidates = [explicit] if explicit else []
    candidates += ["/" + OPENCV_SUBDIR, os.path.join(OPENCV_CACHE, OPENCV_SUBDIR)]
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, "baboon.jpg")):
            return c
    if explicit:
        sys.exit("eval_sr: no baboon.jpg in --opencv-data %s" % explicit)
    os.makedirs(OPENCV_CACHE, exist_ok=True)
    print("eval_sr: fetching Debian opencv-doc into %s" % OPENCV_CACHE, file=sys.stderr)
    subprocess.run(["apt-get", "download", "opencv-doc"], cwd=OPENCV_CACHE, check=True,
                   stdout=subprocess.DEVNULL)
    deb = sorted(glob.glob(os.path.join(OPENCV_CACHE, "opencv-doc_*.deb")))[-1]
    subprocess.run(["dpkg-deb", "-x", deb, OPENCV_CACHE], check=True)
    return os.path.join(OPENCV_CACHE, OPENCV_SUBDIR)


def load_image(source, fname, opencv_dir):
    if source == "skimage":
        import skimage
        path = os.path.join(os.path.dirname(skimage.__file__), "data", fname)
    else:
        path = os.path.join(opencv_dir, fname)
    return Image.open(path).convert("RGB")


def hr_crop(img, size):
    w, h = img.size
    if w < size or h < size:
        raise ValueError("image %dx%d smaller than the %d crop" % (w, h, size))
    x0, y0 = (w - size) // 2, (h - size) // 2
    return img.crop((x0, y0, x0 + size, y0 + size))


def degrade(hr, scale):
    """Bicubic downscaling (PIL BICUBIC) by `scale`."""
    w, h = hr.size
    return hr.resize((w // scale, h // scale), Image.BICUBIC)


def bicubic_up(lr, scale):
    w, h = lr.size
    return lr.resize((w * scale, h * scale), Image.BICUBIC)


# ---- models ----------------------------------------------------------------------------------------------------

def find_pixforge(explicit):
    if explicit:
        return explicit
    for c in ("build/pixforge", "build-eval/pixforge"):
        p = os.path.join(ROOT, c)
        if os.access(p, os.X_OK):
            return p
    sys.exit("eval_sr: no pixforge binary; build it: cmake -S . -B build-eval && "
             "cmake --build build-eval --target pixforge_cli -j2")


def model_task(pixforge, path):
    """(task, scale) from `pixforge info`, or (None, error message)."""
    r = subprocess.run([pixforge, "info", path], capture_output=True, text=True)
    if r.returncode != 0:
        return None, (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:]
    m = re.search(r"^task:\s+([\w-]+), scale (\d+)", r.stdout, re.M)
    if not m:
        return None, "no task line in `pixforge info`"
    return m.group(1), int(m.group(2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="*", help="weight names (file stem) or paths; default: all weights/*.safetensors")
    ap.add_argument("--images", nargs="*", help="image names (default: all): " + ", ".join(n for n, _, _ in IMAGES))
    ap.add_argument("--crop", type=int, default=256, help="HR centre-crop size (default 256; multiple of 4)")
    ap.add_argument("--pixforge", help="pixforge binary (default build/pixforge or build-eval/pixforge)")
    ap.add_argument("--opencv-data", help="opencv-doc examples/data directory")
    ap.add_argument("--tile", type=int, help="pass --tile N to pixforge run")
    ap.add_argument("--per-image", action="store_true", help="also print per-image rows")
    ap.add_argument("--keep", help="write HR/LR/outputs into this directory instead of a temporary one")
    args = ap.parse_args()

    if args.crop % 4:
        sys.exit("eval_sr: --crop must be a multiple of 4")
    pixforge = find_pixforge(args.pixforge)

    if args.models:
        paths = []
        for m in args.models:
            p = m if os.path.exists(m) else os.path.join(ROOT, "weights", m + ".safetensors")
            if not os.path.exists(p):
                sys.exit("eval_sr: no model %s" % m)
            paths.append(p)
    else:
        paths = sorted(glob.glob(os.path.join(ROOT, "weights", "*.safetensors")))

    names = {n for n, _, _ in IMAGES}
    if args.images:
        bad = [i for i in args.images if i not in names]
        if bad:
            sys.exit("eval_sr: unknown image(s) %s; known: %s" % (bad, ", ".join(sorted(names))))
    images = [t for t in IMAGES if not args.images or t[0] in args.images]
    opencv_dir = opencv_data_dir(args.opencv_data) if any(s == "opencv-doc" for _, s, _ in images) else None
    hrs = [(n, hr_crop(load_image(s, f, opencv_dir), args.crop)) for n, s, f in images]

    work = args.keep or tempfile.mkdtemp(prefix="eval_sr_")
    os.makedirs(work, exist_ok=True)

    rows, skipped, per_image = [], [], []
    try:
        for path in paths:
            name = os.path.splitext(os.path.basename(path))[0]
            task, scale = model_task(pixforge, path)
            if task is None:
                skipped.append((name, "pixforge info failed: %s" % scale))
                continue
            if task != "upscale" or scale not in (2, 4):
                skipped.append((name, "task %s, scale %d (not a 2x/4x upscaler)" % (task, scale)))
                continue
            m_p, m_s, b_p, b_s = [], [], [], []
            failed, mine = None, []
            t0 = time.time()
            for iname, hr in hrs:
                lr = degrade(hr, scale)
                lr_path = os.path.join(work, "%s_x%d_lr.png" % (iname, scale))
                lr.save(lr_path)
                out_path = os.path.join(work, "%s_%s.png" % (iname, name))
                cmd = [pixforge, "run", path, lr_path, out_path] + (["--tile", str(args.tile)] if args.tile else [])
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    failed = "pixforge run failed (exit %d): %s" % (
                        r.returncode, " ".join((r.stderr.strip() or r.stdout.strip()).splitlines()[-1:]))
                    break
                out = Image.open(out_path).convert("RGB")
                if out.size != hr.size:
                    failed = "output %dx%d, expected %dx%d" % (out.size + hr.size)
                    break
                hr_a = np.asarray(hr)
                p, s = psnr_ssim_y(np.asarray(out), hr_a, scale)
                bp, bs = psnr_ssim_y(np.asarray(bicubic_up(lr, scale)), hr_a, scale)
                m_p.append(p); m_s.append(s); b_p.append(bp); b_s.append(bs)
                mine.append((name, scale, iname, p, s, bp, bs))
            if failed:
                skipped.append((name, failed))
                continue
            per_image += mine
            rows.append((name, scale, np.mean(m_p), np.mean(m_s), np.mean(b_p), np.mean(b_s), time.time() - t0))
            print("eval_sr: %s done in %.1f s" % (name, time.time() - t0), file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print("Images (%d, %dx%d centre crops): %s" % (len(hrs), args.crop, args.crop, ", ".join(n for n, _ in hrs)))
    print()
    print("| model | scale | PSNR-Y (dB) | SSIM-Y | bicubic PSNR-Y (dB) | bicubic SSIM-Y | Δ PSNR-Y (dB) | Δ SSIM-Y |")
    print("|---|---|---|---|---|---|---|---|")
    for name, scale, p, s, bp, bs, _ in sorted(rows, key=lambda r: (r[1], -r[2])):
        print("| `%s` | %d× | %.2f | %.4f | %.2f | %.4f | %+.2f | %+.4f |" % (name, scale, p, s, bp, bs, p - bp, s - bs))
    if args.per_image:
        print()
        print("| model | image | PSNR-Y | SSIM-Y | bicubic PSNR-Y | bicubic SSIM-Y |")
        print("|---|---|---|---|---|---|")
        for name, scale, iname, p, s, bp, bs in per_image:
            print("| `%s` | %s | %.2f | %.4f | %.2f | %.4f |" % (name, iname, p, s, bp, bs))
    if skipped:
        print()
        print("Skipped:")
        for name, why in skipped:
            print("- `%s`: %s" % (name, why))
    return 0


if __name__ == "__main__":
    sys.exit(main())
