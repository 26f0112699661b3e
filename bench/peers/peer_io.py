"""peer_io — what the Python peer drivers (peer_torch.py, peer_opencv.py) share: their command line, the raw float32
input, and the one JSON line they print. Imports numpy only, so a driver's peak RSS holds just its own runtime.

    DRIVER.py MODEL INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]
"""
import json
import sys

import numpy as np


def vmhwm_kb():
    """Peak resident set of this process so far (Linux /proc/self/status VmHWM), in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def parse(argv, tool, model_arg):
    """(model, input as float32 array of dims, dims, threads, output path or None); exits with usage or a size error."""
    if len(argv) not in (4, 5):
        sys.exit("usage: %s.py %s INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]" % (tool, model_arg))
    model, path, dims, threads = argv[0], argv[1], [int(v) for v in argv[2].split(",")], int(argv[3])
    data = np.fromfile(path, dtype="<f4")
    if data.size != int(np.prod(dims)):
        sys.exit("%s: %s holds %d floats, expected %d for %s" % (tool, path, data.size, int(np.prod(dims)), dims))
    return model, data.reshape(dims), dims, threads, argv[4] if len(argv) == 5 else None


def report(ms, y, out):
    """Writes y (a numpy array) as raw float32 to out if given; prints {"run_ms", "dims", "vmhwm_kb"}."""
    if out is not None:
        np.ascontiguousarray(y, dtype="<f4").tofile(out)
    print(json.dumps({"run_ms": ms, "dims": list(y.shape), "vmhwm_kb": vmhwm_kb()}))
