"""Golden data for ops/elementwise.hpp: add / sub / mul / div with broadcasting, torch.add(alpha=...), the RRDB
scaled residual `out * 0.2 + x`, and a*x + b.

Run: /usr/bin/python3 tools/golden/gen_elementwise.py  ->  tests/golden/elementwise.safetensors
"""
import torch

from common import GoldenWriter

OPS = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}


def main():
    torch.manual_seed(0)
    g = GoldenWriter("elementwise")
    shapes = [
        ((2, 3, 5, 7), (2, 3, 5, 7)),   # same shape
        ((2, 3, 5, 7), (1, 3, 1, 1)),   # per channel
        ((1, 3, 1, 1), (2, 3, 5, 7)),   # per channel, swapped (sub/div are not symmetric)
        ((2, 3, 5, 7), (3, 1, 1)),      # per channel, rank 3
        ((2, 1, 5, 7), (1, 3, 1, 1)),   # both sides repeat
        ((2, 3, 5, 7), (7,)),           # last dim
        ((2, 3, 5, 7), (1,)),           # scalar tensor
        ((2, 3, 5, 1), (1, 1, 1, 7)),
        ((1, 3, 5, 7), (2, 1, 5, 7)),
        ((4, 5), (3, 1, 5)),            # rank 2 vs 3
    ]
    for op, f in OPS.items():
        for sa, sb in shapes:
            a = torch.randn(*sa)
            b = torch.randn(*sb)
            if op == "div":
                b = b.sign() * (b.abs() + 0.5)  # keep away from 0
            g.case(dict(op=op), a=a, b=b, y=f(a, b))
    for sa, sb, alpha in [((1, 4, 3, 5), (1, 4, 3, 5), 0.2), ((2, 3, 4, 4), (1, 3, 1, 1), -1.5)]:
        a, b = torch.randn(*sa), torch.randn(*sb)
        g.case(dict(op="add_alpha", alpha=alpha), a=a, b=b, y=torch.add(a, b, alpha=alpha))
        g.case(dict(op="sub_alpha", alpha=alpha), a=a, b=b, y=torch.sub(a, b, alpha=alpha))
    # RRDB: `return out * 0.2 + x`
    x, out = torch.randn(1, 8, 6, 5), torch.randn(1, 8, 6, 5)
    g.case(dict(op="rrdb_residual", alpha=0.2), a=x, b=out, y=out * 0.2 + x)
    x = torch.randn(2, 3, 4, 5)
    g.case(dict(op="affine", scale=0.5, shift=0.5), a=x, y=x * 0.5 + 0.5)
    g.case(dict(op="affine", scale=127.5, shift=-1.0), a=x, y=x * 127.5 - 1.0)
    g.save()


if __name__ == "__main__":
    main()
