#!/usr/bin/python3
"""Converts a PyTorch checkpoint (.pth) into a pixforge safetensors weight file.

    /usr/bin/python3 tools/convert_pth.py IN.pth OUT.safetensors --arch ARCH [--config JSON] [--key NAME]
        [--license L] [--dni OTHER.pth --dni-weight A] [--fp16] [--allow-pickle]

Loading: torch.load(map_location="cpu", weights_only=True) (PyTorch >= 1.13), so a checkpoint cannot run code.
Older PyTorch has no weights_only: then --allow-pickle is required (only for files you trust).

Transforms (only these; each one applied is listed in the metadata key pixforge.transforms, a JSON array):
  * unwrap: a dict holding the weights under "params_ema" (preferred, BasicSR's EMA generator), "params",
    "state_dict", "model" or "net_g" is unwrapped (repeatedly); --key NAME picks an entry explicitly
  * strip "module." (DataParallel / DistributedDataParallel) when every key carries it
  * rrdbnet only: the original ESRGAN release's names are renamed to BasicSR's (part-b.md §7.1 gotcha 3):
    RRDB_trunk -> body, RDB1/2/3 -> rdb1/2/3, trunk_conv -> conv_body, upconv1/2 -> conv_up1/2, HRconv -> conv_hr
  * drop integer tensors (BatchNorm num_batches_tracked); cast float64 / bfloat16 to float32; --fp16 casts to float16
  * --dni OTHER.pth --dni-weight A: deep network interpolation, every tensor = A * IN + (1 - A) * OTHER (both
    checkpoints unwrapped the same way). Real-ESRGAN's realesr-general-x4v3 with denoise strength s is
    IN = realesr-general-x4v3.pth, OTHER = realesr-general-wdn-x4v3.pth, A = s (s = 1: strong denoise = IN alone).

Config: --config JSON (the C++ model's Config fields) wins; fields it lacks are inferred from the keys and shapes
for the architectures that support it (rrdbnet: num_in_ch, num_out_ch, scale, num_feat, num_block, num_grow_ch;
srvgg_compact: all but act_type relu/leakyrelu, which leave no trace in the weights). For these two architectures
the result is checked by loading it strictly into the PyTorch reference (tools/reference/), so a file this tool
writes always has exactly the keys and shapes the C++ model expects. Other architectures need --config and are
written as they are.

Metadata written: pixforge.arch, pixforge.config, pixforge.source (JSON: file names and sha256), pixforge.license
(--license, default "unknown"), pixforge.converter ("tools/convert_pth.py v1"), pixforge.transforms.
"""
import argparse
import hashlib
import json
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))

from common import save_file  # noqa: E402

CONVERTER = "tools/convert_pth.py v1"
WRAPPER_KEYS = ("params_ema", "params", "state_dict", "model", "net_g")
ESRGAN_RENAMES = [(r"^RRDB_trunk\.", "body."), (r"\.RDB([123])\.", r".rdb\1."), (r"^trunk_conv\.", "conv_body."),
                  (r"^upconv1\.", "conv_up1."), (r"^upconv2\.", "conv_up2."), (r"^HRconv\.", "conv_hr.")]


class ConvertError(ValueError):
    pass


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_checkpoint(path, allow_pickle=False):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # PyTorch < 1.13: no weights_only
        if not allow_pickle:
            raise ConvertError("%s: this PyTorch (%s) cannot load without unpickling arbitrary objects; pass "
                               "--allow-pickle if you trust the file" % (path, torch.__version__)) from None
        return torch.load(path, map_location="cpu")
    except Exception as e:  # pickle.UnpicklingError from weights_only and friends
        raise ConvertError("%s: torch.load(weights_only=True) failed (%s: %s). A checkpoint that pickles whole "
                           "modules or optimizer objects is not supported; save model.state_dict() instead"
                           % (path, type(e).__name__, str(e).splitlines()[0] if str(e) else "")) from None


def is_tensor_dict(d):
    return isinstance(d, dict) and d and all(isinstance(v, torch.Tensor) for v in d.values())


def unwrap(obj, key, what, transforms):
    """Finds the state_dict inside a checkpoint object; appends what it did to `transforms`."""
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            raise ConvertError("%s: no entry %r (top-level keys: %s)" % (what, key, _keys(obj)))
        obj = obj[key]
        transforms.append("unwrap %s" % key)
    while not is_tensor_dict(obj):
        if not isinstance(obj, dict):
            raise ConvertError("%s: expected a dict of tensors, found %s" % (what, type(obj).__name__))
        found = [k for k in WRAPPER_KEYS if k in obj]
        if not found:
            raise ConvertError("%s: no tensors at the top level and none of %s inside (keys: %s); use --key"
                               % (what, ", ".join(WRAPPER_KEYS), _keys(obj)))
        k = found[0]
        others = [o for o in found[1:] if isinstance(obj[o], dict)]
        transforms.append("unwrap %s" % k + (" (ignored: %s)" % ", ".join(others) if others else ""))
        obj = obj[k]
    sd = dict(obj)
    if all(k.startswith("module.") for k in sd):
        sd = {k[len("module."):]: v for k, v in sd.items()}
        transforms.append("strip prefix module.")
    return sd


def _keys(obj):
    if not isinstance(obj, dict):
        return type(obj).__name__
    ks = list(obj.keys())
    return ", ".join(map(str, ks[:8])) + (", ..." if len(ks) > 8 else "")


def rename_esrgan(sd, transforms):
    if not any(k.startswith(("RRDB_trunk.", "trunk_conv.", "upconv1.", "HRconv.")) for k in sd):
        return sd
    out = {}
    for k, v in sd.items():
        n = k
        for pat, rep in ESRGAN_RENAMES:
            n = re.sub(pat, rep, n)
        out[n] = v
    transforms.append("rename original ESRGAN keys (RRDB_trunk->body, RDBn->rdbn, trunk_conv->conv_body, "
                      "upconvN->conv_upN, HRconv->conv_hr)")
    return out


def clean_dtypes(sd, fp16, transforms):
    out, dropped, cast = {}, [], set()
    for k, v in sd.items():
        if not v.is_floating_point():
            dropped.append(k)
            continue
        if v.dtype in (torch.float64, torch.bfloat16):
            cast.add(str(v.dtype).replace("torch.", ""))
            v = v.float()
        if fp16 and v.dtype != torch.float16:
            v = v.half()
        out[k] = v.contiguous()
    if dropped:
        transforms.append("drop non-float tensors: %s" % ", ".join(dropped))
    for c in sorted(cast):
        transforms.append("cast %s to float32" % c)
    if fp16:
        transforms.append("cast to float16")
    return out


def dni(sd, other, alpha, what, transforms):
    if set(sd) != set(other):
        diff = sorted(set(sd) ^ set(other))
        raise ConvertError("%s: --dni checkpoints have different keys: %s" % (what, ", ".join(diff[:10])))
    for k in sd:
        if sd[k].shape != other[k].shape:
            raise ConvertError("%s: --dni tensor %s has shape %s vs %s" % (what, k, tuple(sd[k].shape),
                                                                           tuple(other[k].shape)))
    out = {k: (alpha * sd[k].double() + (1.0 - alpha) * other[k].double()).to(sd[k].dtype) for k in sd}
    transforms.append("dni: %r * input + %r * other" % (alpha, 1.0 - alpha))
    return out


def reference(arch):
    """(model class, config_from_state_dict) for the architectures with a PyTorch reference, else None."""
    if arch == "rrdbnet":
        from reference.rrdbnet import RRDBNet, config_from_state_dict
        return RRDBNet, config_from_state_dict
    if arch == "srvgg_compact":
        from reference.srvgg import SRVGGNetCompact, config_from_state_dict
        return SRVGGNetCompact, config_from_state_dict
    return None


def build_config(arch, sd, given):
    ref = reference(arch)
    if ref is None:
        if given is None:
            raise ConvertError("arch %r: no config inference; pass --config" % arch)
        return given
    cls, infer = ref
    config = dict(given or {})
    try:
        inferred = infer(sd)
    except (KeyError, ValueError) as e:
        if given is None:
            raise ConvertError("arch %s: cannot infer the config from the keys (%s); pass --config" % (arch, e))
        inferred = {}
    for k, v in inferred.items():
        config.setdefault(k, v)
    if arch == "srvgg_compact" and "act_type" not in config:
        raise ConvertError("srvgg_compact: the checkpoint has no PReLU weights, so act_type is relu or leakyrelu, "
                           "which the weights do not tell; pass --config '{\"act_type\": \"relu\"}' (or leakyrelu)")
    # Strict load into the reference: exactly the keys and shapes the C++ model expects.
    try:
        model = cls(**config)
    except TypeError as e:
        raise ConvertError("arch %s: bad config %s (%s)" % (arch, json.dumps(config), e)) from None
    expected = model.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    shapes = ["%s: file %s, model %s" % (k, tuple(sd[k].shape), tuple(expected[k].shape))
              for k in expected if k in sd and sd[k].shape != expected[k].shape]
    if missing or unexpected or shapes:
        lines = ["%s with config %s: %d missing, %d unexpected, %d wrong shape"
                 % (arch, json.dumps(config), len(missing), len(unexpected), len(shapes))]
        lines += ["  missing:    " + k for k in missing[:10]] + ["  unexpected: " + k for k in unexpected[:10]]
        lines += ["  shape:      " + s for s in shapes[:10]]
        raise ConvertError("\n".join(lines))
    return config


def convert(in_path, out_path, arch, config=None, key=None, license_="unknown", dni_path=None, dni_weight=None,
            fp16=False, allow_pickle=False):
    """Library entry point (the CLI calls this). Returns (state_dict, metadata)."""
    transforms = []
    sd = unwrap(load_checkpoint(in_path, allow_pickle), key, in_path, transforms)
    sources = [{"name": os.path.basename(in_path), "sha256": sha256(in_path)}]
    if dni_path is not None:
        if dni_weight is None:
            raise ConvertError("--dni needs --dni-weight")
        other = unwrap(load_checkpoint(dni_path, allow_pickle), key, dni_path, [])
        sd = dni(sd, other, float(dni_weight), in_path, transforms)
        sources.append({"name": os.path.basename(dni_path), "sha256": sha256(dni_path), "role": "dni other"})
    if arch == "rrdbnet":
        sd = rename_esrgan(sd, transforms)
    sd = clean_dtypes(sd, fp16, transforms)
    config = build_config(arch, sd, config)
    meta = {"pixforge.arch": arch, "pixforge.config": json.dumps(config, separators=(",", ":")),
            "pixforge.source": json.dumps({"files": sources}, separators=(",", ":")),
            "pixforge.license": license_, "pixforge.converter": CONVERTER,
            "pixforge.transforms": json.dumps(transforms, separators=(",", ":"))}
    save_file(sd, out_path, meta)
    return sd, meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--arch", required=True, help="pixforge architecture name (rrdbnet, srvgg_compact, ...)")
    ap.add_argument("--config", default=None, help="the model Config as JSON; missing fields are inferred")
    ap.add_argument("--key", default=None, help="checkpoint entry holding the weights (default: auto)")
    ap.add_argument("--license", default="unknown", help="pixforge.license")
    ap.add_argument("--dni", default=None, metavar="OTHER.pth", help="second checkpoint for interpolation")
    ap.add_argument("--dni-weight", type=float, default=None, metavar="A", help="A * input + (1 - A) * other")
    ap.add_argument("--fp16", action="store_true", help="store float16 (default: keep the checkpoint's dtypes)")
    ap.add_argument("--allow-pickle", action="store_true", help="allow full unpickling on PyTorch < 1.13")
    a = ap.parse_args(argv)
    try:
        config = json.loads(a.config) if a.config else None
        if config is not None and not isinstance(config, dict):
            raise ConvertError("--config must be a JSON object")
        sd, meta = convert(a.input, a.output, a.arch, config, a.key, a.license, a.dni, a.dni_weight, a.fp16,
                           a.allow_pickle)
    except (ConvertError, json.JSONDecodeError, OSError) as e:
        sys.exit("convert_pth: %s" % e)
    n = sum(v.numel() for v in sd.values())
    print("wrote %s: arch %s, config %s, %d tensors, %d parameters, transforms %s"
          % (a.output, a.arch, meta["pixforge.config"], len(sd), n, meta["pixforge.transforms"]))


if __name__ == "__main__":
    main()
