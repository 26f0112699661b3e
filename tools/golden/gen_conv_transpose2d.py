"""Golden cases for pixforge::conv_transpose2d against torch.nn.functional.conv_transpose2d.

Run with Debian's python:  /usr/bin/python3 tools/golden/gen_conv_transpose2d.py
                           -> tests/golden/conv_transpose2d.safetensors

Weight layout is PyTorch's [Cin, Cout/groups, kH, kW]. TF 'SAME' cases (crop_end > 0 or output_padding from the
k < s rule) are produced with PyTorch padding/output_padding plus the end crop, and cross-checked here against the
definition TensorFlow uses: conv2d_transpose is the gradient of a 'SAME' conv2d (asymmetric zero padding, the odd
pixel after) with respect to its input of size n·s.
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter

torch.manual_seed(7)
w = GoldenWriter("conv_transpose2d")


def tf_same_transpose(k, s, d=1):
    ke = d * (k - 1) + 1
    if ke >= s:
        return (ke - s) // 2, 0, (ke - s) % 2
    return 0, s - ke, 0


def tf_same_reference(x, weight, s, d):
    """conv2d_transpose(padding='SAME') computed as the adjoint of a TF 'SAME' conv2d on an input of n*s."""
    n, _, h, w_ = x.shape
    kh, kw = weight.shape[2], weight.shape[3]
    H, W = h * s, w_ * s

    def pads(size, k):
        out = -(-size // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
        return total // 2, total - total // 2

    (t, b), (l, r) = pads(H, kh), pads(W, kw)
    z = torch.zeros(n, weight.shape[1] * 1, H, W, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(F.pad(z, (l, r, t, b)), weight.double(), None, s, 0, d)
    assert y.shape[2:] == x.shape[2:], (y.shape, x.shape)
    (g,) = torch.autograd.grad((y * x.double()).sum(), z)
    return g.float()


def case(n=1, cin=4, h=5, w_=6, cout=3, k=3, kw=None, stride=1, stride_w=None, pad=0, pad_w=None, op=0,
         op_w=None, dil=1, dil_w=None, groups=1, bias=True, crop=(0, 0), act="none", alpha=0.0, tf_check=False):
    kh, kw = k, (kw if kw is not None else k)
    sh, sw = stride, (stride_w if stride_w is not None else stride)
    ph, pw = pad, (pad_w if pad_w is not None else pad)
    oph, opw = op, (op_w if op_w is not None else op)
    dh, dw = dil, (dil_w if dil_w is not None else dil)
    x = torch.randn(n, cin, h, w_)
    weight = torch.randn(cin, cout // groups, kh, kw) / (cin // groups * kh * kw / (sh * sw)) ** 0.5
    b = torch.randn(cout) if bias else None
    with torch.no_grad():
        y = F.conv_transpose2d(x, weight, b, (sh, sw), (ph, pw), (oph, opw), groups, (dh, dw))
        y = y[:, :, : y.shape[2] - crop[0], : y.shape[3] - crop[1]]
        if act == "relu":
            y = F.relu(y)
        elif act == "leaky_relu":
            y = F.leaky_relu(y, alpha)
    if tf_check:
        assert groups == 1 and sh == sw and dh == dw and not bias
        ref = tf_same_reference(x, weight, sh, dh)
        assert ref.shape == y.shape, (ref.shape, y.shape)
        assert torch.allclose(ref, y, atol=1e-5), (ref - y).abs().max()
    params = dict(stride_h=sh, stride_w=sw, padding_h=ph, padding_w=pw, output_padding_h=oph,
                  output_padding_w=opw, dilation_h=dh, dilation_w=dw, groups=groups, crop_end_h=crop[0],
                  crop_end_w=crop[1], act=act, alpha=alpha, bias=bias)
    tensors = dict(x=x, weight=weight, y=y)
    if bias:
        tensors["bias"] = b
    w.case(params, **tensors)


# generator up-sampling layers
case(k=4, stride=2, pad=1, cin=6, cout=5, h=5, w_=7)                 # pix2pix / DCGAN decoder (exact x2)
case(k=4, stride=2, pad=3, cin=4, cout=3, h=8, w_=7)                 # waifu2x upconv_7 last layer
case(k=2, stride=2, pad=0, cin=5, cout=4, h=6, w_=5)                 # Real-CUGAN 2x2 s2
case(k=3, stride=2, pad=1, op=1, cin=4, cout=4, h=5, w_=6)           # DeblurGAN (k3 s2 p1 op1)
# kernel sizes and strides
for k in (1, 3, 5, 7):
    case(k=k, stride=1, pad=k // 2, h=6, w_=5)
case(k=5, stride=2, pad=2, op=1, h=4, w_=5)
case(k=3, stride=3, pad=0, h=4, w_=3)                                # stride = kernel (no overlap)
case(k=2, stride=3, pad=0, op=2, h=3, w_=4)                          # stride > kernel (gaps)
case(k=3, kw=5, stride=2, stride_w=1, pad=1, pad_w=2, op=1, op_w=0, h=5, w_=4)
# dilation (output_padding may then be < dilation but >= stride)
case(k=3, dil=2, pad=2, h=6, w_=7)
case(k=3, dil=2, stride=2, pad=1, op=1, h=5, w_=4)
case(k=3, dil=3, stride=1, pad=0, op=2, h=4, w_=4)
# groups: 2 and depthwise
case(cin=6, cout=4, groups=2, k=4, stride=2, pad=1, h=4, w_=5)
case(cin=5, cout=5, groups=5, k=3, stride=2, pad=1, op=1, h=5, w_=5)
case(cin=4, cout=8, groups=4, k=3, stride=1, pad=1, h=4, w_=6)
# N = 2, no bias, C not a multiple of 16, channels > one block of 16
case(n=2, cin=3, cout=7, k=4, stride=2, pad=1, bias=False, h=4, w_=3)
case(cin=9, cout=19, k=4, stride=2, pad=1, h=3, w_=4)
# TF 'SAME' (checked against the conv2d-adjoint definition)
for k, s in ((4, 2), (3, 2), (5, 2), (3, 1), (5, 1), (1, 2), (2, 2), (7, 2)):
    p, op, c = tf_same_transpose(k, s)
    case(k=k, stride=s, pad=p, op=op, crop=(c, c), bias=False, cin=3, cout=4, h=5, w_=4, tf_check=True)
p, op, c = tf_same_transpose(3, 2, 2)
case(k=3, stride=2, dil=2, pad=p, op=op, crop=(c, c), bias=False, cin=3, cout=2, h=4, w_=5, tf_check=True)
# fused activations
case(k=4, stride=2, pad=1, act="relu", h=4, w_=4)
case(k=4, stride=2, pad=1, act="leaky_relu", alpha=0.2, h=4, w_=4)

w.save()
