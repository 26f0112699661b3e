"""PyTorch reference definitions of the pix2pix networks (spec: part-a.md §1 and §2), written from the spec.

UnetGenerator / UnetSkipConnectionBlock reproduce the nested nn.Sequential of the official
junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py, so the state_dict keys are the official ones
(model.model.0.weight, model.model.1.model.1.weight, ..., model.model.3.weight). NLayerDiscriminator is the
70x70 PatchGAN (keys model.0, model.2, model.3, ...).

Norm rule (official): use_bias = (norm is instance); BatchNorm2d(affine) or InstanceNorm2d(affine=False,
track_running_stats=False). Dropout(0.5) in the num_downs-5 middle blocks next to the innermost one.
"""
import torch
import torch.nn as nn


def norm_layer(kind):
    if kind == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if kind == "instance":
        return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    raise ValueError(kind)


class UnetSkipConnectionBlock(nn.Module):
    """One U-Net level: [down] -> submodule -> [up], concatenated with its input except at the outermost level."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 norm="batch", use_dropout=False):
        super().__init__()
        self.outermost = outermost
        use_bias = norm == "instance"
        make_norm = norm_layer(norm)
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu = nn.LeakyReLU(0.2, True)
        uprelu = nn.ReLU(True)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            layers = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            layers = [downrelu, downconv, uprelu, upconv, make_norm(outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            layers = [downrelu, downconv, make_norm(inner_nc), submodule, uprelu, upconv, make_norm(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """num_downs stride-2 levels: unet_256 = 8, the one-level-deeper unet_512 = 9."""

    def __init__(self, input_nc, output_nc, num_downs, ngf=64, norm="batch", use_dropout=True):
        super().__init__()
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm=norm, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm=norm)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True,
                                             norm=norm)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    """PatchGAN: n_layers=3 gives the 70x70 receptive field; output = one logit per patch."""

    def __init__(self, input_nc, ndf=64, n_layers=3, norm="batch"):
        super().__init__()
        use_bias = norm == "instance"
        make_norm = norm_layer(norm)
        seq = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=use_bias), make_norm(ndf * mult),
                    nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=use_bias), make_norm(ndf * mult),
                nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


if __name__ == "__main__":
    def count(m):
        return sum(p.numel() for p in m.parameters())
    print(count(UnetGenerator(1, 2, 8)), count(UnetGenerator(1, 3, 8)), count(UnetGenerator(3, 3, 8)))
    print(count(UnetGenerator(1, 2, 9)), count(UnetGenerator(1, 3, 9)), count(UnetGenerator(3, 3, 9)))
    print(count(NLayerDiscriminator(3)), count(NLayerDiscriminator(4)), count(NLayerDiscriminator(6)))
    print([k for k in UnetGenerator(1, 2, 6, ngf=2).state_dict().keys()][:12])
