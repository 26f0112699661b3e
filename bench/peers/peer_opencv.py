"""peer_opencv — the OpenCV DNN side of the peer benchmark (bench/peers/run_peers.py). Debian's /usr/bin/python3.

    /usr/bin/python3 bench/peers/peer_opencv.py MODEL.onnx INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]

OpenCV 4.6 (Debian python3-opencv), cv2.dnn.readNetFromONNX on the same ONNX export ONNX Runtime runs, backend
DNN_BACKEND_OPENCV, target DNN_TARGET_CPU, cv2.setNumThreads(THREADS). Reading the model and setInput() are not
timed (the counterpart of ONNX Runtime's session creation); ONE forward() is, the first of the net: OpenCV
allocates its blobs and fuses layers lazily in that first forward, as the other drivers' first runs allocate too.
Prints {"run_ms", "dims", "vmhwm_kb"} as one JSON line; writes the output as raw float32 if asked.
"""
import os
import sys
import time

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_io  # noqa: E402


def main(argv):
    model, x, _, threads, out = peer_io.parse(argv, "peer_opencv", "MODEL.onnx")
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    net.setInput(x)
    t0 = time.perf_counter()
    y = net.forward()
    ms = (time.perf_counter() - t0) * 1e3
    peer_io.report(ms, y, out)


if __name__ == "__main__":
    main(sys.argv[1:])
