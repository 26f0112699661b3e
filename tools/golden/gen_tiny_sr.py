"""Golden for the whole TinySR network (include/pixforge/models/tiny_sr.hpp) with its trained weights
weights/tiny-sr-2x.safetensors: PyTorch output for a random odd-sized input and for a crop of the sample photo.
Run: /usr/bin/python3 tools/golden/gen_tiny_sr.py"""
import os
import sys

import numpy as np
import torch
from PIL import Image

from common import REPO, GoldenWriter, load_file

sys.path.insert(0, os.path.join(REPO, "tools", "train"))
from train_tiny_sr import TinySR  # noqa: E402

torch.manual_seed(0)
sd, meta = load_file(os.path.join(REPO, "weights", "tiny-sr-2x.safetensors"))
net = TinySR().eval()
net.load_state_dict(sd)
g = GoldenWriter("tiny_sr")
with torch.no_grad():
    x = torch.rand(1, 3, 19, 23)
    g.case({"what": "random 19x23"}, x=x, y=net(x))
    photo = np.asarray(Image.open(os.path.join(REPO, "examples", "data", "sample.png")).convert("RGB"))
    x = torch.from_numpy(photo[100:132, 60:100].astype(np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()
    g.case({"what": "sample.png crop 32x40"}, x=x, y=net(x))
g.save()
