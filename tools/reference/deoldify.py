"""PyTorch reference for DeOldify's NoGAN generator (artistic: fastai v1 DynamicUnetDeep on a ResNet-34 encoder),
written from the spec (../shared/architectures/part-a.md §8), not copied from jantic/DeOldify or fastai.

State-dict keys follow the DeOldify / fastai v1 checkpoint (`SequentialEx` keeps its modules in `layers`):
    layers.0.*        encoder = torchvision ResNet children[:-2]: 0 conv1, 1 bn1, (2 relu, 3 maxpool), 4..7 layer1..4
                      (BasicBlock: conv1, bn1, conv2, bn2, downsample.0 / downsample.1)
    layers.1.*        BatchNorm2d(512)                        (layers.2 = ReLU)
    layers.3.{0,1}.*  middle convs: .0 conv (no bias), .2 BatchNorm   (SNConv3 -> ReLU -> BN)
    layers.4..7.*     UnetBlockDeep: shuf.conv.0 (1x1, no bias), shuf.conv.1 (BN), bn (BN of the skip),
                      conv1.{0,2}, conv2.{0,2}; block 1 (layers.5) also conv2.3 = SelfAttention
                      (query.weight [C/8, C, 1], key.weight, value.weight [C, C, 1], gamma [1])
    layers.8.conv.0.* PixelShuffle_ICNR(300): 1x1 conv with bias (weight-normed in the checkpoint)
    layers.9          MergeLayer(dense=True)  (no parameters)
    layers.10.layers.{0,1}.0.*  res_block convs (3x3, bias) each followed by ReLU; + input
    layers.11.0.*     final 1x1 conv (bias); layers.12 SigmoidRange(-3, 3)
Spectral norm / weight norm are FOLDED: this module holds plain `weight` tensors (part-a §0.4); a real checkpoint
must be folded first (weight = weight_orig / sigma, resp. g * v / ||v||) — the library only sees folded weights.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + idt)


def resnet_encoder(blocks=(3, 4, 6, 3), widths=(64, 128, 256, 512)):
    mods = [nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(),
            nn.MaxPool2d(3, 2, 1)]
    cin = widths[0]
    for i, (n, w) in enumerate(zip(blocks, widths)):
        stride = 1 if i == 0 else 2
        layer = []
        for b in range(n):
            layer.append(BasicBlock(cin, w, stride if b == 0 else 1))
            cin = w
        mods.append(nn.Sequential(*layer))
    return nn.Sequential(*mods)


class SelfAttention(nn.Module):
    """fastai v1 form: beta = softmax(f^T g) over the first position axis; o = gamma * h beta + x."""

    def __init__(self, c):
        super().__init__()
        self.query = nn.Conv1d(c, c // 8, 1, bias=False)
        self.key = nn.Conv1d(c, c // 8, 1, bias=False)
        self.value = nn.Conv1d(c, c, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        n, c, h, w = x.shape
        v = x.reshape(n, c, h * w)
        f, g, hh = self.query(v), self.key(v), self.value(v)
        beta = F.softmax(torch.bmm(f.transpose(1, 2), g), dim=1)
        return (self.gamma * torch.bmm(hh, beta) + v).reshape(n, c, h, w)


def conv_relu_bn(ni, nf, ks=3, self_attention=False):
    """DeOldify custom_conv_layer with extra_bn: conv (no bias) -> ReLU -> BN (-> SelfAttention)."""
    layers = [nn.Conv2d(ni, nf, ks, padding=(ks - 1) // 2, bias=False), nn.ReLU(), nn.BatchNorm2d(nf)]
    if self_attention:
        layers.append(SelfAttention(nf))
    return nn.Sequential(*layers)


class CustomPixelShuffleICNR(nn.Module):
    """conv 1x1 (no bias) -> BN -> ReLU -> PixelShuffle(2) -> ReplicationPad2d((1,0,1,0)) -> AvgPool2d(2, 1)."""

    def __init__(self, ni, nf):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(ni, nf * 4, 1, bias=False), nn.BatchNorm2d(nf * 4))
        self.shuf = nn.PixelShuffle(2)
        self.pad = nn.ReplicationPad2d((1, 0, 1, 0))
        self.blur = nn.AvgPool2d(2, stride=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.blur(self.pad(self.shuf(self.relu(self.conv(x)))))


class UnetBlockDeep(nn.Module):
    def __init__(self, up_in_c, x_in_c, final_div=True, self_attention=False, nf_factor=1.5):
        super().__init__()
        self.shuf = CustomPixelShuffleICNR(up_in_c, up_in_c // 2)
        self.bn = nn.BatchNorm2d(x_in_c)
        ni = up_in_c // 2 + x_in_c
        nf = int((ni if final_div else ni // 2) * nf_factor)
        self.conv1 = conv_relu_bn(ni, nf)
        self.conv2 = conv_relu_bn(nf, nf, self_attention=self_attention)
        self.relu = nn.ReLU()
        self.nf = nf

    def forward(self, up_in, s):
        up = self.shuf(up_in)
        if up.shape[-2:] != s.shape[-2:]:
            up = F.interpolate(up, s.shape[-2:], mode="nearest")
        x = self.relu(torch.cat([up, self.bn(s)], dim=1))
        return self.conv2(self.conv1(x))


class PixelShuffleICNR(nn.Module):
    """fastai v1 PixelShuffle_ICNR(ni) with weight norm (folded): conv 1x1 (bias) -> ReLU -> shuffle -> blur."""

    def __init__(self, ni):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(ni, ni * 4, 1, bias=True))
        self.shuf = nn.PixelShuffle(2)
        self.pad = nn.ReplicationPad2d((1, 0, 1, 0))
        self.blur = nn.AvgPool2d(2, stride=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.blur(self.pad(self.shuf(self.relu(self.conv(x)))))


class ResBlock(nn.Module):
    """fastai res_block(ni) with spectral norm: x + relu(conv(relu(conv(x)))), convs with bias."""

    def __init__(self, ni):
        super().__init__()
        self.layers = nn.ModuleList([nn.Sequential(nn.Conv2d(ni, ni, 3, padding=1), nn.ReLU()),
                                     nn.Sequential(nn.Conv2d(ni, ni, 3, padding=1), nn.ReLU())])

    def forward(self, x):
        return x + self.layers[1](self.layers[0](x))


class DynamicUnetDeep(nn.Module):
    SKIPS = (6, 5, 4, 2)  # encoder indices whose outputs are the skips, deepest first

    def __init__(self, blocks=(3, 4, 6, 3), widths=(64, 128, 256, 512), nf_factor=1.5, n_classes=3,
                 self_attention=True, y_range=(-3.0, 3.0)):
        super().__init__()
        enc = resnet_encoder(blocks, widths)
        ni = widths[3]
        middle = nn.Sequential(conv_relu_bn(ni, ni * 2), conv_relu_bn(ni * 2, ni))
        skip_ch = {6: widths[2], 5: widths[1], 4: widths[0], 2: widths[0]}
        mods = [enc, nn.BatchNorm2d(ni), nn.ReLU(), middle]
        x_c = ni
        for i, idx in enumerate(self.SKIPS):
            blk = UnetBlockDeep(x_c, skip_ch[idx], final_div=i != 3, self_attention=self_attention and i == 1,
                                nf_factor=nf_factor)
            mods.append(blk)
            x_c = blk.nf
        mods.append(PixelShuffleICNR(x_c))
        mods.append(nn.Identity())  # MergeLayer(dense=True)
        x_c += 3
        mods.append(ResBlock(x_c))
        mods.append(nn.Sequential(nn.Conv2d(x_c, n_classes, 1, bias=True)))
        self.layers = nn.ModuleList(mods)
        self.y_range = y_range

    def forward(self, x):
        inp = x
        feats = {}
        h = x
        for i, m in enumerate(self.layers[0]):
            h = m(h)
            feats[i] = h
        h = self.layers[3](self.layers[2](self.layers[1](h)))
        for k, idx in enumerate(self.SKIPS):
            h = self.layers[4 + k](h, feats[idx])
        h = self.layers[8](h)
        if h.shape[-2:] != inp.shape[-2:]:  # (fastai's MergeLayer would fail; cannot happen for even sizes)
            raise ValueError("size mismatch %s vs %s" % (h.shape, inp.shape))
        h = torch.cat([h, inp], dim=1)
        h = self.layers[10](h)
        h = self.layers[11](h)
        lo, hi = self.y_range
        return torch.sigmoid(h) * (hi - lo) + lo
