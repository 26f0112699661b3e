"""Goldens for the FCA U-Net (include/pixforge/models/fca_unet.hpp) from the reference tools/reference/fca_unet.py.

Weights and inputs are deterministic functions of their state_dict keys, as in gen_u2net.py (C++ side:
tests/models/det_fill_bn.hpp); the FcaNet DCT buffers (`...dct_layer.weight`) keep their computed values. Linear
(fc.0 / fc.2) and transposed-conv weights use the conv rule (u * sqrt(6 / (numel / shape[0]))).

tests/golden/fca_unet.safetensors, cases ("kind"):
    down   the attention-wrapped encoder path of a middle block, FCA(BN(conv(leaky(x)))), 16 -> 32 channels,
           dct 8x8: on [1, 16, 16, 16] (training size, no pooling) and on [2, 16, 16, 24] (adaptive avg pool 8x12 ->
           8x8); the first case also stores the DCT buffer `dct` [32, 8, 8] of the reference
    net    FcaUnetGenerator(1, 2, ngf=16, train_size=256) on [1, 1, 256, 256] and on [1, 1, 256, 512]
           (every FCA adaptive-pools to its 256-input size); to stay small only y[:, :, ::stride, ::stride] is stored
           (stride 3 resp. 5: odd, so every phase of the transposed convs is covered)
    keys   the reference's state_dict keys in order (without num_batches_tracked), no tensors
Expected outputs in float32; a float64 run bounds the reference's own rounding (printed).

Run: /usr/bin/python3 tools/golden/gen_fca_unet.py
"""
import json
import os
import sys

import torch

from common import REPO, GoldenWriter
from gen_u2net import det_tensor, kind_of

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.fca_unet import FcaUnetBlock, FcaUnetGenerator  # noqa: E402


def det_fill(module):
    bn_names = {n for n, m in module.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    new = {}
    for k, v in module.state_dict().items():
        if k.endswith("num_batches_tracked") or "dct_layer." in k:
            new[k] = v
        else:
            new[k] = det_tensor(k, list(v.shape), kind_of(k, bn_names))
    module.load_state_dict(new)
    return module.eval()


def run(fn, module, x):
    with torch.no_grad():
        y = fn(x)
        module.double()
        y64 = fn(x.double())
        module.float()
    return y, y64


def main():
    g = GoldenWriter("fca_unet")
    for shape in ([1, 16, 16, 16], [2, 16, 16, 24]):
        m = det_fill(FcaUnetBlock(16, 32, submodule=torch.nn.Identity(), dct=8))
        x = det_tensor("input", shape, "input")
        y, y64 = run(m.down, m, x)
        print("down %s -> %s std %.4f |f32 - f64| max %.2e" % (shape, list(y.shape), y.std().item(),
                                                              (y.double() - y64).abs().max().item()))
        extra = dict(dct=m.model[3].dct_layer.weight) if shape[3] == 16 else {}
        g.case(dict(kind="down", outer_nc=16, inner_nc=32, dct=8, shape=shape), y=y, **extra)

    for shape, stride in (([1, 1, 256, 256], 3), ([1, 1, 256, 512], 5)):
        cfg = dict(input_nc=1, output_nc=2, ngf=16, train_size=256)
        m = det_fill(FcaUnetGenerator(**cfg))
        x = det_tensor("input", shape, "input")
        y, y64 = run(m, m, x)
        print("net %s -> std %.4f |f32 - f64| max %.2e, %d params" % (
            shape, y.std().item(), (y.double() - y64).abs().max().item(), sum(p.numel() for p in m.parameters())))
        g.case(dict(kind="net", config=json.dumps(cfg), shape=shape, stride=stride), y=y[:, :, ::stride, ::stride])
    # The reference's state_dict keys in order (num_batches_tracked dropped): the C++ names must be the same list,
    # except the dct_layer.weight buffers, which the C++ side recomputes and lists as ignorable.
    keys = [k for k in FcaUnetGenerator(1, 2, ngf=16).state_dict() if not k.endswith("num_batches_tracked")]
    g.case(dict(kind="keys", config=json.dumps(dict(ngf=16)), keys=keys))
    g.save()


if __name__ == "__main__":
    main()
