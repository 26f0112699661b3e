"""Goldens for SRVGGNetCompact (include/pixforge/models/srvgg.hpp) from the reference tools/reference/srvgg.py.

tests/golden/srvgg.safetensors:
    "kind": "random" — narrow networks (num_feat 8) with seeded random weights rounded to fp16 (stored F16 as
        "<case>.w.<state_dict key>"), covering act_type prelu / relu / leakyrelu, upscale 4 / 2 / 3, num_conv 0..3, N 2
    "kind": "real_first_last" — the real realesr-animevideov3-x4's first conv + PReLU and its last conv, assembled
        as an SRVGGNetCompact with num_conv = 0 (F 64, x4; 29,552 parameters, stored with the converted file's
        dtypes: conv weights F16, biases and PReLU slopes F32) on a 12x12 photo crop. It tests real weights, real
        per-channel slopes, the 48-channel pixel shuffle and the residual without committing the 1.2 MB file.
tests/golden/srvgg_real.safetensors — the whole real realesr-animevideov3-x4 on a 16x16 crop of
    examples/data/sample.png: input x and PyTorch's output y only (weights not committed; the C++ test runs it
    when weights/realesr-animevideov3-x4.safetensors exists).
Both real goldens need weights/realesr-animevideov3-x4.safetensors; if it is missing but the npm package is
unpacked under tools/cache, it is converted there first with tools/convert_ncnn.py; otherwise the real cases are
skipped (srvgg_real.safetensors is left as it is).

Run: /usr/bin/python3 tools/golden/gen_srvgg.py
"""
import json
import os
import sys

import torch

from common import REPO, GoldenWriter, load_file
from gen_rrdbnet import add_case, ensure_converted, photo_crop, sha256

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.srvgg import SRVGGNetCompact  # noqa: E402


def random_net(cfg, seed):
    torch.manual_seed(seed)
    net = SRVGGNetCompact(**cfg)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() == 1 and "weight" in name:  # PReLU slopes: per channel, some negative
                p.uniform_(-0.5, 0.5)
            p.copy_(p.half().float())
    return net.eval()


def main():
    g = GoldenWriter("srvgg")
    cases = [(dict(num_feat=8, num_conv=3, upscale=4, act_type="prelu"), (1, 3, 9, 11)),
             (dict(num_feat=8, num_conv=2, upscale=2, act_type="relu"), (2, 3, 7, 6)),
             (dict(num_feat=8, num_conv=1, upscale=3, act_type="leakyrelu"), (1, 3, 5, 8)),
             (dict(num_feat=8, num_conv=0, upscale=4, act_type="prelu"), (1, 3, 4, 5))]
    with torch.no_grad():
        for seed, (cfg, shape) in enumerate(cases):
            cfg = dict(num_in_ch=3, num_out_ch=3, **cfg)
            net = random_net(cfg, seed)
            x = torch.rand(*shape)
            add_case(g, dict(kind="random", config=json.dumps(cfg)), net, x=x, y=net(x))

    path = ensure_converted("srvgg_compact", "realesr-animevideov3-x4")
    if path is None:
        print("weights/realesr-animevideov3-x4.safetensors missing and no ncnn files in tools/cache: real cases "
              "skipped, tests/golden/srvgg_real.safetensors left as it is")
        g.save()
        return
    sd, meta = load_file(path)
    cfg = json.loads(meta["pixforge.config"])
    last = "body.%d" % (2 * (cfg["num_conv"] + 1))
    small_cfg = dict(cfg, num_conv=0)
    small_sd = {"body.0.weight": sd["body.0.weight"], "body.0.bias": sd["body.0.bias"],
                "body.1.weight": sd["body.1.weight"], "body.2.weight": sd[last + ".weight"],
                "body.2.bias": sd[last + ".bias"]}
    small = SRVGGNetCompact(**small_cfg).eval()
    small.load_state_dict({k: v.float() for k, v in small_sd.items()})
    with torch.no_grad():
        x = photo_crop(40, 150, 12)
        name = g.case(dict(kind="real_first_last", config=json.dumps(small_cfg),
                           what="realesr-animevideov3-x4 body.0, body.1 and %s as num_conv=0; sample.png crop "
                                "[40:52, 150:162]" % last, weights_sha256=sha256(path)), x=x, y=small(x))
    for k, v in small_sd.items():
        g.tensors[name + ".w." + k] = v.numpy()
    g.save()

    net = SRVGGNetCompact(**cfg).eval()
    net.load_state_dict({k: v.float() for k, v in sd.items()})
    r = GoldenWriter("srvgg_real")
    with torch.no_grad():
        x = photo_crop(120, 96, 16)
        r.case({"what": "realesr-animevideov3-x4, sample.png crop [120:136, 96:112]",
                "weights": "weights/realesr-animevideov3-x4.safetensors", "weights_sha256": sha256(path),
                "config": json.dumps(cfg)}, x=x, y=net(x))
    r.save()


if __name__ == "__main__":
    main()
