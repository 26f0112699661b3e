"""Writes tests/golden/safetensors_python.safetensors: a PyTorch state_dict saved with the official package's byte
layout (common.save_file), with F32, F16, BF16 tensors, an I64 `num_batches_tracked` buffer and metadata — the
things a real checkpoint holds. Run: /usr/bin/python3 tools/golden/gen_safetensors.py"""
import os

import torch

from common import GOLDEN_DIR, save_file

torch.manual_seed(0)
conv = torch.nn.Conv2d(3, 4, 3)
bn = torch.nn.BatchNorm2d(4)
bn.num_batches_tracked.fill_(7)
w = conv.weight.detach()
sd = {
    "conv.weight": w,
    "conv.bias": conv.bias.detach(),
    "conv_half.weight": w.half(),
    "conv_bf16.weight": w.bfloat16(),
    "bn.weight": bn.weight.detach(), "bn.bias": bn.bias.detach(),
    "bn.running_mean": bn.running_mean, "bn.running_var": bn.running_var,
    "bn.num_batches_tracked": bn.num_batches_tracked,
    "expected_sum": w.double().sum().float().reshape(1),
}
save_file(sd, os.path.join(GOLDEN_DIR, "safetensors_python.safetensors"), {"format": "pt"})
print("wrote safetensors_python.safetensors")
