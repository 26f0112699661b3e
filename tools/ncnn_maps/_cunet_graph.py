"""Shared part of the ncnn maps for the cascaded U-Nets of Real-CUGAN (realcugan.py) and waifu2x CUNet
(waifu2x_cunet.py), part-b.md §7.3.

Both ncnn exports list their weighted layers (Convolution, Deconvolution, InnerProduct) in the forward order of the
PyTorch modules, which is also their registration (= state_dict) order in tools/reference/cunet.py. `expected()`
builds that list (key prefix, ncnn type, PyTorch weight shape, fused activation) and `convert()` zips it with the
file's weighted layers, checking type, kernel/stride/pad, shapes and fused activation of each, and the crop offsets
of the skip connections (4, 4, 16, 20 [, 1 before the 4x pixel shuffle]). SE InnerProduct weights [out, in] become
1x1 conv weights [out, in, 1, 1].
"""
import numpy as np

LRELU, RELU, SIGMOID, NONE = "lrelu", "relu", "sigmoid", "none"
_ACT_CODE = {NONE: 0, RELU: 1, LRELU: 2, SIGMOID: 4}


def _unetconv(prefix, cin, cmid, cout, se):
    out = [(prefix + "conv.0", "Convolution", (cmid, cin, 3, 3), (3, 1, 0), LRELU),
           (prefix + "conv.2", "Convolution", (cout, cmid, 3, 3), (3, 1, 0), LRELU)]
    if se:
        out += [(prefix + "seblock.conv1", "InnerProduct", (cout // 8, cout), None, RELU),
                (prefix + "seblock.conv2", "InnerProduct", (cout, cout // 8), None, SIGMOID)]
    return out


def unet1(prefix, cin, cout, bottom):
    """bottom: 'conv' (3x3 valid), 'deconv' (k4 s2 p3) or 'deconv_x3' (k5 s3 p2)."""
    rows = _unetconv(prefix + "conv1.", cin, 32, 64, False)
    rows += [(prefix + "conv1_down", "Convolution", (64, 64, 2, 2), (2, 2, 0), LRELU)]
    rows += _unetconv(prefix + "conv2.", 64, 128, 64, True)
    rows += [(prefix + "conv2_up", "Deconvolution", (64, 64, 2, 2), (2, 2, 0), LRELU),
             (prefix + "conv3", "Convolution", (64, 64, 3, 3), (3, 1, 0), LRELU)]
    if bottom == "conv":
        rows += [(prefix + "conv_bottom", "Convolution", (cout, 64, 3, 3), (3, 1, 0), NONE)]
    elif bottom == "deconv":
        rows += [(prefix + "conv_bottom", "Deconvolution", (64, cout, 4, 4), (4, 2, 3), NONE)]
    else:
        rows += [(prefix + "conv_bottom", "Deconvolution", (64, cout, 5, 5), (5, 3, 2), NONE)]
    return rows


def unet2(prefix, cin, cout):
    rows = _unetconv(prefix + "conv1.", cin, 32, 64, False)
    rows += [(prefix + "conv1_down", "Convolution", (64, 64, 2, 2), (2, 2, 0), LRELU)]
    rows += _unetconv(prefix + "conv2.", 64, 64, 128, True)
    rows += [(prefix + "conv2_down", "Convolution", (128, 128, 2, 2), (2, 2, 0), LRELU)]
    rows += _unetconv(prefix + "conv3.", 128, 256, 128, True)
    rows += [(prefix + "conv3_up", "Deconvolution", (128, 128, 2, 2), (2, 2, 0), LRELU)]
    rows += _unetconv(prefix + "conv4.", 128, 64, 64, True)
    rows += [(prefix + "conv4_up", "Deconvolution", (64, 64, 2, 2), (2, 2, 0), LRELU),
             (prefix + "conv5", "Convolution", (64, 64, 3, 3), (3, 1, 0), LRELU),
             (prefix + "conv_bottom", "Convolution", (cout, 64, 3, 3), (3, 1, 0), NONE)]
    return rows


def weighted(layers):
    return [l for l in layers if l.type in ("Convolution", "Deconvolution", "InnerProduct")]


def crop_offsets(layers):
    """The top offset of every Crop layer in file order (both Crop forms: -23309 starts, or 0=woffset 1=hoffset
    with a reference blob)."""
    out = []
    for l in layers:
        if l.type != "Crop":
            continue
        if 9 in l.params:
            starts = l.params[9]
            ends = l.params.get(10, [])
            if len(set(starts)) != 1 or any(e != -starts[0] for e in ends):
                raise ValueError("layer %s (Crop): expected a symmetric crop, got starts %s ends %s"
                                 % (l.name, starts, ends))
            out.append(int(starts[0]))
        else:
            if l.p(0, 0) != l.p(1, 0):
                raise ValueError("layer %s (Crop): expected equal offsets, got 0=%s 1=%s" % (l.name, l.p(0), l.p(1)))
            out.append(int(l.p(0, 0)))
    return out


def _fail(what, layer, msg):
    raise ValueError("%s: layer %s (%s): %s" % (what, layer.name, layer.type, msg))


def convert(layers, rows, crops, what):
    """Maps the file's weighted layers onto `rows` (from unet1()/unet2()) and checks the crop offsets."""
    ws = weighted(layers)
    if len(ws) != len(rows):
        raise ValueError("%s: expected %d weighted layers, the file has %d (%s)"
                         % (what, len(rows), len(ws), ", ".join(l.type for l in ws)))
    got_crops = crop_offsets(layers)
    if got_crops != list(crops):
        raise ValueError("%s: expected skip crops %s, the file has %s" % (what, list(crops), got_crops))
    state = {}
    for l, (key, type_, shape, geom, act) in zip(ws, rows):
        if l.type != type_:
            _fail(what, l, "expected %s for %s" % (type_, key))
        if geom is not None:
            k, s, p = geom
            kh, kw = l.p(11, l.p(1)), l.p(1)
            if (kh, kw, l.p(13, l.p(3, 1)), l.p(3, 1), l.p(14, l.p(4, 0)), l.p(4, 0)) != (k, k, s, s, p, p) \
                    or l.p(2, 1) != 1 or l.p(15, p) != p or l.p(16, p) != p:
                _fail(what, l, "kernel/stride/pad %s (expected %d/%d/%d for %s)" % (l.params, k, s, p, key))
        w = l.blobs["weight"]
        if tuple(w.shape) != tuple(shape):
            _fail(what, l, "weight shape %s, expected %s for %s" % (tuple(w.shape), tuple(shape), key))
        code = l.p(9, 0)
        if code != _ACT_CODE[act]:
            _fail(what, l, "fused activation 9=%s, expected %s (%d) for %s" % (code, act, _ACT_CODE[act], key))
        if act == LRELU and not np.isclose(l.p(10, [0.0])[0], 0.1):
            _fail(what, l, "LeakyReLU slope %s, expected 0.1" % l.p(10))
        if "bias" not in l.blobs:
            _fail(what, l, "has no bias (every layer of these networks has one)")
        if type_ == "InnerProduct":
            w = w.reshape(tuple(shape) + (1, 1))
        state[key + ".weight"] = w
        state[key + ".bias"] = l.blobs["bias"]
    return state
