"""Golden for the Gabor filter bank op (include/pixforge/ops/gabor.hpp, part-a.md §1(e)): tests/golden/gabor.safetensors.

A numpy transcription of the spec (OpenCV getGaborKernel formula in double stored as float32, the tutorial's
`kern /= 1.5*kern.sum()` in float32, filter2D as correlation with BORDER_REFLECT_101 accumulated in float64, rounded
half to even, saturated to uint8), and, when python3-opencv is installed, OpenCV's own getGaborKernel and filter2D
(cv2.filter2D(img, cv2.CV_8U, kern)) on the same image for comparison.
Image: a 24x40 crop of examples/data/sample.png converted with PIL convert('L'). Maps are stored as F16 (exact for
0..255). Case c00: the 24 kernels (θ index-major, then ksize 7..17; normalised "k.<θ index>_<ksize>", raw
"raw.<θ index>_<ksize>", OpenCV's raw "raw_cv.<θ index>_<ksize>") and the 24 maps "map_np" [1,24,H,W] (+ "map_cv"
from OpenCV); c01: the 7x7 θ=0 map of a 5x3 image, where the reflect-101 border is wider than the image.
Run: /usr/bin/python3 tools/golden/gen_gabor.py"""
import math
import os

import numpy as np
from PIL import Image

from common import REPO, GoldenWriter

try:
    import cv2
except ImportError:  # python3-opencv missing: numpy transcription only
    cv2 = None

KSIZES = [7, 9, 11, 13, 15, 17]
THETAS = [0.0, math.pi / 4, math.pi / 2, 3 * math.pi / 4]
SIGMA, LAMBD, GAMMA, PSI = 1.0, math.pi / 2, 0.5, 0.0


def gabor_kernel(ksize, sigma, theta, lambd, gamma, psi):
    xmax = ymax = ksize // 2
    sx, sy = sigma, sigma / gamma
    ex, ey, cscale = -0.5 / (sx * sx), -0.5 / (sy * sy), 2 * math.pi / lambd
    c, s = math.cos(theta), math.sin(theta)
    k = np.zeros((2 * ymax + 1, 2 * xmax + 1), np.float32)
    for y in range(-ymax, ymax + 1):
        for x in range(-xmax, xmax + 1):
            xr, yr = x * c + y * s, -x * s + y * c
            k[ymax - y, xmax - x] = math.exp(ex * xr * xr + ey * yr * yr) * math.cos(cscale * xr + psi)
    return k


def normalise(k):
    k = k.copy()
    k /= 1.5 * k.sum()
    return k


def filter2d_u8(img, k):
    kh, kw = k.shape
    pad = np.pad(img.astype(np.float64), ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode="reflect")  # = reflect-101
    out = np.zeros(img.shape, np.float64)
    for i in range(kh):
        for j in range(kw):
            out += float(k[i, j]) * pad[i:i + img.shape[0], j:j + img.shape[1]]
    return np.clip(np.rint(out), 0, 255)


photo = Image.open(os.path.join(REPO, "examples", "data", "sample.png")).convert("L")
img = np.asarray(photo)[100:124, 60:100].copy()
small = np.asarray(photo)[40:45, 200:203].copy()  # 5x3: reflect-101 of a 7x7 kernel wraps twice on the width

g = GoldenWriter("gabor")
tensors = {"img": img.astype(np.float32)[None, None]}
maps_np, maps_cv, sums = [], [], []
for ti, th in enumerate(THETAS):
    for ks in KSIZES:
        raw = gabor_kernel(ks, SIGMA, th, LAMBD, GAMMA, PSI)
        sums.append(float(raw.astype(np.float64).sum()))
        k = normalise(raw)
        tensors["raw.%d_%d" % (ti, ks)] = raw
        tensors["k.%d_%d" % (ti, ks)] = k
        maps_np.append(filter2d_u8(img, k))
        if cv2 is not None:
            kcv = cv2.getGaborKernel((ks, ks), SIGMA, th, LAMBD, GAMMA, PSI, ktype=cv2.CV_32F)
            tensors["raw_cv.%d_%d" % (ti, ks)] = kcv
            kcv = kcv / (1.5 * kcv.sum())
            maps_cv.append(cv2.filter2D(img, cv2.CV_8U, kcv).astype(np.float64))
tensors["map_np"] = np.stack(maps_np)[None].astype(np.float16)
if cv2 is not None:
    tensors["map_cv"] = np.stack(maps_cv)[None].astype(np.float16)
name = "c%02d" % len(g.cases)
for k, v in tensors.items():
    g.tensors[name + "." + k] = v
g.cases.append(dict(name=name, what="bank on a 24x40 crop", opencv=cv2 is not None, sums=sums))

k7 = normalise(gabor_kernel(7, SIGMA, 0.0, LAMBD, GAMMA, PSI))
name = "c%02d" % len(g.cases)
g.tensors[name + ".img"] = small.astype(np.float32)[None, None]
g.tensors[name + ".map_np"] = filter2d_u8(small, k7)[None, None].astype(np.float16)
if cv2 is not None:
    g.tensors[name + ".map_cv"] = cv2.filter2D(small, cv2.CV_8U, k7)[None, None].astype(np.float16)
g.cases.append(dict(name=name, what="7x7 theta 0 on a 5x3 image (reflect-101 wider than the image)",
                    opencv=cv2 is not None))
g.save()
if cv2 is not None:
    d = np.abs(np.stack(maps_np) - np.stack(maps_cv))
    print("numpy vs OpenCV filter2D: max |diff| %d LSB, %d of %d pixels differ" % (d.max(), (d > 0).sum(), d.size))
print("centre tap 7x7 theta 0: %.6f" % k7[3, 3], "sums:", ["%.5f" % s for s in sums])
