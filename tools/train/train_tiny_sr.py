"""Trains `tiny_sr`, the small 2x super-resolution network of the foundation demo (examples/demo_tiny_net.cpp).

Architecture (an ESPCN-style residual net, 15.1 k parameters; written from ops in the C++ demo):
    up   = interpolate(x, scale_factor=2, mode='bicubic', align_corners=False)
    h    = tanh(conv1(x))              conv1: 3 -> 32, 5x5, padding 2
    h    = tanh(conv2(h))              conv2: 32 -> 32, 3x3, padding 1
    y    = pixel_shuffle(conv3(h), 2)  conv3: 32 -> 12, 3x3, padding 1
    out  = up + y                      RGB in [0, 1]
Degradation: 2x2 average pooling (the demo's round trip uses the same). Loss: L1.
Training data: public-domain photos shipped with Debian's python3-skimage (skimage/data), excluding the
images the demo and tests use for evaluation (chelsea, coffee, astronaut).

Run (about 5 minutes on 2 cores): /usr/bin/python3 tools/train/train_tiny_sr.py [--iters N]
Writes weights/tiny-sr-2x.safetensors (keys conv1.weight, conv1.bias, ...; metadata pixforge.arch = tiny_sr).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from common import REPO, save_file  # noqa: E402

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
TRAIN = ["rocket.jpg", "motorcycle_left.png", "motorcycle_right.png", "hubble_deep_field.jpg", "ihc.png",
         "retina.jpg", "color.png", "coins.png", "moon.png", "camera.png", "grass.png", "gravel.png", "brick.png"]


class TinySR(nn.Module):
    def __init__(self, nf=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, nf, 5, padding=2)
        self.conv2 = nn.Conv2d(nf, nf, 3, padding=1)
        self.conv3 = nn.Conv2d(nf, 12, 3, padding=1)

    def forward(self, x):
        up = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
        h = torch.tanh(self.conv1(x))
        h = torch.tanh(self.conv2(h))
        return up + F.pixel_shuffle(self.conv3(h), 2)


def load_images():
    imgs = []
    for name in TRAIN:
        p = os.path.join(SKIMAGE_DATA, name)
        if not os.path.exists(p):
            continue
        a = np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) / 255.0
        imgs.append(torch.from_numpy(a).permute(2, 0, 1).contiguous())
    return imgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=4000)
    ap.add_argument("--out", default=os.path.join(REPO, "weights", "tiny-sr-2x.safetensors"))
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    torch.set_num_threads(2)
    imgs = load_images()
    print("training images:", len(imgs))
    net = TinySR()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.iters)
    crop, batch = 64, 16
    for it in range(args.iters):
        hr = []
        for _ in range(batch):
            im = imgs[rng.integers(len(imgs))]
            _, h, w = im.shape
            y, x = rng.integers(h - crop + 1), rng.integers(w - crop + 1)
            c = im[:, y:y + crop, x:x + crop]
            if rng.random() < 0.5:
                c = c.flip(2)
            if rng.random() < 0.5:
                c = c.transpose(1, 2)
            hr.append(c)
        hr = torch.stack(hr)
        lr = F.avg_pool2d(hr, 2)
        loss = F.l1_loss(net(lr), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % 500 == 0 or it == args.iters - 1:
            print("iter %d loss %.5f" % (it, loss.item()), flush=True)
    sd = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    meta = {"pixforge.arch": "tiny_sr", "pixforge.config": json.dumps({"nf": 32, "scale": 2}),
            "pixforge.license": "MIT (trained by the pixforge project)",
            "pixforge.source": "tools/train/train_tiny_sr.py, %d iterations, seed 0, skimage data photos" % args.iters}
    save_file(sd, args.out, meta)
    print("wrote", os.path.relpath(args.out, REPO))


if __name__ == "__main__":
    main()
