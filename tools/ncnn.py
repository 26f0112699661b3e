"""Reader for ncnn model files (text `.param` + `.bin`), numpy only.

Usage:
    from ncnn import load_ncnn
    layers = load_ncnn("model.param", "model.bin")
    for l in layers:
        print(l.type, l.name, l.bottoms, l.tops, l.params, {k: v.shape for k, v in l.blobs.items()})

Format (as documented in ../shared/SOURCES.md §1 and ncnn's wiki "param and model file structure"):

.param (text):
    line 1: magic 7767517
    line 2: <layer count> <blob count>
    then one line per layer:
        <type> <name> <bottom count> <top count> <bottom names...> <top names...> <k=v ...>
    `k=v` with k >= 0 is a scalar: an int, or a float when the text holds '.', 'e' or 'E'.
    `k=n,a,b,...` with k <= -23300 is an array parameter with id -(k + 23300) and n elements (e.g.
    `-23310=1,0.1` is id 10 = [0.1]); it is stored here under its id (10), as a list.

.bin: the layers' weights concatenated in layer order, no header. Per layer type (what this reader supports):
    Convolution / ConvolutionDepthWise: weight (tagged), bias (raw fp32, if 5=bias_term)
    Deconvolution / DeconvolutionDepthWise: weight (tagged, stored [out][in/g][kh][kw] per group), bias (raw)
    InnerProduct: weight (tagged, [out][in]), bias (raw, if 1=bias_term)
    PReLU: slope (raw fp32, 0=num_slope values)
    Scale: scale (raw, 0=scale_data_size; -233 means "second input blob", no data), bias (raw, if 1=bias_term)
    BatchNorm: slope, mean, var, bias (raw fp32, 0=channels each)
    MemoryData: data (raw fp32, 0=w 1=h 2=c)
    every other layer type in the tables below has no weights.
    A *tagged* weight starts with a 4-byte little-endian tag: 0x01306B47 = fp16 values (byte size padded up to a
    multiple of 4), 0 = raw fp32 values. Other tags (int8, 256-entry quantisation tables) are rejected.

Layer.blobs holds the arrays in PyTorch layouts:
    Convolution weight  [out, in/groups, kh, kw]   (nn.Conv2d)
    Deconvolution weight [in, out/groups, kh, kw]  (nn.ConvTranspose2d; converted from ncnn's [out][in] order)
    InnerProduct weight [out, in]                  (nn.Linear)
    bias [out], PReLU "weight" [num_slope], Scale "weight"/"bias" [n],
    BatchNorm "weight" (slope) / "running_mean" / "running_var" / "bias" [c], MemoryData "data" [c, h, w]
fp16 weights stay float16 arrays; everything else is float32.
"""
import os

import numpy as np

MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_FP32 = 0

# Layer types known to carry no weights in the .bin (anything not listed here nor in _LOADERS is an error, so that
# an unknown layer can never silently shift the rest of the file).
NO_WEIGHTS = {
    "Input", "Split", "Concat", "Crop", "Eltwise", "BinaryOp", "UnaryOp", "Pooling", "Interp", "PixelShuffle",
    "Reorg", "ReLU", "Sigmoid", "TanH", "Clip", "Softmax", "Reshape", "Permute", "Flatten", "Dropout", "Padding",
    "Noop", "Slice", "Swish", "HardSigmoid", "HardSwish", "Mish", "ELU", "Exp", "Log", "Power", "AbsVal", "BNLL",
    "Threshold", "Tile", "ShuffleChannel", "Squeeze", "ExpandDims", "Reduction", "MVN", "Normalize", "ArgMax",
    "GELU", "Cast", "Pooling1D",
}


class NcnnError(ValueError):
    pass


class Layer:
    """One ncnn layer: type, name, bottom/top blob names, params {int id: int | float | list}, blobs {name: array}."""

    def __init__(self, type_, name, bottoms, tops, params):
        self.type = type_
        self.name = name
        self.bottoms = bottoms
        self.tops = tops
        self.params = params
        self.blobs = {}

    def p(self, key, default=None):
        """Parameter `key` (an int id) or `default`."""
        return self.params.get(key, default)

    def __repr__(self):
        shapes = {k: tuple(v.shape) for k, v in self.blobs.items()}
        return "Layer(%s %s %s -> %s %s %s)" % (self.type, self.name, self.bottoms, self.tops, self.params, shapes)


def _parse_number(text, where):
    try:
        if any(c in text for c in ".eE") and not text.lower().startswith("0x"):
            return float(text)
        return int(text)
    except ValueError:
        raise NcnnError("%s: bad number %r" % (where, text)) from None


def parse_param(path):
    """Parses a text .param file into a list of Layer (without blobs)."""
    with open(path, "r", encoding="utf-8") as f:
        lines = [ln.strip() for ln in f.read().splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise NcnnError("%s: empty file" % path)
    try:
        magic = int(lines[0].split()[0])
    except ValueError:
        magic = None
    if magic != MAGIC:
        raise NcnnError("%s: bad magic %r (expected %d; binary .param.bin files are not supported)"
                        % (path, lines[0][:20], MAGIC))
    if len(lines) < 2 or len(lines[1].split()) != 2:
        raise NcnnError("%s: line 2 must be '<layer count> <blob count>'" % path)
    layer_count, blob_count = (int(t) for t in lines[1].split())
    body = lines[2:]
    if len(body) != layer_count:
        raise NcnnError("%s: header says %d layers, file has %d layer lines" % (path, layer_count, len(body)))
    layers = []
    blobs_seen = set()
    for lineno, ln in enumerate(body, start=3):
        tok = ln.split()
        where = "%s:%d" % (path, lineno)
        if len(tok) < 4:
            raise NcnnError("%s: layer line needs type, name, bottom count, top count" % where)
        type_, name = tok[0], tok[1]
        where = "%s:%d (layer %s)" % (path, lineno, name)
        nb, nt = int(tok[2]), int(tok[3])
        if len(tok) < 4 + nb + nt:
            raise NcnnError("%s: expected %d bottom + %d top names, got %d tokens" % (where, nb, nt, len(tok) - 4))
        bottoms = tok[4:4 + nb]
        tops = tok[4 + nb:4 + nb + nt]
        blobs_seen.update(bottoms)
        blobs_seen.update(tops)
        params = {}
        for kv in tok[4 + nb + nt:]:
            if "=" not in kv:
                raise NcnnError("%s: parameter %r is not k=v" % (where, kv))
            k, v = kv.split("=", 1)
            k = int(k)
            if k <= -23300:
                pid = -(k + 23300)
                parts = v.split(",")
                n = int(parts[0])
                vals = [_parse_number(x, where) for x in parts[1:]]
                if len(vals) != n:
                    raise NcnnError("%s: array parameter %d declares %d values, has %d" % (where, k, n, len(vals)))
                params[pid] = vals
            else:
                params[k] = _parse_number(v, where)
        layers.append(Layer(type_, name, bottoms, tops, params))
    if len(blobs_seen) != blob_count:
        raise NcnnError("%s: header says %d blobs, layers name %d distinct blobs" % (path, blob_count, len(blobs_seen)))
    return layers


class _Reader:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, nbytes, layer, what):
        if nbytes > self.remaining():
            raise NcnnError("%s: layer %s (%s) %s needs %d bytes at offset %d, only %d remain"
                            % (self.path, layer.name, layer.type, what, nbytes, self.pos, self.remaining()))
        b = self.data[self.pos:self.pos + nbytes]
        self.pos += nbytes
        return b

    def raw_f32(self, count, layer, what):
        return np.frombuffer(self.take(4 * count, layer, what), dtype="<f4").astype(np.float32)

    def tagged(self, count, layer, what):
        tag = int(np.frombuffer(self.take(4, layer, what + " tag"), dtype="<u4")[0])
        if tag == TAG_FP16:
            nbytes = (2 * count + 3) // 4 * 4
            b = self.take(nbytes, layer, what + " (fp16)")
            return np.frombuffer(b[:2 * count], dtype="<f2").astype(np.float16)
        if tag == TAG_FP32:
            return self.raw_f32(count, layer, what + " (fp32)")
        raise NcnnError("%s: layer %s (%s) %s has unsupported storage tag 0x%08X at offset %d (only fp16 0x%08X and "
                        "raw fp32 0 are supported)" % (self.path, layer.name, layer.type, what, tag, self.pos - 4,
                                                      TAG_FP16))


def _kernel(layer):
    kw = layer.p(1, 0)
    kh = layer.p(11, kw)
    return kh, kw


def _need(layer, key, what, path):
    v = layer.p(key)
    if v is None:
        raise NcnnError("%s: layer %s (%s) lacks parameter %d (%s)" % (path, layer.name, layer.type, key, what))
    return v


def _load_conv(layer, r, path, deconv, depthwise):
    out = _need(layer, 0, "num_output", path)
    size = _need(layer, 6, "weight_data_size", path)
    groups = layer.p(7, 1) if depthwise else 1
    if layer.p(8, 0):
        raise NcnnError("%s: layer %s (%s) is int8-quantised (8=%d); not supported" % (path, layer.name, layer.type,
                                                                                       layer.p(8)))
    kh, kw = _kernel(layer)
    if kh * kw * out == 0 or size % (kh * kw * out) != 0 or out % groups != 0:
        raise NcnnError("%s: layer %s (%s): weight_data_size %d is not a multiple of out %d x kernel %dx%d (groups %d)"
                        % (path, layer.name, layer.type, size, out, kh, kw, groups))
    in_per_group = size // (kh * kw * out)
    w = r.tagged(size, layer, "weight")
    if not deconv:
        w = w.reshape(out, in_per_group, kh, kw)
    else:
        # ncnn: per group g, [out/g][in/g][kh][kw]; PyTorch ConvTranspose2d: [in][out/g][kh][kw], in = g*(in/g)+i.
        og = out // groups
        w = w.reshape(groups, og, in_per_group, kh, kw).transpose(0, 2, 1, 3, 4)
        w = np.ascontiguousarray(w.reshape(groups * in_per_group, og, kh, kw))
    layer.blobs["weight"] = w
    if layer.p(5, 0):
        layer.blobs["bias"] = r.raw_f32(out, layer, "bias")


def _load_inner_product(layer, r, path):
    out = _need(layer, 0, "num_output", path)
    size = _need(layer, 2, "weight_data_size", path)
    if layer.p(8, 0):
        raise NcnnError("%s: layer %s (InnerProduct) is int8-quantised; not supported" % (path, layer.name))
    if out == 0 or size % out:
        raise NcnnError("%s: layer %s (InnerProduct): weight_data_size %d not a multiple of num_output %d"
                        % (path, layer.name, size, out))
    layer.blobs["weight"] = r.tagged(size, layer, "weight").reshape(out, size // out)
    if layer.p(1, 0):
        layer.blobs["bias"] = r.raw_f32(out, layer, "bias")


def _load_prelu(layer, r, path):
    n = layer.p(0, 0)
    layer.blobs["weight"] = r.raw_f32(n, layer, "slope")


def _load_scale(layer, r, path):
    n = layer.p(0, 0)
    if n == -233:
        return  # scale comes from the second input blob
    layer.blobs["weight"] = r.raw_f32(n, layer, "scale")
    if layer.p(1, 0):
        layer.blobs["bias"] = r.raw_f32(n, layer, "bias")


def _load_batch_norm(layer, r, path):
    c = _need(layer, 0, "channels", path)
    for k in ("weight", "running_mean", "running_var", "bias"):
        layer.blobs[k] = r.raw_f32(c, layer, k)


def _load_memory_data(layer, r, path):
    w, h, c = layer.p(0, 0), layer.p(1, 0), layer.p(2, 0)
    dims = [d for d in (c, h, w) if d]
    n = int(np.prod(dims)) if dims else 0
    layer.blobs["data"] = r.raw_f32(n, layer, "data").reshape(dims)


_LOADERS = {
    "Convolution": lambda l, r, p: _load_conv(l, r, p, deconv=False, depthwise=False),
    "ConvolutionDepthWise": lambda l, r, p: _load_conv(l, r, p, deconv=False, depthwise=True),
    "Deconvolution": lambda l, r, p: _load_conv(l, r, p, deconv=True, depthwise=False),
    "DeconvolutionDepthWise": lambda l, r, p: _load_conv(l, r, p, deconv=True, depthwise=True),
    "InnerProduct": _load_inner_product,
    "PReLU": _load_prelu,
    "Scale": _load_scale,
    "BatchNorm": _load_batch_norm,
    "MemoryData": _load_memory_data,
}


def load_ncnn(param_path, bin_path):
    """Parses `param_path` and reads each layer's weights from `bin_path`; the .bin must be consumed exactly."""
    layers = parse_param(param_path)
    r = _Reader(bin_path)
    for layer in layers:
        loader = _LOADERS.get(layer.type)
        if loader is not None:
            loader(layer, r, bin_path)
        elif layer.type not in NO_WEIGHTS:
            raise NcnnError("%s: layer %s has type %s, which this reader does not know (cannot tell its weight size)"
                            % (param_path, layer.name, layer.type))
    if r.remaining():
        raise NcnnError("%s: %d bytes left over after the last layer (read %d of %d); the .param and .bin do not match"
                        % (bin_path, r.remaining(), r.pos, len(r.data)))
    return layers


def find_layer(layers, name):
    for l in layers:
        if l.name == name:
            return l
    raise KeyError("no ncnn layer named %r" % name)


def weighted_layers(layers):
    """The layers that carry weights, in file order."""
    return [l for l in layers if l.blobs]


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        print("usage: ncnn.py MODEL.param MODEL.bin  (prints the layers)")
        sys.exit(2)
    ls = load_ncnn(sys.argv[1], sys.argv[2])
    total = 0
    for l in ls:
        n = sum(v.size for v in l.blobs.values())
        total += n
        print("%-22s %-28s %s -> %s %s %s" % (l.type, l.name, ",".join(l.bottoms), ",".join(l.tops), l.params,
                                             {k: (tuple(v.shape), str(v.dtype)) for k, v in l.blobs.items()}))
    print("%d layers, %d parameters (%s)" % (len(ls), total, os.path.basename(sys.argv[1])))
