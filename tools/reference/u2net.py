"""PyTorch reference definitions of U^2-Net, U^2-Net-dagger (U2NETP) and IS-Net (ISNetDIS), for the goldens of
include/pixforge/models/u2net.hpp and isnet.hpp.

Written from architectures/part-a.md section 9; module attribute names follow the official repositories
(xuebinqin/U-2-Net model/u2net.py, xuebinqin/DIS IS-Net/models/isnet.py) so that state_dict keys match their
checkpoints: stage1.rebnconvin.conv_s1.weight, stage1.rebnconvin.bn_s1.running_mean, stage5d.rebnconv3d...,
side1.weight, outconv.weight (U^2-Net only), conv_in.weight (IS-Net only).

Building blocks:
  REBNCONV(in, out, dirate)  Conv3x3(padding = dilation = dirate, bias) -> BatchNorm2d -> ReLU
  pool                       MaxPool2d(2, 2, ceil_mode=True)
  upsample_like(a, b)        bilinear resize of a to b's H x W (align_corners=False)
  RSU-L (L = 7, 6, 5, 4)     a small U-Net of height L with a residual: output = decoder(..) + rebnconvin(x)
  RSU-4F                     RSU-4 without pooling, dilations 1, 2, 4, 8 instead

Pass `bn=False` to build the networks with BatchNorm already folded into conv_s1 (the form the IS-Net ONNX export
has): REBNCONV is then Conv3x3 -> ReLU and has no bn_s1.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def upsample_like(src, tar):
    return F.interpolate(src, size=tar.shape[2:], mode="bilinear", align_corners=False)


def make_pool():
    return nn.MaxPool2d(2, stride=2, ceil_mode=True)


class REBNCONV(nn.Module):
    def __init__(self, in_ch=3, out_ch=3, dirate=1, stride=1, bn=True):
        super().__init__()
        self.conv_s1 = nn.Conv2d(in_ch, out_ch, 3, padding=dirate, dilation=dirate, stride=stride)
        if bn:
            self.bn_s1 = nn.BatchNorm2d(out_ch)
        self.relu_s1 = nn.ReLU(inplace=True)

    def forward(self, x):
        y = self.conv_s1(x)
        if hasattr(self, "bn_s1"):
            y = self.bn_s1(y)
        return self.relu_s1(y)


class RSU(nn.Module):
    """RSU-L for L in 7, 6, 5, 4. Children: rebnconvin, rebnconv1..rebnconvL, rebnconv(L-1)d..rebnconv1d,
    pool1..pool(L-2) (parameter-free, as the official classes declare them)."""

    def __init__(self, height, in_ch=3, mid_ch=12, out_ch=3, bn=True):
        super().__init__()
        self.height = height
        self.rebnconvin = REBNCONV(in_ch, out_ch, 1, bn=bn)
        self.rebnconv1 = REBNCONV(out_ch, mid_ch, 1, bn=bn)
        for k in range(1, height - 1):
            setattr(self, "pool%d" % k, make_pool())
            setattr(self, "rebnconv%d" % (k + 1), REBNCONV(mid_ch, mid_ch, 1, bn=bn))
        setattr(self, "rebnconv%d" % height, REBNCONV(mid_ch, mid_ch, 2, bn=bn))
        for k in range(height - 1, 1, -1):
            setattr(self, "rebnconv%dd" % k, REBNCONV(mid_ch * 2, mid_ch, 1, bn=bn))
        self.rebnconv1d = REBNCONV(mid_ch * 2, out_ch, 1, bn=bn)

    def forward(self, x):
        L = self.height
        hxin = self.rebnconvin(x)
        enc = [self.rebnconv1(hxin)]                               # enc[k-1] = h_k
        for k in range(2, L):
            pooled = getattr(self, "pool%d" % (k - 1))(enc[-1])
            enc.append(getattr(self, "rebnconv%d" % k)(pooled))
        bottom = getattr(self, "rebnconv%d" % L)(enc[-1])          # dilation 2, no pooling
        d = getattr(self, "rebnconv%dd" % (L - 1))(torch.cat((bottom, enc[L - 2]), 1))
        for k in range(L - 2, 0, -1):
            name = "rebnconv%dd" % k
            d = getattr(self, name)(torch.cat((upsample_like(d, enc[k - 1]), enc[k - 1]), 1))
        return d + hxin


def RSU7(in_ch=3, mid_ch=12, out_ch=3, bn=True):
    return RSU(7, in_ch, mid_ch, out_ch, bn)


def RSU6(in_ch=3, mid_ch=12, out_ch=3, bn=True):
    return RSU(6, in_ch, mid_ch, out_ch, bn)


def RSU5(in_ch=3, mid_ch=12, out_ch=3, bn=True):
    return RSU(5, in_ch, mid_ch, out_ch, bn)


def RSU4(in_ch=3, mid_ch=12, out_ch=3, bn=True):
    return RSU(4, in_ch, mid_ch, out_ch, bn)


class RSU4F(nn.Module):
    def __init__(self, in_ch=3, mid_ch=12, out_ch=3, bn=True):
        super().__init__()
        self.rebnconvin = REBNCONV(in_ch, out_ch, 1, bn=bn)
        self.rebnconv1 = REBNCONV(out_ch, mid_ch, 1, bn=bn)
        self.rebnconv2 = REBNCONV(mid_ch, mid_ch, 2, bn=bn)
        self.rebnconv3 = REBNCONV(mid_ch, mid_ch, 4, bn=bn)
        self.rebnconv4 = REBNCONV(mid_ch, mid_ch, 8, bn=bn)
        self.rebnconv3d = REBNCONV(mid_ch * 2, mid_ch, 4, bn=bn)
        self.rebnconv2d = REBNCONV(mid_ch * 2, mid_ch, 2, bn=bn)
        self.rebnconv1d = REBNCONV(mid_ch * 2, out_ch, 1, bn=bn)

    def forward(self, x):
        hxin = self.rebnconvin(x)
        h1 = self.rebnconv1(hxin)
        h2 = self.rebnconv2(h1)
        h3 = self.rebnconv3(h2)
        h4 = self.rebnconv4(h3)
        g3 = self.rebnconv3d(torch.cat((h4, h3), 1))
        g2 = self.rebnconv2d(torch.cat((g3, h2), 1))
        g1 = self.rebnconv1d(torch.cat((g2, h1), 1))
        return g1 + hxin


# (block, in, mid, out) per stage; "F" = RSU4F.
U2NET_STAGES = {
    "stage1": (7, 3, 32, 64), "stage2": (6, 64, 32, 128), "stage3": (5, 128, 64, 256), "stage4": (4, 256, 128, 512),
    "stage5": ("F", 512, 256, 512), "stage6": ("F", 512, 256, 512), "stage5d": ("F", 1024, 256, 512),
    "stage4d": (4, 1024, 128, 256), "stage3d": (5, 512, 64, 128), "stage2d": (6, 256, 32, 64),
    "stage1d": (7, 128, 16, 64),
}
U2NETP_STAGES = {
    "stage1": (7, 3, 16, 64), "stage2": (6, 64, 16, 64), "stage3": (5, 64, 16, 64), "stage4": (4, 64, 16, 64),
    "stage5": ("F", 64, 16, 64), "stage6": ("F", 64, 16, 64), "stage5d": ("F", 128, 16, 64),
    "stage4d": (4, 128, 16, 64), "stage3d": (5, 128, 16, 64), "stage2d": (6, 128, 16, 64),
    "stage1d": (7, 128, 16, 64),
}
ISNET_STAGES = dict(U2NET_STAGES, stage1=(7, 64, 32, 64))
STAGE_ORDER = ["stage1", "stage2", "stage3", "stage4", "stage5", "stage6", "stage5d", "stage4d", "stage3d", "stage2d",
               "stage1d"]


def scaled(stages, width):
    """Divides every mid/out width by `width` (narrow nets for the goldens); input channels follow."""
    if width == 1:
        return stages
    out = {}
    for name, (h, cin, mid, cout) in stages.items():
        cin2 = cin if cin in (3,) else cin // width
        out[name] = (h, cin2, max(mid // width, 1), cout // width)
    return out


def make_block(h, cin, mid, cout, bn):
    return RSU4F(cin, mid, cout, bn) if h == "F" else RSU(h, cin, mid, cout, bn)


def decoder_features(net, x):
    """The U^2-Net encoder/decoder shared by U2Net and ISNetDIS: stage1..stage6 with max pools, then stage5d..stage1d
    on the concatenation of the up-sampled deeper map and the skip; returns [hx1d, hx2d, hx3d, hx4d, hx5d, hx6]
    (the maps the side convs read)."""
    p = net.pool
    hx1 = net.stage1(x)
    hx2 = net.stage2(p(hx1))
    hx3 = net.stage3(p(hx2))
    hx4 = net.stage4(p(hx3))
    hx5 = net.stage5(p(hx4))
    hx6 = net.stage6(p(hx5))
    hx5d = net.stage5d(torch.cat((upsample_like(hx6, hx5), hx5), 1))
    hx4d = net.stage4d(torch.cat((upsample_like(hx5d, hx4), hx4), 1))
    hx3d = net.stage3d(torch.cat((upsample_like(hx4d, hx3), hx3), 1))
    hx2d = net.stage2d(torch.cat((upsample_like(hx3d, hx2), hx2), 1))
    hx1d = net.stage1d(torch.cat((upsample_like(hx2d, hx1), hx1), 1))
    return [hx1d, hx2d, hx3d, hx4d, hx5d, hx6]


class U2Net(nn.Module):
    """U2NET (stages=U2NET_STAGES) and U2NETP (stages=U2NETP_STAGES). forward returns the 7 sigmoid maps
    (d0 fused, d1..d6), each [N, out_ch, H, W]; d0 is the prediction."""

    def __init__(self, in_ch=3, out_ch=1, stages=None, bn=True):
        super().__init__()
        stages = dict(stages or U2NET_STAGES)
        h, _, mid, cout = stages["stage1"]
        stages["stage1"] = (h, in_ch, mid, cout)
        for name in STAGE_ORDER:
            setattr(self, name, make_block(*stages[name], bn))
        for k, src in enumerate(["stage1d", "stage2d", "stage3d", "stage4d", "stage5d", "stage6"], 1):
            setattr(self, "side%d" % k, nn.Conv2d(stages[src][3], out_ch, 3, padding=1))
        self.outconv = nn.Conv2d(6 * out_ch, out_ch, 1)
        self.pool = make_pool()

    def forward(self, x):
        hx1d, hx2d, hx3d, hx4d, hx5d, hx6 = decoder_features(self, x)
        d1 = self.side1(hx1d)
        sides = [d1] + [upsample_like(getattr(self, "side%d" % k)(t), d1)
                        for k, t in zip(range(2, 7), [hx2d, hx3d, hx4d, hx5d, hx6])]
        d0 = self.outconv(torch.cat(sides, 1))
        return [torch.sigmoid(d) for d in [d0] + sides]


def U2NET(in_ch=3, out_ch=1, bn=True):
    return U2Net(in_ch, out_ch, U2NET_STAGES, bn)


def U2NETP(in_ch=3, out_ch=1, bn=True):
    return U2Net(in_ch, out_ch, U2NETP_STAGES, bn)


class ISNetDIS(nn.Module):
    """IS-Net: stride-2 stem conv_in (no BN/ReLU) then the U^2-Net encoder/decoder; each side output resized to the
    *input* size; returns the 6 sigmoid maps (s1 is the prediction). The official class also returns the decoder
    features and declares an unused pool_in; neither matters for inference."""

    def __init__(self, in_ch=3, out_ch=1, stages=None, bn=True):
        super().__init__()
        stages = dict(stages or ISNET_STAGES)
        self.conv_in = nn.Conv2d(in_ch, stages["stage1"][1], 3, stride=2, padding=1)
        for name in STAGE_ORDER:
            setattr(self, name, make_block(*stages[name], bn))
        for k, src in enumerate(["stage1d", "stage2d", "stage3d", "stage4d", "stage5d", "stage6"], 1):
            setattr(self, "side%d" % k, nn.Conv2d(stages[src][3], out_ch, 3, padding=1))
        self.pool = make_pool()

    def forward(self, x):
        feats = decoder_features(self, self.conv_in(x))
        return [torch.sigmoid(upsample_like(getattr(self, "side%d" % k)(t), x)) for k, t in enumerate(feats, 1)]


if __name__ == "__main__":
    for name, net in [("U2NET", U2NET()), ("U2NETP", U2NETP()), ("ISNetDIS", ISNetDIS())]:
        print(name, sum(p.numel() for p in net.parameters()))
