// npm run bench:memory — peak memory of the search's architecture step against the number of
// candidates per edge N, for each gate mode, side by side. The step is the one `searchEpoch` runs
// (Session.searchEpoch with one weight step and one architecture step); its weight step takes a
// batch of 2 so that the epoch's peak is the architecture step's, which takes --batch images (the
// "weights only" row shows that the weight step alone stays below). CPU: each (mode, N) runs in a
// fresh process that resets the kernel's resident-set high-water mark (/proc/self/clear_refs) right
// before the measured epoch and reads VmHWM after it, so the figure is what that epoch added at its peak. Every edge holds N copies of
// one candidate (`--candidate`), so only N changes between columns; glibc's mmap threshold is fixed
// so that freed tensors leave the resident set at once instead of being kept for reuse. With
// `--device cuda` the figure is the CUDA caching allocator's peak of allocated bytes during the step,
// above what was allocated before it.
//
//   npm run bench:memory -- [--batch 32] [--edges 4] [--width 48] [--candidate mb_k5_e6] [--n 2,4,8,12,16]
//       [--modes weights,full,two,full_v2] [--device cpu|cuda]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { parseArgs } from 'util';
import { augmentationFor, loadDataset, parseChainSpace, resolveSpace, Session } from '../lib';
import { residentKiB } from './process-memory';
import { buildSupernet, configureSearch, searchEpoch } from '../lib/proxyless/proxyless-session';

// 'weights' is the reference row: the same epoch with its architecture step turned off. 'two' holds
// two candidates' outputs whatever N is, so it is flat by construction; it stays as a check.
const MODES = ['weights', 'full', 'two', 'full_v2'] as const;
type Mode = (typeof MODES)[number];

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    edges: { type: 'string', default: '4' },
    width: { type: 'string', default: '48' },
    candidate: { type: 'string', default: 'mb_k5_e6' },
    n: { type: 'string', default: '2,4,8,12,16' },
    modes: { type: 'string', default: MODES.join(',') },
    device: { type: 'string', default: 'cpu' },
    // internal: one measurement in a fresh process
    child: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'full_v2' },
    'child-n': { type: 'string', default: '2' },
  },
});

// One (mode, N) measurement; prints {peakMiB}.
async function child(
  mode: Mode,
  n: number,
  batch: number,
  edges: number,
  width: number,
  candidate: string,
  device: string,
) {
  const space = parseChainSpace({
    name: `bench-${n}`,
    input: [1, 28, 28],
    classes: 10,
    stem: [`conv_k3_s1_c${width}`],
    stages: [{ width, depth: edges, stride: 1 }],
    candidates: Array(n).fill(candidate),
    zero: false,
    head: ['gap', 'fc'],
  });
  const resolved = resolveSpace(space);
  const all = (await loadDataset('fashion-mnist', 'train')).subset(batch + 2);
  const [weightBatch, archBatch] = [all.subset(2, 1), all.subset(batch, 2)];
  const session = new Session({ device, seed: 1 });
  await buildSupernet(session, resolved);
  await session.configureTraining({ lr: 0.05, totalSteps: 10 });
  await configureSearch(session, { mode: mode === 'weights' ? 'full_v2' : mode });
  const augment = augmentationFor('fashion-mnist', false);
  const epoch = (index: number) =>
    searchEpoch(session, weightBatch, archBatch, {
      train: { batchSize: 2, augment, epoch: index },
      valid: { batchSize: batch, augment },
      archEvery: 1,
      updateArch: mode !== 'weights',
    });
  await epoch(0); // warm-up: first-touch allocations, optimizer state
  if (device !== 'cpu') {
    const before = await session.memoryStats({ resetPeak: true });
    await epoch(1);
    const after = await session.memoryStats();
    await session.close();
    process.stdout.write(
      JSON.stringify({ peakMiB: (after.peakAllocatedBytes - before.allocatedBytes) / 2 ** 20 }) + '\n',
    );
    return;
  }
  const before = residentKiB('VmRSS');
  fs.writeFileSync('/proc/self/clear_refs', '5'); // VmHWM := VmRSS
  await epoch(1);
  const peak = residentKiB('VmHWM');
  await session.close();
  process.stdout.write(JSON.stringify({ peakMiB: (peak - before) / 1024 }) + '\n');
}

async function main() {
  const batch = Number(args.batch);
  const edges = Number(args.edges);
  const width = Number(args.width);
  const candidate = args.candidate;
  if (args.child) {
    await child(args.mode as Mode, Number(args['child-n']), batch, edges, width, candidate, args.device);
    return;
  }
  const ns = args.n.split(',').map(Number);
  const where =
    args.device === 'cpu'
      ? `CPU (${os.cpus()[0].model}), peak RSS`
      : `${args.device}, CUDA caching-allocator peak`;
  console.log(
    `torchnas bench:memory — ${new Date().toISOString()} — ${where} added by one search ` +
      `epoch of one weight step (batch 2) and one architecture step (batch ${batch}); ${edges} edges of N x ${candidate}, ` +
      `width ${width}, 28x28 input; fresh process per cell`,
  );
  console.log(`| mode | ${ns.map((n) => `N=${n} MiB`).join(' | ')} | N=${ns.at(-1)} / N=${ns[0]} |`);
  console.log(`| --- | ${ns.map(() => '---').join(' | ')} | --- |`);
  for (const mode of args.modes.split(',') as Mode[]) {
    if (!MODES.includes(mode)) throw new Error(`unknown mode '${mode}' in --modes (use ${MODES.join(', ')})`);
    const peaks = ns.map((n) => {
      const r = spawnSync(
        process.execPath,
        [
          __filename,
          '--child',
          '--mode',
          mode,
          '--child-n',
          String(n),
          '--batch',
          String(batch),
          '--edges',
          String(edges),
          '--width',
          String(width),
          '--candidate',
          candidate,
          '--device',
          args.device,
        ],
        // No caching CPU allocator here: RSS must follow what the step holds live, not what a cache kept.
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            MALLOC_MMAP_THRESHOLD_: '1048576',
            MALLOC_TRIM_THRESHOLD_: '0',
            TORCHNAS_CPU_CACHE_MB: '0',
          },
        },
      );
      if (r.status !== 0) throw new Error(`child ${mode} N=${n} failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!).peakMiB as number;
    });
    console.log(
      `| ${mode} | ${peaks.map((p) => p.toFixed(1)).join(' | ')} | ${(peaks.at(-1)! / peaks[0]).toFixed(2)}x |`,
    );
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
