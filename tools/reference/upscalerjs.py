"""UpscalerJS / idealo image-super-resolution networks (RDN and RRDN): PyTorch reference definitions.

Written from the TF.js layers-model topologies (model.json `modelTopology.model_config.config.layers`) of the npm
packages @upscalerjs/esrgan-slim@1.0.0, @upscalerjs/esrgan-medium@1.0.0 and @upscalerjs/models@0.9.0 (MIT); our own
code. tools/convert_tfjs.py maps the Keras layer names to these modules' state_dict keys and checks that a
model.json has exactly the graph `rdn_topology()` / `rrdn_topology()` below describe.

Every Conv2D is stride 1, dilation 1, with bias, linear activation, padding 'same' (1x1 convs: 'same' or 'valid',
identical); for stride 1 and odd kernels TF 'SAME' pads k//2 on every side, which is PyTorch's padding=k//2. Keras
kernels are [kh, kw, in, out] (HWIO) and become [out, in, kh, kw] (no flip). Tensors here are NCHW; Keras
Concatenate(axis=3) on NHWC is torch.cat(dim=1).

RDN (idealo `RDN`, "ups" upscaling), Keras names -> keys:
    F_m1 -> sfe1 (3x3, c_dim -> G0)          F_0 -> sfe2 (3x3, G0 -> G0)
    for d in 1..D:  RDB input x_d (F_0 for d = 1, else LRL_{d-1})
        F_d_c -> rdbs.<d-1>.convs.<c-1>      3x3, G0 + (c-1)*G -> G, ReLU, c = 1..C; input = concat[x_d, f_1..f_{c-1}]
        LFF_d -> rdbs.<d-1>.lff              1x1, G0 + C*G -> G0 on concat[x_d, f_1..f_C]
        LRL_d = LFF_d + x_d
    GFF_1 -> gff1 (1x1, D*G0 -> G0) on concat[LRL_1..LRL_D];  GFF_2 -> gff2 (3x3, G0 -> G0)
    FDF = GFF_2 + F_m1
    UPN1 -> upn1 (5x5, G0 -> 64) ReLU;  UPN2 -> upn2 (3x3, 64 -> 32) ReLU;  UPN3 -> upn3 (3x3, 32 -> c_dim*scale^2)
    UPsample = UpSampling2D(scale, nearest);  SR -> sr (3x3, c_dim*scale^2 -> c_dim), no output activation.
  (For C = 1, D = 2 ... the same; UpscalerJS "slim" is C1 D2 G4 G0 64, "medium" C1 D10 G64 G0 64, the div2k and
  idealo psnr-small models C3 D10 G64 G0 64.) Value range: see pixforge.config "range" written by the converter.

RRDN (idealo `RRDN`, the `gans` model), Keras names -> keys:
    Pre_blocks_conv -> pre_conv (3x3, c_dim -> G0)
    for t in 1..T (RRDB), d in 1..D (RDB in it), c in 1..C:
        F_t_d_c -> rrdbs.<t-1>.rdbs.<d-1>.convs.<c-1>   3x3, G0 + (c-1)*G -> G, ReLU, dense concat as in RDN
        LFF_t_d -> rrdbs.<t-1>.rdbs.<d-1>.lff           3x3 (!), G0 + C*G -> G0
        LRL_t_d = x + beta * LFF_t_d                     (MultiplyBeta custom layer, beta = 0.2)
        RRDB_t_out = RRDB input + beta * LRL_t_D
    post_blocks_conv -> post_conv (3x3);  GRL = post_conv + Pre_blocks_conv
    PreShuffle -> pre_shuffle (3x3, G0 -> c_dim*scale^2)
    PixelShuffle custom layer = tf.depthToSpace(x, scale, 'NHWC'): TensorFlow's DCR channel order,
        y[c, h*r+i, w*r+j] = x[(i*r+j)*C + c, h, w]   (NOT torch pixel_shuffle's c*r*r + i*r + j)
    SR -> sr (3x3, c_dim -> c_dim), no output activation. RGB in [0, 1].
"""
import torch
import torch.nn.functional as F
from torch import nn

BETA = 0.2


def conv(cin, cout, k):
    return nn.Conv2d(cin, cout, k, 1, k // 2, bias=True)


def depth_to_space(x, r):
    """tf.nn.depth_to_space on an NCHW tensor (DCR order)."""
    n, crr, h, w = x.shape
    c = crr // (r * r)
    return x.view(n, r, r, c, h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c, h * r, w * r)


class DenseBlock(nn.Module):
    """C densely connected kxk convs with ReLU (growth G) and a local-fusion conv back to G0 (no residual here)."""

    def __init__(self, G0, G, C, k, lff_k):
        super().__init__()
        self.convs = nn.ModuleList([conv(G0 + i * G, G, k) for i in range(C)])
        self.lff = conv(G0 + C * G, G0, lff_k)

    def forward(self, x):
        feats = x
        for cv in self.convs:
            feats = torch.cat((feats, F.relu(cv(feats))), 1)
        return self.lff(feats)


class RDN(nn.Module):
    def __init__(self, G0=64, G=64, C=3, D=10, scale=2, c_dim=3, kernel_size=3, upn=(64, 32), **_):
        super().__init__()
        k = kernel_size
        self.scale = scale
        self.sfe1 = conv(c_dim, G0, k)
        self.sfe2 = conv(G0, G0, k)
        self.rdbs = nn.ModuleList([DenseBlock(G0, G, C, k, 1) for _ in range(D)])
        self.gff1 = conv(D * G0, G0, 1)
        self.gff2 = conv(G0, G0, k)
        self.upn1 = conv(G0, upn[0], 5)
        self.upn2 = conv(upn[0], upn[1], 3)
        self.upn3 = conv(upn[1], c_dim * scale * scale, 3)
        self.sr = conv(c_dim * scale * scale, c_dim, k)

    def forward(self, x):
        f_m1 = self.sfe1(x)
        h = self.sfe2(f_m1)
        lrls = []
        for rdb in self.rdbs:
            h = rdb(h) + h
            lrls.append(h)
        h = self.gff2(self.gff1(torch.cat(lrls, 1))) + f_m1
        h = F.relu(self.upn1(h))
        h = F.relu(self.upn2(h))
        h = F.interpolate(self.upn3(h), scale_factor=self.scale, mode="nearest")
        return self.sr(h)


class RRDB(nn.Module):
    def __init__(self, G0, G, C, D, k):
        super().__init__()
        self.rdbs = nn.ModuleList([DenseBlock(G0, G, C, k, k) for _ in range(D)])

    def forward(self, x):
        h = x
        for rdb in self.rdbs:
            h = h + BETA * rdb(h)
        return x + BETA * h


class RRDN(nn.Module):
    def __init__(self, G0=32, G=32, C=4, D=3, T=10, scale=4, c_dim=3, kernel_size=3, **_):
        super().__init__()
        k = kernel_size
        self.scale = scale
        self.pre_conv = conv(c_dim, G0, k)
        self.rrdbs = nn.ModuleList([RRDB(G0, G, C, D, k) for _ in range(T)])
        self.post_conv = conv(G0, G0, k)
        self.pre_shuffle = conv(G0, c_dim * scale * scale, k)
        self.sr = conv(c_dim, c_dim, k)

    def forward(self, x):
        pre = self.pre_conv(x)
        h = pre
        for b in self.rrdbs:
            h = b(h)
        h = self.post_conv(h) + pre
        return self.sr(depth_to_space(self.pre_shuffle(h), self.scale))


# ---- the Keras graphs, as (name, class, inbound names, {filters, kernel} for Conv2D) ------------------------------

def _conv(name, inp, filters, k):
    return (name, "Conv2D", [inp], {"filters": filters, "kernel": k})


def _dense_block(out, prefix, x, G0, G, C, lff_k, concat_prefix, lff_name):
    """Layers of one dense block whose input tensor is named x; returns the name of its LFF output."""
    feats = x
    for c in range(1, C + 1):
        f = "F_%s_%d" % (prefix, c)
        out.append(_conv(f, feats, G, 3))
        out.append((f + "_Relu", "Activation", [f], {"activation": "relu"}))
        cat = "%s_%s_%d" % (concat_prefix, prefix, c)
        out.append((cat, "Concatenate", [feats, f + "_Relu"], {}))
        feats = cat
    out.append(_conv(lff_name, feats, G0, lff_k))
    return lff_name


def rdn_topology(G0, G, C, D, scale, c_dim=3, upn=(64, 32), **_):
    L = [("LR", "InputLayer", [], {})]
    L.append(_conv("F_m1", "LR", G0, 3))
    L.append(_conv("F_0", "F_m1", G0, 3))
    x = "F_0"
    lrls = []
    for d in range(1, D + 1):
        lff = _dense_block(L, str(d), x, G0, G, C, 1, "RDB_Concat", "LFF_%d" % d)
        L.append(("LRL_%d" % d, "Add", [lff, x], {}))
        x = "LRL_%d" % d
        lrls.append(x)
    L.append(("LRLs_Concat", "Concatenate", lrls, {}))
    L.append(_conv("GFF_1", "LRLs_Concat", G0, 1))
    L.append(_conv("GFF_2", "GFF_1", G0, 3))
    L.append(("FDF", "Add", ["GFF_2", "F_m1"], {}))
    L.append(_conv("UPN1", "FDF", upn[0], 5))
    L.append(("UPN1_Relu", "Activation", ["UPN1"], {"activation": "relu"}))
    L.append(_conv("UPN2", "UPN1_Relu", upn[1], 3))
    L.append(("UPN2_Relu", "Activation", ["UPN2"], {"activation": "relu"}))
    L.append(_conv("UPN3", "UPN2_Relu", c_dim * scale * scale, 3))
    L.append(("UPsample", "UpSampling2D", ["UPN3"], {"size": [scale, scale]}))
    L.append(_conv("SR", "UPsample", c_dim, 3))
    return L


def rrdn_topology(G0, G, C, D, T, scale, c_dim=3, **_):
    """Layer order differs from the file (the MultiplyBeta layers have generated names); compared as a graph."""
    L = [("LR_input", "InputLayer", [], {})]
    L.append(_conv("Pre_blocks_conv", "LR_input", G0, 3))
    x = "Pre_blocks_conv"
    for t in range(1, T + 1):
        rrdb_in = x
        for d in range(1, D + 1):
            lff = _dense_block(L, "%d_%d" % (t, d), x, G0, G, C, 3, "RDB_Concat", "LFF_%d_%d" % (t, d))
            L.append(("beta(%s)" % lff, "MultiplyBeta", [lff], {"beta": BETA}))
            L.append(("LRL_%d_%d" % (t, d), "Add", [x, "beta(%s)" % lff], {}))
            x = "LRL_%d_%d" % (t, d)
        L.append(("beta(%s)" % x, "MultiplyBeta", [x], {"beta": BETA}))
        L.append(("RRDB_%d_out" % t, "Add", [rrdb_in, "beta(%s)" % x], {}))
        x = "RRDB_%d_out" % t
    L.append(_conv("post_blocks_conv", x, G0, 3))
    L.append(("GRL", "Add", ["post_blocks_conv", "Pre_blocks_conv"], {}))
    L.append(_conv("PreShuffle", "GRL", c_dim * scale * scale, 3))
    L.append(("shuffle(PreShuffle)", "PixelShuffle", ["PreShuffle"], {"scale": scale}))
    L.append(_conv("SR", "shuffle(PreShuffle)", c_dim, 3))
    return L


def rdn_key(layer):
    """Keras layer name -> state_dict prefix for RDN, or None."""
    p = layer.split("_")
    fixed = {"F_m1": "sfe1", "F_0": "sfe2", "GFF_1": "gff1", "GFF_2": "gff2", "UPN1": "upn1", "UPN2": "upn2",
             "UPN3": "upn3", "SR": "sr"}
    if layer in fixed:
        return fixed[layer]
    if p[0] == "F" and len(p) == 3:
        return "rdbs.%d.convs.%d" % (int(p[1]) - 1, int(p[2]) - 1)
    if p[0] == "LFF" and len(p) == 2:
        return "rdbs.%d.lff" % (int(p[1]) - 1)
    return None


def rrdn_key(layer):
    p = layer.split("_")
    fixed = {"Pre_blocks_conv": "pre_conv", "post_blocks_conv": "post_conv", "PreShuffle": "pre_shuffle", "SR": "sr"}
    if layer in fixed:
        return fixed[layer]
    if p[0] == "F" and len(p) == 4:
        return "rrdbs.%d.rdbs.%d.convs.%d" % (int(p[1]) - 1, int(p[2]) - 1, int(p[3]) - 1)
    if p[0] == "LFF" and len(p) == 3:
        return "rrdbs.%d.rdbs.%d.lff" % (int(p[1]) - 1, int(p[2]) - 1)
    return None
