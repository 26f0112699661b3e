"""Golden cases for pixforge::gated_conv2d (DeepFill v2 gated convolution).

Run with Debian's python:  /usr/bin/python3 tools/golden/gen_gated_conv2d.py -> tests/golden/gated_conv2d.safetensors

The reference follows JiahuiYu/generative_inpainting `gen_conv`: one conv with 2*C outputs, split into halves
(feature first, gate second), y = act(feature) * sigmoid(gate). TF 'SAME' padding is reproduced with F.pad
(pad_top, pad_bottom, pad_left, pad_right computed as TensorFlow does: the odd pixel after).
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter

torch.manual_seed(11)
w = GoldenWriter("gated_conv2d")

ACTS = {"elu": lambda t, a: F.elu(t, a), "leaky_relu": lambda t, a: F.leaky_relu(t, a),
        "relu": lambda t, a: F.relu(t), "none": lambda t, a: t}


def tf_same(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def case(n=1, cin=5, h=10, w_=9, c=4, k=3, stride=1, dil=1, pad=None, groups=1, bias=True, mode="zeros",
         act="elu", alpha=1.0):
    if pad is None:  # TF 'SAME'
        pad = tf_same(h, k, stride, dil) + tf_same(w_, k, stride, dil)
    top, bottom, left, right = pad
    x = torch.randn(n, cin, h, w_)
    weight = torch.randn(2 * c, cin // groups, k, k) / (cin // groups * k * k) ** 0.5
    b = torch.randn(2 * c) if bias else None
    with torch.no_grad():
        xp = F.pad(x, (left, right, top, bottom), mode="constant" if mode == "zeros" else mode)
        z = F.conv2d(xp, weight, b, stride, 0, dil, groups)
        feature, gate = torch.split(z, c, dim=1)
        y = ACTS[act](feature, alpha) * torch.sigmoid(gate)
    params = dict(stride=stride, dilation=dil, pad_top=top, pad_bottom=bottom, pad_left=left, pad_right=right,
                  groups=groups, padding_mode=mode, act=act, alpha=alpha, bias=bias)
    tensors = dict(x=x, weight=weight, y=y)
    if bias:
        tensors["bias"] = b
    w.case(params, **tensors)


case(k=5, cin=5, c=6)                                   # DeepFill v2 conv1: 5x5 on [x, ones, mask]
case(k=3, stride=2, h=10, w_=8)                         # conv2_downsample: TF same s2 on even size (0, 1)
case(k=3, stride=2, h=9, w_=11)                         # odd sizes
case(k=3, dil=2, h=9, w_=10)                            # atrous conv7
case(k=3, dil=4, h=12, w_=9, c=3)                       # atrous conv8
case(k=3, act="leaky_relu", alpha=0.2, pad=(1, 1, 1, 1))  # GAPNet g()
case(k=3, stride=2, act="leaky_relu", alpha=0.2, pad=(1, 1, 1, 1), h=9, w_=8)  # GAPNet gd()
case(k=3, act="relu", bias=False)
case(k=1, pad=(0, 0, 0, 0), cin=7, c=5)                 # 1x1
case(n=2, k=3, cin=3, c=2, h=7, w_=6)
case(k=3, groups=2, cin=6, c=4, pad=(1, 1, 1, 1))       # grouped: feature and gate from different groups
case(k=3, pad=(1, 1, 1, 1), mode="reflect", c=17, cin=4, h=6, w_=5)

w.save()
