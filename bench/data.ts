// npm run bench:data — the image-folder data pipeline: decoded and augmented images per second at
// 224 x 224 (RandomResizedCrop + flip + normalize) from a folder of JPEGs, per decode-thread count,
// beside torchvision's ImageFolder + DataLoader with as many workers on the same files (persistent
// workers, timed after an untimed epoch), alternating in one run so both see the same machine and page
// cache. Also checks that the evaluation transform (Resize + CenterCrop) gives torchvision's pixels on
// the first files.
//
//   npm run bench:data -- [--images 2000] [--threads 1,2,4] [--batch 64] [--size 224] [--rounds 2]
//                         [--dir runs/bench-data] [--python /usr/bin/python3]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import * as zlib from 'zlib';
import { augmentationFor, DATASETS, info, loadImageFolder, type Dataset } from '../lib';
import { packageRoot } from '../lib/native';
import { median } from '../lib/util/statistics';
import { wholeFlag } from './flags';

interface Args {
  images: number;
  threads: number[];
  batch: number;
  size: number;
  rounds: number;
  dir: string;
  python: string;
  check: number;
}

function readArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      images: { type: 'string', default: '2000' },
      threads: { type: 'string', default: '1,2,4' },
      batch: { type: 'string', default: '64' },
      size: { type: 'string', default: '224' },
      rounds: { type: 'string', default: '2' },
      dir: { type: 'string', default: path.join('runs', 'bench-data') },
      python: { type: 'string', default: '/usr/bin/python3' },
      check: { type: 'string', default: '64' },
    },
  });
  return {
    images: wholeFlag(values.images, 'images', 10),
    threads: values.threads.split(',').map((t) => wholeFlag(t, 'threads')),
    batch: wholeFlag(values.batch, 'batch'),
    size: wholeFlag(values.size, 'size', 8),
    rounds: wholeFlag(values.rounds, 'rounds'),
    dir: values.dir,
    python: values.python,
    check: wholeFlag(values.check, 'check', 0),
  };
}

/** A small deterministic generator for the made-up pictures. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// Photos stand-in: a Fashion-MNIST item scaled up (bilinear) to a random 256-500 x 256-500 picture,
// tinted per class over a gradient, with a little noise; JPEG quality 90 with 4:2:0 chroma, as
// cameras and ImageNet's files are. About 68 KB each (ImageNet's average is ~110 KB).
function makeFolder(root: string, count: number): void {
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

// One epoch of the native loader: the batches are made on `threads` threads and taken in order, as a
// training epoch takes them (previewBatch of the last batch runs the loader through every batch).
function torchnasImagesPerSecond(data: Dataset, args: Args, threads: number, epoch: number): number {
  const size = data.size;
  const options = {
    batchSize: args.batch,
    shuffle: true,
    seed: 1,
    epoch,
    decodeThreads: threads,
    prefetch: threads,
    augment: augmentationFor('image-folder', true),
  };
  const start = process.hrtime.bigint();
  data.handle.previewBatch(options, Math.ceil(size / args.batch) - 1);
  return size / (Number(process.hrtime.bigint() - start) / 1e9);
}

function python(args: Args, cli: string[]): string {
  const script = path.join(packageRoot(), 'bench', 'python', 'imagefolder_loader.py');
  const r = spawnSync(args.python, [script, ...cli], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `the torchvision side failed (${args.python}; apt-get install python3-torchvision, or ` +
        `TORCHNAS_SETUP_BENCH=1 scripts/setup.sh):\n${r.stderr}`,
    );
  }
  return r.stdout;
}

function torchvisionImagesPerSecond(args: Args, root: string, workers: number): number {
  const out = python(args, [
    '--root',
    root,
    '--size',
    String(args.size),
    '--batch',
    String(args.batch),
    '--workers',
    String(workers),
  ]);
  return JSON.parse(out.trim().split('\n').at(-1)!).imagesPerSecond;
}

/** The largest pixel difference between the evaluation transforms on the first `count` files. */
function evalDifference(data: Dataset, args: Args, root: string): number {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'torchnas-bench-')), 'eval.bin');
  python(args, ['--root', root, '--size', String(args.size), '--dump', String(args.check), '--out', file]);
  const theirs = fs.readFileSync(file);
  const batch = data.handle.previewBatch(
    { batchSize: args.check, shuffle: false, augment: { mean: [0], std: [1] } },
    0,
  );
  let worst = 0;
  batch.images.forEach((v, i) => (worst = Math.max(worst, Math.abs(Math.round(v * 255) - theirs[i]))));
  return theirs.length === batch.images.length ? worst : Infinity;
}

async function main() {
  const args = readArgs(process.argv.slice(2));
  const root = path.resolve(args.dir, `jpeg-${args.images}`);
  makeFolder(root, args.images);
  const data = await loadImageFolder({ root, size: args.size });
  const i = info();
  console.log(
    `torchnas bench:data — ${new Date().toISOString()} — ${os.cpus()[0].model}, ${os.availableParallelism()} CPUs, ` +
      `LibTorch ${i.torchVersion}; ${data.size} JPEGs (${root}), ${args.size} x ${args.size}, batch ${args.batch}, ` +
      `RandomResizedCrop + flip + normalize, ${args.rounds} rounds alternating, median`,
  );
  if (args.check > 0) {
    console.log(
      `evaluation transform (Resize ${Math.round((args.size * 256) / 224)} + CenterCrop ${args.size}) on the first ` +
        `${args.check} files: largest difference from torchvision's pixels ${evalDifference(data, args, root)}`,
    );
  }
  data.handle.previewBatch({ batchSize: args.batch, augment: augmentationFor('image-folder', false) }, 0); // page cache
  console.log(
    '| decode threads / workers | torchnas img/s | torchvision img/s | ratio torchnas/torchvision |',
  );
  console.log('| --- | --- | --- | --- |');
  for (const threads of args.threads) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < args.rounds; round++) {
      ours.push(torchnasImagesPerSecond(data, args, threads, round));
      theirs.push(torchvisionImagesPerSecond(args, root, threads));
    }
    const [a, b] = [median(ours), median(theirs)];
    console.log(
      `| ${threads} | ${a.toFixed(0)} (${ours.map((x) => x.toFixed(0)).join(', ')}) | ` +
        `${b.toFixed(0)} (${theirs.map((x) => x.toFixed(0)).join(', ')}) | ${(a / b).toFixed(2)} |`,
    );
  }
  const skipped = data.skippedImages().count;
  if (skipped) console.log(`${skipped} files could not be decoded`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
