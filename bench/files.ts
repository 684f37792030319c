// npm run bench:files — the image-folder loader at ImageNet's file count: a folder of --classes class
// folders holding --per-class files each (default 1000 x 1281 = 1.28 M), every file a hard link to one of
// --pool real JPEGs (bench:data's photos), so the listing, sorting and label table see 1.28 M directory
// entries while the disk holds a few thousand images (what is measured is the index, not the disk).
// Each measurement runs in a fresh child process that resets the resident-set high-water mark first:
// the time and peak memory to index the folder (torchnas's loadImageFolder; torchvision's ImageFolder
// on the same folder, python3-torchvision), the first shuffled batch's latency, what a shuffled epoch
// order adds to a batch, and the steady decode rate over --batches batches, beside the same rate on the
// --pool-file folder alone (the earlier 2,000-file figure's setting).
//
//   npm run bench:files -- [--classes 1000] [--per-class 1281] [--pool 2000] [--size 64] [--batch 64]
//       [--batches 40] [--threads 2] [--dir runs/bench-files] [--python /usr/bin/python3]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { augmentationFor, info, loadImageFolder } from '../lib';
import { packageRoot } from '../lib/native';
import { wholeFlag } from './flags';
import { makeFolder } from './jpeg-folder';
import { residentKiB } from './process-memory';

const { values: args } = parseArgs({
  options: {
    classes: { type: 'string', default: '1000' },
    'per-class': { type: 'string', default: '1281' },
    pool: { type: 'string', default: '2000' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '64' },
    batches: { type: 'string', default: '40' },
    threads: { type: 'string', default: '2' },
    dir: { type: 'string', default: 'runs/bench-files' },
    python: { type: 'string', default: '/usr/bin/python3' },
    // internal: one measurement in this process
    child: { type: 'string' },
    root: { type: 'string' },
  },
});

const cfg = {
  classes: wholeFlag(args.classes, 'classes'),
  perClass: wholeFlag(args['per-class'], 'per-class'),
  pool: wholeFlag(args.pool, 'pool'),
  size: wholeFlag(args.size, 'size'),
  batch: wholeFlag(args.batch, 'batch'),
  batches: wholeFlag(args.batches, 'batches'),
  threads: wholeFlag(args.threads, 'threads'),
  dir: args.dir,
};

/** The big folder: class folders of hard links to the pool's files, made once and marked complete. */
function makeLinkedFolder(pool: string, root: string): number {
  const done = path.join(root, 'complete.json');
  const count = cfg.classes * cfg.perClass;
  if (fs.existsSync(done) && JSON.parse(fs.readFileSync(done, 'utf8')).count === count) return 0;
  fs.rmSync(root, { recursive: true, force: true });
  const sources = fs
    .readdirSync(pool, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => path.join(pool, f));
  const started = Date.now();
  let k = 0;
  for (let c = 0; c < cfg.classes; c++) {
    const folder = path.join(root, 'train', `n${String(c).padStart(8, '0')}`);
    fs.mkdirSync(folder, { recursive: true });
    for (let i = 0; i < cfg.perClass; i++)
      fs.linkSync(sources[k++ % sources.length], path.join(folder, `img_${String(i).padStart(6, '0')}.JPEG`));
  }
  fs.writeFileSync(done, JSON.stringify({ count }));
  return (Date.now() - started) / 1000;
}

const options = (shuffle: boolean, epoch = 0) => ({
  batchSize: cfg.batch,
  shuffle,
  seed: 1,
  epoch,
  decodeThreads: cfg.threads,
  prefetch: cfg.threads,
  augment: augmentationFor('image-folder', true),
});

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** One measurement on `root`, in this fresh process. */
async function child(kind: string, root: string): Promise<object> {
  info(); // the addon and LibTorch loaded first: their memory is not the index's
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const before = residentKiB('VmRSS');
  let start = process.hrtime.bigint();
  const data = await loadImageFolder({ root, size: cfg.size });
  const index = {
    seconds: seconds(start),
    peakKiB: residentKiB('VmHWM') - before,
    heldKiB: residentKiB('VmRSS') - before,
  };
  if (kind === 'index') return { images: data.size, ...index };
  start = process.hrtime.bigint();
  data.handle.previewBatch(options(true), 0);
  const firstBatch = seconds(start);
  start = process.hrtime.bigint();
  data.handle.previewBatch(options(false), 0);
  const unshuffledBatch = seconds(start);
  const batches = Math.max(1, Math.min(cfg.batches, Math.floor(data.size / cfg.batch)));
  start = process.hrtime.bigint();
  data.handle.previewBatch(options(true, 1), batches - 1);
  const decodeRate = (batches * cfg.batch) / seconds(start);
  return { images: data.size, ...index, firstBatch, unshuffledBatch, decodeRate };
}

function inChild(kind: string, root: string): Record<string, number> {
  const argv = [__filename, '--child', kind, '--root', root];
  for (const key of ['size', 'batch', 'batches', 'threads'] as const)
    argv.push(`--${key}`, String(args[key]));
  const run = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`the ${kind} measurement failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

function torchvisionIndex(root: string): Record<string, number> {
  const script = path.join(packageRoot(), 'bench', 'python', 'imagefolder_index.py');
  const run = spawnSync(args.python!, [script, '--root', root], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0)
    throw new Error(`the torchvision side failed (apt-get install python3-torchvision):\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

const mib = (kib: number) => (kib / 1024).toFixed(1);

async function main(): Promise<void> {
  if (args.child) {
    process.stdout.write(JSON.stringify(await child(args.child, args.root!)) + '\n');
    return;
  }
  const pool = path.join(cfg.dir, 'pool');
  makeFolder(pool, cfg.pool);
  const big = path.join(cfg.dir, 'folder');
  const linkSeconds = makeLinkedFolder(pool, big);
  if (linkSeconds) console.log(`linked ${cfg.classes * cfg.perClass} files in ${linkSeconds.toFixed(0)} s`);
  const small = inChild('decode', pool);
  const ours = inChild('decode', path.join(big, 'train'));
  const theirs = torchvisionIndex(path.join(big, 'train'));
  const lines = [
    `image-folder loader at ${ours.images} files (${cfg.classes} classes x ${cfg.perClass}, hard links to ${cfg.pool} JPEGs), ` +
      `decoded at ${cfg.size}, batch ${cfg.batch}, ${cfg.threads} decode threads`,
    '',
    '| | index seconds | index peak MiB | index held MiB | first shuffled batch s | unshuffled batch s | decode images/s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| torchnas, ${ours.images} files | ${ours.seconds.toFixed(2)} | ${mib(ours.peakKiB)} | ${mib(ours.heldKiB)} | ` +
      `${ours.firstBatch.toFixed(3)} | ${ours.unshuffledBatch.toFixed(3)} | ${ours.decodeRate.toFixed(0)} |`,
    `| torchvision ImageFolder, ${theirs.images} files | ${theirs.seconds.toFixed(2)} | ${mib(theirs.peakKiB - theirs.beforeKiB)} | ` +
      `${mib(theirs.heldKiB - theirs.beforeKiB)} | | | |`,
    `| torchnas, the ${small.images}-file pool | ${small.seconds.toFixed(3)} | ${mib(small.peakKiB)} | ${mib(small.heldKiB)} | ` +
      `${small.firstBatch.toFixed(3)} | ${small.unshuffledBatch.toFixed(3)} | ${small.decodeRate.toFixed(0)} |`,
    '',
  ];
  const text = lines.join('\n');
  fs.writeFileSync(path.join(cfg.dir, 'report.md'), text);
  process.stdout.write(text);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
