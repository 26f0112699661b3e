#!/usr/bin/python3
"""Turns the JSON of bench/models benches (bench_sr_models, bench_generators; --benchmark_out=F.json) into the
markdown table of bench/models/README.md: one row per model and image size, the 1- and 2-thread runs side by side.

    tools/bench/model_table.py run/bench_sr_models.json run/bench_generators.json > table.md

Columns: wall time (real time), CPU time of all threads, conv GFLOP of one forward, GFLOP per CPU-second
(conv GFLOP / CPU time: the machine's load does not inflate it), peak resident memory of the benchmark and what
forward() added to it (peak_MiB, run_MiB; bench/models/model_bench.hpp). Skipped benchmarks are listed with their
reason. Needs only the standard library.
"""
import json
import re
import sys


def parse(name):
    # BM_sr/<model>/size:256/threads:1/process_time/real_time
    parts = name.split("/")
    args = dict(p.split(":") for p in parts if ":" in p)
    return parts[1], int(args["size"]), int(args["threads"])


def fmt(v, digits=0):
    return "—" if v is None else ("%.*f" % (digits, v))


def main(paths):
    rows, skipped, order, contexts = {}, [], [], []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        ctx = data["context"]
        contexts.append("%s: %s, load average %s" % (path.split("/")[-1], ctx["date"],
                                                        " ".join("%.1f" % x for x in ctx.get("load_avg", []))))
        for b in data["benchmarks"]:
            if not re.match(r"BM_(sr|gen)/", b["name"]) or b.get("run_type") != "iteration":
                continue
            model, size, threads = parse(b["name"])
            if b.get("error_occurred"):
                if (model, b["error_message"]) not in skipped:
                    skipped.append((model, b["error_message"]))
                continue
            key = (model, size)
            if key not in rows:
                rows[key] = {}
                order.append(key)
            rows[key][threads] = b
    print("| model | image | net input | wall ms 1T | wall ms 2T | CPU ms 1T | CPU ms 2T | conv GFLOP |"
          " GFLOP/CPU-s 1T | GFLOP/CPU-s 2T | peak MiB 1T | run MiB 1T | run MiB 2T |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in order:
        r = rows[key]
        one, two = r.get(1), r.get(2)
        any_run = one or two
        net_input = any_run.get("label", "").split("net input ")[-1]
        gflop = any_run.get("conv_GFLOP")

        def get(run, field):
            return None if run is None else run.get(field)

        def rate(run):
            return None if run is None or not gflop else gflop / (run["cpu_time"] / 1000.0)
        print("| %s | %d² | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            key[0], key[1], net_input, fmt(get(one, "real_time")), fmt(get(two, "real_time")),
            fmt(get(one, "cpu_time")), fmt(get(two, "cpu_time")), fmt(gflop, 1), fmt(rate(one), 1),
            fmt(rate(two), 1), fmt(get(one, "peak_MiB")), fmt(get(one, "run_MiB")), fmt(get(two, "run_MiB"))))
    if skipped:
        print()
        for model, why in skipped:
            print("- `%s` skipped: %s" % (model, why))
    print()
    for c in contexts:
        print("- " + c)


if __name__ == "__main__":
    main(sys.argv[1:])
