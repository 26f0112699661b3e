"""Golden cases for pixforge::conv2d against torch.nn.functional.conv2d.

Run with Debian's python:  /usr/bin/python3 tools/golden/gen_conv2d.py   -> tests/golden/conv2d.safetensors

Each case stores x, weight, (bias), y and the parameters as pixforge's Conv2dParams names them. Per-side padding
and padding_mode reflect/replicate are produced the way PyTorch users write them: F.pad(x, (left, right, top,
bottom), mode) followed by an unpadded conv (for symmetric zero padding the conv's own padding= is used, and one
case goes through nn.Conv2d(padding_mode='reflect') to pin down that the two agree).
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter

torch.manual_seed(2024)
w = GoldenWriter("conv2d")

ACTS = {
    "none": lambda t, a: t,
    "relu": lambda t, a: F.relu(t),
    "leaky_relu": lambda t, a: F.leaky_relu(t, a),
    "elu": lambda t, a: F.elu(t, a),
}


def case(n=1, cin=4, h=9, w_=11, cout=5, k=3, kw=None, stride=1, stride_w=None, pad=(0, 0, 0, 0), dil=1,
         dil_w=None, groups=1, bias=True, mode="zeros", act="none", alpha=0.0, via_module=False):
    kh, kw = k, (kw if kw is not None else k)
    sh, sw = stride, (stride_w if stride_w is not None else stride)
    dh, dw = dil, (dil_w if dil_w is not None else dil)
    top, bottom, left, right = pad
    x = torch.randn(n, cin, h, w_)
    weight = torch.randn(cout, cin // groups, kh, kw) / (cin // groups * kh * kw) ** 0.5
    b = torch.randn(cout) if bias else None
    with torch.no_grad():
        if via_module:
            assert top == bottom and left == right
            m = torch.nn.Conv2d(cin, cout, (kh, kw), (sh, sw), (top, left), (dh, dw), groups, bias, mode)
            m.weight.copy_(weight)
            if bias:
                m.bias.copy_(b)
            y = m(x)
        elif mode == "zeros" and top == bottom and left == right:
            y = F.conv2d(x, weight, b, (sh, sw), (top, left), (dh, dw), groups)
        else:
            xp = F.pad(x, (left, right, top, bottom), mode="constant" if mode == "zeros" else mode)
            y = F.conv2d(xp, weight, b, (sh, sw), 0, (dh, dw), groups)
        y = ACTS[act](y, alpha)
    params = dict(stride_h=sh, stride_w=sw, pad_top=top, pad_bottom=bottom, pad_left=left, pad_right=right,
                  dilation_h=dh, dilation_w=dw, groups=groups, padding_mode=mode, act=act, alpha=alpha,
                  bias=bias)
    tensors = dict(x=x, weight=weight, y=y)
    if bias:
        tensors["bias"] = b
    w.case(params, **tensors)


# kernel sizes, same padding
for k in (1, 3, 5, 7):
    case(k=k, pad=(k // 2,) * 4)
case(k=4, pad=(1, 1, 1, 1), stride=2, h=12, w_=10)              # pix2pix encoder conv
case(k=4, pad=(1, 2, 1, 2), h=8, w_=8)                          # even kernel, asymmetric 'same'
# strides on odd sizes, valid conv, non-square kernel/stride
case(k=3, stride=2, pad=(1, 1, 1, 1), h=9, w_=13)
case(k=3, stride=2, h=10, w_=7)
case(k=3, kw=5, stride=1, stride_w=2, pad=(1, 1, 2, 2), h=7, w_=12)
case(k=1, stride=2, h=9, w_=9)
# TF 'SAME' asymmetric (stride 2 on even size pads 0 before, 1 after)
case(k=3, stride=2, pad=(0, 1, 0, 1), h=10, w_=8)
case(k=5, stride=2, pad=(1, 2, 1, 2), h=8, w_=12)
# dilation
case(k=3, dil=2, pad=(2, 2, 2, 2), h=11, w_=10)
case(k=3, dil=4, pad=(4, 4, 4, 4), h=13, w_=9)
case(k=3, dil=2, dil_w=1, pad=(2, 2, 1, 1), h=9, w_=9, stride=2)
# groups: 2, depthwise, depthwise with multiplier
case(cin=6, cout=4, groups=2, pad=(1, 1, 1, 1))
case(cin=6, cout=6, groups=6, pad=(1, 1, 1, 1), h=11, w_=7)
case(cin=4, cout=8, groups=4, k=5, stride=2, pad=(2, 2, 2, 2), h=10, w_=9)
case(cin=5, cout=5, groups=5, k=3, dil=2, pad=(2, 2, 2, 2), mode="reflect", h=9, w_=8)
# no bias, N = 2
case(n=2, bias=False, pad=(1, 1, 1, 1), cin=3, cout=7, h=7, w_=6)
case(n=2, k=1, cin=17, cout=3, h=5, w_=7)
# padding modes (F.pad before the conv), including asymmetric, large and replicate pads
case(k=3, pad=(1, 1, 1, 1), mode="reflect")
case(k=7, pad=(3, 3, 3, 3), mode="reflect", h=9, w_=8)          # Johnson style transfer head conv
case(k=3, pad=(1, 0, 1, 0), mode="reflect", stride=2, h=9, w_=10)
case(k=3, pad=(1, 1, 1, 1), mode="replicate")
case(k=5, pad=(6, 6, 6, 6), mode="replicate", h=5, w_=4)         # pad larger than the input
case(k=3, pad=(0, 1, 2, 1), mode="replicate", h=6, w_=7)
case(k=3, pad=(1, 1, 1, 1), mode="reflect", via_module=True)     # nn.Conv2d(padding_mode='reflect')
# fused activations
case(k=3, pad=(1, 1, 1, 1), act="relu")
case(k=3, pad=(1, 1, 1, 1), act="leaky_relu", alpha=0.2)
case(k=3, pad=(1, 1, 1, 1), act="elu", alpha=1.0, cin=16, cout=16, h=6, w_=6)

w.save()
