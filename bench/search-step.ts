// npm run bench:search-step — ProxylessNAS search steps at ImageNet shape: the weight step (one
// sampled path), and the `two` and `full_v2` architecture steps, as images/s and peak memory, for
// fp32 and for bf16 autocast with channels_last, side by side in one run, beside the official
// implementation's figures on an H100 (../shared/ANCHORS.md: PyTorch 2.11, fp32, cuDNN benchmark on,
// synthetic ImageNet-shaped data, batch 256).
//
// Each configuration runs in one session on synthetic 3xRxR images of 1000 classes. A weight-only
// pass of `steps` batches times the weight step; a pass with an architecture step after every weight
// step times the architecture steps apart (the session synchronizes the device around each). Peak memory is the
// CUDA caching allocator's peak of allocated bytes during the pass (on a CPU, the growth of the
// process's resident set, which is only indicative: nothing else of the process is excluded).
//
//   npm run bench:search-step -- [--device auto] [--batch 256] [--resolution 224] [--steps 12] [--warmup 4]
//                                [--configs fp32,bf16-cl] [--modes two,full_v2]
import * as fs from 'fs';
import { parseArgs } from 'util';
import { loadSpace, resolveSpace, Session, syntheticDataset, type Dataset } from '../lib';
import { residentKiB } from './process-memory';

// The official ProxylessNAS search code on one H100 80GB (ANCHORS.md), batch 256, fp32.
const OFFICIAL: Record<string, { imagesPerSecond: number; peakGiB: number }> = {
  weight: { imagesPerSecond: 1250, peakGiB: 23.06 },
  two: { imagesPerSecond: 1111, peakGiB: 24.33 },
  full_v2: { imagesPerSecond: 760, peakGiB: 24.22 },
};
const CONFIGS = {
  fp32: { precision: 'fp32' as const, channelsLast: false },
  'bf16-cl': { precision: 'bf16' as const, channelsLast: true },
};
type ConfigName = keyof typeof CONFIGS;
const MODES = ['two', 'full_v2'] as const;
type Mode = (typeof MODES)[number];
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

const { values: args } = parseArgs({
  options: {
    device: { type: 'string', default: 'auto' },
    batch: { type: 'string', default: '256' },
    resolution: { type: 'string', default: '224' },
    steps: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '4' },
    configs: { type: 'string', default: 'fp32,bf16-cl' },
    modes: { type: 'string', default: MODES.join(',') },
    threads: { type: 'string' },
  },
});

function listOf<T extends string>(text: string, known: readonly T[], flag: string): T[] {
  const items = text.split(',').filter(Boolean);
  const unknown = items.filter((i) => !(known as readonly string[]).includes(i));
  if (unknown.length || !items.length) throw new Error(`${flag} takes a comma-separated list of ${known.join(', ')} (got '${text}')`);
  return items as T[];
}

interface Measured {
  weightSeconds: number; // per weight step
  archSeconds: number; // per architecture step (0 without them)
  peakGiB: number | undefined;
}

// One pass of `data` with or without architecture steps; wall time and peak memory.
async function pass(session: Session, train: Dataset, valid: Dataset, batch: number, updateArch: boolean, cuda: boolean): Promise<Measured> {
  const loader = { batchSize: batch, seed: 1, augment: IMAGENET, dropLast: true };
  if (cuda) await session.memoryStats({ resetPeak: true });
  const rssBefore = residentKiB('VmRSS');
  if (!cuda && fs.existsSync('/proc/self/clear_refs')) fs.writeFileSync('/proc/self/clear_refs', '5');
  const stats = await session.searchEpoch(train, valid, { train: loader, valid: loader, archEvery: 1, updateArch });
  const archSeconds = stats.archSteps ? stats.archSeconds / stats.archSteps : 0;
  const weightSeconds = (stats.seconds - stats.archSeconds) / stats.steps;
  const peakGiB = cuda
    ? (await session.memoryStats()).peakAllocatedBytes / 2 ** 30
    : (residentKiB('VmHWM') - rssBefore) / 2 ** 20;
  return { weightSeconds, archSeconds, peakGiB };
}

async function main() {
  const batch = Number(args.batch);
  const resolution = Number(args.resolution);
  const steps = Number(args.steps);
  const warmup = Number(args.warmup);
  const configs = listOf(args.configs, Object.keys(CONFIGS) as ConfigName[], '--configs');
  const modes = listOf(args.modes, MODES, '--modes');
  const resolved = resolveSpace(loadSpace('proxyless', resolution));
  const shape: [number, number, number] = [3, resolution, resolution];
  const train = syntheticDataset({ count: batch * steps, shape, classes: 1000, seed: 1 });
  const valid = syntheticDataset({ count: batch * steps, shape, classes: 1000, seed: 2 });
  const warm = syntheticDataset({ count: batch * Math.max(1, warmup), shape, classes: 1000, seed: 3 });

  const rows: string[] = [];
  let deviceLine = '';
  for (const config of configs) {
    const session = new Session({ device: args.device, seed: 1, cudnnBenchmark: true, threads: args.threads ? Number(args.threads) : undefined, ...CONFIGS[config] });
    try {
      const described = await session.describe();
      const cuda = described.device.startsWith('cuda');
      deviceLine = `${described.device}, ${described.threads} CPU threads`;
      await session.buildSupernet(resolved);
      await session.configureTraining({ lr: 0.05, totalSteps: 1_000_000 });
      const official = cuda && batch === 256 && resolution === 224 && config === 'fp32';
      const row = (step: string, seconds: number, peakGiB: number | undefined) => {
        const ips = batch / seconds;
        const ref = OFFICIAL[step];
        const vs = official ? `${(ips / ref.imagesPerSecond).toFixed(2)}x | ${peakGiB !== undefined ? (peakGiB / ref.peakGiB).toFixed(2) + 'x' : '—'}` : '— | —';
        rows.push(`| ${config} | ${step} | ${ips.toFixed(0)} | ${(1000 * seconds).toFixed(0)} | ${peakGiB !== undefined ? peakGiB.toFixed(2) : '—'} | ${vs} |`);
      };
      // Weight steps alone (the mode does not matter to them).
      await session.configureSearch({ mode: 'full_v2' });
      await pass(session, warm, warm, batch, false, cuda);
      const weights = await pass(session, train, valid, batch, false, cuda);
      row('weight', weights.weightSeconds, weights.peakGiB);
      for (const mode of modes as Mode[]) {
        await session.configureSearch({ mode });
        await pass(session, warm, warm, batch, true, cuda);
        const both = await pass(session, train, valid, batch, true, cuda);
        row(mode, both.archSeconds, both.peakGiB);
      }
    } finally {
      await session.close();
    }
  }
  console.log(`torchnas bench:search-step — ${new Date().toISOString()} — ${deviceLine}; ProxylessNAS space at ${resolution}x${resolution}, ` +
    `1000 classes, batch ${batch}, ${steps} timed steps after ${warmup} warm-up steps, synthetic data`);
  console.log('| config | step | images/s | ms/step | peak GiB | vs official images/s | vs official peak |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log('\nArchitecture steps: timed apart inside a pass with one after every weight step; peak memory is that pass\'s.');
  console.log('Official (ProxylessNAS code, H100, PyTorch 2.11, fp32, batch 256): weight 1250 images/s at 23.06 GiB, two 1111 at 24.33, full_v2 760 at 24.22.');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
