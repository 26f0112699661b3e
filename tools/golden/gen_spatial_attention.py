"""Goldens for ops/spatial_attention.hpp: the CBAM spatial gate and the whole CBAM block (channel, then spatial).

Spatial gate (spec part-b §8, CBAM): p = concat of channel max and channel mean in the given order, k x k conv
2 -> 1 with padding k // 2, sigmoid, y = x * s. "max_mean" is the official CBAM ChannelPool order (and MARDGAN's),
"mean_max" the order of many re-implementations. One case folds an eval-mode BatchNorm2d after a bias-free conv
(official CBAM's BasicConv) into weight + bias, the transform pixforge expects at load time.

Run: /usr/bin/python3 tools/golden/gen_spatial_attention.py -> tests/golden/spatial_attention.safetensors
"""
import torch
import torch.nn as nn

from common import GoldenWriter
from gen_channel_attention import CbamChannelGate


class SpatialGate(nn.Module):
    def __init__(self, k, order, bias):
        super().__init__()
        self.order = order
        self.conv = nn.Conv2d(2, 1, k, padding=k // 2, bias=bias)

    def forward(self, x):
        mx, mean = torch.max(x, 1, keepdim=True)[0], torch.mean(x, 1, keepdim=True)
        p = torch.cat([mx, mean] if self.order == "max_mean" else [mean, mx], dim=1)
        return x * torch.sigmoid(self.conv(p))


def main():
    torch.manual_seed(99)
    g = GoldenWriter("spatial_attention")
    for n, c, h, w, k, order, bias in [(2, 16, 5, 7, 7, "max_mean", True), (2, 16, 5, 7, 7, "mean_max", False),
                                       (1, 5, 13, 10, 7, "max_mean", False), (1, 7, 9, 12, 3, "mean_max", True),
                                       (1, 3, 1, 1, 7, "max_mean", True), (2, 64, 8, 6, 7, "mean_max", True)]:
        m = SpatialGate(k, order, bias).eval()
        with torch.no_grad():
            m.conv.weight.mul_(4.0)  # spread the gate away from 0.5
        x = torch.randn(n, c, h, w)
        with torch.no_grad():
            y = m(x)
        t = {"weight": m.conv.weight, "x": x, "y": y}
        if bias:
            t["bias"] = m.conv.bias
        g.case(dict(kind="spatial", order=order, bias=bias), **t)

    # Official CBAM SpatialGate: conv (no bias) -> BatchNorm2d (eval) -> sigmoid; folded into weight + bias.
    conv = nn.Conv2d(2, 1, 7, padding=3, bias=False)
    bn = nn.BatchNorm2d(1).eval()
    with torch.no_grad():
        conv.weight.mul_(4.0)
        bn.running_mean.fill_(0.2)
        bn.running_var.fill_(1.7)
        bn.weight.fill_(1.3)
        bn.bias.fill_(-0.1)
    x = torch.randn(2, 12, 7, 9)
    with torch.no_grad():
        p = torch.cat([torch.max(x, 1, keepdim=True)[0], torch.mean(x, 1, keepdim=True)], dim=1)
        y = x * torch.sigmoid(bn(conv(p)))
        s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        wf = conv.weight * s.view(-1, 1, 1, 1)
        bf = bn.bias - bn.running_mean * s
    g.case(dict(kind="spatial", order="max_mean", bias=True, note="bn folded"), x=x, y=y, weight=wf, bias=bf)

    # Whole CBAM block / MARDGAN CSAB: channel gate (shared MLP with biases) then spatial gate [max, mean] with bias.
    for n, c, h, w, r in [(2, 32, 5, 7, 16), (1, 64, 9, 8, 16)]:
        cg = CbamChannelGate(c, r, "avg,max").eval()
        sg = SpatialGate(7, "max_mean", True).eval()
        x = torch.randn(n, c, h, w)
        with torch.no_grad():
            y = sg(cg(x))
        t = {"channel." + k: v for k, v in cg.state_dict().items()}
        t.update({"spatial.weight": sg.conv.weight, "spatial.bias": sg.conv.bias, "x": x, "y": y})
        g.case(dict(kind="cbam"), **t)
    g.save()


if __name__ == "__main__":
    main()
