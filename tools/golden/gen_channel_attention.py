"""Goldens for ops/channel_attention.hpp: squeeze-excitation (Real-CUGAN SEBlock form), the CBAM channel gate, and
FcaNet's multi-spectral (DCT) channel attention.

The modules are re-stated from their published definitions (spec part-b §7.3, §8 and part-a §4):
  SE:     s = mean over (H, W); a = sigmoid(conv2(relu(conv1(s)))); 1x1 convs C -> C/r -> C, with or without bias.
  CBAM:   a = sigmoid(mlp(avgpool(x)) + mlp(maxpool(x))), mlp = Flatten, Linear(C, C/r), ReLU, Linear(C/r, C).
  FcaNet: x adaptive-avg-pooled to dct_h x dct_w when needed; z[c] = sum x * B[c]; a = sigmoid(fc2(relu(fc0(z))))
          (Linear, no bias); B from the FcaNet frequency tables, indices scaled by dct_size // 7, basis
          cos(pi f (pos + 0.5) / P) / sqrt(P) (* sqrt 2 for f != 0), evaluated in Python floats.
The DCT buffer is exported as "<case>.dct_layer.weight" so the C++ side can check its own basis bit for bit.

Run: /usr/bin/python3 tools/golden/gen_channel_attention.py -> tests/golden/channel_attention.safetensors
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import GoldenWriter

# FcaNet frequency tables (pairs on a 7x7 grid; x indexes height, y width), first 32 entries of each list.
FREQ = {
    "top": ([0, 0, 6, 0, 0, 1, 1, 4, 5, 1, 3, 0, 0, 0, 3, 2, 4, 6, 3, 5, 5, 2, 6, 5, 5, 3, 3, 4, 2, 2, 6, 1],
            [0, 1, 0, 5, 2, 0, 2, 0, 0, 6, 0, 4, 6, 3, 5, 2, 6, 3, 3, 3, 5, 1, 1, 2, 4, 2, 1, 1, 3, 0, 5, 3]),
    "low": ([0, 0, 1, 1, 0, 2, 2, 1, 2, 0, 3, 4, 0, 1, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4],
            [0, 1, 0, 1, 2, 0, 1, 2, 2, 3, 0, 0, 4, 3, 1, 5, 4, 3, 2, 1, 0, 6, 5, 4, 3, 2, 1, 0, 6, 5, 4, 3]),
    "bot": ([6, 1, 3, 3, 2, 4, 1, 2, 4, 4, 5, 1, 4, 6, 2, 5, 6, 1, 6, 2, 2, 4, 3, 3, 5, 5, 6, 2, 5, 5, 3, 6],
            [6, 4, 4, 6, 6, 3, 1, 4, 4, 5, 6, 5, 2, 2, 5, 1, 4, 3, 5, 0, 3, 1, 1, 2, 4, 2, 1, 1, 5, 3, 3, 3]),
}


def dct_basis(pos, freq, size):
    r = math.cos(math.pi * freq * (pos + 0.5) / size) / math.sqrt(size)
    return r if freq == 0 else r * math.sqrt(2)


def dct_filter(channel, dct_h, dct_w, method):
    xs, ys = FREQ[method[:3]]
    n = int(method[3:])
    us = [u * (dct_h // 7) for u in xs[:n]]
    vs = [v * (dct_w // 7) for v in ys[:n]]
    assert channel % n == 0
    part = channel // n
    filt = torch.zeros(channel, dct_h, dct_w)  # float32 buffer, each value rounded once from a Python float
    for i, (u, v) in enumerate(zip(us, vs)):
        for h in range(dct_h):
            for w in range(dct_w):
                filt[i * part:(i + 1) * part, h, w] = dct_basis(h, u, dct_h) * dct_basis(w, v, dct_w)
    return filt


class MultiSpectralAttention(nn.Module):
    def __init__(self, channel, dct_h, dct_w, reduction, method):
        super().__init__()
        self.dct_h, self.dct_w = dct_h, dct_w
        self.register_buffer("dct_weight", dct_filter(channel, dct_h, dct_w, method))
        self.fc = nn.Sequential(nn.Linear(channel, channel // reduction, bias=False), nn.ReLU(),
                                nn.Linear(channel // reduction, channel, bias=False), nn.Sigmoid())

    def forward(self, x):
        n, c, h, w = x.shape
        p = x if (h, w) == (self.dct_h, self.dct_w) else F.adaptive_avg_pool2d(x, (self.dct_h, self.dct_w))
        z = torch.sum(p * self.dct_weight, dim=[2, 3])
        return x * self.fc(z).view(n, c, 1, 1)


class SqueezeExcitation(nn.Module):
    def __init__(self, c, r, bias):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c // r, 1, bias=bias)
        self.conv2 = nn.Conv2d(c // r, c, 1, bias=bias)

    def forward(self, x):
        s = torch.mean(x, dim=(2, 3), keepdim=True)
        return x * torch.sigmoid(self.conv2(F.relu(self.conv1(s))))


class CbamChannelGate(nn.Module):
    def __init__(self, c, r, pools):
        super().__init__()
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(c, c // r), nn.ReLU(), nn.Linear(c // r, c))
        self.pools = pools

    def forward(self, x):
        att = 0
        if "avg" in self.pools:
            att = att + self.mlp(F.avg_pool2d(x, (x.size(2), x.size(3))))
        if "max" in self.pools:
            att = att + self.mlp(F.max_pool2d(x, (x.size(2), x.size(3))))
        return x * torch.sigmoid(att)[:, :, None, None]


def main():
    torch.manual_seed(77)
    g = GoldenWriter("channel_attention")
    for n, c, h, w, r, bias in [(2, 16, 5, 7, 8, True), (1, 64, 5, 6, 8, True), (2, 24, 3, 11, 4, False),
                                (1, 8, 1, 1, 8, True)]:
        m = SqueezeExcitation(c, r, bias).eval()
        x = torch.randn(n, c, h, w) + 0.3
        with torch.no_grad():
            y = m(x)
        g.case(dict(kind="se", bias=bias), x=x, y=y, **m.state_dict())

    for n, c, h, w, r, pools in [(2, 32, 3, 5, 16, "avg,max"), (1, 20, 8, 3, 4, "avg,max"), (2, 16, 6, 5, 4, "avg"),
                                 (1, 16, 4, 9, 2, "max")]:
        m = CbamChannelGate(c, r, pools).eval()
        x = torch.randn(n, c, h, w)
        with torch.no_grad():
            y = m(x)
        g.case(dict(kind="cbam", pools=pools), x=x, y=y, **m.state_dict())

    # (N, C, H, W, dct_h, dct_w, reduction, method): at the dct size, larger/smaller inputs (adaptive pooling),
    # index scaling (14 -> s = 2), maps below 7 (all frequencies collapse to DC), non-square.
    for n, c, h, w, dh, dw, r, method in [(1, 32, 7, 7, 7, 7, 16, "top16"), (1, 16, 14, 14, 14, 14, 4, "top16"),
                                          (1, 16, 9, 11, 7, 7, 16, "top16"), (2, 16, 4, 4, 4, 4, 4, "low4"),
                                          (1, 16, 5, 7, 8, 8, 4, "bot8"), (1, 32, 14, 7, 14, 7, 4, "top32"),
                                          (1, 64, 5, 3, 5, 3, 16, "top16")]:
        m = MultiSpectralAttention(c, dh, dw, r, method).eval()
        x = torch.randn(n, c, h, w) + 0.5
        with torch.no_grad():
            y = m(x)
        t = {"fc.0.weight": m.fc[0].weight, "fc.2.weight": m.fc[2].weight, "x": x, "y": y}
        if (dh, dw) != (7, 7):  # the 7x7 basis is checked against the spec values; keep the file small
            t["dct_layer.weight"] = m.dct_weight
        g.case(dict(kind="fcanet", dct_h=dh, dct_w=dw, method=method), **t)
    g.save()


if __name__ == "__main__":
    # Check values from part-a §4.
    assert abs(dct_filter(16, 7, 7, "top16")[0, 3, 4].item() - 1 / 7) < 1e-7
    assert abs(dct_filter(16, 7, 7, "top16")[1, 0, 0].item() - 0.196965) < 1e-6
    assert abs(dct_filter(16, 16, 16, "top16")[1, 0, 0].item() - 0.086690) < 1e-6
    main()
