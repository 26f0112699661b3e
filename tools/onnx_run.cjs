#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (npm onnxruntime-node) on one float32 input tensor stored as raw
// little-endian bytes, and writes the first output (or --output NAME) the same way. Used to check pixforge's
// models against the original ONNX graphs (tools/verify_isnet.py).
//
//   cd tools/cache/ort && npm install --ignore-scripts onnxruntime-node@1.30.0     (once; the install script
//                                                                                 only fetches optional CUDA files)
//   node tools/onnx_run.cjs model.onnx input.f32 1,3,1024,1024 output.f32 [--input input] [--output output]
//
// The session uses the same options as @imgly/background-removal-node (graphOptimizationLevel "all").
const fs = require("fs");
const path = require("path");
const ortDir = process.env.ORT_NODE_MODULES || path.join(__dirname, "cache", "ort", "node_modules");
const ort = require(path.join(ortDir, "onnxruntime-node"));

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    if (i < 0) return def;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const inputName = opt("--input", "input");
  const outputName = opt("--output", null);
  if (args.length !== 4) {
    console.error("usage: node tools/onnx_run.cjs model.onnx input.f32 N,C,H,W output.f32 [--input NAME] [--output NAME]");
    process.exit(2);
  }
  const [model, inFile, dimsStr, outFile] = args;
  const dims = dimsStr.split(",").map(Number);
  const buf = fs.readFileSync(inFile);
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== 4 * n) throw new Error(`${inFile}: ${buf.length} bytes, expected ${4 * n} for [${dims}]`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: "all" });
  const t0 = process.hrtime.bigint();
  const out = await session.run({ [inputName]: new ort.Tensor("float32", data, dims) });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const name = outputName || session.outputNames[0];
  const y = out[name];
  fs.writeFileSync(outFile, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  console.log(JSON.stringify({ output: name, dims: y.dims, type: y.type, run_ms: ms }));
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
