"""Goldens for the pix2pix networks (include/pixforge/models/pix2pix_unet.hpp, patchgan.hpp; spec part-a.md §1, §2)
from tools/reference/pix2pix.py, written to tests/golden/pix2pix_unet.safetensors, unet_deep.safetensors and
patchgan.safetensors.

Weights: PyTorch's default init (seeded), BatchNorm affine and running statistics randomised (spec §0.7), all
rounded to fp16 and stored as F16 under "<case>.w.<state_dict key>" (num_batches_tracked left out). Inputs are
fp16-rounded too. Outputs F32, computed in eval() (dropout = identity) unless the case says batch_stats, where the
BatchNorms run in train mode (per-sample statistics) with dropout still off.
Full-depth cases (num_downs 8 at 256x256, 9 at 512x512) would not fit in ~200 KB: their input is a stored 32x32 tile
repeated over the image ("x_tile", repeat count "tiles"), and only y[..., ::stride, ::stride] is stored
("y_sub", "stride").
Run: /usr/bin/python3 tools/golden/gen_pix2pix.py"""
import os
import sys

import torch
import torch.nn as nn

import json

from common import GOLDEN_DIR, REPO, GoldenWriter, save_file

sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
from pix2pix import NLayerDiscriminator, UnetGenerator, UnetSkipConnectionBlock  # noqa: E402


class Writer(GoldenWriter):
    """GoldenWriter that stores fp16 inputs as F16 and names this script as the generator."""

    def put16(self, **tensors):
        name = "c%02d" % len(self.cases)
        for k, v in tensors.items():
            self.tensors[name + "." + k] = v.detach().half().contiguous().numpy()

    def save(self):
        path = os.path.join(GOLDEN_DIR, self.op + ".safetensors")
        save_file(self.tensors, path, {"op": self.op, "cases": json.dumps(self.cases, separators=(",", ":")),
                                       "generator": "tools/golden/gen_pix2pix.py"})
        print("wrote %s: %d cases, %d bytes" % (os.path.relpath(path, REPO), len(self.cases), os.path.getsize(path)))


def fp16_weights(module, seed):
    torch.manual_seed(seed)
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            m.reset_parameters()
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
    with torch.no_grad():
        for k, v in module.state_dict().items():
            if v.dtype == torch.float32:
                v.copy_(v.half().float())
    return module


def add_weights(g, module):
    name = "c%02d" % len(g.cases)
    for k, v in module.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        g.tensors[name + ".w." + k] = v.detach().half().numpy()


def rand16(*shape):
    return (torch.rand(*shape) * 2 - 1).half().float()


def run(net, x, batch_stats):
    net.eval()
    if batch_stats:
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.train()
    with torch.no_grad():
        return net(x)


def unet_case(g, seed, cin, cout, num_downs, ngf, norm, batch_stats, h, w, what):
    net = fp16_weights(UnetGenerator(cin, cout, num_downs, ngf=ngf, norm=norm), seed)
    x = rand16(1, cin, h, w)
    y = run(net, x.clone(), batch_stats)
    add_weights(g, net)
    g.put16(x=x)
    g.case(dict(what=what, input_nc=cin, output_nc=cout, num_downs=num_downs, ngf=ngf, norm=norm,
                batch_stats=batch_stats), y=y)


def tiled_case(g, seed, cin, cout, num_downs, ngf, norm, what, stride):
    net = fp16_weights(UnetGenerator(cin, cout, num_downs, ngf=ngf, norm=norm), seed)
    tiles = 2 ** num_downs // 32
    tile = rand16(1, cin, 32, 32)
    x = tile.repeat(1, 1, tiles, tiles)
    y = run(net, x, False)
    add_weights(g, net)
    g.put16(x_tile=tile)
    g.case(dict(what=what, input_nc=cin, output_nc=cout, num_downs=num_downs, ngf=ngf, norm=norm,
                batch_stats=False, tiles=tiles, stride=stride), y_sub=y[:, :, ::stride, ::stride].contiguous())


torch.manual_seed(0)
g = Writer("pix2pix_unet")
# Blocks on their own (the middle block wraps an innermost one; keys "model.3.*" are the submodule's), y = relu(block(x)).
for norm in ("batch", "instance"):
    inner = UnetSkipConnectionBlock(8, 8, innermost=True, norm=norm)
    blk = fp16_weights(UnetSkipConnectionBlock(4, 8, submodule=inner, norm=norm, use_dropout=True), 1)
    x = rand16(1, 4, 8, 12)
    # The block's in-place LeakyReLU overwrites x, so its skip half is leaky(x); the parent applies ReLU to the cat
    # first thing, which makes that irrelevant: the golden is relu(block(x)), as the parent sees it.
    y = torch.relu(run(blk, x.clone(), False))
    add_weights(g, blk)
    g.put16(x=x)
    g.case(dict(what="block middle+innermost " + norm, block="middle", outer_nc=4, inner_nc=8, norm=norm), y=y)
unet_case(g, 2, 1, 2, 5, 2, "batch", False, 32, 64, "Lab 1->2, num_downs 5, ngf 2, batch norm, 32x64")
unet_case(g, 3, 3, 3, 5, 1, "instance", False, 32, 32, "RGB 3->3, num_downs 5, ngf 1, instance norm, 32x32")
unet_case(g, 4, 1, 2, 5, 1, "batch", True, 32, 32, "Lab 1->2, num_downs 5, ngf 1, batch statistics, 32x32")
unet_case(g, 5, 1, 3, 5, 1, "batch", False, 32, 32, "Gabor/grey 1->3, num_downs 5, ngf 1, batch norm, 32x32")
tiled_case(g, 6, 1, 2, 8, 1, "batch", "unet_256 Lab 1->2, ngf 1, batch norm, 256x256 (tiled input)", 8)
g.save()

g = Writer("unet_deep")
tiled_case(g, 7, 3, 3, 9, 1, "batch", "unet_512 RGB 3->3, ngf 1, batch norm, 512x512 (tiled input)", 16)
tiled_case(g, 8, 1, 2, 9, 1, "instance", "unet_512 Lab 1->2, ngf 1, instance norm, 512x512 (tiled input)", 16)
g.save()

g = Writer("patchgan")
for seed, (cin, ndf, n_layers, norm, h, w) in enumerate([(3, 4, 3, "batch", 32, 40), (6, 3, 3, "batch", 35, 27),
                                                          (4, 4, 2, "instance", 21, 18), (3, 2, 4, "batch", 64, 48)]):
    net = fp16_weights(NLayerDiscriminator(cin, ndf=ndf, n_layers=n_layers, norm=norm), 20 + seed)
    x = rand16(1, cin, h, w)
    y = run(net, x.clone(), False)
    add_weights(g, net)
    g.put16(x=x)
    g.case(dict(what="patchgan in %d ndf %d n_layers %d %s %dx%d" % (cin, ndf, n_layers, norm, h, w), input_nc=cin,
                ndf=ndf, n_layers=n_layers, norm=norm), y=y)
g.save()
