"""peer_opencv — the OpenCV DNN side of the peer benchmark (bench/peers/run_peers.py). Debian's /usr/bin/python3.

    /usr/bin/python3 bench/peers/peer_opencv.py MODEL.onnx INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]

OpenCV 4.6 (Debian python3-opencv), cv2.dnn.readNetFromONNX on the same ONNX export ONNX Runtime runs, backend
DNN_BACKEND_OPENCV, target DNN_TARGET_CPU, cv2.setNumThreads(THREADS). Reading the model and setInput() are not
timed (the counterpart of ONNX Runtime's session creation); ONE forward() is, the first of the net: OpenCV
allocates its blobs and fuses layers lazily in that first forward, as the other drivers' first runs allocate too.
Prints {"run_ms", "dims", "vmhwm_kb"} as one JSON line; writes the output as raw float32 if asked.
"""
import json
import sys
import time

import cv2
import numpy as np


def vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit("usage: peer_opencv.py MODEL.onnx INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]")
    model, path, dims, threads = argv[0], argv[1], [int(v) for v in argv[2].split(",")], int(argv[3])
    cv2.setNumThreads(threads)
    data = np.fromfile(path, dtype="<f4")
    if data.size != int(np.prod(dims)):
        sys.exit("peer_opencv: %s holds %d floats, expected %d for %s" % (path, data.size, int(np.prod(dims)), dims))
    net = cv2.dnn.readNetFromONNX(model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    net.setInput(data.reshape(dims))
    t0 = time.perf_counter()
    y = net.forward()
    ms = (time.perf_counter() - t0) * 1e3
    if len(argv) == 5:
        np.ascontiguousarray(y, dtype="<f4").tofile(argv[4])
    print(json.dumps({"run_ms": ms, "dims": list(y.shape), "vmhwm_kb": vmhwm_kb()}))


if __name__ == "__main__":
    main(sys.argv[1:])
