#!/usr/bin/python3
"""Tests of tools/convert_pth.py on small checkpoints made here with the reference definitions (tools/reference/).

    /usr/bin/python3 tools/test_convert_pth.py        (unittest; -v for names)

Covers: BasicSR-style {"params_ema", "params"} with a "module." prefix, bare state_dicts, {"state_dict"}, --key,
the original ESRGAN key names, config inference for RRDBNet x4/x2/x1 and SRVGGNetCompact, act_type relu needing
--config, dropping integer buffers and casting float64 / --fp16, DNI, the metadata (transforms, source sha256),
refusal of pickled modules (weights_only), and the mismatch report. Each converted file is read back and, for the
two architectures, run through the reference against the original model.
"""
import json
import os
import re
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))

import convert_pth  # noqa: E402
from common import load_file  # noqa: E402
from reference.rrdbnet import RRDBNet  # noqa: E402
from reference.srvgg import SRVGGNetCompact  # noqa: E402


def small_rrdb(scale=4, seed=0):
    torch.manual_seed(seed)
    return RRDBNet(num_in_ch=3, num_out_ch=3, scale=scale, num_feat=8, num_block=2, num_grow_ch=4).eval()


class ConvertPthTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def roundtrip(self, obj, arch, **kw):
        src, dst = self.path("in.pth"), self.path("out.safetensors")
        torch.save(obj, src)
        convert_pth.convert(src, dst, arch, **kw)
        sd, meta = load_file(dst)
        return sd, meta, json.loads(meta["pixforge.config"]), json.loads(meta["pixforge.transforms"])

    def check_same_output(self, ref_model, cls, sd, config, shape=(1, 3, 8, 12), atol=0.0):
        model = cls(**config).eval()
        model.load_state_dict({k: v.float() for k, v in sd.items()})
        x = torch.rand(*shape)
        with torch.no_grad():
            diff = (model(x) - ref_model(x)).abs().max().item()
        self.assertLessEqual(diff, atol)

    def test_basicsr_params_ema_with_module_prefix(self):
        net, other = small_rrdb(4, 0), small_rrdb(4, 1)
        ckpt = {"params_ema": {"module." + k: v for k, v in net.state_dict().items()},
                "params": {"module." + k: v for k, v in other.state_dict().items()}}
        sd, meta, config, transforms = self.roundtrip(ckpt, "rrdbnet", license_="BSD-3-Clause")
        self.assertEqual(config, dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=2, num_grow_ch=4))
        self.assertEqual(transforms, ["unwrap params_ema (ignored: params)", "strip prefix module."])
        self.assertEqual(meta["pixforge.arch"], "rrdbnet")
        self.assertEqual(meta["pixforge.license"], "BSD-3-Clause")
        self.assertEqual(meta["pixforge.converter"], "tools/convert_pth.py v1")
        src = json.loads(meta["pixforge.source"])["files"][0]
        self.assertEqual(src["sha256"], convert_pth.sha256(self.path("in.pth")))
        self.assertEqual(set(sd), set(net.state_dict()))
        for k, v in net.state_dict().items():
            self.assertTrue(torch.equal(sd[k], v), k)
        self.check_same_output(net, RRDBNet, sd, config)

    def test_scale_inference_x2_x1_and_plain_state_dict(self):
        for scale in (2, 1):
            net = small_rrdb(scale, 2)
            sd, _, config, transforms = self.roundtrip(net.state_dict(), "rrdbnet")
            self.assertEqual(config["scale"], scale)
            self.assertEqual(transforms, [])
            self.check_same_output(net, RRDBNet, sd, config, shape=(1, 3, 8, 12))

    def test_state_dict_entry_and_explicit_key(self):
        net = small_rrdb()
        _, _, _, transforms = self.roundtrip({"state_dict": net.state_dict(), "epoch": 3}, "rrdbnet")
        self.assertEqual(transforms, ["unwrap state_dict"])
        _, _, _, transforms = self.roundtrip({"params_ema": small_rrdb(4, 5).state_dict(),
                                              "params": net.state_dict()}, "rrdbnet", key="params")
        self.assertEqual(transforms, ["unwrap params"])
        with self.assertRaisesRegex(convert_pth.ConvertError, "no entry 'nope'"):
            self.roundtrip({"params": net.state_dict()}, "rrdbnet", key="nope")

    def test_original_esrgan_names(self):
        net = small_rrdb()
        old = {}
        for k, v in net.state_dict().items():
            k = re.sub(r"^body\.", "RRDB_trunk.", k).replace("conv_body.", "trunk_conv.")
            k = k.replace("conv_up1.", "upconv1.").replace("conv_up2.", "upconv2.").replace("conv_hr.", "HRconv.")
            for r in "123":
                k = k.replace(".rdb%s." % r, ".RDB%s." % r)
            old[k] = v
        self.assertIn("RRDB_trunk.0.RDB1.conv1.weight", old)
        sd, _, config, transforms = self.roundtrip(old, "rrdbnet")
        self.assertEqual(len(transforms), 1)
        self.assertTrue(transforms[0].startswith("rename original ESRGAN keys"))
        self.check_same_output(net, RRDBNet, sd, config)

    def test_srvgg_prelu_inferred_relu_needs_config(self):
        torch.manual_seed(3)
        net = SRVGGNetCompact(num_feat=8, num_conv=3, upscale=3).eval()
        sd, _, config, _ = self.roundtrip({"params": net.state_dict()}, "srvgg_compact")
        self.assertEqual(config, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=3, upscale=3, act_type="prelu"))
        self.check_same_output(net, SRVGGNetCompact, sd, config)
        relu = SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2, act_type="leakyrelu").eval()
        with self.assertRaisesRegex(convert_pth.ConvertError, "no PReLU weights"):
            self.roundtrip(relu.state_dict(), "srvgg_compact")
        sd, _, config, _ = self.roundtrip(relu.state_dict(), "srvgg_compact", config={"act_type": "leakyrelu"})
        self.assertEqual(config["num_conv"], 2)
        self.assertEqual(config["upscale"], 2)
        self.check_same_output(relu, SRVGGNetCompact, sd, config)

    def test_dtypes_dropped_buffers_and_fp16(self):
        net = small_rrdb()
        ckpt = {k: v.double() for k, v in net.state_dict().items()}
        ckpt["num_batches_tracked"] = torch.tensor(7)
        sd, _, _, transforms = self.roundtrip(ckpt, "rrdbnet")
        self.assertEqual(transforms, ["drop non-float tensors: num_batches_tracked", "cast float64 to float32"])
        self.assertTrue(all(v.dtype == torch.float32 for v in sd.values()))
        sd, _, config, transforms = self.roundtrip(net.state_dict(), "rrdbnet", fp16=True)
        self.assertEqual(transforms, ["cast to float16"])
        self.assertTrue(all(v.dtype == torch.float16 for v in sd.values()))
        self.check_same_output(net, RRDBNet, sd, config, atol=5e-3)

    def test_dni(self):
        torch.manual_seed(4)
        a = SRVGGNetCompact(num_feat=8, num_conv=1, upscale=2).state_dict()
        b = SRVGGNetCompact(num_feat=8, num_conv=1, upscale=2).state_dict()
        torch.save({"params": b}, self.path("wdn.pth"))
        sd, meta, _, transforms = self.roundtrip({"params": a}, "srvgg_compact", dni_path=self.path("wdn.pth"),
                                                 dni_weight=0.25)
        self.assertEqual(transforms, ["unwrap params", "dni: 0.25 * input + 0.75 * other"])
        for k in a:
            self.assertTrue(torch.allclose(sd[k], 0.25 * a[k] + 0.75 * b[k], atol=1e-7), k)
        self.assertEqual(len(json.loads(meta["pixforge.source"])["files"]), 2)

    def test_refuses_pickled_module_and_reports_mismatch(self):
        torch.save(small_rrdb(), self.path("module.pth"))
        with self.assertRaisesRegex(convert_pth.ConvertError, "weights_only=True"):
            convert_pth.convert(self.path("module.pth"), self.path("o.safetensors"), "rrdbnet")
        sd = small_rrdb().state_dict()
        del sd["conv_hr.bias"]
        sd["extra.weight"] = torch.zeros(1)
        with self.assertRaisesRegex(convert_pth.ConvertError,
                                    r"1 missing, 1 unexpected, 0 wrong shape(.|\n)*missing:    conv_hr.bias"):
            self.roundtrip(sd, "rrdbnet")
        with self.assertRaisesRegex(convert_pth.ConvertError, "wrong shape(.|\n)*conv_first.weight"):
            self.roundtrip(small_rrdb().state_dict(), "rrdbnet", config={"num_in_ch": 1})
        with self.assertRaisesRegex(convert_pth.ConvertError, "pass --config"):
            self.roundtrip(small_rrdb().state_dict(), "some_other_arch")

    def test_cli(self):
        net = small_rrdb()
        torch.save({"params_ema": net.state_dict()}, self.path("cli.pth"))
        convert_pth.main([self.path("cli.pth"), self.path("cli.safetensors"), "--arch", "rrdbnet",
                          "--config", '{"num_block": 2}', "--license", "MIT"])
        sd, meta = load_file(self.path("cli.safetensors"))
        self.assertEqual(json.loads(meta["pixforge.config"])["num_block"], 2)
        with self.assertRaises(SystemExit):
            convert_pth.main([self.path("cli.pth"), self.path("x.safetensors"), "--arch", "rrdbnet", "--config",
                              '{"num_block": 5}'])


if __name__ == "__main__":
    unittest.main()
