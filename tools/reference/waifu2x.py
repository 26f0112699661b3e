"""PyTorch reference definitions of waifu2x `vgg_7` and `upconv_7` (part-b.md §7.4), for golden tests and parity.

Written for pixforge from the spec's layer table (not copied from nagadomi/waifu2x or nunif). The attribute names
are conv1 ... conv7, so the state_dict keys are

    conv1.weight [16, ch, 3, 3]   conv1.bias [16]        (upconv_7; vgg_7: 32)
    ...
    conv7.weight                  upconv_7: ConvTranspose2d weight [256, ch, 4, 4] (Cin first); vgg_7: Conv2d [ch, 128, 3, 3]
    conv7.bias [ch]               the Lua upconv_7 has no final bias; the ncnn export has one; a missing one is zero

which equal the ncnn layer names of the waifu2x-ncnn-vulkan models (conv1_layer ... conv7_layer) and the order of the
layers in the waifu2x JSON exports, and the C++ models' (include/pixforge/models/waifu2x_upconv7.hpp, _vgg7.hpp).

    vgg_7     x [N, ch, H, W] -> 6 x (valid 3x3 conv + LeakyReLU(0.1)) -> valid 3x3 conv -> clamp [0, 1]
              channels ch->32->32->64->64->128->128->ch; output [N, ch, H-14, W-14]. A x1 network: the 2x model
              ("scale2.0x_model.json") is applied to a nearest-neighbour 2x up-scaled image.
    upconv_7  x [N, ch, H, W] -> 6 x (valid 3x3 conv + LeakyReLU(0.1)), ch->16->32->64->128->128->256
              -> ConvTranspose2d(256, ch, 4, stride 2, padding 3) -> clamp [0, 1]; output [N, ch, 2H-28, 2W-28].

`base` scales the hidden widths (the real models: vgg_7 base 32, upconv_7 base 16); the golden tests use narrow
random-weight networks (small base) so that the golden files stay small.

The networks' forward() takes the *already padded* image. `upscale_whole_image()` is the app's whole-image
pipeline: replicate-pad 7 px per side (after the nearest 2x for vgg_7 when scale 2), run, so the output is exactly
scale x the input. Values: RGB in [0, 1] (8-bit p / 255); the apps write round-or-truncate(v * 255) after clamping.

Run as a script to print parameter counts (checked against the spec: vgg_7 RGB 290,467, upconv_7 RGB 552,480 + 3).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SLOPE = 0.1
OFFSET = 7  # per-side input padding both networks need (vgg_7: 7 convs; upconv_7: 14 output px = 7 input px)


class Vgg7(nn.Module):
    MULT = (1, 1, 2, 2, 4, 4)  # hidden widths = base x MULT: 32, 32, 64, 64, 128, 128 for the real base 32

    def __init__(self, channels=3, base=32, clip=True):
        super().__init__()
        widths = (channels,) + tuple(base * m for m in self.MULT)
        for i in range(6):
            setattr(self, "conv%d" % (i + 1), nn.Conv2d(widths[i], widths[i + 1], 3, 1, 0))
        self.conv7 = nn.Conv2d(widths[6], channels, 3, 1, 0)
        self.clip = clip

    def forward(self, x):
        for i in range(1, 7):
            x = F.leaky_relu(getattr(self, "conv%d" % i)(x), SLOPE)
        x = self.conv7(x)
        return x.clamp(0, 1) if self.clip else x


class UpConv7(nn.Module):
    MULT = (1, 2, 4, 8, 8, 16)  # hidden widths = base x MULT: 16, 32, 64, 128, 128, 256 for the real base 16

    def __init__(self, channels=3, base=16, clip=True):
        super().__init__()
        widths = (channels,) + tuple(base * m for m in self.MULT)
        for i in range(6):
            setattr(self, "conv%d" % (i + 1), nn.Conv2d(widths[i], widths[i + 1], 3, 1, 0))
        self.conv7 = nn.ConvTranspose2d(widths[6], channels, 4, 2, 3)
        self.clip = clip

    def forward(self, x):
        for i in range(1, 7):
            x = F.leaky_relu(getattr(self, "conv%d" % i)(x), SLOPE)
        x = self.conv7(x)
        return x.clamp(0, 1) if self.clip else x


def upscale_whole_image(net, x, prescale=1):
    """The reference app's whole-image path: [nearest prescale x], replicate pad OFFSET px, run the network."""
    if prescale != 1:
        x = F.interpolate(x, scale_factor=prescale, mode="nearest")
    return net(F.pad(x, (OFFSET,) * 4, mode="replicate"))


def load_state(net, tensors):
    """Loads {name: tensor} (e.g. from tools/golden/common.py load_file) as float32, strictly."""
    net.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, strict=True)
    return net


if __name__ == "__main__":
    for cls in (Vgg7, UpConv7):
        for ch in (3, 1):
            n = sum(p.numel() for p in cls(ch).parameters())
            print("%s ch=%d: %d parameters" % (cls.__name__, ch, n))
