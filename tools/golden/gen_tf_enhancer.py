"""Goldens for the Keras enhancement generator (include/pixforge/models/tf_enhancer.hpp) from
tools/reference/tf_enhancer.py (TensorFlow 'same' semantics reproduced in PyTorch).

tests/golden/tf_enhancer.safetensors — seeded random weights rounded to fp16 (stored F16 as "<case>.w.<key>"),
inputs in [-1, 1], nf 4:
    c00  kernel 4, [1,3,20,28]  (forward: multiples of 4, symmetric pads, output same size)
    c01  kernel 4, [1,3,19,22]  (generator: odd size -> asymmetric (1,2) conv padding, output [1,3,20,24])
    c02  kernel 3, [2,3,16,20]  (forward: conv pads (0,1), transposed-conv end crop (0,1))
    c03  kernel 3, [1,3,17,13]  (generator: odd sizes with kernel 3, output [1,3,20,16])
Run: /usr/bin/python3 tools/golden/gen_tf_enhancer.py
"""
import os
import sys

import torch

from common import REPO, GoldenWriter

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.tf_enhancer import TfEnhancer  # noqa: E402


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
    print(params, list(y.shape), "fp32 vs fp64 max abs", (y.double() - y64).abs().max().item())
    name = g.case(params, x=x, y=y)
    for k, v in module.state_dict().items():
        g.tensors[name + ".w." + k] = v.detach().half().numpy()


g = GoldenWriter("tf_enhancer")
torch.manual_seed(1)
for i, (k, shape) in enumerate([(4, (1, 3, 20, 28)), (4, (1, 3, 19, 22)), (3, (2, 3, 16, 20)), (3, (1, 3, 17, 13))]):
    add_case(g, {"nf": 4, "kernel": k}, randomise(TfEnhancer(4, k), 10 + i), torch.rand(*shape) * 2 - 1)
g.save()
