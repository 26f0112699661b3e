"""Goldens for the VGG-19 feature extractor (include/pixforge/models/vgg19_features.hpp) from
tools/reference/vgg19_features.py.

tests/golden/vgg19_features.safetensors — seeded random weights (PyTorch default init) rounded to fp16, stored F16 as
"<case>.w.<state_dict key>"; the input x01 is RGB in [0, 1], the C++ side applies the ImageNet normalisation:
    c00  width 4 (4/8/16/32/32 channels), features[:30] (through relu5_1), max pooling, x [1,3,32,32]:
         relu1_1, relu2_1, conv3_3 (pre-ReLU, DeblurGAN's loss layer), relu3_1, relu4_1, relu4_2, relu5_1
    c01  width 2, features[:12] (through relu3_1), average pooling (Gatys), N = 2, x [2,3,16,20]: relu2_2, relu3_1
Run: /usr/bin/python3 tools/golden/gen_vgg19_features.py
"""
import os
import sys

import torch

from common import REPO, GoldenWriter

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.vgg19_features import VGG19Features, normalize_imagenet  # noqa: E402


def randomise(module, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.reset_parameters()
        for p in module.parameters():
            p.copy_(p.half().float())
    return module.eval()


def add_case(g, params, module, x01, names):
    with torch.no_grad():
        out = module(normalize_imagenet(x01), names)
        out64 = module.double()(normalize_imagenet(x01).double(), names)
        module.float()
    err = max((out[n].double() - out64[n]).abs().max().item() for n in names)
    print(params, "fp32 vs fp64 max abs", err)
    name = g.case(dict(params, names=",".join(names)), x01=x01, **out)
    for k, v in module.state_dict().items():
        g.tensors[name + ".w." + k] = v.detach().half().numpy()


def check_against_torchvision():
    """When torchvision is installed (apt-get install python3-torchvision): the reference has exactly torchvision
    vgg19's `features.*` keys and shapes and computes the same pool5 output with the same weights."""
    try:
        import torchvision
    except ImportError:
        print("torchvision not installed: cross-check skipped")
        return
    full = torchvision.models.vgg19()
    sd = {k: v for k, v in full.state_dict().items() if k.startswith("features.")}
    ref = VGG19Features()
    assert {k: v.shape for k, v in sd.items()} == {k: v.shape for k, v in ref.state_dict().items()}
    ref.load_state_dict(sd)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        err = (ref(x, ["pool5"])["pool5"] - full.features(x)).abs().max().item()
    assert err == 0.0, err
    print("torchvision %s vgg19().features: same keys, pool5 identical" % torchvision.__version__)


check_against_torchvision()
g = GoldenWriter("vgg19_features")
torch.manual_seed(1)
add_case(g, {"width": 4, "upto": "relu5_1", "pool": "max"}, randomise(VGG19Features(4, 30, "max"), 10),
         torch.rand(1, 3, 32, 32),
         ["relu1_1", "relu2_1", "conv3_3", "relu3_1", "relu4_1", "relu4_2", "relu5_1"])
add_case(g, {"width": 2, "upto": "relu3_1", "pool": "avg"}, randomise(VGG19Features(2, 12, "avg"), 11),
         torch.rand(2, 3, 16, 20), ["relu2_2", "relu3_1"])
g.save()
