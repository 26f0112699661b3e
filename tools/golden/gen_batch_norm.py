"""Goldens for ops/batch_norm.hpp: F.batch_norm with running statistics (eval) and batch statistics
(training=True), and fold_batch_norm checked against bn(conv(x)) and torch's fuse_conv_bn_weights.

Run: /usr/bin/python3 tools/golden/gen_batch_norm.py  -> tests/golden/batch_norm.safetensors
"""
import torch
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_weights

from common import GoldenWriter


def bn_state(c, gen):
    """Random BN tensors (freshly initialised BN is the identity and would hide bugs)."""
    return dict(running_mean=torch.randn(c, generator=gen) * 0.5,
                running_var=torch.rand(c, generator=gen) * 1.5 + 0.5,
                weight=torch.rand(c, generator=gen) + 0.5,
                bias=torch.randn(c, generator=gen) * 0.3)


def main():
    gen = torch.Generator().manual_seed(1234)
    w = GoldenWriter("batch_norm")

    # Running statistics (eval) and batch statistics (training=True), several ranks, eps values, affine or not.
    for shape, eps, affine, mode in [((2, 5, 5, 7), 1e-5, True, "eval"), ((1, 19, 6, 9), 1e-3, True, "eval"),
                                     ((2, 3, 7, 5), 1e-4, False, "eval"), ((3, 17), 1e-5, True, "eval"),
                                     ((2, 6, 11), 1e-5, True, "eval"), ((2, 5, 5, 7), 1e-5, True, "batch_stats"),
                                     ((1, 19, 6, 9), 1e-5, True, "batch_stats"),
                                     ((3, 7, 4, 3), 1e-3, False, "batch_stats")]:
        c = shape[1]
        # A per-channel offset and scale so batch statistics are far from (0, 1).
        x = torch.randn(*shape, generator=gen) * 2.0 + 3.0
        st = bn_state(c, gen)
        wt, bs = (st["weight"], st["bias"]) if affine else (None, None)
        training = mode == "batch_stats"
        # F.batch_norm updates running stats in training mode: pass clones so the stored ones stay as drawn.
        y = F.batch_norm(x, st["running_mean"].clone(), st["running_var"].clone(), wt, bs, training=training,
                         eps=eps)
        t = dict(x=x, y=y, running_mean=st["running_mean"], running_var=st["running_var"])
        if affine:
            t.update(weight=wt, bias=bs)
        w.case(dict(mode=mode, eps=eps, affine=affine), **t)

    # Folding into a preceding conv2d / conv_transpose2d: y = bn(conv(x)) in eval mode.
    for transposed, cin, cout, k, s, p, groups, bias, eps in [(False, 5, 7, 3, 1, 1, 1, True, 1e-5),
                                                               (False, 6, 4, 3, 2, 1, 2, False, 1e-3),
                                                               (False, 3, 17, 1, 1, 0, 1, True, 1e-5),
                                                               (True, 6, 4, 4, 2, 1, 1, True, 1e-5),
                                                               (True, 6, 4, 3, 2, 1, 2, False, 1e-4)]:
        x = torch.randn(2, cin, 5, 7, generator=gen)
        if transposed:
            cw = torch.randn(cin, cout // groups, k, k, generator=gen) * 0.3
        else:
            cw = torch.randn(cout, cin // groups, k, k, generator=gen) * 0.3
        cb = torch.randn(cout, generator=gen) * 0.2 if bias else None
        st = bn_state(cout, gen)
        if transposed:
            z = F.conv_transpose2d(x, cw, cb, stride=s, padding=p, groups=groups)
        else:
            z = F.conv2d(x, cw, cb, stride=s, padding=p, groups=groups)
        y = F.batch_norm(z, st["running_mean"], st["running_var"], st["weight"], st["bias"], training=False, eps=eps)
        if transposed and groups > 1:
            # torch's fuse_conv_bn_weights assumes groups=1 for transposed weights (its reshape fails): fold by
            # hand, output channel of w[ic, j] = (ic // (cin/g)) * (cout/g) + j, and check it against y below.
            scale = st["weight"] * torch.rsqrt(st["running_var"] + eps)
            fw = (cw.reshape(groups, cin // groups, cout // groups, k, k) *
                  scale.reshape(groups, 1, cout // groups, 1, 1)).reshape(cw.shape)
            fb = ((cb if bias else torch.zeros(cout)) - st["running_mean"]) * scale + st["bias"]
        else:
            fw, fb = fuse_conv_bn_weights(cw, cb, st["running_mean"], st["running_var"], eps, st["weight"],
                                          st["bias"], transpose=transposed)
        conv = F.conv_transpose2d if transposed else F.conv2d
        assert torch.allclose(conv(x, fw, fb, stride=s, padding=p, groups=groups), y, rtol=1e-4, atol=1e-5)
        t = dict(x=x, conv_weight=cw, y=y, folded_weight=fw, folded_bias=fb, **st)
        if bias:
            t["conv_bias"] = cb
        w.case(dict(mode="fold", transposed=transposed, stride=s, padding=p, groups=groups, eps=eps, conv_bias=bias),
               **t)
    w.save()


if __name__ == "__main__":
    with torch.no_grad():
        main()
