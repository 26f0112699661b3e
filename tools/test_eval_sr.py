#!/usr/bin/python3
"""Unit tests for the metric functions of tools/eval_sr.py (numpy / skimage only, no pixforge binary needed).

Run: /usr/bin/python3 tools/test_eval_sr.py
"""
import math
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_sr  # noqa: E402


class MetricTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.img = rng.integers(0, 256, size=(48, 40, 3)).astype(np.uint8)

    def test_psnr_identical_is_inf(self):
        y = eval_sr.y_channel(self.img)
        self.assertEqual(eval_sr.psnr(y, y), math.inf)
        self.assertEqual(eval_sr.psnr_ssim_y(self.img, self.img, 2)[0], math.inf)

    def test_psnr_constant_offset(self):
        a = np.full((16, 16), 100.0)
        # MSE = 5^2 = 25 -> PSNR = 10 log10(255^2 / 25) = 20 log10(51) = 34.1514 dB
        self.assertAlmostEqual(eval_sr.psnr(a + 5.0, a), 20.0 * math.log10(51.0), places=10)
        self.assertAlmostEqual(eval_sr.psnr(a + 5.0, a), 34.1514, places=4)
        # offset 1 -> 48.1308 dB
        self.assertAlmostEqual(eval_sr.psnr(a - 1.0, a), 20.0 * math.log10(255.0), places=10)

    def test_psnr_shape_mismatch(self):
        with self.assertRaises(ValueError):
            eval_sr.psnr(np.zeros((4, 4)), np.zeros((4, 5)))

    def test_ssim_identical_is_one(self):
        y = eval_sr.y_channel(self.img)
        self.assertAlmostEqual(eval_sr.ssim(y, y), 1.0, places=12)
        self.assertAlmostEqual(eval_sr.psnr_ssim_y(self.img, self.img, 4)[1], 1.0, places=12)

    def test_ssim_different_below_one(self):
        y = eval_sr.y_channel(self.img)
        self.assertLess(eval_sr.ssim(y, np.flipud(y)), 0.5)

    def test_y_channel_matlab_rgb2ycbcr(self):
        # black -> 16, white -> 235 (65.481 + 128.553 + 24.966 = 219), pure red -> 16 + 65.481
        rgb = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0]]], dtype=np.uint8)
        y = eval_sr.y_channel(rgb)
        np.testing.assert_allclose(y[0], [16.0, 235.0, 81.481], atol=1e-9)

    def test_crop_border(self):
        self.assertEqual(eval_sr.crop_border(self.img, 4).shape, (40, 32, 3))
        self.assertEqual(eval_sr.crop_border(self.img, 0).shape, self.img.shape)


if __name__ == "__main__":
    unittest.main()
