"""Goldens for ops/activation.hpp: point-wise activations over a sweep of inputs (large |x|, 0, -0, tiny,
negatives), prelu with a shared and a per-channel slope, softmax / log_softmax over several dims.

Run: /usr/bin/python3 tools/golden/gen_activation.py  -> tests/golden/activation.safetensors
"""
import torch
import torch.nn.functional as F

from common import GoldenWriter


def sweep_input(gen):
    """[2, 5, 7, 9]: random values of several magnitudes plus the special points of each formula."""
    x = torch.randn(2, 5, 7, 9, generator=gen) * 4.0
    special = torch.tensor([0.0, -0.0, 1e-7, -1e-7, 1e-3, -1e-3, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 10.0, -10.0,
                            20.0, -20.0, 50.0, -50.0, 88.0, -88.0, 89.0, -89.0, 100.0, -100.0, 1e4, -1e4, 1e30,
                            -1e30])
    flat = x.view(-1)
    flat[:special.numel()] = special
    flat[200:260] = torch.linspace(-30.0, 30.0, 60)
    return x


def main():
    gen = torch.Generator().manual_seed(2024)
    w = GoldenWriter("activation")
    x = sweep_input(gen)
    pointwise = [("relu", {}, F.relu(x)),
                 ("leaky_relu", {"alpha": 0.01}, F.leaky_relu(x, 0.01)),
                 ("leaky_relu", {"alpha": 0.2}, F.leaky_relu(x, 0.2)),
                 ("leaky_relu", {"alpha": 0.1}, F.leaky_relu(x, 0.1)),
                 ("elu", {"alpha": 1.0}, F.elu(x, 1.0)),
                 ("elu", {"alpha": 0.5}, F.elu(x, 0.5)),
                 ("gelu", {}, F.gelu(x)),
                 ("sigmoid", {}, torch.sigmoid(x)),
                 ("tanh", {}, torch.tanh(x)),
                 ("hardtanh", {"lo": -1.0, "hi": 1.0}, F.hardtanh(x, -1.0, 1.0)),
                 ("clamp", {"lo": 0.0, "hi": 1.0}, torch.clamp(x, 0.0, 1.0)),
                 ("clamp", {"lo": -0.5, "hi": 2.5}, torch.clamp(x, -0.5, 2.5))]
    for op, params, y in pointwise:
        w.case(dict(op=op, **params), x=x, y=y)

    # PReLU: one shared slope (nn.PReLU()) and one per channel (nn.PReLU(C)), slopes of both signs.
    w.case(dict(op="prelu"), x=x, weight=torch.tensor([0.25]), y=F.prelu(x, torch.tensor([0.25])))
    slopes = torch.tensor([0.1, -0.3, 0.0, 1.5, 0.02])
    w.case(dict(op="prelu"), x=x, weight=slopes, y=F.prelu(x, slopes))
    x3 = torch.randn(3, 4, 10, generator=gen)
    slopes3 = torch.rand(4, generator=gen)
    w.case(dict(op="prelu"), x=x3, weight=slopes3, y=F.prelu(x3, slopes3))

    # Softmax / log_softmax: logits large enough that an unstabilised exp would overflow (scale 40).
    for op, shape, dim, scale in [("softmax", (2, 5, 7, 9), 1, 3.0), ("softmax", (2, 5, 7, 9), -1, 3.0),
                                  ("softmax", (2, 5, 7, 9), 0, 3.0), ("softmax", (2, 5, 7, 9), 2, 3.0),
                                  ("softmax", (3, 300), -1, 40.0), ("softmax", (2, 70, 3, 5), 1, 40.0),
                                  ("log_softmax", (2, 5, 7, 9), -1, 3.0), ("log_softmax", (2, 5, 7, 9), 1, 3.0),
                                  ("log_softmax", (3, 300), -1, 40.0)]:
        xs = torch.randn(*shape, generator=gen) * scale
        fn = F.softmax if op == "softmax" else F.log_softmax
        w.case(dict(op=op, dim=dim), x=xs, y=fn(xs, dim=dim))
    w.save()


if __name__ == "__main__":
    with torch.no_grad():
        main()
