"""peer_torch — the PyTorch side of the peer benchmark (bench/peers/run_peers.py). Run with Debian's /usr/bin/python3.

    /usr/bin/python3 bench/peers/peer_torch.py NET INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]

Builds the reference module of bench/peers/nets.py NET with its converted weights (not timed), reads the padded
network input as raw float32, runs ONE forward (torch.no_grad, torch.set_num_threads(THREADS), one inter-op
thread) and prints {"run_ms", "dims", "vmhwm_kb"} as one JSON line; writes the output as raw float32 if asked.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402
import peer_io  # noqa: E402


def main(argv):
    name, x_np, _, threads, out = peer_io.parse(argv, "peer_torch", "NET")
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    net = nets.build(name)
    x = torch.from_numpy(x_np)
    with torch.no_grad():
        t0 = time.perf_counter()
        y = net(x)
        ms = (time.perf_counter() - t0) * 1e3
    peer_io.report(ms, y.contiguous().numpy(), out)


if __name__ == "__main__":
    main(sys.argv[1:])
