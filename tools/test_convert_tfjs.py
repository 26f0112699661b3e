#!/usr/bin/python3
"""Tests of tools/convert_tfjs.py on synthetic TF.js layers models (numpy only).

    /usr/bin/python3 tools/test_convert_tfjs.py        (unittest; -v for names)

The synthetic model.json files are built from tools/reference/upscalerjs.py's topologies (RDN and RRDN, with the
RRDN's custom layers under generated names as Keras writes them). Covers: config derivation, float32 / uint8 /
uint16 / float16 weights split over two shards, dequantization q * scale + min, HWIO -> OIHW, the auto value range,
and the error paths (graph differences, wrong shapes, truncated or over-long shards, unknown quantization, weights
without a layer, missing weights).
"""
import json
import os
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from convert_tfjs import ConvertError, convert  # noqa: E402
from reference.upscalerjs import rdn_topology, rrdn_topology  # noqa: E402


def keras_layers(topology):
    """Keras-style layer dicts for a reference topology; custom layers get generated names."""
    rename, n = {}, 0
    for name, cls, _, _ in topology:
        if cls in ("MultiplyBeta", "PixelShuffle"):
            n += 1
            rename[name] = ("multiply_beta_%d" if cls == "MultiplyBeta" else "pixel_shuffle_%d") % n
    layers = []
    for name, cls, ins, p in topology:
        if cls == "Conv2D":
            cfg = {"filters": p["filters"], "kernel_size": [p["kernel"]] * 2, "strides": [1, 1],
                   "padding": "same" if p["kernel"] > 1 else "valid", "data_format": "channels_last",
                   "dilation_rate": [1, 1], "activation": "linear", "use_bias": True}
        elif cls == "Concatenate":
            cfg = {"axis": 3}
        elif cls == "UpSampling2D":
            cfg = {"size": p["size"], "interpolation": "nearest", "data_format": "channels_last"}
        elif cls == "InputLayer":
            cfg = {"batch_input_shape": [None, None, None, 3]}
        else:
            cfg = dict(p)
        cfg["name"] = rename.get(name, name)
        layers.append({"class_name": cls, "name": rename.get(name, name), "config": cfg,
                       "inbound_nodes": [[[rename.get(i, i), 0, 0, {}] for i in ins]] if ins else []})
    return layers


class Model:
    """Writes model.json + two shards into a temp dir; weights float32 unless quant[name] = 'uint8' | ..."""

    def __init__(self, topology, seed=0, quant=None):
        self.layers = keras_layers(topology)
        self.quant = quant or {}
        rng = np.random.default_rng(seed)
        self.weights = {}
        channels = {}  # output channels of each layer, for the kernels' input dimension
        for name, cls, ins, p in topology:
            if cls == "InputLayer":
                channels[name] = 3
            elif cls == "Conv2D":
                k = p["kernel"]
                self.weights[name + "/kernel"] = rng.standard_normal((k, k, channels[ins[0]], p["filters"]))
                self.weights[name + "/bias"] = rng.standard_normal(p["filters"])
                channels[name] = p["filters"]
            elif cls == "Concatenate":
                channels[name] = sum(channels[i] for i in ins)
            elif cls == "UpSampling2D":
                channels[name] = channels[ins[0]]
            elif cls == "PixelShuffle":
                channels[name] = channels[ins[0]] // (p["scale"] ** 2)
            else:
                channels[name] = channels[ins[0]]
        self.expected = {}

    def write(self, d, truncate=0, extra=0, drop=None, edit=None):
        specs, blob = [], b""
        for name, w in self.weights.items():
            if name == drop:
                continue
            q = self.quant.get(name)
            spec = {"name": name, "shape": list(w.shape), "dtype": "float32"}
            if q in ("uint8", "uint16"):
                qmax = 255 if q == "uint8" else 65535
                lo, hi = float(w.min()), float(w.max())
                scale = (hi - lo) / qmax
                qv = np.round((w - lo) / scale).astype(np.uint8 if q == "uint8" else np.uint16)
                spec["quantization"] = {"dtype": q, "scale": scale, "min": lo}
                blob += qv.astype(qv.dtype.newbyteorder("<")).tobytes()
                self.expected[name] = qv.astype(np.float64) * scale + lo
            elif q == "float16":
                spec["quantization"] = {"dtype": "float16"}
                blob += w.astype("<f2").tobytes()
                self.expected[name] = w.astype(np.float16).astype(np.float64)
            elif q is not None:
                spec["quantization"] = {"dtype": q, "scale": 1.0, "min": 0.0}
                blob += w.astype("<f4").tobytes()
            else:
                blob += w.astype("<f4").tobytes()
                self.expected[name] = w.astype(np.float32).astype(np.float64)
            specs.append(spec)
        blob = blob[:len(blob) - truncate] + b"\0" * extra
        half = len(blob) // 2
        for i, part in enumerate((blob[:half], blob[half:])):
            with open(os.path.join(d, "group1-shard%dof2.bin" % (i + 1)), "wb") as f:
                f.write(part)
        layers = json.loads(json.dumps(self.layers))
        if edit:
            edit(layers)
        m = {"format": "layers-model", "generatedBy": "test", "convertedBy": "test",
             "modelTopology": {"model_config": {"class_name": "Functional", "config": {"layers": layers}}},
             "weightsManifest": [{"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"], "weights": specs}]}
        path = os.path.join(d, "model.json")
        with open(path, "w") as f:
            json.dump(m, f)
        return path


RDN_CFG = dict(G0=6, G=3, C=2, D=3, scale=3, c_dim=3, upn=(5, 4))
RRDN_CFG = dict(G0=4, G=2, C=2, D=2, T=2, scale=2, c_dim=3)


class ConvertTfjsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def check_state(self, model, state, key_of):
        for name, exp in model.expected.items():
            layer, _, kind = name.rpartition("/")
            got = state[key_of[layer] + (".weight" if kind == "kernel" else ".bias")]
            if kind == "kernel":
                exp = exp.transpose(3, 2, 0, 1)
            self.assertEqual(got.dtype, np.float32)
            np.testing.assert_allclose(got, exp, rtol=1e-6, atol=1e-6, err_msg=name)

    def test_rdn_float32_and_quantized(self):
        quant = {"F_m1/kernel": "uint8", "F_1_2/kernel": "uint16", "LFF_2/kernel": "float16", "SR/bias": "uint8"}
        m = Model(rdn_topology(**RDN_CFG), 1, quant)
        arch, cfg, state, shards = convert(m.write(self.d))
        self.assertEqual(arch, "upscalerjs_rdn")
        self.assertEqual(len(shards), 2)
        self.assertEqual({k: cfg[k] for k in ("G0", "G", "C", "D", "scale", "c_dim", "upn", "range")},
                         dict(G0=6, G=3, C=2, D=3, scale=3, c_dim=3, upn=[5, 4], range="unit"))
        self.assertEqual(state["rdbs.1.lff.weight"].shape, (6, 6 + 2 * 3, 1, 1))
        self.assertEqual(state["upn3.weight"].shape, (27, 4, 3, 3))
        key_of = {"F_m1": "sfe1", "F_0": "sfe2", "GFF_1": "gff1", "GFF_2": "gff2", "UPN1": "upn1", "UPN2": "upn2",
                  "UPN3": "upn3", "SR": "sr"}
        for d in range(1, 4):
            key_of["LFF_%d" % d] = "rdbs.%d.lff" % (d - 1)
            for c in range(1, 3):
                key_of["F_%d_%d" % (d, c)] = "rdbs.%d.convs.%d" % (d - 1, c - 1)
        self.check_state(m, state, key_of)
        # A kernel element: Keras [kh, kw, in, out] -> [out, in, kh, kw], no flip.
        w = m.weights["GFF_2/kernel"]
        self.assertAlmostEqual(float(state["gff2.weight"][5, 2, 0, 1]), float(w[0, 1, 2, 5]), places=5)
        self.assertEqual(convert(m.write(self.d), range_="byte")[1]["range"], "byte")
        self.assertEqual(convert(m.write(self.d), package="@upscalerjs/esrgan-slim@1.0.0")[1]["range"], "byte")

    def test_rrdn_custom_layers(self):
        m = Model(rrdn_topology(**RRDN_CFG), 2, {"LFF_2_1/kernel": "uint8"})
        arch, cfg, state, _ = convert(m.write(self.d))
        self.assertEqual(arch, "upscalerjs_rrdn")
        self.assertEqual({k: cfg[k] for k in ("G0", "G", "C", "D", "T", "scale", "range")},
                         dict(G0=4, G=2, C=2, D=2, T=2, scale=2, range="unit"))
        self.assertEqual(len(state), 2 * (3 + 2 * 2 * 3 + 1))
        key_of = {"Pre_blocks_conv": "pre_conv", "post_blocks_conv": "post_conv", "PreShuffle": "pre_shuffle",
                  "SR": "sr"}
        for t in range(1, 3):
            for d in range(1, 3):
                key_of["LFF_%d_%d" % (t, d)] = "rrdbs.%d.rdbs.%d.lff" % (t - 1, d - 1)
                for c in range(1, 3):
                    key_of["F_%d_%d_%d" % (t, d, c)] = "rrdbs.%d.rdbs.%d.convs.%d" % (t - 1, d - 1, c - 1)
        self.check_state(m, state, key_of)

    def assert_fails(self, m, pattern, **kw):
        edit = kw.pop("edit", None)
        with self.assertRaisesRegex(ConvertError, pattern):
            convert(m.write(self.d, edit=edit, **kw))

    def test_graph_errors(self):
        m = Model(rdn_topology(**RDN_CFG))

        def layer(layers, name):
            return [l for l in layers if l["name"] == name][0]

        def wrong_input(ls):
            layer(ls, "LRL_2")["inbound_nodes"] = [[["LFF_2", 0, 0, {}], ["F_0", 0, 0, {}]]]
        self.assert_fails(m, r"layer 'LRL_2' is Add <- \['LFF_2', 'F_0'\]", edit=wrong_input)

        def stride2(ls):
            layer(ls, "GFF_2")["config"]["strides"] = [2, 2]
        self.assert_fails(m, r"layer 'GFF_2' \(Conv2D\): strides \[2, 2\] != 1", edit=stride2)

        def valid3x3(ls):
            layer(ls, "F_0")["config"]["padding"] = "valid"
        self.assert_fails(m, r"'F_0' \(Conv2D\): padding 'valid' with kernel \[3, 3\]", edit=valid3x3)

        def bilinear(ls):
            layer(ls, "UPsample")["config"]["interpolation"] = "bilinear"
        self.assert_fails(m, r"'UPsample' \(UpSampling2D\): interpolation 'bilinear'", edit=bilinear)

        def extra(ls):
            ls.append({"class_name": "Add", "name": "extra", "config": {},
                       "inbound_nodes": [[["SR", 0, 0, {}], ["SR", 0, 0, {}]]]})
        self.assert_fails(m, r"layers not in the reference graph: \['extra'\]", edit=extra)

        def unknown(ls):
            layer(ls, "UPN1_Relu")["class_name"] = "LeakyReLU"
        self.assert_fails(m, r"'UPN1_Relu' \(LeakyReLU\): unsupported layer class", edit=unknown)

    def test_weight_errors(self):
        m = Model(rdn_topology(**RDN_CFG))
        self.assert_fails(m, r"weight 'SR/bias' \[3\] needs bytes \d+\.\.\d+ but group 0's shards .* hold", truncate=4)
        self.assert_fails(m, r"group 0's shards hold \d+ bytes, the manifest describes", extra=4)
        self.assert_fails(m, r"the manifest has no weights for \['sfe2.bias'\]", drop="F_0/bias")
        q = Model(rdn_topology(**RDN_CFG), quant={"F_0/bias": "int4"})
        self.assert_fails(q, r"weight 'F_0/bias' has unsupported quantization dtype 'int4'")
        m.weights["F_0/kernel"] = m.weights["F_0/kernel"][:, :, :, :5]
        self.assert_fails(m, r"'F_0/kernel' has shape \[3, 3, 6, 5\], layer 'F_0' is a 3x3 conv with 6 filters")
        m = Model(rdn_topology(**RDN_CFG))
        m.weights["nowhere/kernel"] = np.zeros((1, 1, 1, 1))
        self.assert_fails(m, r"weight 'nowhere/kernel' \[1, 1, 1, 1\] belongs to no Conv2D")


if __name__ == "__main__":
    unittest.main()
