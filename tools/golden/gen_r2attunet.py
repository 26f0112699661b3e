"""Goldens for R2AttU-Net (include/pixforge/models/r2attunet.hpp) from the reference tools/reference/r2attunet.py.

Weights and inputs are deterministic functions of their state_dict keys, exactly as in gen_u2net.py (same hash and
scales; C++ side tests/models/u2net_fill.hpp), so the file stores only expected outputs. BatchNorm running statistics
and affine parameters are randomised by that fill (mean in [-0.1, 0.1], var in [0.5, 2], gamma in [0.5, 1.5]).

tests/golden/r2attunet.safetensors, cases ("kind"):
    recurrent  Recurrent_block(5, t) on det input [1, 5, 9, 11], t = 2 and t = 3 (shared conv+BN applied t+1 times)
    rrcnn      RRCNN_block(3, 6, t=2) on [2, 3, 7, 10]
    attention  Attention_block(F_g=6, F_l=4, F_int=3): g = det tensor "gate" [1, 6, 8, 6], x = det input [1, 4, 8, 6]
    net        R2AttU_Net(img_ch, output_ch, t, nf) narrow: (3, 1, t=2, nf=4) on [1, 3, 32, 48];
               (1, 2, t=3, nf=2) on [1, 1, 16, 32]; every conv weight (not bias, not BN) of the nets multiplied by
               0.5 after the fill, else the residual sums reach ~1e4
    keys       the reference's state_dict keys in order (without num_batches_tracked), no tensors
Expected outputs in float32; a float64 run bounds the reference's own rounding (printed).

Run: /usr/bin/python3 tools/golden/gen_r2attunet.py
"""
import json
import os
import sys

import torch

from common import REPO, GoldenWriter
from gen_u2net import det_fill, det_tensor, run

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.r2attunet import Attention_block, R2AttU_Net, RRCNN_block, Recurrent_block  # noqa: E402


def report(kind, y, y64):
    print("%-9s -> %s  std %.4f  |f32 - f64| max %.2e" % (kind, list(y.shape), y.std().item(),
                                                          (y.double() - y64).abs().max().item()))


def main():
    g = GoldenWriter("r2attunet")
    for t in (2, 3):
        m = det_fill(Recurrent_block(5, t))
        x = det_tensor("input", [1, 5, 9, 11], "input")
        y, y64 = run(m, x)
        report("recurrent", y, y64)
        g.case(dict(kind="recurrent", ch=5, t=t, shape=[1, 5, 9, 11]), y=y)

    m = det_fill(RRCNN_block(3, 6, 2))
    x = det_tensor("input", [2, 3, 7, 10], "input")
    y, y64 = run(m, x)
    report("rrcnn", y, y64)
    g.case(dict(kind="rrcnn", ch_in=3, ch_out=6, t=2, shape=[2, 3, 7, 10]), y=y)

    m = det_fill(Attention_block(6, 4, 3))
    gt = det_tensor("gate", [1, 6, 8, 6], "input")
    x = det_tensor("input", [1, 4, 8, 6], "input")
    with torch.no_grad():
        y = m(gt, x)
        y64 = m.double()(gt.double(), x.double())
    report("attention", y, y64)
    g.case(dict(kind="attention", F_g=6, F_l=4, F_int=3, g_shape=[1, 6, 8, 6], shape=[1, 4, 8, 6]), y=y)

    for cfg, shape in ((dict(img_ch=3, output_ch=1, t=2, nf=4), [1, 3, 32, 48]),
                       (dict(img_ch=1, output_ch=2, t=3, nf=2), [1, 1, 16, 32])):
        m = det_fill(R2AttU_Net(**cfg))
        with torch.no_grad():  # conv weights x 0.5 (exact): with the unit fill the residual sums grow to ~1e4
            for mod in m.modules():
                if isinstance(mod, torch.nn.Conv2d):
                    mod.weight.mul_(0.5)
        x = det_tensor("input", shape, "input")
        y, y64 = run(m, x)
        report("net", y, y64)
        print("   %s: %d params" % (json.dumps(cfg), sum(p.numel() for p in m.parameters())))
        g.case(dict(kind="net", config=json.dumps(cfg), shape=shape), y=y)
    # The reference's state_dict keys in order (num_batches_tracked dropped): the C++ names must be the same list.
    keys = [k for k in R2AttU_Net(3, 1, 2, 4).state_dict() if not k.endswith("num_batches_tracked")]
    g.case(dict(kind="keys", config=json.dumps(dict(nf=4)), keys=keys))
    g.save()


if __name__ == "__main__":
    main()
