"""PyTorch reference definitions of the shared U-Net blocks of Real-CUGAN and waifu2x CUNet (part-b.md §7.3).

Written for pixforge from the layer tables of the spec (not copied from the upstream repositories). The module
tree and therefore the state_dict keys follow the official Real-CUGAN PyTorch naming, e.g.

    unet1.conv1.conv.0.weight          first 3x3 conv of UNet1's first UNetConv (Sequential index 0; 1 is LReLU)
    unet1.conv2.seblock.conv1.weight   SE bottleneck (1x1 conv with bias)
    unet2.conv4_up.weight              ConvTranspose2d k2 s2, weight [Cin, Cout, 2, 2]
    conv_final.weight                  UpCunet4x only

Conventions (all of them matter for parity):
  * every convolution is *valid* (no padding); the image is padded once before the network (reflect for
    Real-CUGAN, replicate for waifu2x) and every skip connection is cropped to match;
  * every activation is LeakyReLU(0.1), except the SE block (ReLU, then sigmoid);
  * SE takes the mean over the whole current map (tiling changes the result);
  * the networks' forward() takes the *already padded* image; `upscale()` below is the whole-image pipeline of
    Real-CUGAN (tile_mode 0) and `waifu2x_whole_image()` the replicate-padded waifu2x equivalent.

Run as a script to print parameter counts (checked against the spec numbers).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SLOPE = 0.1


def crop(x, c):
    """Removes c pixels from each of the four borders (F.pad with negative amounts)."""
    return x[:, :, c:x.shape[2] - c, c:x.shape[3] - c]


class SEBlock(nn.Module):
    """Squeeze-excitation, reduction 8, with biases: x * sigmoid(conv2(relu(conv1(mean_hw(x)))))."""

    def __init__(self, channels, reduction=8):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels // reduction, 1, 1, 0, bias=True)
        self.conv2 = nn.Conv2d(channels // reduction, channels, 1, 1, 0, bias=True)

    def squeeze(self, x):
        return x.mean(dim=(2, 3), keepdim=True)

    def excite(self, x, mean):
        return x * torch.sigmoid(self.conv2(F.relu(self.conv1(mean))))

    def forward(self, x):
        return self.excite(x, self.squeeze(x))


class UNetConv(nn.Module):
    """conv 3x3 valid -> LReLU -> conv 3x3 valid -> LReLU [-> SE]. Spatial size -4."""

    def __init__(self, cin, cmid, cout, se):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(cin, cmid, 3), nn.LeakyReLU(SLOPE), nn.Conv2d(cmid, cout, 3),
                                  nn.LeakyReLU(SLOPE))
        self.seblock = SEBlock(cout) if se else None

    def forward(self, x):
        x = self.conv(x)
        if self.seblock is not None:
            x = self.seblock(x)
        return x


def lrelu(x):
    return F.leaky_relu(x, SLOPE)


class UNet1(nn.Module):
    """Input n (n - 4 even). deconv: output 2n - 32 (ConvT k4 s2 p3); else n - 16 (conv 3x3 valid).
    x3: output 3n - 44 (ConvT k5 s3 p2, Real-CUGAN 3x = the upstream UNet1x3)."""

    def __init__(self, cin, cout, deconv, x3=False):
        super().__init__()
        self.conv1 = UNetConv(cin, 32, 64, se=False)
        self.conv1_down = nn.Conv2d(64, 64, 2, 2, 0)
        self.conv2 = UNetConv(64, 128, 64, se=True)
        self.conv2_up = nn.ConvTranspose2d(64, 64, 2, 2, 0)
        self.conv3 = nn.Conv2d(64, 64, 3)
        if x3:
            self.conv_bottom = nn.ConvTranspose2d(64, cout, 5, 3, 2)
        elif deconv:
            self.conv_bottom = nn.ConvTranspose2d(64, cout, 4, 2, 3)
        else:
            self.conv_bottom = nn.Conv2d(64, cout, 3)

    def forward(self, x):
        x1 = self.conv1(x)                             # n - 4
        x2 = lrelu(self.conv1_down(x1))                # (n - 4) / 2
        x2 = self.conv2(x2)                            # (n - 4) / 2 - 4
        x2 = lrelu(self.conv2_up(x2))                  # n - 12
        x3 = lrelu(self.conv3(crop(x1, 4) + x2))       # n - 14
        return self.conv_bottom(x3)


def UNet1x3(cin, cout):
    return UNet1(cin, cout, deconv=True, x3=True)


class UNet2(nn.Module):
    """Input n with n = 0 mod 4; output n - 40 (conv_bottom: 3x3 valid conv, or ConvT k4 s2 p3 when deconv)."""

    def __init__(self, cin, cout, deconv=False):
        super().__init__()
        self.conv1 = UNetConv(cin, 32, 64, se=False)
        self.conv1_down = nn.Conv2d(64, 64, 2, 2, 0)
        self.conv2 = UNetConv(64, 64, 128, se=True)
        self.conv2_down = nn.Conv2d(128, 128, 2, 2, 0)
        self.conv3 = UNetConv(128, 256, 128, se=True)
        self.conv3_up = nn.ConvTranspose2d(128, 128, 2, 2, 0)
        self.conv4 = UNetConv(128, 64, 64, se=True)
        self.conv4_up = nn.ConvTranspose2d(64, 64, 2, 2, 0)
        self.conv5 = nn.Conv2d(64, 64, 3)
        self.conv_bottom = nn.ConvTranspose2d(64, cout, 4, 2, 3) if deconv else nn.Conv2d(64, cout, 3)

    def forward(self, x, alpha=1.0):
        x1 = self.conv1(x)                             # n - 4
        x2 = lrelu(self.conv1_down(x1))                # n/2 - 2
        x2 = self.conv2(x2)                            # n/2 - 6
        x3 = lrelu(self.conv2_down(x2))                # n/4 - 3
        x3 = self.conv3(x3)                            # n/4 - 7
        x3 = lrelu(self.conv3_up(x3))                  # n/2 - 14
        x4 = self.conv4(crop(x2, 4) + x3)              # n/2 - 18
        x4 = x4 * alpha
        x4 = lrelu(self.conv4_up(x4))                  # n - 36
        x5 = lrelu(self.conv5(crop(x1, 16) + x4))      # n - 38
        return self.conv_bottom(x5)                    # n - 40


class UpCunet2x(nn.Module):
    """Real-CUGAN 2x = waifu2x upcunet. Padded input n (even) -> 2n - 72."""
    scale, pre_pad, multiple = 2, 18, 2

    def __init__(self, cin=3, cout=3, pro=False):
        super().__init__()
        self.unet1 = UNet1(cin, cout, deconv=True)
        self.unet2 = UNet2(cout, cout, deconv=False)
        self.pro = pro

    def forward(self, x, alpha=1.0):
        if self.pro:
            x = x * 0.7 + 0.15
        z1 = self.unet1(x)                             # 2n - 32
        y = crop(z1, 20) + self.unet2(z1, alpha)       # 2n - 72
        if self.pro:
            y = (y - 0.15) / 0.7
        return y


class UpCunet3x(nn.Module):
    """Real-CUGAN 3x. Padded input n (n = 0 mod 4) -> 3n - 84."""
    scale, pre_pad, multiple = 3, 14, 4

    def __init__(self, cin=3, cout=3, pro=False):
        super().__init__()
        self.unet1 = UNet1x3(cin, cout)
        self.unet2 = UNet2(cout, cout, deconv=False)
        self.pro = pro

    def forward(self, x, alpha=1.0):
        if self.pro:
            x = x * 0.7 + 0.15
        z1 = self.unet1(x)                             # 3n - 44
        y = crop(z1, 20) + self.unet2(z1, alpha)       # 3n - 84
        if self.pro:
            y = (y - 0.15) / 0.7
        return y


class UpCunet4x(nn.Module):
    """Real-CUGAN 4x. Padded input n (even) -> 4n - 152; adds nearest x4 of the unpadded input crop(x, 19)."""
    scale, pre_pad, multiple = 4, 19, 2

    def __init__(self, cin=3, cout=3, pro=False):
        super().__init__()
        self.unet1 = UNet1(cin, 64, deconv=True)
        self.unet2 = UNet2(64, 64, deconv=False)
        self.conv_final = nn.Conv2d(64, 4 * cout, 3)
        self.pro = pro

    def forward(self, x, alpha=1.0):
        if self.pro:
            x = x * 0.7 + 0.15
        x00 = crop(x, self.pre_pad)                    # n - 38 (the image plus the round-up rows)
        z1 = self.unet1(x)                             # 2n - 32
        z = crop(z1, 20) + self.unet2(z1, alpha)       # 2n - 72
        z = crop(self.conv_final(z), 1)                # 2n - 76
        y = F.pixel_shuffle(z, 2)                      # 4n - 152
        y = y + F.interpolate(x00, scale_factor=4, mode="nearest")
        if self.pro:
            y = (y - 0.15) / 0.7
        return y


class CUNet(nn.Module):
    """waifu2x cunet (1x): padded input n (n = 0 mod 4) -> n - 56."""
    scale, pre_pad, multiple = 1, 28, 4

    def __init__(self, cin=3, cout=3):
        super().__init__()
        self.unet1 = UNet1(cin, cout, deconv=False)
        self.unet2 = UNet2(cout, cout, deconv=False)

    def forward(self, x):
        z1 = self.unet1(x)                             # n - 16
        return crop(z1, 20) + self.unet2(z1)           # n - 56


class UpCUNet(UpCunet2x):
    """waifu2x upcunet (2x): the Real-CUGAN 2x graph (no pro, no alpha); padded input n -> 2n - 72."""

    def __init__(self, cin=3, cout=3):
        super().__init__(cin, cout, pro=False)


def upscale(model, x, alpha=1.0):
    """Real-CUGAN whole-image inference (tile_mode 0) on x in [0, 1]: reflect pad, network, crop. Returns float
    (the app then writes round(clamp(y * 255, 0, 255)))."""
    s, p, m = model.scale, model.pre_pad, model.multiple
    h0, w0 = x.shape[2], x.shape[3]
    ph, pw = (h0 + m - 1) // m * m, (w0 + m - 1) // m * m
    xp = F.pad(x, (p, p + pw - w0, p, p + ph - h0), mode="reflect")
    y = model(xp, alpha)
    return y[:, :, :s * h0, :s * w0]


def waifu2x_whole_image(model, x):
    """waifu2x CUNet on the whole image: replicate pad by the offset (28 px 1x, 18 px 2x) plus the round-up to the
    size multiple on the right/bottom, network, crop, no clamp (the caller clips to [0, 1])."""
    s, p, m = model.scale, model.pre_pad, model.multiple
    h0, w0 = x.shape[2], x.shape[3]
    ph, pw = (h0 + m - 1) // m * m, (w0 + m - 1) // m * m
    xp = F.pad(x, (p, p + pw - w0, p, p + ph - h0), mode="replicate")
    return model(xp)[:, :, :s * h0, :s * w0]


def build(arch, config):
    """The network a pixforge weight file describes (pixforge.arch, pixforge.config)."""
    scale = int(config.get("scale", 2))
    if arch == "realcugan":
        pro = bool(config.get("pro", False))
        return {2: UpCunet2x, 3: UpCunet3x, 4: UpCunet4x}[scale](pro=pro)
    if arch == "waifu2x_cunet":
        return {1: CUNet, 2: UpCUNet}[scale]()
    raise ValueError("unknown arch " + arch)


def count(m):
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    for name, m in [("UpCunet2x", UpCunet2x()), ("UpCunet3x", UpCunet3x()), ("UpCunet4x", UpCunet4x()),
                    ("CUNet", CUNet()), ("UpCUNet", UpCUNet()), ("UNet1(3,3,deconv)", UNet1(3, 3, True)),
                    ("UNet2(3,3)", UNet2(3, 3))]:
        print("%-20s %d" % (name, count(m)))
