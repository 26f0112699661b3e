"""Goldens for MFRC-Net (include/pixforge/models/mfrcnet.hpp, RECONSTRUCTION) from tools/reference/mfrcnet.py.

Weights and inputs are deterministic functions of their state_dict keys, as in gen_u2net.py (C++ side:
tests/models/det_fill_bn.hpp); BN statistics randomised by that fill.

tests/golden/mfrcnet.safetensors, cases ("kind"):
    mfrb   MFRB(16, dilations (1, 2, 4)) on [1, 16, 9, 11]; MFRB(8, dilations (1, 3, 5)) on [2, 8, 6, 7]
           (the d = 5 branch wider than the map: only zero padding around the centre tap)
    net    MfrcUnetGenerator(1, 2, ngf=8) on [1, 1, 256, 256] (MFRB on e2..e5), and ngf=8 with MFRB on e3 and e7,
           dilations (1, 2, 3), input 3 -> 3 on [1, 3, 256, 256]; only y[:, :, ::3, ::3] is stored (odd stride: every
           phase of the transposed convs is covered)
    keys   the reference's state_dict keys in order (without num_batches_tracked) for two placements, no tensors
Expected outputs in float32; a float64 run bounds the reference's own rounding (printed).

Run: /usr/bin/python3 tools/golden/gen_mfrcnet.py
"""
import json
import os
import sys

from common import REPO, GoldenWriter
from gen_u2net import det_fill, det_tensor, run

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.mfrcnet import MFRB, MfrcUnetGenerator  # noqa: E402


def main():
    g = GoldenWriter("mfrcnet")
    for C, dil, shape in ((16, (1, 2, 4), [1, 16, 9, 11]), (8, (1, 3, 5), [2, 8, 6, 7])):
        m = det_fill(MFRB(C, dil))
        x = det_tensor("input", shape, "input")
        y, y64 = run(m, x)
        print("mfrb %d %s %s std %.4f |f32 - f64| max %.2e" % (C, dil, shape, y.std().item(),
                                                              (y.double() - y64).abs().max().item()))
        g.case(dict(kind="mfrb", C=C, dilations=list(dil), shape=shape), y=y)

    for cfg, shape in ((dict(input_nc=1, output_nc=2, ngf=8), [1, 1, 256, 256]),
                       (dict(input_nc=3, output_nc=3, ngf=8, mfrb_levels=[3, 7], dilations=[1, 2, 3]),
                        [1, 3, 256, 256])):
        m = det_fill(MfrcUnetGenerator(**cfg))
        x = det_tensor("input", shape, "input")
        y, y64 = run(m, x)
        print("net %s std %.4f |f32 - f64| max %.2e, %d params" % (
            json.dumps(cfg), y.std().item(), (y.double() - y64).abs().max().item(),
            sum(p.numel() for p in m.parameters())))
        g.case(dict(kind="net", config=json.dumps(cfg), shape=shape, stride=3), y=y[:, :, ::3, ::3])
    # The reference's state_dict keys in order (num_batches_tracked dropped): the C++ names must be the same list.
    for cfg in (dict(ngf=8), dict(ngf=8, mfrb_levels=[3, 7])):
        keys = [k for k in MfrcUnetGenerator(**cfg).state_dict() if not k.endswith("num_batches_tracked")]
        g.case(dict(kind="keys", config=json.dumps(cfg), keys=keys))
    g.save()


if __name__ == "__main__":
    main()
