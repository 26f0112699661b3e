"""The networks of the peer benchmark (bench/peers/run_peers.py): one table, shared by the harness and the drivers.

Every network is the PyTorch reference definition in tools/reference/ loaded with the same converted pixforge weight
file (weights/*.safetensors), so PyTorch, the ONNX export run by ONNX Runtime, and pixforge compute the identical
network. The *network input* is the image already padded the way the reference app pads it (Real-CUGAN: reflect
18 px; waifu2x upconv_7: replicate 7 px; RRDBNet: none): every runtime gets exactly that tensor, so padding is not
part of any timing. The ncnn apps get the unpadded PNG and pad internally (whole-process time, see run_peers.py).
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))

import cunet  # noqa: E402
import rrdbnet  # noqa: E402
import waifu2x  # noqa: E402
from common import load_file  # noqa: E402

NCNN_PKG = os.path.join(ROOT, "tools", "cache", "waifu2x-1.6.5", "package")

# name -> weights, per-side pre-padding and its mode, output scale, ncnn app (None: no CPU peer in waifu2x@1.6.5)
NETS = {
    "realcugan_up2x": dict(
        title="Real-CUGAN se up2x conservative", weights="weights/realcugan-se-up2x-conservative.safetensors",
        pad=18, pad_mode="reflect", scale=2,
        ncnn=dict(cwd=os.path.join(NCNN_PKG, "real-cugan"), exe="./realcugan-ncnn-vulkan",
                  args=["-s", "2", "-n", "-1", "-m", "models-se"])),
    "upconv7_2x": dict(
        title="waifu2x upconv_7 scale2x", weights="weights/waifu2x-upconv7-scale2x.safetensors",
        pad=7, pad_mode="replicate", scale=2,
        ncnn=dict(cwd=os.path.join(NCNN_PKG, "waifu2x"), exe="./waifu2x-ncnn-vulkan",
                  args=["-s", "2", "-n", "-1", "-m", "models-upconv_7_anime_style_art_rgb"])),
    "rrdbnet_x4": dict(
        title="RRDBNet realesrgan-x4plus-anime", weights="weights/realesrgan-x4plus-anime.safetensors",
        pad=0, pad_mode=None, scale=4, ncnn=None),  # realesrgan-ncnn-vulkan has no CPU mode (SOURCES.md §3)
}


def build(name):
    """The reference nn.Module of NETS[name] with its converted weights loaded (float32, strict), in eval mode."""
    sd, meta = load_file(os.path.join(ROOT, NETS[name]["weights"]))
    sd = {k: v.to(torch.float32) for k, v in sd.items()}
    if name == "realcugan_up2x":
        net = cunet.build(meta["pixforge.arch"], json.loads(meta["pixforge.config"]))
    elif name == "upconv7_2x":
        net = waifu2x.UpConv7(3)
    elif name == "rrdbnet_x4":
        net = rrdbnet.RRDBNet(**rrdbnet.config_from_state_dict(sd))
    else:
        raise KeyError("unknown network '%s' (known: %s)" % (name, ", ".join(NETS)))
    net.load_state_dict(sd, strict=True)
    return net.eval()


def network_input(name, image):
    """The padded network input [1, 3, H + 2p, W + 2p] for an image tensor [1, 3, H, W] in [0, 1]."""
    p, mode = NETS[name]["pad"], NETS[name]["pad_mode"]
    return F.pad(image, (p, p, p, p), mode=mode) if p else image


def conv_flops(net, shape):
    """FLOPs (2 x multiply-adds) of every Conv2d and ConvTranspose2d of `net` on an input of `shape`, counted with
    forward hooks on a shape-only run (meta tensors, so no arithmetic is done). Everything else (activations, SE
    pooling, additions, resizes) is left out: it is < 1% of these networks and not what the kernels compete on."""
    total = [0]

    def hook(mod, inputs, out):
        x = inputs[0]
        if isinstance(mod, nn.ConvTranspose2d):   # every input pixel scatters Cout/g x kh x kw products
            total[0] += 2 * x.numel() * (mod.out_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        else:                                     # every output pixel gathers Cin/g x kh x kw products
            total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]

    meta_net = build_like(net).to("meta")
    handles = [m.register_forward_hook(hook) for m in meta_net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        meta_net(torch.empty(shape, device="meta"))
    for h in handles:
        h.remove()
    return total[0]


def build_like(net):
    """A copy of `net` (so moving it to the meta device leaves the original alone)."""
    import copy
    return copy.deepcopy(net)
