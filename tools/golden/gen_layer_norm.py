"""Goldens for ops/layer_norm.hpp: F.layer_norm over the last k dims, and the channel-wise LayerNorm2d
(NAFNet / ConvNeXt channels_first) computed the way those repos do it.

Run: /usr/bin/python3 tools/golden/gen_layer_norm.py  -> tests/golden/layer_norm.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def layer_norm2d_nafnet(x, weight, bias, eps):
    """NAFNet's LayerNormFunction.forward (basicsr/models/archs/arch_util.py), written out."""
    mu = x.mean(1, keepdim=True)
    var = (x - mu).pow(2).mean(1, keepdim=True)
    y = (x - mu) / (var + eps).sqrt()
    return weight.view(1, -1, 1, 1) * y + bias.view(1, -1, 1, 1)


def main():
    gen = torch.Generator().manual_seed(99)
    w = GoldenWriter("layer_norm")
    # Form 1: F.layer_norm over the trailing normalized_shape.
    for shape, ns, eps, affine in [((2, 7, 24), [24], 1e-5, True), ((3, 5, 17), [17], 1e-6, False),
                                   ((2, 5, 7, 3), [7, 3], 1e-5, True), ((2, 6, 5, 7), [6, 5, 7], 1e-5, True),
                                   ((4, 33), [33], 1e-5, True), ((1, 2, 3, 130), [130], 1e-5, True)]:
        x = torch.randn(*shape, generator=gen) * 2.0 + 1.0
        t = dict(x=x)
        if affine:
            t.update(weight=torch.rand(*ns, generator=gen) + 0.5, bias=torch.randn(*ns, generator=gen) * 0.3)
        t["y"] = F.layer_norm(x, ns, t.get("weight"), t.get("bias"), eps)
        w.case(dict(form="last_dims", normalized_shape=ns, eps=eps, affine=affine), **t)
    # Form 2: LayerNorm2d over C at every pixel; checked against permute + F.layer_norm as well.
    for shape, eps in [((2, 5, 5, 7), 1e-6), ((1, 19, 6, 9), 1e-6), ((2, 3, 7, 5), 1e-5), ((1, 70, 3, 3), 1e-6)]:
        c = shape[1]
        x = torch.randn(*shape, generator=gen) * 2.0 + 1.0
        wt, bs = torch.rand(c, generator=gen) + 0.5, torch.randn(c, generator=gen) * 0.3
        y = layer_norm2d_nafnet(x, wt, bs, eps)
        y2 = F.layer_norm(x.permute(0, 2, 3, 1), [c], wt, bs, eps).permute(0, 3, 1, 2)
        assert torch.allclose(y, y2, rtol=1e-4, atol=1e-5)
        w.case(dict(form="channels_first", eps=eps, affine=True), x=x, weight=wt, bias=bs, y=y)
    w.save()


if __name__ == "__main__":
    with torch.no_grad():
        main()
