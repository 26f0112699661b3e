"""Golden data for ops/permute.hpp: x.permute(dims).contiguous() for NCHW <-> NHWC and other orders, flatten.

Run: /usr/bin/python3 tools/golden/gen_permute.py  ->  tests/golden/permute.safetensors
"""
import torch

from common import GoldenWriter


def main():
    torch.manual_seed(0)
    g = GoldenWriter("permute")
    for shape, dims in [
        ((1, 3, 5, 7), (0, 2, 3, 1)),   # NCHW -> NHWC
        ((2, 5, 7, 3), (0, 3, 1, 2)),   # NHWC -> NCHW
        ((2, 3, 4, 5), (1, 0, 2, 3)),
        ((2, 3, 4, 5), (3, 2, 1, 0)),
        ((2, 3, 4, 5), (0, 1, 3, 2)),   # swap H and W
        ((2, 3, 4, 5), (2, 0, 3, 1)),
        ((1, 33, 35), (0, 2, 1)),       # attention: [N, C, HW] -> [N, HW, C], sizes around the 32-tile
        ((37, 40), (1, 0)),
        ((2, 3, 4, 5, 2), (0, 2, 3, 4, 1)),
    ]:
        x = torch.randn(*shape)
        g.case(dict(op="permute", dims=list(dims)), x=x, y=x.permute(*dims).contiguous())
    for shape, s, e in [((2, 3, 4, 5), 1, -1), ((2, 3, 4, 5), 0, -1), ((2, 3, 4, 5), 2, 3), ((2, 3, 4, 5), 1, 2)]:
        x = torch.randn(*shape)
        g.case(dict(op="flatten", start_dim=s, end_dim=e), x=x, y=torch.flatten(x, s, e))
    g.save()


if __name__ == "__main__":
    main()
