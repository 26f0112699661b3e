"""Goldens for ops/self_attention.hpp: the SAGAN block (heykeetae Self_Attn form) and the DeOldify/fastai v1 form.

Both modules are re-stated below from their published definitions (spec: part-b §3.3 and part-a §8):
  SAGAN:  q/k = Conv2d 1x1 C -> C//8 (bias), v = Conv2d 1x1 C -> C (bias); A = softmax(q^T k, dim=-1) over keys;
          y = gamma * (v A^T) + x.
  fastai: query/key = Conv1d k=1 C -> C//8, value C -> C, no bias, spectral norm; beta = softmax(f^T g, dim=1);
          y = gamma * (h beta) + x.
gamma is set non-zero (it is initialised to 0, which would make the block the identity). For the fastai form the
spectral-norm power iteration runs a few training-mode steps first, then eval; the exported `query.weight` etc. are
the folded weights (module.weight after an eval forward), which is what pixforge loads.

Run: /usr/bin/python3 tools/golden/gen_self_attention.py -> tests/golden/self_attention.safetensors
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import GoldenWriter


class SaganSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.query_conv = nn.Conv2d(c, c // 8, 1)
        self.key_conv = nn.Conv2d(c, c // 8, 1)
        self.value_conv = nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        n, c, h, w = x.shape
        q = self.query_conv(x).view(n, -1, h * w).permute(0, 2, 1)  # [n, P, C']
        k = self.key_conv(x).view(n, -1, h * w)                     # [n, C', P]
        attn = torch.softmax(torch.bmm(q, k), dim=-1)               # [n, P, P], rows = queries
        v = self.value_conv(x).view(n, -1, h * w)                   # [n, C, P]
        o = torch.bmm(v, attn.permute(0, 2, 1)).view(n, c, h, w)
        return self.gamma * o + x


class FastaiSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        sn = nn.utils.spectral_norm
        self.query = sn(nn.Conv1d(c, c // 8, 1, bias=False))
        self.key = sn(nn.Conv1d(c, c // 8, 1, bias=False))
        self.value = sn(nn.Conv1d(c, c, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        size = x.size()
        x = x.view(*size[:2], -1)
        f, g, h = self.query(x), self.key(x), self.value(x)
        beta = F.softmax(torch.bmm(f.transpose(1, 2), g), dim=1)
        o = self.gamma * torch.bmm(h, beta) + x
        return o.view(*size).contiguous()


def main():
    torch.manual_seed(2024)
    g = GoldenWriter("self_attention")
    # (variant, N, C, H, W, input scale): odd sizes, P > 64 for several row blocks, sharper softmax with scale 2.
    for variant, n, c, h, w, mag in [("sagan", 2, 16, 5, 7, 1.0), ("sagan", 1, 20, 9, 4, 2.0),
                                     ("sagan", 2, 32, 11, 13, 1.0), ("sagan", 1, 8, 1, 1, 1.0),
                                     ("fastai", 2, 16, 5, 7, 1.0), ("fastai", 1, 24, 9, 11, 2.0),
                                     ("fastai", 2, 32, 13, 7, 1.0)]:
        m = SaganSelfAttention(c) if variant == "sagan" else FastaiSelfAttention(c)
        with torch.no_grad():
            m.gamma.fill_(float(torch.empty(1).uniform_(0.5, 1.5)) * (1 if variant == "sagan" else -1))
        x = torch.randn(n, c, h, w) * mag
        if variant == "fastai":
            m.train()
            for _ in range(3):  # let the spectral-norm u/v vectors move away from their random start
                m(torch.randn(1, c, h, w))
        m.eval()
        with torch.no_grad():
            y = m(x)
        if variant == "sagan":
            t = {k: v for k, v in m.state_dict().items()}
        else:
            t = {"query.weight": m.query.weight, "key.weight": m.key.weight, "value.weight": m.value.weight,
                 "gamma": m.gamma}
        t["x"] = x
        t["y"] = y
        g.case(dict(variant=variant), **t)
    g.save()


if __name__ == "__main__":
    main()
