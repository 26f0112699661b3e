"""Golden data for ops/upsample.hpp: F.interpolate (torch 1.13) in modes nearest, nearest-exact, bilinear and
bicubic, align_corners False/True, called with a size and with scale factors (integer and non-integer, with and
without recompute_scale_factor), up and down; plus TF1 resize_nearest_neighbor(align_corners=True), for which no
torch op exists: `tf_nearest_align_corners` below transcribes TensorFlow 1's kernel in float32 numpy
(scale = (in-1)/(out-1) as float32, src = min(roundf(float32(i) * scale), in-1), roundf = half away from zero).

Run: /usr/bin/python3 tools/golden/gen_upsample.py  ->  tests/golden/upsample.safetensors
"""
import numpy as np
import torch
import torch.nn.functional as F

from common import GoldenWriter

MODES = {"nearest": "nearest", "nearest_exact": "nearest-exact", "bilinear": "bilinear", "bicubic": "bicubic"}


def tf_nearest_indices(n_in, n_out, align_corners):
    if align_corners and n_out > 1:
        scale = np.float32(n_in - 1) / np.float32(n_out - 1)
    else:
        scale = np.float32(n_in) / np.float32(n_out)
    v = np.arange(n_out).astype(np.float32) * np.float32(scale)
    if align_corners:
        fl = np.floor(v)
        src = np.where(v - fl >= np.float32(0.5), fl + 1, fl)  # roundf for v >= 0, exact in float32
    else:
        src = np.floor(v)
    return np.minimum(src.astype(np.int64), n_in - 1)


def tf_nearest(x, out_h, out_w, align_corners):
    iy = tf_nearest_indices(x.shape[2], out_h, align_corners)
    ix = tf_nearest_indices(x.shape[3], out_w, align_corners)
    return x[:, :, iy][:, :, :, ix]


def main():
    torch.manual_seed(0)
    g = GoldenWriter("upsample")

    def add(x, mode, size=None, scale=None, align_corners=False, recompute=False):
        kw = {}
        if mode in ("bilinear", "bicubic"):
            kw["align_corners"] = align_corners
        if size is not None:
            y = F.interpolate(x, size=size, mode=MODES[mode], **kw)
            params = dict(size_h=size[0], size_w=size[1])
        else:
            y = F.interpolate(x, scale_factor=scale, mode=MODES[mode], recompute_scale_factor=recompute, **kw)
            params = dict(scale_h=scale[0], scale_w=scale[1], recompute_scale_factor=recompute)
        g.case(dict(mode=mode, align_corners=align_corners, **params), x=x, y=y)

    sizes = [(13, 11), (14, 10), (3, 2), (7, 5), (4, 9), (1, 1), (21, 3)]           # from 7x5: up, down, odd
    scales = [(2.0, 2.0), (3.0, 2.0), (1.5, 2.5), (0.5, 0.6), (1.1, 1.1), (2.3, 1.7), (0.3, 0.7), (4.0, 4.0)]
    for mode in MODES:
        for corners in ([False, True] if mode in ("bilinear", "bicubic") else [False]):
            for size in sizes:
                add(torch.randn(1, 2, 7, 5), mode, size=size, align_corners=corners)
            for scale in scales:
                add(torch.randn(1, 2, 7, 5), mode, scale=scale, align_corners=corners)
            add(torch.randn(1, 2, 7, 5), mode, scale=(1.5, 2.5), align_corners=corners, recompute=True)
            add(torch.randn(2, 3, 4, 6), mode, scale=(2.0, 2.0), align_corners=corners)  # N > 1
            add(torch.randn(1, 1, 12, 10), mode, size=(5, 4), align_corners=corners)      # down by non-integers
            # Scale factors that keep the size (7 x 1.1 = 7.7 -> 7) or exactly double it (2 x 2.3 = 4.6 -> 4):
            # torch's C = 1 (channels-last-contiguous) kernel short-cuts these for nearest, the C > 1 one does not.
            for c in (1, 2):
                add(torch.randn(1, c, 7, 2), mode, scale=(1.1, 2.3), align_corners=corners)
    # TF1 nearest with align_corners (DeepFill): 64 -> 32 on one row/column, odd sizes, up and down.
    for (h, w), (oh, ow), corners in [((1, 64), (1, 32), True), ((7, 5), (13, 11), True), ((7, 5), (3, 2), True),
                                      ((9, 8), (4, 16), True), ((5, 6), (1, 1), True), ((7, 5), (13, 11), False)]:
        x = torch.randn(1, 2, h, w)
        y = tf_nearest(x.numpy(), oh, ow, corners)
        g.case(dict(mode="nearest_tf", align_corners=corners, size_h=oh, size_w=ow), x=x, y=y)
    # The rule from part-b §0.4 (64 -> 32 picks 0, 2, ..., 30, 33, 35, ..., 63).
    idx = tf_nearest_indices(64, 32, True)
    assert list(idx) == list(range(0, 31, 2)) + list(range(33, 64, 2)), idx
    g.save()


if __name__ == "__main__":
    main()
