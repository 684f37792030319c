// A folder of JPEG "photos" made from Fashion-MNIST for the data-pipeline benches (bench:data,
// bench:files): made once, marked complete, reused.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { DATASETS } from '../lib';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// Photos stand-in: a Fashion-MNIST item scaled up (bilinear) to a random 256-500 x 256-500 picture,
// tinted per class over a gradient, with a little noise; JPEG quality 90 with 4:2:0 chroma, as
// cameras and ImageNet's files are. About 68 KB each (ImageNet's average is ~110 KB).
export function makeFolder(root: string, count: number): void {
  const done = path.join(root, 'complete.json');
  if (fs.existsSync(done) && JSON.parse(fs.readFileSync(done, 'utf8')).count === count) return;
  fs.rmSync(root, { recursive: true, force: true });
  const dir = DATASETS['fashion-mnist'].defaultDir;
  const images = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'train-images-idx3-ubyte.gz')));
  const labels = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz')));
  const rand = random(1);
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const label = labels[8 + i];
    const [w, h] = [256 + Math.floor(rand() * 245), 256 + Math.floor(rand() * 245)];
    const item = images.subarray(16 + i * 784, 16 + (i + 1) * 784);
    const tint = [(label * 67) % 256, (label * 131 + 40) % 256, (label * 29 + 90) % 256];
    const ppm = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      const fy = Math.min(27, Math.max(0, ((y + 0.5) * 28) / h - 0.5));
      const y0 = Math.floor(fy),
        y1 = Math.min(27, y0 + 1),
        ty = fy - y0;
      for (let x = 0; x < w; x++) {
        const fx = Math.min(27, Math.max(0, ((x + 0.5) * 28) / w - 0.5));
        const x0 = Math.floor(fx),
          x1 = Math.min(27, x0 + 1),
          tx = fx - x0;
        const v =
          (item[y0 * 28 + x0] * (1 - tx) + item[y0 * 28 + x1] * tx) * (1 - ty) +
          (item[y1 * 28 + x0] * (1 - tx) + item[y1 * 28 + x1] * tx) * ty;
        for (let c = 0; c < 3; c++) {
          const background = (tint[c] * (x + y)) / (w + h);
          ppm[(y * w + x) * 3 + c] = Math.max(
            0,
            Math.min(255, Math.round(0.7 * v + 0.3 * background + (rand() - 0.5) * 64)),
          );
        }
      }
    }
    const folder = path.join(root, `class-${label}`);
    fs.mkdirSync(folder, { recursive: true });
    const pnm = Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), ppm]);
    const run = spawnSync(
      'cjpeg',
      ['-quality', '90', '-outfile', path.join(folder, `${String(i).padStart(5, '0')}.jpg`)],
      { input: pnm },
    );
    if (run.status !== 0)
      throw new Error(`cjpeg failed (apt-get install libjpeg-turbo-progs): ${run.stderr}`);
  }
  fs.writeFileSync(done, JSON.stringify({ count }));
  console.log(`made ${count} JPEGs in ${root} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
