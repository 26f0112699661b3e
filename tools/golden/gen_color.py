"""Goldens for include/pixforge/io/color.hpp and image.hpp's quantisation -> tests/golden/color.safetensors.

Run with Debian's /usr/bin/python3 (needs python3-skimage for Lab and YCbCr: `apt-get install python3-skimage`).

References, all on NCHW float32 tensors "x" -> "y" (case parameter "fn" names the C++ function):
  rgb_to_lab, lab_to_rgb, rgb_to_ycbcr (/255), ycbcr_to_rgb, rgb_to_y   scikit-image itself, in float64 from the
                                                                         same float32 inputs
  pix2pix_in          the colorization dataset: uint8 RGB -> skimage rgb2lab (float64) -> float32 -> L/50-1, ab/110
  pix2pix_to_lab      the colorization model: (L+1)*50, ab*110 in float32 (inputs "L" and "ab")
  lab_to_pix2pix      L/50-1, ab/110 in float32
  rgb_to_yuv, yuv_to_rgb   numpy transcription of OpenCV's BT.601 float formulas (part-a.md §0.8), saturated
  rgb_to_gray         0.299 R + 0.587 G + 0.114 B
  to_image_*          8-bit quantisation as the repositories do it, in float32 numpy, compared exactly:
                      unit_round (Real-ESRGAN: clamp(0,1), *255, np.round), symmetric_truncate (pix2pix tensor2im:
                      (v+1)/2*255, astype(uint8), inputs kept in [-1,1] where that cast is defined),
                      imagenet_round (v*std+mean, *255, np.round).
"""
import numpy as np
from skimage import color

from common import GoldenWriter

rng = np.random.default_rng(1234)
N, H, W = 2, 5, 7


def nhwc(x):
    return np.ascontiguousarray(np.transpose(x, (0, 2, 3, 1)))


def nchw(x):
    return np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))


def per_image(fn, x):
    """Applies an HWC skimage function to each image of an NCHW float32 batch, in float64."""
    return nchw(np.stack([fn(im.astype(np.float64)) for im in nhwc(x)])).astype(np.float32)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def special_rgb():
    """Values around every branch point of the sRGB and Lab curves, and the corners of the cube."""
    v = [0.0, 1.0, 0.5, 1e-4, 0.003, 0.0031308, 0.01, 0.02, 0.04045, 0.0404, 0.0405, 0.06, 0.08, 0.1, 0.25, 0.75,
         0.9, 0.99]
    vals = f32(v)
    pix = np.array([[a, b, c] for a in vals[:7] for b in vals[5:12] for c in vals[::6]], dtype=np.float32)
    pix = pix[: H * W * N].reshape(N, H, W, 3)
    return nchw(pix)


def main():
    g = GoldenWriter("color")

    # ---- Lab -------------------------------------------------------------------------------------------------
    x = f32(rng.uniform(0, 1, (N, 3, H, W)))
    g.case({"fn": "rgb_to_lab"}, x=x, y=per_image(color.rgb2lab, x))
    x = special_rgb()
    g.case({"fn": "rgb_to_lab"}, x=x, y=per_image(color.rgb2lab, x))
    x = f32(rng.uniform(0, 0.06, (N, 3, H, W)))  # dark: the linear segments of both curves
    g.case({"fn": "rgb_to_lab"}, x=x, y=per_image(color.rgb2lab, x))

    lab = per_image(color.rgb2lab, f32(rng.uniform(0, 1, (N, 3, H, W))))  # in gamut: a round trip
    g.case({"fn": "lab_to_rgb"}, x=lab, y=per_image(color.lab2rgb, lab))
    lab = np.stack([rng.uniform(0, 100, (N, H, W)), rng.uniform(-128, 127, (N, H, W)),
                    rng.uniform(-128, 127, (N, H, W))], axis=1).astype(np.float32)  # mostly out of gamut: clipping
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skimage warns about the Z < 0 pixels it clips
        g.case({"fn": "lab_to_rgb"}, x=lab, y=per_image(color.lab2rgb, lab))
        # z < 0 (large +b), x near the 0.2068966 threshold, L = 0 and 100.
        lab = np.zeros((1, 3, 2, 6), np.float32)
        lab[0, 0] = [[0, 100, 50, 8, 8.0001, 7.9999], [20, 60, 90, 2, 30, 100]]
        lab[0, 1] = [[0, 0, 0, 0, 0, 0], [-80, 90, 40, 5, -100, -20]]
        lab[0, 2] = [[0, 0, 120, 0, 0, 0], [110, 127, 127, 90, -127, 127]]
        g.case({"fn": "lab_to_rgb"}, x=lab, y=per_image(color.lab2rgb, lab))

    # ---- pix2pix colorization --------------------------------------------------------------------------------
    u8 = rng.integers(0, 256, (N, H, W, 3), dtype=np.uint8)
    lab = np.stack([color.rgb2lab(im) for im in u8]).astype(np.float32)  # skimage on uint8 = float64 p/255
    lab_t = nchw(lab)
    y = np.concatenate([lab_t[:, :1] / np.float32(50.0) - np.float32(1.0), lab_t[:, 1:] / np.float32(110.0)], axis=1)
    g.case({"fn": "pix2pix_in"}, x=nchw(u8.astype(np.float32)), y=y)
    g.case({"fn": "lab_to_pix2pix"}, x=lab_t, y=y)
    L = f32(rng.uniform(-1, 1, (N, 1, H, W)))
    ab = f32(rng.uniform(-1, 1, (N, 2, H, W)))
    y = np.concatenate([(L + np.float32(1.0)) * np.float32(50.0), ab * np.float32(110.0)], axis=1)
    g.case({"fn": "pix2pix_to_lab"}, L=L, ab=ab, y=y)

    # ---- OpenCV YUV ------------------------------------------------------------------------------------------
    rgb = f32(rng.uniform(0, 255, (N, 3, H, W)))
    rgb[0, :, 0, 0] = [255, 0, 0]  # V saturates
    rgb[0, :, 0, 1] = [0, 0, 255]
    rgb[0, :, 0, 2] = [255, 255, 255]
    r, gg, b = rgb[:, 0].astype(np.float64), rgb[:, 1].astype(np.float64), rgb[:, 2].astype(np.float64)
    Y = 0.299 * r + 0.587 * gg + 0.114 * b
    yuv = np.stack([Y, 0.492 * (b - Y) + 128, 0.877 * (r - Y) + 128], axis=1).clip(0, 255)
    g.case({"fn": "rgb_to_yuv"}, x=rgb, y=yuv)
    yuv = f32(rng.uniform(0, 255, (N, 3, H, W)))
    Y, U, V = (yuv[:, i].astype(np.float64) for i in range(3))
    back = np.stack([Y + 1.140 * (V - 128), Y - 0.395 * (U - 128) - 0.581 * (V - 128), Y + 2.032 * (U - 128)],
                    axis=1).clip(0, 255)
    g.case({"fn": "yuv_to_rgb"}, x=yuv, y=back)

    # ---- YCbCr (skimage's rgb2ycbcr is on the 8-bit scale: divide by 255) --------------------------------------
    x = f32(rng.uniform(0, 1, (N, 3, H, W)))
    x[0, :, 0, 0] = [0, 0, 0]
    x[0, :, 0, 1] = [1, 1, 1]
    ycc = per_image(lambda im: color.rgb2ycbcr(im) / 255.0, x)
    g.case({"fn": "rgb_to_ycbcr"}, x=x, y=ycc)
    g.case({"fn": "rgb_to_y"}, x=x, y=ycc[:, :1])
    ycc = f32(rng.uniform(16 / 255, 240 / 255, (N, 3, H, W)))
    g.case({"fn": "ycbcr_to_rgb"}, x=ycc, y=per_image(lambda im: color.ycbcr2rgb(im * 255.0), ycc))

    # ---- gray ------------------------------------------------------------------------------------------------
    x = f32(rng.uniform(0, 1, (N, 3, H, W)))
    g.case({"fn": "rgb_to_gray"}, x=x, y=(0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:]))

    # ---- 8-bit quantisation (exact) ----------------------------------------------------------------------------
    k = np.arange(256, dtype=np.float32)
    # Values at, just below and just above every k/255 and (k+0.5)/255, plus out-of-range ones.
    near = np.concatenate([k / 255, (k + 0.5) / 255]).astype(np.float32)
    v = np.concatenate([near, np.nextafter(near, np.float32(-1)), np.nextafter(near, np.float32(2)),
                        f32([-0.5, -1e-8, 1.0000001, 1.5, 7.0])]).astype(np.float32)
    x = v.reshape(1, 1, 1, -1)
    y = np.round(np.clip(x, 0, 1) * np.float32(255.0)).astype(np.uint8)  # Real-ESRGAN
    g.case({"fn": "to_image_unit_round"}, x=x, y=y.astype(np.float32))

    s = np.clip(v * 2 - 1, -1, 1).astype(np.float32)  # [-1,1], as a tanh output
    x = s.reshape(1, 1, 1, -1)
    y = ((x + 1) / 2.0 * 255.0).astype(np.uint8)  # pix2pix tensor2im (float32 arithmetic)
    g.case({"fn": "to_image_symmetric_truncate"}, x=x, y=y.astype(np.float32))

    mean = f32([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = f32([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    u8 = np.stack([np.arange(256), (np.arange(256) * 7) % 256, 255 - np.arange(256)]).astype(np.float32)
    x = ((u8.reshape(1, 3, 1, -1) / np.float32(255) - mean) / std).astype(np.float32)
    x = x + f32(rng.uniform(-0.01, 0.01, x.shape))  # a network's output is never exactly on the grid
    y = np.round(np.clip((x * std + mean) * np.float32(255.0), 0, 255)).astype(np.uint8)
    g.case({"fn": "to_image_imagenet_round"}, x=x.astype(np.float32), y=y.astype(np.float32))

    g.save()


if __name__ == "__main__":
    main()
