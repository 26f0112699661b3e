"""Goldens for ops/instance_norm.hpp: F.instance_norm (always per-instance statistics), affine or not.

Built without running statistics (track_running_stats=False semantics), see part-a.md §0.3.
Run: /usr/bin/python3 tools/golden/gen_instance_norm.py  -> tests/golden/instance_norm.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def main():
    gen = torch.Generator().manual_seed(4321)
    w = GoldenWriter("instance_norm")
    for shape, eps, affine in [((2, 5, 5, 7), 1e-5, True), ((2, 5, 5, 7), 1e-5, False), ((1, 19, 6, 9), 1e-3, True),
                               ((3, 3, 7, 5), 1e-5, False), ((1, 17, 1, 13), 1e-5, True), ((2, 6, 11), 1e-5, True),
                               ((1, 4, 16, 16), 1e-4, True)]:
        c = shape[1]
        # Planes with a large offset relative to their spread: a one-pass E[x^2]-E[x]^2 would lose digits here.
        x = torch.randn(*shape, generator=gen) * 0.5 + 20.0 * torch.randn(1, c, *([1] * (len(shape) - 2)),
                                                                           generator=gen)
        t = dict(x=x)
        if affine:
            t.update(weight=torch.rand(c, generator=gen) + 0.5, bias=torch.randn(c, generator=gen) * 0.3)
        mod = torch.nn.InstanceNorm1d if len(shape) == 3 else torch.nn.InstanceNorm2d
        m = mod(c, eps=eps, affine=affine, track_running_stats=False).eval()
        if affine:
            m.weight.copy_(t["weight"])
            m.bias.copy_(t["bias"])
        t["y"] = m(x)
        assert torch.allclose(t["y"], F.instance_norm(x, weight=t.get("weight"), bias=t.get("bias"), eps=eps))
        w.case(dict(eps=eps, affine=affine), **t)
    w.save()


if __name__ == "__main__":
    with torch.no_grad():
        main()
