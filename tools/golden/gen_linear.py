"""Goldens for ops/linear.hpp: F.linear (with/without bias), torch.matmul with batch broadcasting, torch.bmm.

Run: /usr/bin/python3 tools/golden/gen_linear.py  -> tests/golden/linear.safetensors
Each case has "kind" = linear | matmul | bmm; tensors x/weight/bias/y (linear) or a/b/y (matmul, bmm).
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def main():
    torch.manual_seed(1234)
    g = GoldenWriter("linear")

    # linear: x [..., in], weight [out, in]; odd sizes, rank 1..4, with and without bias.
    for x_shape, out, bias in [((5,), 3, True), ((2, 7), 13, True), ((3, 17), 1, False), ((2, 3, 33), 19, True),
                               ((2, 2, 3, 9), 6, False), ((1, 64), 8, True), ((130, 24), 40, True)]:
        x = torch.randn(*x_shape)
        w = torch.randn(out, x_shape[-1]) / x_shape[-1] ** 0.5
        b = torch.randn(out) if bias else None
        y = F.linear(x, w, b)
        t = dict(x=x, weight=w, y=y)
        if bias:
            t["bias"] = b
        g.case(dict(kind="linear", bias=bias), **t)

    # matmul: batch dims broadcast like NumPy.
    for a_shape, b_shape in [((3, 5), (5, 7)), ((2, 4, 9), (9, 3)), ((4, 9), (2, 9, 3)), ((2, 1, 3, 6), (5, 6, 4)),
                             ((2, 3, 5, 7), (2, 3, 7, 2)), ((1, 3, 2, 5), (2, 1, 5, 3)), ((1, 70, 33), (1, 33, 65))]:
        a = torch.randn(*a_shape)
        b = torch.randn(*b_shape)
        g.case(dict(kind="matmul"), a=a, b=b, y=torch.matmul(a, b))

    for P, M, K, N in [(1, 3, 4, 5), (3, 7, 11, 2), (2, 17, 8, 31)]:
        a = torch.randn(P, M, K)
        b = torch.randn(P, K, N)
        g.case(dict(kind="bmm"), a=a, b=b, y=torch.bmm(a, b))
    g.save()


if __name__ == "__main__":
    main()
