"""FCA U-Net: the pix2pix `unet_256` generator (8 stride-2 convs + 8 transposed convs, skips) with FcaNet
multi-spectral channel attention on the encoder outputs e1...e7. Written from ../shared/architectures/part-a.md
sections 1 and 4 in our own words.

RECONSTRUCTION (part-a section 4(b), section 12 #6): the colorization paper (SIViP, DOI 10.1007/s11760-023-02980-7)
does not publish where the attention sits. Here: FCA(C, dct_h = dct_w = feature size at the training size 256,
reduction 16, 'top16') right after the level's BatchNorm (after the conv for e1), before the tensor feeds the next
level and the skip; none on the 1x1 bottleneck e8 nor on the decoder. The FCA layer itself is exact FcaNet
(`MultiSpectralAttentionLayer`: keys dct_layer.weight (buffer), fc.0.weight, fc.2.weight).

State_dict layout = pix2pix's nested UnetSkipConnectionBlock keys (model.model.<i>. ...) with the FCA module
inserted into each block's Sequential right after the down path, which shifts the later indices:
    outermost  [downconv, fca, submodule, uprelu, upconv(bias), tanh]                      0, 1, 2, -, 4
    middle     [downrelu, downconv, downnorm, fca, submodule, uprelu, upconv, upnorm(, dropout)]  1, 2, 3, 4, 6, 7
    innermost  [downrelu, downconv, uprelu, upconv, upnorm]                                1, 3, 4   (no FCA)
Norm: BatchNorm2d (convs bias=False except the outermost upconv). Dropout(0.5) in the three blocks above the
innermost+1 (D7...D5) only when use_dropout (identity in eval).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

TOP = ([0, 0, 6, 0, 0, 1, 1, 4, 5, 1, 3, 0, 0, 0, 3, 2], [0, 1, 0, 5, 2, 0, 2, 0, 0, 6, 0, 4, 6, 3, 5, 2])


def dct_filter(channel, dct_h, dct_w, ux, vy):
    """[C, dct_h, dct_w]: channel group i uses b(h, u_i) b(w, v_i); b(pos, f, P) = cos(pi f (pos+.5)/P)/sqrt(P),
    times sqrt(2) for f != 0, in Python floats, stored as float32."""
    def b(pos, f, P):
        r = math.cos(math.pi * f * (pos + 0.5) / P) / math.sqrt(P)
        return r * math.sqrt(2) if f != 0 else r

    w = torch.zeros(channel, dct_h, dct_w)
    part = channel // len(ux)
    for i, (u, v) in enumerate(zip(ux, vy)):
        for h in range(dct_h):
            for x in range(dct_w):
                w[i * part:(i + 1) * part, h, x] = b(h, u, dct_h) * b(x, v, dct_w)
    return w


class MultiSpectralDCTLayer(nn.Module):
    def __init__(self, channel, dct_h, dct_w, ux, vy):
        super().__init__()
        assert channel % len(ux) == 0
        self.register_buffer("weight", dct_filter(channel, dct_h, dct_w, ux, vy))

    def forward(self, x):
        return torch.sum(x * self.weight, dim=[2, 3])


class MultiSpectralAttentionLayer(nn.Module):
    def __init__(self, channel, dct_h, dct_w, reduction=16):
        super().__init__()
        self.dct_h, self.dct_w = dct_h, dct_w
        ux = [u * (dct_h // 7) for u in TOP[0]]
        vy = [v * (dct_w // 7) for v in TOP[1]]
        self.dct_layer = MultiSpectralDCTLayer(channel, dct_h, dct_w, ux, vy)
        self.fc = nn.Sequential(nn.Linear(channel, channel // reduction, bias=False), nn.ReLU(inplace=False),
                                nn.Linear(channel // reduction, channel, bias=False), nn.Sigmoid())

    def forward(self, x):
        n, c, h, w = x.shape
        p = x if (h, w) == (self.dct_h, self.dct_w) else F.adaptive_avg_pool2d(x, (self.dct_h, self.dct_w))
        a = self.fc(self.dct_layer(p)).view(n, c, 1, 1)
        return x * a


class FcaUnetBlock(nn.Module):
    """pix2pix UnetSkipConnectionBlock with an FCA after the down path (not on the innermost block)."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 use_dropout=False, dct=None, reduction=16):
        super().__init__()
        self.outermost = outermost
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=False)
        downrelu = nn.LeakyReLU(0.2, inplace=False)
        downnorm = nn.BatchNorm2d(inner_nc)
        uprelu = nn.ReLU(inplace=False)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1)
            model = [downconv, MultiSpectralAttentionLayer(inner_nc, dct, dct, reduction), submodule, uprelu,
                     upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=False)
            model = [downrelu, downconv, uprelu, upconv, nn.BatchNorm2d(outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=False)
            model = [downrelu, downconv, downnorm, MultiSpectralAttentionLayer(inner_nc, dct, dct, reduction),
                     submodule, uprelu, upconv, nn.BatchNorm2d(outer_nc)]
            if use_dropout:
                model = model + [nn.Dropout(0.5)]
        self.model = nn.Sequential(*model)

    def down(self, x):
        """The attention-wrapped encoder path of a middle block: FCA(BN(conv(leaky(x))))."""
        return self.model[3](self.model[2](self.model[1](self.model[0](x))))

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class FcaUnetGenerator(nn.Module):
    """8 levels (num_downs = 8): input H, W multiples of 256; dct size at level k = train_size / 2^k."""

    def __init__(self, input_nc=1, output_nc=2, ngf=64, train_size=256, reduction=16, use_dropout=True):
        super().__init__()
        num_downs = 8
        d = [train_size >> k for k in range(1, num_downs + 1)]  # e1 ... e8 sizes
        blk = FcaUnetBlock(ngf * 8, ngf * 8, innermost=True)
        blk = FcaUnetBlock(ngf * 8, ngf * 8, submodule=blk, use_dropout=use_dropout, dct=d[6], reduction=reduction)
        blk = FcaUnetBlock(ngf * 8, ngf * 8, submodule=blk, use_dropout=use_dropout, dct=d[5], reduction=reduction)
        blk = FcaUnetBlock(ngf * 8, ngf * 8, submodule=blk, use_dropout=use_dropout, dct=d[4], reduction=reduction)
        blk = FcaUnetBlock(ngf * 4, ngf * 8, submodule=blk, dct=d[3], reduction=reduction)
        blk = FcaUnetBlock(ngf * 2, ngf * 4, submodule=blk, dct=d[2], reduction=reduction)
        blk = FcaUnetBlock(ngf, ngf * 2, submodule=blk, dct=d[1], reduction=reduction)
        self.model = FcaUnetBlock(output_nc, ngf, input_nc=input_nc, submodule=blk, outermost=True, dct=d[0],
                                  reduction=reduction)

    def forward(self, x):
        return self.model(x)


if __name__ == "__main__":
    for ic, oc in ((1, 2), (1, 3)):
        m = FcaUnetGenerator(ic, oc)
        print(ic, oc, sum(p.numel() for p in m.parameters()))
    m = FcaUnetGenerator(1, 2)
    for k in list(m.state_dict().keys())[:12]:
        print(k)
