"""Goldens for ops/group_norm.hpp: F.group_norm over a sweep of group counts (1, C/?, C), affine or not.

Run: /usr/bin/python3 tools/golden/gen_group_norm.py  -> tests/golden/group_norm.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def main():
    gen = torch.Generator().manual_seed(777)
    w = GoldenWriter("group_norm")
    for shape, groups, eps, affine in [((2, 6, 5, 7), 3, 1e-5, True), ((2, 6, 5, 7), 1, 1e-5, True),
                                       ((2, 6, 5, 7), 6, 1e-5, False), ((1, 20, 3, 9), 4, 1e-6, True),
                                       ((1, 12, 7, 5), 2, 1e-3, False), ((3, 9, 11), 3, 1e-5, True),
                                       ((2, 32, 4, 3), 32, 1e-6, True)]:
        c = shape[1]
        x = torch.randn(*shape, generator=gen) * 1.5 + 2.0
        t = dict(x=x)
        if affine:
            t.update(weight=torch.rand(c, generator=gen) + 0.5, bias=torch.randn(c, generator=gen) * 0.3)
        t["y"] = F.group_norm(x, groups, t.get("weight"), t.get("bias"), eps)
        w.case(dict(num_groups=groups, eps=eps, affine=affine), **t)
    w.save()


if __name__ == "__main__":
    with torch.no_grad():
        main()
