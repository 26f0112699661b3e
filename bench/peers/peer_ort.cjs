#!/usr/bin/env node
// peer_ort — the ONNX Runtime side of the peer benchmark (bench/peers/run_peers.py).
//
//   node bench/peers/peer_ort.cjs MODEL.onnx INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]
//
// npm onnxruntime-node@1.30.0 (CPU execution provider, MLAS kernels), installed by run_peers.py into
// tools/cache/ort (ORT_NODE_MODULES overrides). Session creation (graph optimisation level "all", THREADS intra-op
// threads, one inter-op thread, sequential execution) is not timed; ONE run() is, the first of the session, like the
// other drivers. Prints {"run_ms", "dims", "vmhwm_kb"} as one JSON line; writes output 0 as raw float32 if asked.
const fs = require("fs");
const path = require("path");
const ortDir = process.env.ORT_NODE_MODULES || path.join(__dirname, "..", "..", "tools", "cache", "ort", "node_modules");
const ort = require(path.join(ortDir, "onnxruntime-node"));

function vmhwmKb() {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : -1;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 4 && args.length !== 5) {
    console.error("usage: node peer_ort.cjs MODEL.onnx INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]");
    process.exit(2);
  }
  const [model, inFile, dimsStr, threadsStr, outFile] = args;
  const dims = dimsStr.split(",").map(Number);
  const buf = fs.readFileSync(inFile);
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== 4 * n) throw new Error(`${inFile}: ${buf.length} bytes, expected ${4 * n} for [${dims}]`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: "all",
    intraOpNumThreads: Number(threadsStr),
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", data, dims) };
  const t0 = process.hrtime.bigint();
  const out = await session.run(feeds);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const y = out[session.outputNames[0]];
  if (outFile) fs.writeFileSync(outFile, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  console.log(JSON.stringify({ run_ms: ms, dims: y.dims, vmhwm_kb: vmhwmKb() }));
}

main().catch((e) => {
  console.error("peer_ort: " + (e.message || e));
  process.exit(1);
});
