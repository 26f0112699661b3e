"""RRDBNet (ESRGAN / Real-ESRGAN generator): PyTorch reference definition for golden tests and .pth conversion.

Written from ../shared/architectures/part-b.md §7.1 (our own words, no code copied). The attribute names are the
BasicSR ones, so `state_dict()` keys equal the official checkpoints' keys:

    conv_first.{weight,bias}
    body.<b>.rdb<r>.conv<k>.{weight,bias}        b = 0..num_block-1, r = 1..3, k = 1..5
    conv_body, conv_up1, conv_up2, conv_hr, conv_last

Forward (x: RGB in [0, 1], [N, num_in_ch, H, W]):
    scale 2 / 1: x = pixel_unshuffle(x, 2 / 4)                   # so that the trunk always up-samples x4
    feat = conv_first(x)
    feat = feat + conv_body(body(feat))                          # no activation after conv_first or conv_body
    feat = lrelu(conv_up1(nearest_x2(feat)))
    feat = lrelu(conv_up2(nearest_x2(feat)))
    out  = conv_last(lrelu(conv_hr(feat)))                       # no output activation; clamp when saving
Every conv is 3x3, stride 1, zero padding 1, with bias; LeakyReLU slope 0.2.

Residual dense block (RDB): five convs, each sees the concatenation [x, x1, ..., x_{k-1}] (input first), growth
num_grow_ch, the last conv maps back to num_feat without activation; returns x + 0.2 * x5.
RRDB: three RDBs in sequence; returns x + 0.2 * rdb3(rdb2(rdb1(x))).
"""
import torch
import torch.nn.functional as F
from torch import nn

LRELU_SLOPE = 0.2
RESIDUAL_SCALE = 0.2


def conv3x3(cin, cout):
    return nn.Conv2d(cin, cout, 3, 1, 1, bias=True)


class ResidualDenseBlock(nn.Module):
    """Five densely connected 3x3 convs with a scaled residual."""

    def __init__(self, num_feat=64, num_grow_ch=32):
        super().__init__()
        f, g = num_feat, num_grow_ch
        self.conv1 = conv3x3(f, g)
        self.conv2 = conv3x3(f + g, g)
        self.conv3 = conv3x3(f + 2 * g, g)
        self.conv4 = conv3x3(f + 3 * g, g)
        self.conv5 = conv3x3(f + 4 * g, f)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, LRELU_SLOPE)  # noqa: E731
        x1 = act(self.conv1(x))
        x2 = act(self.conv2(torch.cat((x, x1), 1)))
        x3 = act(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = act(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * RESIDUAL_SCALE + x


class RRDB(nn.Module):
    """Residual-in-residual dense block: three RDBs, scaled residual around them."""

    def __init__(self, num_feat=64, num_grow_ch=32):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * RESIDUAL_SCALE + x


class RRDBNet(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError("RRDBNet: scale must be 1, 2 or 4, got %r" % (scale,))
        self.scale = scale
        self.unshuffle = {4: 1, 2: 2, 1: 4}[scale]
        cin = num_in_ch * self.unshuffle * self.unshuffle
        self.conv_first = conv3x3(cin, num_feat)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = conv3x3(num_feat, num_feat)
        self.conv_up1 = conv3x3(num_feat, num_feat)
        self.conv_up2 = conv3x3(num_feat, num_feat)
        self.conv_hr = conv3x3(num_feat, num_feat)
        self.conv_last = conv3x3(num_feat, num_out_ch)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, LRELU_SLOPE)  # noqa: E731
        if self.unshuffle > 1:
            x = F.pixel_unshuffle(x, self.unshuffle)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = act(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = act(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(act(self.conv_hr(feat)))


def config_from_state_dict(sd):
    """Infers the RRDBNet constructor arguments from BasicSR-style keys (see tools/convert_pth.py)."""
    w_first = sd["conv_first.weight"]
    num_feat = int(w_first.shape[0])
    cin = int(w_first.shape[1])
    num_out_ch = int(sd["conv_last.weight"].shape[0])
    blocks = {int(k.split(".")[1]) for k in sd if k.startswith("body.") and k.split(".")[1].isdigit()}
    num_block = max(blocks) + 1 if blocks else 0
    num_grow_ch = int(sd["body.0.rdb1.conv1.weight"].shape[0]) if num_block else 32
    # conv_first sees num_in_ch * unshuffle^2 channels; assume num_out_ch == num_in_ch (all released models).
    ratio = cin // num_out_ch if num_out_ch and cin % num_out_ch == 0 else 0
    scale = {1: 4, 4: 2, 16: 1}.get(ratio)
    if scale is None:
        raise ValueError("RRDBNet: conv_first has %d input channels, conv_last %d outputs: cannot tell the scale "
                         "(expected a ratio of 1, 4 or 16); pass --config" % (cin, num_out_ch))
    return dict(num_in_ch=cin // ratio, num_out_ch=num_out_ch, scale=scale, num_feat=num_feat, num_block=num_block,
                num_grow_ch=num_grow_ch)
