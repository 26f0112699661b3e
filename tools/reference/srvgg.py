"""SRVGGNetCompact (Real-ESRGAN realesr-animevideov3 / realesr-general-x4v3): PyTorch reference definition.

Written from ../shared/architectures/part-b.md §7.2 (our own words, no code copied). `body` is a flat ModuleList
that interleaves convs and activations, so the state_dict keys are the official ones:

    body.0          Conv2d(num_in_ch, num_feat, 3, padding 1)
    body.1          activation (PReLU(num_feat) has `body.1.weight`; ReLU / LeakyReLU have no parameters)
    body.2k, 2k+1   Conv2d(num_feat, num_feat, 3, padding 1), activation       k = 1 .. num_conv
    body.2(num_conv+1)  Conv2d(num_feat, num_out_ch * upscale^2, 3, padding 1)

Forward (x: RGB in [0, 1], [N, num_in_ch, H, W]):
    out = pixel_shuffle(body(x), upscale)                           [N, num_out_ch, upscale*H, upscale*W]
    out = out + nearest_upsample(x, upscale)                        # the input image itself, no conv on HR grid
act_type: 'prelu' (per-channel slopes, init 0.25), 'relu', or 'leakyrelu' (slope 0.1).
"""
import torch.nn.functional as F
from torch import nn


def make_act(act_type, num_feat):
    if act_type == "prelu":
        return nn.PReLU(num_parameters=num_feat)
    if act_type == "relu":
        return nn.ReLU()
    if act_type == "leakyrelu":
        return nn.LeakyReLU(negative_slope=0.1)
    raise ValueError("SRVGGNetCompact: unknown act_type %r (prelu, relu, leakyrelu)" % (act_type,))


class SRVGGNetCompact(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4, act_type="prelu"):
        super().__init__()
        self.upscale = upscale
        layers = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), make_act(act_type, num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), make_act(act_type, num_feat)]
        layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = F.pixel_shuffle(out, self.upscale)
        return out + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


def config_from_state_dict(sd):
    """Infers the SRVGGNetCompact constructor arguments from the `body.N` keys (see tools/convert_pth.py).
    The activation type is visible only for PReLU (it has weights); without them 'relu' vs 'leakyrelu' cannot be
    told apart, so act_type is left out of the result and the caller must supply it."""
    idx = sorted({int(k.split(".")[1]) for k in sd if k.startswith("body.")})
    convs = [i for i in idx if sd["body.%d.weight" % i].dim() == 4]
    if not convs or convs[0] != 0:
        raise ValueError("SRVGGNetCompact: no body.0 conv weight")
    w0, wl = sd["body.0.weight"], sd["body.%d.weight" % convs[-1]]
    num_in_ch, num_feat = int(w0.shape[1]), int(w0.shape[0])
    num_conv = len(convs) - 2
    has_prelu = ("body.1.weight" in sd) and sd["body.1.weight"].dim() == 1
    num_out_ch = num_in_ch
    up2 = int(wl.shape[0]) // num_out_ch
    upscale = int(round(up2 ** 0.5))
    if upscale * upscale * num_out_ch != int(wl.shape[0]):
        raise ValueError("SRVGGNetCompact: last conv has %d outputs, not num_out_ch * upscale^2 for num_out_ch=%d"
                         % (int(wl.shape[0]), num_out_ch))
    cfg = dict(num_in_ch=num_in_ch, num_out_ch=num_out_ch, num_feat=num_feat, num_conv=num_conv, upscale=upscale)
    if has_prelu:
        cfg["act_type"] = "prelu"
    return cfg
