"""Goldens for the DeblurGAN ResnetGenerator (include/pixforge/models/deblurgan.hpp) from tools/reference/deblurgan.py.

tests/golden/deblurgan.safetensors — seeded random weights rounded to fp16 (F16 "<case>.w.<state_dict key>"):
    "block"  one ResnetBlock(16) with dropout (keys conv_block.1 / .6), input x [1,16,9,11]
    "net"    whole generator ngf 4 (channels 4/8/16): 2 blocks, dropout, learn_residual, 20x28 input in [-1, 1];
             3 blocks without dropout (keys conv_block.1 / .5), no learn_residual, N = 2, 16x12;
             the one-conv HEAD-variant blocks (keys conv_block.1 only) with and without dropout (ReLU or not), 12x16
Run: /usr/bin/python3 tools/golden/gen_deblurgan.py
"""
import os
import sys

import torch

from common import REPO, GoldenWriter

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.deblurgan import ResnetBlock, ResnetGenerator  # noqa: E402


def randomise(module, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                m.reset_parameters()
        for p in module.parameters():
            p.copy_(p.half().float())
    return module.eval()


def add_case(g, params, module, x):
    with torch.no_grad():
        y = module(x)
        y64 = module.double()(x.double())
        module.float()
    print(params, "fp32 vs fp64 max abs", (y.double() - y64).abs().max().item(), "max |y|", y.abs().max().item())
    name = g.case(params, x=x, y=y)
    for k, v in module.state_dict().items():
        g.tensors[name + ".w." + k] = v.detach().half().numpy()


g = GoldenWriter("deblurgan")
torch.manual_seed(1)
add_case(g, {"kind": "block", "channels": 16, "use_dropout": True}, randomise(ResnetBlock(16, True), 10),
         torch.randn(1, 16, 9, 11))
add_case(g, {"kind": "net", "ngf": 4, "n_blocks": 2, "use_dropout": True, "learn_residual": True},
         randomise(ResnetGenerator(ngf=4, n_blocks=2, use_dropout=True, learn_residual=True), 11),
         torch.rand(1, 3, 20, 28) * 2 - 1)
add_case(g, {"kind": "net", "ngf": 4, "n_blocks": 3, "use_dropout": False, "learn_residual": False},
         randomise(ResnetGenerator(ngf=4, n_blocks=3, use_dropout=False, learn_residual=False), 12),
         torch.rand(2, 3, 16, 12) * 2 - 1)
add_case(g, {"kind": "net", "ngf": 4, "n_blocks": 2, "use_dropout": True, "learn_residual": True, "one_conv": True},
         randomise(ResnetGenerator(ngf=4, n_blocks=2, use_dropout=True, learn_residual=True, one_conv=True), 13),
         torch.rand(1, 3, 12, 16) * 2 - 1)
add_case(g, {"kind": "net", "ngf": 4, "n_blocks": 2, "use_dropout": False, "learn_residual": True,
             "one_conv": True},
         randomise(ResnetGenerator(ngf=4, n_blocks=2, use_dropout=False, learn_residual=True, one_conv=True), 14),
         torch.rand(1, 3, 12, 16) * 2 - 1)
g.save()
