"""PyTorch reference for the small Keras "GAN image enhancement" generator (architectures/part-a.md §10(b)), written
from the spec with TensorFlow 'same' semantics reproduced exactly (§10(c), part-b §0.3):

  Conv2D 'same', stride s, kernel k, input n: out = ceil(n/s), pad_total = max((out-1)s + k - n, 0),
      pad_before = floor(pad_total/2), pad_after = the rest (zero padding; the odd pixel at the bottom/right).
  Conv2DTranspose 'same': full transposed conv (length (n-1)s + k), then crop c = k - s samples,
      floor(c/2) at the top/left and the rest at the bottom/right (output n*s).

Layers (Keras default names; weights here in PyTorch layout, i.e. TF kernels permuted by (3, 2, 0, 1), no flips):
  conv2d              Conv2D(nf, k, 2)          + LeakyReLU(0.2)
  conv2d_1            Conv2D(2nf, k, 2)         + LeakyReLU(0.2)
  conv2d_transpose    Conv2DTranspose(2nf, k, 2) + LeakyReLU(0.2)
  conv2d_transpose_1  Conv2DTranspose(nf, k, 2)  + LeakyReLU(0.2)
  conv2d_2            Conv2D(3, 5, 1)           + tanh
nf = 64 and k = 4 in the spec (532,547 parameters); k is a parameter here so that the crop rule is exercised
(k = 3: asymmetric crop). Input/output RGB in [-1, 1], NCHW here."""
import math

import torch
import torch.nn.functional as F
from torch import nn


def tf_same_pad(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


class TfConv2d(nn.Conv2d):
    def __init__(self, cin, cout, k, s):
        super().__init__(cin, cout, k, stride=s, padding=0, bias=True)

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        t, b = tf_same_pad(x.shape[2], k, s)
        l, r = tf_same_pad(x.shape[3], k, s)
        return super().forward(F.pad(x, (l, r, t, b)))


class TfConvTranspose2d(nn.ConvTranspose2d):
    def __init__(self, cin, cout, k, s):
        assert k >= s
        super().__init__(cin, cout, k, stride=s, padding=0, bias=True)

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        y = super().forward(x)  # full: (n-1)s + k
        c = k - s
        cb = c // 2
        h, w = x.shape[2] * s, x.shape[3] * s
        return y[:, :, cb:cb + h, cb:cb + w]


class TfEnhancer(nn.Module):
    def __init__(self, nf=64, kernel=4):
        super().__init__()
        self.conv2d = TfConv2d(3, nf, kernel, 2)
        self.conv2d_1 = TfConv2d(nf, 2 * nf, kernel, 2)
        self.conv2d_transpose = TfConvTranspose2d(2 * nf, 2 * nf, kernel, 2)
        self.conv2d_transpose_1 = TfConvTranspose2d(2 * nf, nf, kernel, 2)
        self.conv2d_2 = TfConv2d(nf, 3, 5, 1)

    def forward(self, x):
        y = F.leaky_relu(self.conv2d(x), 0.2)
        y = F.leaky_relu(self.conv2d_1(y), 0.2)
        y = F.leaky_relu(self.conv2d_transpose(y), 0.2)
        y = F.leaky_relu(self.conv2d_transpose_1(y), 0.2)
        return torch.tanh(self.conv2d_2(y))


if __name__ == "__main__":
    print(sum(p.numel() for p in TfEnhancer().parameters()))
    assert tf_same_pad(255, 4, 2) == (1, 2) and tf_same_pad(256, 4, 2) == (1, 1) and tf_same_pad(256, 3, 2) == (0, 1)
    assert math.ceil(255 / 2) == TfConv2d(1, 1, 4, 2)(torch.zeros(1, 1, 255, 8)).shape[2]
