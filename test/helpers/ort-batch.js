// Runs ONNX models in onnxruntime-node outside jest's module realm (onnxruntime checks typed arrays
// with instanceof, which fails across jest's vm contexts). Usage: node ort-batch.js manifest.json,
// where the manifest lists {model, input, shape, output}: float32 raw files in, float32 raw files out;
// each job's output shape is printed (e.g. 2x10). Warnings and above go to stderr.
const fs = require('fs');
const ort = require('onnxruntime-node');

(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    const bytes = fs.readFileSync(job.input);
    const input = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const session = await ort.InferenceSession.create(job.model, { logSeverityLevel: 2 });
    const out = await session.run({ input: new ort.Tensor('float32', input, job.shape) });
    fs.writeFileSync(job.output, Buffer.from(out.logits.data.buffer));
    console.log(out.logits.dims.join('x'));
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
