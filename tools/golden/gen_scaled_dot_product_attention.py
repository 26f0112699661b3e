"""Goldens for ops/scaled_dot_product_attention.hpp.

Debian's torch 1.13 has no F.scaled_dot_product_attention (added in 2.0), so the formula is written out:
softmax((q @ k^T) * scale, dim=-1) @ v with scale = 1/sqrt(D) unless given. Computed in float64 and stored as
float32, so the golden itself carries no float32 rounding.

Run: /usr/bin/python3 tools/golden/gen_scaled_dot_product_attention.py
"""
import math

import torch

from common import GoldenWriter


def sdpa(q, k, v, scale):
    s = torch.matmul(q, k.transpose(-2, -1)) * scale
    return torch.matmul(torch.softmax(s, dim=-1), v)


def main():
    torch.manual_seed(4321)
    g = GoldenWriter("scaled_dot_product_attention")
    for lead, L, S, D, Dv, scale, mag in [((2,), 5, 7, 8, 3, None, 1.0), ((1,), 1, 1, 4, 4, None, 1.0),
                                         ((3,), 67, 70, 16, 5, None, 1.0), ((2,), 9, 130, 12, 7, 0.5, 1.0),
                                         ((2, 3), 6, 11, 8, 8, None, 1.0), ((1,), 13, 9, 32, 6, 1.0, 3.0)]:
        q = (torch.randn(*lead, L, D) * mag).float()
        k = (torch.randn(*lead, S, D) * mag).float()
        v = torch.randn(*lead, S, Dv).float()
        sc = scale if scale is not None else 1.0 / math.sqrt(D)
        y = sdpa(q.double(), k.double(), v.double(), sc)
        params = dict(has_scale=scale is not None, scale=scale if scale is not None else 0.0)
        g.case(params, q=q, k=k, v=v, y=y)
    g.save()


if __name__ == "__main__":
    main()
