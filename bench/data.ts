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
import { augmentationFor, info, loadImageFolder, type Dataset } from '../lib';
import { packageRoot } from '../lib/native';
import { median } from '../lib/util/statistics';
import { makeFolder } from './jpeg-folder';
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
