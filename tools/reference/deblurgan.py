"""PyTorch reference for the DeblurGAN generator (Kupyn et al., CVPR 2018): the pix2pix-family ResnetGenerator as
KupynOrest/DeblurGAN models/networks.py builds it at the canonical commit (architectures/part-a.md §7(b)); written
from the spec. state_dict keys as the official checkpoints name them: one nn.Sequential `model`, so
model.1 (first 7x7 conv), model.4 / model.7 (stride-2 convs), model.10 ... model.<9+n> (ResnetBlocks, each with
conv_block.1 and conv_block.6 with dropout / conv_block.5 without), model.<10+n> / model.<13+n> (transposed convs),
model.<17+n> (last 7x7 conv).

InstanceNorm2d(affine=False) with per-instance statistics (track_running_stats=False here, so eval() is safe; the
repo used True and never called eval()). Dropout(0.5) is the identity in eval(). All convs with bias (use_bias is
True for instance norm). Input RGB in [-1, 1]; output clamp(x + G(x), -1, 1) with learn_residual, else G(x)."""
import torch
from torch import nn


def norm(c):
    return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    """Canonical two-conv block: x + [pad1, conv3, IN, ReLU, (Dropout), pad1, conv3, IN](x).
    one_conv=True: the 2019 HEAD variant (part-a §7(b) warning): x + [pad1, conv3, IN, ReLU, Dropout](x) with
    dropout, x + [pad1, conv3, IN](x) without (the spec's description of that code; channels as here)."""

    def __init__(self, dim, use_dropout=True, one_conv=False):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True), norm(dim)]
        if one_conv:
            if use_dropout:
                layers += [nn.ReLU(True), nn.Dropout(0.5)]
        else:
            layers += [nn.ReLU(True)]
            if use_dropout:
                layers += [nn.Dropout(0.5)]
            layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True), norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc=3, output_nc=3, ngf=64, n_blocks=9, use_dropout=True, learn_residual=True,
                 one_conv=False):
        super().__init__()
        self.learn_residual = learn_residual
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=True), norm(ngf), nn.ReLU(True)]
        for i in range(2):
            m = 2 ** i
            model += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1, bias=True), norm(ngf * m * 2),
                      nn.ReLU(True)]
        for _ in range(n_blocks):
            model += [ResnetBlock(ngf * 4, use_dropout, one_conv)]
        for i in range(2):
            m = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1, bias=True),
                      norm(ngf * m // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        y = self.model(x)
        if self.learn_residual:
            y = torch.clamp(x + y, min=-1, max=1)
        return y


if __name__ == "__main__":
    for n in (9, 5, 6):
        print(n, sum(p.numel() for p in ResnetGenerator(n_blocks=n).parameters()))
    print(list(ResnetGenerator(ngf=4, n_blocks=2).state_dict().keys()))
