// tools/run_tfjs.js — runs an UpscalerJS TF.js layers model with the original TensorFlow.js (CPU backend) on one
// input, for comparing pixforge / the PyTorch reference against it (tools/golden/gen_upscalerjs.py uses it).
//
//   mkdir -p tools/cache/tfjs && (cd tools/cache/tfjs && npm init -y && npm install --ignore-scripts @tensorflow/tfjs@4.11.0)
//   NODE_PATH=tools/cache/tfjs/node_modules node tools/run_tfjs.js MODEL_DIR IN.json OUT.json
//
// IN.json: {"shape": [1, H, W, 3], "data": [...]} (NHWC, in the model's value range); OUT.json likewise plus the
// backend and tfjs version. @tensorflow/tfjs 4.11 is the version the @upscalerjs/esrgan-* packages ask for. The
// custom layers of the RRDN `gans` model are registered as UpscalerJS defines them: MultiplyBeta (x * 0.2) and
// PixelShuffle (tf.depthToSpace(x, scale, 'NHWC')).
const tf = require('@tensorflow/tfjs');
const fs = require('fs');
const path = require('path');
class MultiplyBeta extends tf.layers.Layer {
  constructor(cfg) { super(cfg || {}); this.beta = 0.2; }
  call(inputs) { const x = Array.isArray(inputs) ? inputs[0] : inputs; return tf.mul(x, this.beta); }
  static get className() { return 'MultiplyBeta'; }
}
class PixelShuffle extends tf.layers.Layer {
  constructor(cfg) { super(cfg || {}); this.scale = cfg.scale; }
  computeOutputShape(s) { return [s[0], s[1] && s[1] * this.scale, s[2] && s[2] * this.scale, 3]; }
  call(inputs) { const x = Array.isArray(inputs) ? inputs[0] : inputs; return tf.depthToSpace(x, this.scale, 'NHWC'); }
  getConfig() { return Object.assign(super.getConfig(), {scale: this.scale}); }
  static get className() { return 'PixelShuffle'; }
}
tf.serialization.registerClass(MultiplyBeta);
tf.serialization.registerClass(PixelShuffle);
const handler = {
  load: async () => {
    const dir = process.argv[2];
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json')));
    const specs = [], bufs = [];
    for (const g of m.weightsManifest) { for (const w of g.weights) specs.push(w); for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p))); }
    const all = Buffer.concat(bufs);
    const ab = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    return {modelTopology: m.modelTopology, weightSpecs: specs, weightData: ab, format: m.format};
  }
};
(async () => {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(handler);
  const inp = JSON.parse(fs.readFileSync(process.argv[3]));
  const x = tf.tensor(inp.data, inp.shape, 'float32');
  const y = model.predict(x);
  fs.writeFileSync(process.argv[4], JSON.stringify({shape: y.shape, data: Array.from(await y.data()), backend: tf.getBackend(), version: tf.version.tfjs}));
})().catch(e => { console.error(e); process.exit(1); });
