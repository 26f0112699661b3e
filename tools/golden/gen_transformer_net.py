"""Goldens for TransformerNet (include/pixforge/models/transformer_net.hpp) from tools/reference/transformer_net.py.

tests/golden/transformer_net.safetensors — seeded random weights rounded to fp16 (stored F16 as
"<case>.w.<state_dict key>"), InstanceNorm affine γ ~ U(0.5, 1.5), β ~ N(0, 0.1):
    "res"   one ResidualBlock(16), input x [1,16,9,11]
    "up"    one UpsampleConvLayer(16 -> 8, k3, upsample 2), input x [1,16,7,10]
    "net"   whole TransformerNet at width 4 (channels 4/8/16), 2 residual blocks, input [0,255] of 20x28, and
            width 4 with the spec's 5 blocks, N = 2, 16x12
    "pth"   width 2, 1 block, saved as a pytorch/examples-style .pth (plain state_dict plus the stale
            in*.running_mean/var buffers old checkpoints carry) in a temporary directory and converted with
            tools/convert_pth.py --arch transformer_net into tests/golden/transformer_net_from_pth.safetensors
            (committed); the case holds x and PyTorch's y, the C++ test loads the file with load_model.
Run: /usr/bin/python3 tools/golden/gen_transformer_net.py
"""
import os
import subprocess
import sys
import tempfile

import torch

from common import REPO, GoldenWriter

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.transformer_net import ResidualBlock, TransformerNet, UpsampleConvLayer  # noqa: E402


def randomise(module, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.reset_parameters()
            elif isinstance(m, torch.nn.InstanceNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
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


g = GoldenWriter("transformer_net")
torch.manual_seed(1)
add_case(g, {"kind": "res", "channels": 16}, randomise(ResidualBlock(16), 10), torch.randn(1, 16, 9, 11))
add_case(g, {"kind": "up", "in": 16, "out": 8}, randomise(UpsampleConvLayer(16, 8, 3, 1, upsample=2), 11),
         torch.randn(1, 16, 7, 10))
add_case(g, {"kind": "net", "width": 4, "num_res": 2}, randomise(TransformerNet(4, 2), 12),
         torch.rand(1, 3, 20, 28) * 255)
add_case(g, {"kind": "net", "width": 4, "num_res": 5}, randomise(TransformerNet(4, 5), 13),
         torch.rand(2, 3, 16, 12) * 255)
# .pth -> tools/convert_pth.py -> safetensors -> load_model, end to end.
net = randomise(TransformerNet(2, 1), 20)
sd = dict(net.state_dict())
gen = torch.Generator().manual_seed(21)
for k in list(sd):
    if k.split(".")[-2].startswith("in") and k.endswith(".weight"):
        stem = k[:-len("weight")]
        sd[stem + "running_mean"] = torch.randn(sd[k].shape, generator=gen) * 50  # stale: must be ignored
        sd[stem + "running_var"] = torch.rand(sd[k].shape, generator=gen) * 1e3
with tempfile.TemporaryDirectory() as tmp:
    pth = os.path.join(tmp, "style_tiny.pth")
    torch.save(sd, pth)
    subprocess.check_call([sys.executable, os.path.join(REPO, "tools", "convert_pth.py"), pth,
                           os.path.join(REPO, "tests", "golden", "transformer_net_from_pth.safetensors"),
                           "--arch", "transformer_net", "--config", '{"width": 2, "num_res": 1}', "--license", "MIT"])
x = torch.rand(1, 3, 12, 16) * 255
with torch.no_grad():
    g.case({"kind": "pth", "file": "tests/golden/transformer_net_from_pth.safetensors"}, x=x, y=net(x))
g.save()
