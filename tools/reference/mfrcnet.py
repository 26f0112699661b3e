"""MFRC-Net: the pix2pix `unet_256` generator with multi-field feature representation blocks (MFRB) on the encoder
outputs. Written from ../shared/architectures/part-a.md sections 1 and 3 in our own words.

RECONSTRUCTION (part-a section 3, section 12 #5): the paper is not public. Everything about the MFRB (branches,
dilations, fusion, residual) and its placement is the spec's reconstruction, kept parameterised:

    MFRB(C), q = C / 4, x = a pre-activation encoder tensor:
        a  = LeakyReLU_0.2(x)
        b1 = ReLU(BN(Conv1x1(a)))                          (b1.0 conv, b1.1 BN; convs bias=False)
        bk = ReLU(BN(Conv3x3(a, dilation d, padding d)))  k = 2, 3, 4, d = dilations = (1, 2, 4)   (bk.0, bk.1)
        y  = BN(Conv1x1(cat(b1, b2, b3, b4)))             (fuse.0, fuse.1), C -> C
        out = x + y

Placement: e2...e5 (levels 2..5; C = 2ngf, 4ngf, 8ngf, 8ngf). The MFRB goes into the level's
UnetSkipConnectionBlock Sequential right after the down path (after downnorm), before the submodule, so the
nested pix2pix keys shift exactly as in tools/reference/fca_unet.py:
    middle with MFRB   [downrelu, downconv, downnorm, mfrb, submodule, uprelu, upconv, upnorm(, dropout)]
    middle without     [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm(, dropout)]  (pix2pix)
    outermost          [downconv, submodule, uprelu, upconv(bias), tanh]
    innermost          [downrelu, downconv, uprelu, upconv, upnorm]
"""
import torch
import torch.nn as nn


class MFRB(nn.Module):
    def __init__(self, C, dilations=(1, 2, 4)):
        super().__init__()
        assert C % 4 == 0
        q = C // 4

        def branch(k, d):
            return nn.Sequential(nn.Conv2d(C, q, k, 1, d if k == 3 else 0, dilation=d, bias=False),
                                 nn.BatchNorm2d(q), nn.ReLU(inplace=False))

        self.act = nn.LeakyReLU(0.2, inplace=False)
        self.b1 = branch(1, 1)
        self.b2 = branch(3, dilations[0])
        self.b3 = branch(3, dilations[1])
        self.b4 = branch(3, dilations[2])
        self.fuse = nn.Sequential(nn.Conv2d(C, C, 1, 1, 0, bias=False), nn.BatchNorm2d(C))

    def forward(self, x):
        a = self.act(x)
        return x + self.fuse(torch.cat([self.b1(a), self.b2(a), self.b3(a), self.b4(a)], 1))


class MfrcUnetBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 use_dropout=False, mfrb=False, dilations=(1, 2, 4)):
        super().__init__()
        self.outermost = outermost
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=False)
        downrelu = nn.LeakyReLU(0.2, inplace=False)
        uprelu = nn.ReLU(inplace=False)
        if outermost:
            model = [downconv, submodule, uprelu, nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1), nn.Tanh()]
        elif innermost:
            model = [downrelu, downconv, uprelu, nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=False),
                     nn.BatchNorm2d(outer_nc)]
        else:
            down = [downrelu, downconv, nn.BatchNorm2d(inner_nc)] + ([MFRB(inner_nc, dilations)] if mfrb else [])
            up = [uprelu, nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=False), nn.BatchNorm2d(outer_nc)]
            model = down + [submodule] + up + ([nn.Dropout(0.5)] if use_dropout else [])
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class MfrcUnetGenerator(nn.Module):
    def __init__(self, input_nc=1, output_nc=2, ngf=64, mfrb_levels=(2, 3, 4, 5), dilations=(1, 2, 4),
                 use_dropout=True):
        super().__init__()
        L = set(mfrb_levels)
        kw = dict(dilations=dilations)
        blk = MfrcUnetBlock(ngf * 8, ngf * 8, innermost=True)                                              # e8
        for level in (7, 6, 5):
            blk = MfrcUnetBlock(ngf * 8, ngf * 8, submodule=blk, use_dropout=use_dropout, mfrb=level in L, **kw)
        blk = MfrcUnetBlock(ngf * 4, ngf * 8, submodule=blk, mfrb=4 in L, **kw)                            # e4
        blk = MfrcUnetBlock(ngf * 2, ngf * 4, submodule=blk, mfrb=3 in L, **kw)                            # e3
        blk = MfrcUnetBlock(ngf, ngf * 2, submodule=blk, mfrb=2 in L, **kw)                                # e2
        self.model = MfrcUnetBlock(output_nc, ngf, input_nc=input_nc, submodule=blk, outermost=True)      # e1

    def forward(self, x):
        return self.model(x)


if __name__ == "__main__":
    for C in (128, 256, 512):
        print("MFRB", C, sum(p.numel() for p in MFRB(C).parameters()))
    print("net 1->2", sum(p.numel() for p in MfrcUnetGenerator(1, 2).parameters()))
    print("pix2pix 1->2", sum(p.numel() for p in MfrcUnetGenerator(1, 2, mfrb_levels=()).parameters()))
    for k in list(MfrcUnetGenerator(1, 2).state_dict().keys())[:14]:
        print(k)
