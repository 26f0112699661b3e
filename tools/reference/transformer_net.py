"""PyTorch reference for the fast-neural-style TransformerNet (Johnson et al. 2016) as the pytorch/examples
fast_neural_style example defines it (architectures/part-a.md §5(b)); written from the spec, state_dict keys as the
official checkpoints name them (conv1.conv2d.weight, in1.weight, res1.conv1.conv2d.weight, deconv1.conv2d.weight...).

Input RGB in [0, 255] (no normalisation), output RGB nominally [0, 255], unbounded (clamp when saving).
InstanceNorm2d(affine=True) with per-instance statistics (track_running_stats=False, so eval() is safe).
`width` scales the channel counts 32/64/128 (spec: 32) so narrow goldens can be built."""
import torch
from torch import nn


class ConvLayer(nn.Module):
    """ReflectionPad2d(k // 2) then Conv2d(k, stride, no zero padding, bias)."""

    def __init__(self, cin, cout, kernel_size, stride):
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(cin, cout, kernel_size, stride)

    def forward(self, x):
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    """out = x + IN(conv(ReLU(IN(conv(x))))), no ReLU after the add."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3, 1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, 3, 1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.in1(self.conv1(x)))
        y = self.in2(self.conv2(y))
        return x + y


class UpsampleConvLayer(nn.Module):
    """Nearest (legacy) upsampling by `upsample` (when given), then ReflectionPad2d(k // 2) and Conv2d."""

    def __init__(self, cin, cout, kernel_size, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(cin, cout, kernel_size, stride)

    def forward(self, x):
        if self.upsample:
            x = nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(nn.Module):
    def __init__(self, width=32, num_res=5):
        super().__init__()
        a, b, c = width, 2 * width, 4 * width
        self.conv1 = ConvLayer(3, a, 9, 1)
        self.in1 = nn.InstanceNorm2d(a, affine=True)
        self.conv2 = ConvLayer(a, b, 3, 2)
        self.in2 = nn.InstanceNorm2d(b, affine=True)
        self.conv3 = ConvLayer(b, c, 3, 2)
        self.in3 = nn.InstanceNorm2d(c, affine=True)
        self.num_res = num_res
        for i in range(num_res):
            setattr(self, "res%d" % (i + 1), ResidualBlock(c))
        self.deconv1 = UpsampleConvLayer(c, b, 3, 1, upsample=2)
        self.in4 = nn.InstanceNorm2d(b, affine=True)
        self.deconv2 = UpsampleConvLayer(b, a, 3, 1, upsample=2)
        self.in5 = nn.InstanceNorm2d(a, affine=True)
        self.deconv3 = ConvLayer(a, 3, 9, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.in1(self.conv1(x)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.relu(self.in3(self.conv3(y)))
        for i in range(self.num_res):
            y = getattr(self, "res%d" % (i + 1))(y)
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


if __name__ == "__main__":
    print(sum(p.numel() for p in TransformerNet().parameters()))
