#!/usr/bin/python3
"""Converts a DeOldify artistic generator checkpoint (ColorizeArtistic_gen.pth, fastai v1 Learner.save) into a
pixforge safetensors file for include/pixforge/models/deoldify_unet.hpp.

    /usr/bin/python3 tools/convert_deoldify.py IN.pth OUT.safetensors [--allow-pickle]
    /usr/bin/python3 tools/convert_deoldify.py --self-test

Steps (spec part-a §0.4, §8(d)):
  * unwrap {'model': state_dict, 'opt': ...} (or take the bare state dict); drop num_batches_tracked;
  * fold spectral norm: weight = weight_orig / sigma, sigma = u . (W_mat v) with the stored u, v (PyTorch's eval
    mode does no power iteration); W_mat = weight_orig reshaped to [dim0, -1] (convs and Conv1d: dim 0);
  * fold weight norm: weight = g * v / ||v||, the norm over all dims except dim 0;
  * load strictly into the reference tools/reference/deoldify.py (so the keys and shapes are exactly what the C++
    model expects) and write with metadata pixforge.arch = deoldify_unet.
--self-test builds the reference with torch's spectral_norm / weight_norm applied where DeOldify has them, runs
one eval forward, folds its state dict with this tool and checks the plain reference gives the same output.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))

from common import save_file  # noqa: E402
from reference.deoldify import DynamicUnetDeep  # noqa: E402


def fold(sd):
    out = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked") or k.endswith(".weight_u") or k.endswith(".weight_v") \
                or k.endswith(".weight_g"):
            continue
        if k.endswith(".weight_orig"):
            base = k[:-len("_orig")]
            u, vv = sd[base + "_u"].double(), sd[base + "_v"].double()
            w = v.double()
            sigma = torch.dot(u, torch.mv(w.reshape(w.shape[0], -1), vv))
            out[base] = (w / sigma).float()
        else:
            out[k] = v.float()
    for k in sd:  # weight norm: weight_g [out, 1, ...] and weight_v
        if k.endswith(".weight_g"):
            base = k[:-len("_g")]
            g, vv = sd[k].double(), sd[base + "_v"].double()
            norm = vv.reshape(vv.shape[0], -1).norm(dim=1).reshape(g.shape)
            out[base] = (g * vv / norm).float()
    return out


def convert(in_path, out_path, allow_pickle=False):
    obj = torch.load(in_path, map_location="cpu", weights_only=not allow_pickle)
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        obj = obj["model"]
    sd = fold(obj)
    ref = DynamicUnetDeep()
    ref.load_state_dict({**sd, **{k: v for k, v in ref.state_dict().items() if k.endswith("num_batches_tracked")}},
                        strict=True)
    save_file(sd, out_path, {"pixforge.arch": "deoldify_unet",
                             "pixforge.config": json.dumps({"encoder": "resnet34", "nf_factor": 1.5}),
                             "pixforge.converter": "tools/convert_deoldify.py v1",
                             "pixforge.source": os.path.basename(in_path)})
    return sd


def self_test():
    torch.manual_seed(0)
    from torch.nn.utils import spectral_norm, weight_norm
    m = DynamicUnetDeep()
    # Where DeOldify has them: SN on every decoder conv (not the encoder), WN on the final PixelShuffle_ICNR conv.
    for name, mod in list(m.named_modules()):
        if name.startswith("layers.0.") or name == "layers.0":
            continue
        for cname, child in list(mod.named_children()):
            if isinstance(child, (torch.nn.Conv2d, torch.nn.Conv1d)):
                full = (name + "." if name else "") + cname
                setattr(mod, cname, weight_norm(child) if full == "layers.8.conv.0" else spectral_norm(child))
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.normal_(0, 0.1)
            mod.running_var.uniform_(0.5, 2)
        if hasattr(mod, "gamma"):
            mod.gamma.data.fill_(0.7)
    m.train()
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        m(x)  # one train-mode pass: power iteration makes u, v non-trivial
        m.eval()
        y = m(x)
    sd = m.state_dict()
    n_sn = sum(k.endswith("weight_orig") for k in sd)
    n_wn = sum(k.endswith("weight_g") for k in sd)
    plain = DynamicUnetDeep().eval()
    folded = fold(sd)
    plain.load_state_dict({**folded, **{k: v for k, v in plain.state_dict().items()
                                        if k.endswith("num_batches_tracked")}}, strict=True)
    with torch.no_grad():
        y2 = plain(x)
    err = (y - y2).abs().max().item()
    n_ckpt = sum(p.numel() for p in m.parameters())
    print("self-test: %d spectral-normed, %d weight-normed tensors folded; max |diff| %.2e; checkpoint params %d, "
          "folded %d" % (n_sn, n_wn, err, n_ckpt, sum(p.numel() for p in plain.parameters())))
    assert err < 1e-4, err
    # The file path: a Learner.save-style {'model': ..., 'opt': ...} checkpoint through convert().
    import tempfile
    from common import load_file
    with tempfile.TemporaryDirectory() as d:
        pth, st = os.path.join(d, "gen.pth"), os.path.join(d, "gen.safetensors")
        torch.save({"model": sd, "opt": None}, pth)
        convert(pth, st)
        t, meta = load_file(st)
        assert meta["pixforge.arch"] == "deoldify_unet"
        assert set(t) == set(folded) and all(torch.equal(t[k], folded[k]) for k in t)
    assert n_ckpt == 63646881, n_ckpt  # the spec's count (part-a §8) is the unfolded checkpoint's
    print("self-test OK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?")
    ap.add_argument("output", nargs="?")
    ap.add_argument("--allow-pickle", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        self_test()
        return
    if not a.input or not a.output:
        ap.error("IN.pth OUT.safetensors required")
    sd = convert(a.input, a.output, a.allow_pickle)
    print("wrote %s: %d tensors, %d parameters" % (a.output, len(sd), sum(v.numel() for v in sd.values())))


if __name__ == "__main__":
    main()
