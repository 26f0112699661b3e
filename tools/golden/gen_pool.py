"""Goldens for ops/pool.hpp: max/avg pooling (ceil_mode on odd sizes, padding, dilation, count_include_pad),
adaptive avg/max (divisor and non-divisor sizes), global pools and channel mean/max (CBAM).

Run: /usr/bin/python3 tools/golden/gen_pool.py  -> tests/golden/pool.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def main():
    gen = torch.Generator().manual_seed(31337)
    w = GoldenWriter("pool")

    def rnd(*shape):
        return torch.randn(*shape, generator=gen)

    # max_pool2d: (shape, kernel, stride, padding, dilation, ceil_mode)
    for shape, k, s, p, d, ceil in [((2, 3, 5, 7), 2, 2, 0, 1, False), ((2, 3, 5, 7), 2, 2, 0, 1, True),
                                    ((1, 5, 9, 9), 2, 2, 0, 1, True), ((1, 4, 11, 8), 3, 2, 1, 1, False),
                                    ((1, 4, 11, 8), 3, 2, 1, 1, True), ((2, 3, 9, 10), 3, 1, 1, 2, False),
                                    ((1, 3, 13, 12), 3, 2, 1, 2, True), ((1, 2, 6, 7), (3, 2), (2, 1), (1, 0), 1,
                                                                         False),
                                    ((1, 17, 4, 6), 2, 1, 0, 1, False), ((1, 2, 7, 7), 3, 3, 1, 1, True),
                                    ((1, 2, 10, 10), 4, 3, 2, 1, True)]:
        kk, ss, pp = [v if isinstance(v, tuple) else (v, v) for v in (k, s, p)]
        x = rnd(*shape)
        y = F.max_pool2d(x, kk, ss, pp, d, ceil_mode=ceil)
        w.case(dict(op="max_pool2d", kernel=list(kk), stride=list(ss), padding=list(pp), dilation=d, ceil_mode=ceil),
               x=x, y=y)

    # avg_pool2d: (shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    for shape, k, s, p, ceil, cip, div in [((2, 3, 5, 7), 2, 2, 0, False, True, None),
                                           ((2, 3, 5, 7), 2, 2, 0, True, True, None),
                                           ((2, 3, 5, 7), 2, 2, 0, True, False, None),
                                           ((1, 4, 11, 8), 3, 2, 1, False, True, None),
                                           ((1, 4, 11, 8), 3, 2, 1, False, False, None),
                                           ((1, 4, 11, 8), 3, 2, 1, True, True, None),
                                           ((1, 4, 11, 8), 3, 2, 1, True, False, None),
                                           ((1, 3, 6, 6), 2, 1, 0, False, True, None),
                                           ((1, 2, 10, 10), 4, 3, 2, True, True, None),
                                           ((1, 2, 9, 7), 3, 2, 1, False, True, 4)]:
        x = rnd(*shape)
        y = F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=cip, divisor_override=div)
        w.case(dict(op="avg_pool2d", kernel=[k, k], stride=[s, s], padding=[p, p], ceil_mode=ceil,
                    count_include_pad=cip, divisor_override=div or 0), x=x, y=y)

    # adaptive pools: to 1, to divisors, to non-divisors (7 -> 3), and upwards (5 -> 7).
    for shape, out in [((2, 3, 7, 7), (3, 3)), ((2, 3, 7, 9), (1, 1)), ((1, 4, 8, 12), (4, 6)),
                       ((1, 3, 10, 7), (3, 4)), ((1, 2, 5, 5), (7, 6)), ((1, 2, 13, 11), (5, 2))]:
        x = rnd(*shape)
        w.case(dict(op="adaptive_avg_pool2d", output_size=list(out)), x=x, y=F.adaptive_avg_pool2d(x, out))
        w.case(dict(op="adaptive_max_pool2d", output_size=list(out)), x=x, y=F.adaptive_max_pool2d(x, out))

    # global pools and channel reductions (CBAM)
    for shape in [(2, 5, 5, 7), (1, 19, 6, 9)]:
        x = rnd(*shape) + 0.5
        w.case(dict(op="global_avg_pool2d"), x=x, y=x.mean(dim=(2, 3), keepdim=True))
        w.case(dict(op="global_max_pool2d"), x=x, y=x.amax(dim=(2, 3), keepdim=True))
        w.case(dict(op="channel_mean"), x=x, y=torch.mean(x, dim=1, keepdim=True))
        w.case(dict(op="channel_max"), x=x, y=torch.max(x, dim=1, keepdim=True)[0])
    w.save()


if __name__ == "__main__":
    with torch.no_grad():
        main()
