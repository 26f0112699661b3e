"""peer_torch — the PyTorch side of the peer benchmark (bench/peers/run_peers.py). Run with Debian's /usr/bin/python3.

    /usr/bin/python3 bench/peers/peer_torch.py NET INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]

Builds the reference module of bench/peers/nets.py NET with its converted weights (not timed), reads the padded
network input as raw float32, runs ONE forward (torch.no_grad, torch.set_num_threads(THREADS), one inter-op
thread) and prints {"run_ms", "dims", "vmhwm_kb"} as one JSON line; writes the output as raw float32 if asked.
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402


def vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit("usage: peer_torch.py NET INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]")
    name, path, dims, threads = argv[0], argv[1], [int(v) for v in argv[2].split(",")], int(argv[3])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    net = nets.build(name)
    data = np.fromfile(path, dtype="<f4")
    if data.size != int(np.prod(dims)):
        sys.exit("peer_torch: %s holds %d floats, expected %d for %s" % (path, data.size, int(np.prod(dims)), dims))
    x = torch.from_numpy(data).reshape(dims)
    with torch.no_grad():
        t0 = time.perf_counter()
        y = net(x)
        ms = (time.perf_counter() - t0) * 1e3
    if len(argv) == 5:
        y.contiguous().numpy().astype("<f4").tofile(argv[4])
    print(json.dumps({"run_ms": ms, "dims": list(y.shape), "vmhwm_kb": vmhwm_kb()}))


if __name__ == "__main__":
    main(sys.argv[1:])
