"""Graph helpers shared by the Real-ESRGAN maps (rrdbnet.py, srvgg_compact.py): follow blobs through ncnn's Split
layers, find who produces / consumes a blob, and check a Convolution's hyper-parameters and fused activation.

ncnn Convolution parameter ids used here: 0 num_output, 1 kernel_w (11 kernel_h), 2 dilation_w (12 dilation_h),
3 stride_w (13 stride_h), 4 pad_left (14 pad_top, 15 pad_right, 16 pad_bottom; the later ones default to pad_left),
5 bias_term, 9 activation_type (0 none, 1 ReLU, 2 LeakyReLU with slope 10=[a], ...), 10 activation_params.
"""


class MapError(ValueError):
    pass


class Graph:
    def __init__(self, layers, what):
        self.layers = layers
        self.what = what
        self.alias = {}  # Split output -> Split input
        for l in layers:
            if l.type == "Split":
                for t in l.tops:
                    self.alias[t] = l.bottoms[0]
        self.producer = {}
        self.consumers = {}
        for l in layers:
            for t in l.tops:
                self.producer[t] = l
            if l.type == "Split":
                continue
            for b in l.bottoms:
                self.consumers.setdefault(self.root(b), []).append(l)
        inputs = [l for l in layers if l.type == "Input"]
        if len(inputs) != 1:
            self.fail("expected one Input layer, found %d" % len(inputs))
        self.input = inputs[0].tops[0]

    def fail(self, text, layer=None):
        where = " (layer %s %s)" % (layer.type, layer.name) if layer is not None else ""
        raise MapError("%s: %s%s" % (self.what, text, where))

    def root(self, blob):
        """The blob name behind any chain of Split outputs."""
        while blob in self.alias:
            blob = self.alias[blob]
        return blob

    def bottoms(self, layer):
        return [self.root(b) for b in layer.bottoms]

    def out(self, layer):
        if len(layer.tops) != 1:
            self.fail("expected one output blob, got %d" % len(layer.tops), layer)
        return layer.tops[0]

    def only_consumer(self, blob, type_, after=None):
        """The single layer of type `type_` that reads `blob` (other consumers of other types are allowed)."""
        cands = [l for l in self.consumers.get(self.root(blob), []) if l.type == type_]
        if len(cands) != 1:
            who = after if after is not None else self.producer.get(self.root(blob))
            self.fail("expected one %s layer reading blob %r, found %d" % (type_, blob, len(cands)), who)
        return cands[0]

    def check_conv(self, l, cin, cout, act, slope=None):
        """A 3x3 / stride 1 / pad 1 / dilation 1 convolution with bias, cin -> cout, fused activation `act`
        (None, 'relu' or 'leaky') with LeakyReLU slope `slope`."""
        if l.type != "Convolution":
            self.fail("expected a Convolution", l)
        p = l.p
        kw, kh = p(1, 1), p(11, p(1, 1))
        sw, sh = p(3, 1), p(13, p(3, 1))
        dw, dh = p(2, 1), p(12, p(2, 1))
        pl = p(4, 0)
        pads = (pl, p(14, pl), p(15, pl), p(16, p(14, pl)))
        if (kw, kh, sw, sh, dw, dh) != (3, 3, 1, 1, 1, 1) or pads != (1, 1, 1, 1):
            self.fail("expected a 3x3 conv, stride 1, dilation 1, padding 1; got kernel %dx%d stride %dx%d "
                      "dilation %dx%d pads %s" % (kh, kw, sh, sw, dh, dw, pads), l)
        if p(5, 0) != 1 or "bias" not in l.blobs:
            self.fail("expected a bias", l)
        w = l.blobs["weight"]
        if tuple(w.shape) != (cout, cin, 3, 3):
            self.fail("weight %s, expected %s" % (tuple(w.shape), (cout, cin, 3, 3)), l)
        a = p(9, 0)
        if act is None and a != 0:
            self.fail("unexpected fused activation %d" % a, l)
        if act == "relu" and not (a == 1 or (a == 2 and p(10, [0.0])[0] == 0.0)):
            self.fail("expected a fused ReLU, got activation %d %s" % (a, p(10)), l)
        if act == "leaky":
            vals = p(10, [])
            if a != 2 or len(vals) != 1 or abs(vals[0] - slope) > 1e-7:
                self.fail("expected a fused LeakyReLU(%g), got activation %d %s" % (slope, a, vals), l)
        return l

    def conv_tensors(self, l):
        return l.blobs["weight"], l.blobs["bias"]
