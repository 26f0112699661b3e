"""Golden data for ops/pad.hpp: F.pad with constant / reflect / replicate / circular, asymmetric and negative
amounts (negative = crop), plus torchvision-style crop and center_crop (computed with slicing; torchvision is not
needed: center_crop's offsets are int(round((H - h) / 2)) with Python's round-half-to-even).

Run: /usr/bin/python3 tools/golden/gen_pad.py  ->  tests/golden/pad.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def main():
    torch.manual_seed(0)
    g = GoldenWriter("pad")
    pads = [
        (1, 1, 1, 1), (2, 0, 1, 3), (0, 1, 0, 1), (3, 4, 4, 2), (-1, 2, 1, -2), (-1, -1, -2, 0), (0, 0, 0, 0),
        (1, 0, 1, 0),  # ReplicationPad2d((1, 0, 1, 0)) from part-a
    ]
    for shape in [(1, 2, 5, 6), (2, 3, 7, 5)]:
        for mode in ["constant", "reflect", "replicate", "circular"]:
            for p in pads:
                if mode == "reflect" and (max(p[0], p[1]) >= shape[3] or max(p[2], p[3]) >= shape[2]):
                    continue
                x = torch.randn(*shape)
                value = 0.5 if mode == "constant" and p[0] == 2 else 0.0
                kw = dict(value=value) if mode == "constant" else {}
                y = F.pad(x, p, mode=mode, **kw)
                g.case(dict(op="pad", mode=mode, left=p[0], right=p[1], top=p[2], bottom=p[3], value=value), x=x, y=y)
    # Real-CUGAN-like reflect pad of 18 on a small image (pad < size), and the largest legal reflect pad.
    x = torch.randn(1, 3, 20, 19)
    g.case(dict(op="pad", mode="reflect", left=18, right=18, top=19, bottom=18, value=0.0), x=x,
           y=F.pad(x, (18, 18, 19, 18), mode="reflect"))
    for top, left, h, w in [(0, 0, 3, 4), (2, 1, 4, 2), (1, 3, 6, 3)]:
        x = torch.randn(1, 2, 7, 6)
        g.case(dict(op="crop", top=top, left=left, height=h, width=w), x=x, y=x[:, :, top:top + h, left:left + w])
    for h, w in [(3, 2), (4, 4), (5, 6), (2, 3), (7, 6)]:
        x = torch.randn(1, 2, 7, 6)
        top, left = int(round((7 - h) / 2.0)), int(round((6 - w) / 2.0))
        g.case(dict(op="center_crop", height=h, width=w), x=x, y=x[:, :, top:top + h, left:left + w])
    g.save()


if __name__ == "__main__":
    main()
