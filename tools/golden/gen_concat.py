"""Golden data for ops/concat.hpp: torch.cat along each dim (channel order matters), torch.split with a size and
with a list of sizes, torch.chunk, narrow and strided slicing.

Run: /usr/bin/python3 tools/golden/gen_concat.py  ->  tests/golden/concat.safetensors
"""
import torch

from common import GoldenWriter


def main():
    torch.manual_seed(0)
    g = GoldenWriter("concat")
    # cat: inputs a0..ak, output y.
    for dim, shapes in [
        (1, [(1, 3, 4, 5), (1, 5, 4, 5)]),
        (1, [(2, 2, 3, 3), (2, 1, 3, 3), (2, 4, 3, 3)]),
        (0, [(1, 2, 3, 4), (2, 2, 3, 4)]),
        (2, [(1, 2, 3, 4), (1, 2, 1, 4)]),
        (3, [(2, 2, 3, 1), (2, 2, 3, 5)]),
        (-3, [(1, 4, 2, 2), (1, 3, 2, 2)]),
        (1, [(1, 64, 2, 2), (1, 32, 2, 2), (1, 32, 2, 2), (1, 32, 2, 2), (1, 32, 2, 2)]),  # RRDB dense block
        (0, [(3, 5), (2, 5)]),
        (1, [(3, 5), (3, 1)]),
    ]:
        xs = [torch.randn(*s) for s in shapes]
        tensors = {"a%d" % i: t for i, t in enumerate(xs)}
        g.case(dict(op="concat", dim=dim, count=len(xs)), y=torch.cat(xs, dim), **tensors)
    # split by size / by sizes / chunk: outputs y0..yk.
    for op, dim, shape, arg in [
        ("split", 1, (1, 7, 3, 2), 3),
        ("split", 2, (2, 2, 5, 3), 2),
        ("split", -1, (1, 2, 3, 8), 4),
        ("split_with_sizes", 1, (1, 6, 2, 3), [1, 3, 2]),
        ("split_with_sizes", 0, (3, 2, 2, 2), [2, 1]),
        ("chunk", 1, (1, 8, 3, 3), 2),   # gated conv: feature / gate halves
        ("chunk", 1, (1, 7, 2, 2), 3),
        ("chunk", 3, (1, 2, 2, 5), 4),   # ceil(5/4) = 2 -> 3 pieces
    ]:
        x = torch.randn(*shape)
        if op == "chunk":
            ys = torch.chunk(x, arg, dim)
        else:
            ys = torch.split(x, arg, dim)
        tensors = {"y%d" % i: t for i, t in enumerate(ys)}
        g.case(dict(op=op, dim=dim, arg=arg, count=len(ys)), x=x, **tensors)
    for dim, start, length in [(1, 1, 2), (2, 0, 3), (3, 2, 2), (0, 1, 1)]:
        x = torch.randn(2, 4, 5, 6)
        g.case(dict(op="narrow", dim=dim, start=start, length=length), x=x, y=x.narrow(dim, start, length))
    for dim, start, end, step in [(1, 0, 4, 2), (2, 1, 5, 3), (3, -4, 100, 1), (3, 1, -1, 2), (2, 4, 2, 1)]:
        x = torch.randn(1, 4, 5, 6)
        idx = [slice(None)] * 4
        idx[dim] = slice(start, end, step)
        g.case(dict(op="slice", dim=dim, start=start, end=end, step=step), x=x, y=x[tuple(idx)])
    g.save()


if __name__ == "__main__":
    main()
