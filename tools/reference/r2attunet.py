"""R2AttU-Net (recurrent residual conv blocks + attention gates), written from the spec
../shared/architectures/part-a.md section 6 (in our own words). Attribute names follow the state_dict keys of
LeeJunHyun/Image_Segmentation `network.py` (R2AttU_Net): RRCNN1.RCNN.0.conv.0.weight, RRCNN1.Conv_1x1.weight,
Up5.up.1.weight, Att5.W_g.0.weight, Att5.psi.1.running_var, Conv_1x1.weight, ...

`nf` (64 in the official class) scales every width (nf, 2nf, 4nf, 8nf, 16nf) so tests can use narrow networks.
Input: [N, img_ch, H, W] (the repo feeds RGB normalised to [-1, 1]); output: output_ch logits (no activation).
H and W must be multiples of 16.
"""
import torch
import torch.nn as nn


def cbr3(ch):
    """Conv3x3 (pad 1, bias) -> BN -> ReLU, as an nn.Sequential (keys conv.0 / conv.1)."""
    return nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1, bias=True), nn.BatchNorm2d(ch), nn.ReLU(inplace=False))


class Recurrent_block(nn.Module):
    """One conv+BN+ReLU applied t+1 times with shared weights: r = f(x); then t times r = f(x + r)."""

    def __init__(self, ch_out, t=2):
        super().__init__()
        assert t >= 1
        self.t = t
        self.conv = cbr3(ch_out)

    def forward(self, x):
        r = self.conv(x)
        for _ in range(self.t):
            r = self.conv(x + r)
        return r


class RRCNN_block(nn.Module):
    """x0 = Conv_1x1(x) (no norm); out = x0 + RCNN(x0) with RCNN two recurrent blocks in series."""

    def __init__(self, ch_in, ch_out, t=2):
        super().__init__()
        self.RCNN = nn.Sequential(Recurrent_block(ch_out, t), Recurrent_block(ch_out, t))
        self.Conv_1x1 = nn.Conv2d(ch_in, ch_out, 1, 1, 0, bias=True)

    def forward(self, x):
        x0 = self.Conv_1x1(x)
        return x0 + self.RCNN(x0)


class up_conv(nn.Module):
    """Nearest x2 upsampling -> Conv3x3 -> BN -> ReLU (keys up.1 conv, up.2 BN)."""

    def __init__(self, ch_in, ch_out):
        super().__init__()
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(ch_in, ch_out, 3, 1, 1, bias=True),
                                nn.BatchNorm2d(ch_out), nn.ReLU(inplace=False))

    def forward(self, x):
        return self.up(x)


class Attention_block(nn.Module):
    """Additive attention gate: psi = sigmoid(BN(Conv1x1(relu(BN(W_g g) + BN(W_x x))))) (1 channel); out = x * psi."""

    def __init__(self, F_g, F_l, F_int):
        super().__init__()
        self.W_g = nn.Sequential(nn.Conv2d(F_g, F_int, 1, 1, 0, bias=True), nn.BatchNorm2d(F_int))
        self.W_x = nn.Sequential(nn.Conv2d(F_l, F_int, 1, 1, 0, bias=True), nn.BatchNorm2d(F_int))
        self.psi = nn.Sequential(nn.Conv2d(F_int, 1, 1, 1, 0, bias=True), nn.BatchNorm2d(1), nn.Sigmoid())
        self.relu = nn.ReLU(inplace=False)

    def forward(self, g, x):
        psi = self.psi(self.relu(self.W_g(g) + self.W_x(x)))
        return x * psi


class R2AttU_Net(nn.Module):
    def __init__(self, img_ch=3, output_ch=1, t=2, nf=64):
        super().__init__()
        c1, c2, c3, c4, c5 = nf, 2 * nf, 4 * nf, 8 * nf, 16 * nf
        self.Maxpool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.RRCNN1 = RRCNN_block(img_ch, c1, t)
        self.RRCNN2 = RRCNN_block(c1, c2, t)
        self.RRCNN3 = RRCNN_block(c2, c3, t)
        self.RRCNN4 = RRCNN_block(c3, c4, t)
        self.RRCNN5 = RRCNN_block(c4, c5, t)
        self.Up5 = up_conv(c5, c4)
        self.Att5 = Attention_block(c4, c4, c3)
        self.Up_RRCNN5 = RRCNN_block(c5, c4, t)
        self.Up4 = up_conv(c4, c3)
        self.Att4 = Attention_block(c3, c3, c2)
        self.Up_RRCNN4 = RRCNN_block(c4, c3, t)
        self.Up3 = up_conv(c3, c2)
        self.Att3 = Attention_block(c2, c2, c1)
        self.Up_RRCNN3 = RRCNN_block(c3, c2, t)
        self.Up2 = up_conv(c2, c1)
        self.Att2 = Attention_block(c1, c1, c1 // 2)
        self.Up_RRCNN2 = RRCNN_block(c2, c1, t)
        self.Conv_1x1 = nn.Conv2d(c1, output_ch, 1, 1, 0, bias=True)

    def forward(self, x):
        x1 = self.RRCNN1(x)
        x2 = self.RRCNN2(self.Maxpool(x1))
        x3 = self.RRCNN3(self.Maxpool(x2))
        x4 = self.RRCNN4(self.Maxpool(x3))
        x5 = self.RRCNN5(self.Maxpool(x4))
        d5 = self.Up5(x5)
        d5 = self.Up_RRCNN5(torch.cat((self.Att5(d5, x4), d5), dim=1))
        d4 = self.Up4(d5)
        d4 = self.Up_RRCNN4(torch.cat((self.Att4(d4, x3), d4), dim=1))
        d3 = self.Up3(d4)
        d3 = self.Up_RRCNN3(torch.cat((self.Att3(d3, x2), d3), dim=1))
        d2 = self.Up2(d3)
        d2 = self.Up_RRCNN2(torch.cat((self.Att2(d2, x1), d2), dim=1))
        return self.Conv_1x1(d2)


if __name__ == "__main__":
    for ic, oc in ((3, 1), (1, 2), (1, 3), (3, 3)):
        m = R2AttU_Net(ic, oc)
        print(ic, oc, sum(p.numel() for p in m.parameters()))
