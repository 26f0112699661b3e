"""Golden data for ops/pixel_shuffle.hpp: F.pixel_shuffle / F.pixel_unshuffle and TF-order depth_to_space /
space_to_depth (DCR), written with torch reshapes as tf.nn.depth_to_space defines them.

Run: /usr/bin/python3 tools/golden/gen_pixel_shuffle.py  ->  tests/golden/pixel_shuffle.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def depth_to_space_dcr(x, r):
    # tf.nn.depth_to_space on NHWC reads channel (i*r + j)*C + c; in NCHW that is this reshape/permute.
    n, crr, h, w = x.shape
    c = crr // (r * r)
    return x.reshape(n, r, r, c, h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c, h * r, w * r)


def space_to_depth_dcr(x, r):
    n, c, hr, wr = x.shape
    h, w = hr // r, wr // r
    return x.reshape(n, c, h, r, w, r).permute(0, 3, 5, 1, 2, 4).reshape(n, r * r * c, h, w)


def main():
    torch.manual_seed(0)
    g = GoldenWriter("pixel_shuffle")
    # (N, C_out, H, W, r): non-square, odd sizes, C not a power of two, N > 1, r = 1..4.
    for n, c, h, w, r in [(1, 3, 5, 7, 2), (2, 2, 3, 4, 3), (1, 1, 4, 3, 4), (1, 5, 6, 5, 2), (1, 4, 2, 3, 1),
                          (2, 3, 3, 2, 2)]:
        x = torch.randn(n, c * r * r, h, w)
        g.case(dict(op="pixel_shuffle", r=r), x=x, y=F.pixel_shuffle(x, r))
        x = torch.randn(n, c * r * r, h, w)
        g.case(dict(op="depth_to_space", r=r), x=x, y=depth_to_space_dcr(x, r))
        x = torch.randn(n, c, h * r, w * r)
        g.case(dict(op="pixel_unshuffle", r=r), x=x, y=F.pixel_unshuffle(x, r))
        x = torch.randn(n, c, h * r, w * r)
        y = space_to_depth_dcr(x, r)
        assert torch.equal(depth_to_space_dcr(y, r), x)
        g.case(dict(op="space_to_depth", r=r), x=x, y=y)
    g.save()


if __name__ == "__main__":
    main()
