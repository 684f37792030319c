// npm run bench:search-step — ProxylessNAS search steps: the weight step (one sampled path), and the
// `two` and `full_v2` architecture steps, as images/s and peak memory, per configuration, side by side
// in one run; with `--reference python`, beside the same steps written in PyTorch's Python API on the
// same LibTorch (bench/python/proxyless_search_step.py), in rounds, with the median ratio per step.
// At the default GPU shape (batch 256, 224x224, fp32) also beside the official implementation's
// figures on an H100 (../shared/ANCHORS.md: PyTorch 2.11, cuDNN benchmark on, synthetic data).
//
// Each configuration runs in one session on synthetic images. A weight-only pass of `steps` batches
// times the weight step; a pass with an architecture step after every weight step times the
// architecture steps apart (the session synchronizes the device around each). Peak memory is the CUDA
// caching allocator's peak during the pass (on a CPU, the growth of the process's resident set, only
// indicative). The Python side runs twice per round: as the official code does (NCHW, weights keep
// requires_grad in architecture steps) and tuned (channels_last, weights frozen), so the table shows
// what the memory format alone gives an eager Python loop. `--profile N` adds, per pass, the N
// operators of most self time per step on both sides (LibTorch's profiler).
//
//   npm run bench:search-step -- [--device auto] [--space proxyless|proxyless-28] [--batch 256]
//       [--resolution 224] [--steps 12] [--warmup 4] [--rounds 1] [--configs fp32,bf16-cl]
//       [--modes two,full_v2] [--threads N] [--reference none|python] [--python /usr/bin/python3]
//       [--profile 0] [--out file.json]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadSpace, resolveSpace, Session, syntheticDataset, type Dataset } from '../lib';
import type { NativeOpTime } from '../binding';
import { median } from '../lib/util/statistics';
import { wholeFlag } from './flags';
import { residentKiB } from './process-memory';
import { buildSupernet, configureSearch, searchEpoch } from '../lib/proxyless/proxyless-session';

// The official ProxylessNAS search code on one H100 80GB (ANCHORS.md), batch 256, fp32.
const OFFICIAL: Record<string, { imagesPerSecond: number; peakGiB: number }> = {
  weight: { imagesPerSecond: 1250, peakGiB: 23.06 },
  two: { imagesPerSecond: 1111, peakGiB: 24.33 },
  full_v2: { imagesPerSecond: 760, peakGiB: 24.22 },
};
// fp32 takes the session's own memory format ('auto': channels_last on a CPU, NCHW on CUDA).
const CONFIGS = {
  fp32: { precision: 'fp32' as const, channelsLast: 'auto' as const },
  'fp32-nchw': { precision: 'fp32' as const, channelsLast: false },
  'fp32-cl': { precision: 'fp32' as const, channelsLast: true },
  'bf16-cl': { precision: 'bf16' as const, channelsLast: true },
};
type ConfigName = keyof typeof CONFIGS;
const MODES = ['two', 'full_v2'] as const;
type Mode = (typeof MODES)[number];
const STEPS = ['weight', ...MODES] as const;
type Step = (typeof STEPS)[number];
const PYTHON_VARIANTS = {
  official: { label: 'Python (official: NCHW, weights keep grad)', flags: [] as string[] },
  tuned: { label: 'Python (channels_last, weights frozen)', flags: ['--channels-last', '--freeze-weights'] },
};
type Variant = keyof typeof PYTHON_VARIANTS;

const { values: args } = parseArgs({
  options: {
    device: { type: 'string', default: 'auto' },
    space: { type: 'string', default: 'proxyless' },
    batch: { type: 'string', default: '256' },
    resolution: { type: 'string', default: '224' },
    steps: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1' },
    configs: { type: 'string' },
    modes: { type: 'string', default: MODES.join(',') },
    threads: { type: 'string' },
    reference: { type: 'string', default: 'none' },
    python: { type: 'string', default: '/usr/bin/python3' },
    profile: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});

function listOf<T extends string>(text: string, known: readonly T[], flag: string): T[] {
  const items = text.split(',').filter(Boolean);
  const unknown = items.filter((i) => !(known as readonly string[]).includes(i));
  if (unknown.length || !items.length)
    throw new Error(`${flag} takes a comma-separated list of ${known.join(', ')} (got '${text}')`);
  return items as T[];
}

const count = (flag: keyof typeof args, min = 1) => wholeFlag(args[flag] as string | undefined, flag, min);

interface Measured {
  seconds: Record<Step, number>; // per step
  peakGiB: Partial<Record<Step, number>>;
  profiles: Record<string, NativeOpTime[]>; // per pass ('weight', 'weight+two', ...), ms per step
}

interface Setup {
  batch: number;
  steps: number;
  warmup: number;
  modes: Mode[];
  profile: number;
  train: Dataset;
  valid: Dataset;
  warm: Dataset;
  augment: { mean: number[]; std: number[] };
}

// One pass of `data` with or without architecture steps; seconds per step and peak memory.
async function pass(session: Session, s: Setup, data: Dataset, updateArch: boolean, cuda: boolean) {
  const loader = { batchSize: s.batch, seed: 1, augment: s.augment, dropLast: true };
  if (cuda) await session.memoryStats({ resetPeak: true });
  const rssBefore = residentKiB('VmRSS');
  if (!cuda && fs.existsSync('/proc/self/clear_refs')) fs.writeFileSync('/proc/self/clear_refs', '5');
  const stats = await searchEpoch(session, data, data === s.train ? s.valid : data, {
    train: loader,
    valid: loader,
    archEvery: 1,
    updateArch,
  });
  const archSeconds = stats.archSteps ? stats.archSeconds / stats.archSteps : 0;
  const weightSeconds = (stats.seconds - stats.archSeconds) / stats.steps;
  const peakGiB = cuda
    ? (await session.memoryStats()).peakAllocatedBytes / 2 ** 30
    : (residentKiB('VmHWM') - rssBefore) / 2 ** 20;
  return { weightSeconds, archSeconds, peakGiB };
}

async function profiledPass(session: Session, s: Setup, updateArch: boolean): Promise<NativeOpTime[]> {
  await session.startProfile();
  await pass(session, s, s.train, updateArch, false);
  const { ops } = await session.stopProfile();
  return ops.slice(0, s.profile).map((o) => ({
    ...o,
    calls: o.calls / s.steps,
    selfMs: o.selfMs / s.steps,
    totalMs: o.totalMs / s.steps,
  }));
}

async function measureTorchnas(config: ConfigName, resolved: ReturnType<typeof resolveSpace>, s: Setup) {
  const threads = args.threads ? Number(args.threads) : undefined;
  const session = new Session({
    device: args.device,
    seed: 1,
    cudnnBenchmark: true,
    threads,
    ...CONFIGS[config],
  });
  try {
    const described = await session.describe();
    const cuda = described.device.startsWith('cuda');
    await buildSupernet(session, resolved);
    await session.configureTraining({ lr: 0.05, totalSteps: 1_000_000 });
    const out: Measured = { seconds: { weight: 0, two: 0, full_v2: 0 }, peakGiB: {}, profiles: {} };
    // Weight steps alone (the mode does not matter to them).
    await configureSearch(session, { mode: 'full_v2' });
    await pass(session, s, s.warm, false, cuda);
    const weights = await pass(session, s, s.train, false, cuda);
    out.seconds.weight = weights.weightSeconds;
    out.peakGiB.weight = weights.peakGiB;
    if (s.profile && !cuda) out.profiles.weight = await profiledPass(session, s, false);
    for (const mode of s.modes) {
      await configureSearch(session, { mode });
      await pass(session, s, s.warm, true, cuda);
      const both = await pass(session, s, s.train, true, cuda);
      out.seconds[mode] = both.archSeconds;
      out.peakGiB[mode] = both.peakGiB;
      if (s.profile && !cuda) out.profiles[`weight+${mode}`] = await profiledPass(session, s, true);
    }
    return { measured: out, described };
  } finally {
    await session.close();
  }
}

function measurePython(
  variant: Variant,
  config: ConfigName,
  spaceFile: string,
  s: Setup,
  device: string,
  threads: number,
): Measured {
  const script = path.join(__dirname, '..', '..', 'bench', 'python', 'proxyless_search_step.py');
  const flags = [
    ...PYTHON_VARIANTS[variant].flags,
    ...(CONFIGS[config].precision === 'bf16' ? ['--precision', 'bf16'] : []),
  ];
  const run = spawnSync(
    args.python,
    [
      script,
      '--space',
      spaceFile,
      '--batch-size',
      String(s.batch),
      '--steps',
      String(s.steps),
      '--warmup',
      String(s.warmup),
      '--threads',
      String(threads),
      '--modes',
      s.modes.join(','),
      '--device',
      device,
      '--profile',
      String(s.profile),
      ...flags,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (run.status !== 0)
    throw new Error(`the Python reference failed (${args.python}):\n${run.stderr || run.error}`);
  const r = JSON.parse(run.stdout.trim().split('\n').pop() as string);
  return {
    seconds: { weight: r.weight, two: r.two ?? 0, full_v2: r.full_v2 ?? 0 },
    peakGiB: {},
    profiles: r.profiles,
  };
}

function setup(resolved: ReturnType<typeof resolveSpace>): Setup {
  const batch = count('batch');
  const steps = count('steps');
  const warmup = count('warmup', 0);
  const shape = resolved.space.input as [number, number, number];
  const classes = resolved.space.classes;
  const channels = shape[0];
  return {
    batch,
    steps,
    warmup,
    modes: listOf(args.modes, MODES, '--modes'),
    profile: count('profile', 0),
    train: syntheticDataset({ count: batch * steps, shape, classes, seed: 1 }),
    valid: syntheticDataset({ count: batch * steps, shape, classes, seed: 2 }),
    warm: syntheticDataset({ count: batch * Math.max(1, warmup), shape, classes, seed: 3 }),
    augment: { mean: new Array(channels).fill(0.5), std: new Array(channels).fill(0.25) },
  };
}

function profileTable(title: string, torchnas: NativeOpTime[], python: NativeOpTime[] | undefined): string[] {
  const lines = [
    `\n**${title}**, ms per step (self time; LibTorch's profiler, which slows both sides)\n`,
    '| torchnas op | calls | self ms | | Python op | calls | self ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const n = Math.max(torchnas.length, python?.length ?? 0);
  for (let i = 0; i < n; i++) {
    const t = torchnas[i];
    const p = python?.[i];
    lines.push(
      `| ${t ? `${t.name} | ${t.calls.toFixed(0)} | ${t.selfMs.toFixed(1)}` : ' | | '} | | ` +
        `${p ? `${p.name} | ${p.calls.toFixed(0)} | ${p.selfMs.toFixed(1)}` : ' | | '} |`,
    );
  }
  return lines;
}

async function main() {
  if (!['none', 'python'].includes(args.reference))
    throw new Error(`--reference takes none or python (got '${args.reference}')`);
  if (!['proxyless', 'proxyless-28'].includes(args.space))
    throw new Error(`--space takes proxyless or proxyless-28 (got '${args.space}')`);
  const rounds = count('rounds');
  const resolution = count('resolution');
  const resolved = resolveSpace(
    args.space === 'proxyless' ? loadSpace('proxyless', resolution) : loadSpace(args.space),
  );
  const s = setup(resolved);
  const configs = listOf(
    args.configs ?? (args.reference === 'python' ? 'fp32' : 'fp32,bf16-cl'),
    Object.keys(CONFIGS) as ConfigName[],
    '--configs',
  );
  const variants: Variant[] = args.reference === 'python' ? ['official', 'tuned'] : [];
  const spaceFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'search-step-')), 'space.json');
  fs.writeFileSync(spaceFile, JSON.stringify(resolved));

  const results: Record<string, { torchnas: Measured[]; python: Record<string, Measured[]> }> = {};
  let deviceLine = '';
  let cuda = false;
  let channelsLast: Record<string, boolean> = {};
  for (let round = 0; round < rounds; round++) {
    for (const config of configs) {
      const { measured, described } = await measureTorchnas(config, resolved, s);
      cuda = described.device.startsWith('cuda');
      deviceLine = `${described.device}, ${described.threads} CPU threads`;
      channelsLast = { ...channelsLast, [config]: described.channelsLast };
      const entry = (results[config] ??= { torchnas: [], python: {} });
      entry.torchnas.push(measured);
      for (const v of variants) {
        (entry.python[v] ??= []).push(
          measurePython(
            v,
            config,
            spaceFile,
            { ...s, profile: round === 0 ? s.profile : 0 },
            cuda ? described.device : 'cpu',
            described.threads,
          ),
        );
      }
      console.error(
        `round ${round + 1}/${rounds} ${config}: ` +
          STEPS.map((st) => `${st} ${(1000 * measured.seconds[st]).toFixed(0)} ms`).join(', '),
      );
    }
  }

  const batch = s.batch;
  const shape = resolved.space.input.join('x');
  const lines = [
    `torchnas bench:search-step — ${new Date().toISOString()} — ${deviceLine}; ${resolved.space.name} space, input ${shape}, ` +
      `${resolved.space.classes} classes, batch ${batch}, ${s.steps} timed steps after ${s.warmup} warm-up steps, synthetic data, ` +
      `${rounds} round(s), medians`,
  ];
  const official = cuda && batch === 256 && args.space === 'proxyless' && resolution === 224;
  lines.push(
    '',
    '| config | step | torchnas images/s | ms/step | peak GiB | ' +
      variants.map((v) => `${PYTHON_VARIANTS[v].label} ms | ratio`).join(' | ') +
      (variants.length ? ' |' : '') +
      ' vs official images/s |',
    '| --- | --- | --- | --- | --- |' + ' --- | --- |'.repeat(variants.length) + ' --- |',
  );
  for (const config of configs) {
    const r = results[config];
    for (const step of [...STEPS].filter((st) => st === 'weight' || s.modes.includes(st as Mode))) {
      const t = median(r.torchnas.map((m) => m.seconds[step]));
      const peak = r.torchnas[0].peakGiB[step];
      const ref =
        official && config === 'fp32' ? `${(batch / t / OFFICIAL[step].imagesPerSecond).toFixed(2)}x` : '—';
      const py = variants.map((v) => {
        const p = median(r.python[v].map((m) => m.seconds[step]));
        return `${(1000 * p).toFixed(0)} | **${(p / t).toFixed(2)}x**`;
      });
      lines.push(
        `| ${config}${channelsLast[config] ? ' (channels_last)' : ''} | ${step} | ${(batch / t).toFixed(1)} | ${(1000 * t).toFixed(0)} | ` +
          `${peak !== undefined ? peak.toFixed(2) : '—'} | ${py.join(' | ')}${py.length ? ' | ' : ''}${ref} |`,
      );
    }
    if (rounds > 1) {
      const perRound = r.torchnas.map((m, i) =>
        STEPS.filter((st) => st === 'weight' || s.modes.includes(st as Mode))
          .map(
            (st) =>
              `${st} ${(1000 * m.seconds[st]).toFixed(0)}` +
              variants.map((v) => `/${(1000 * r.python[v][i].seconds[st]).toFixed(0)}`).join(''),
          )
          .join(', '),
      );
      lines.push(
        '',
        `${config} per round, ms (torchnas${variants.map((v) => '/' + v).join('')}): ${perRound.map((p, i) => `${i + 1}: ${p}`).join('; ')}`,
        '',
      );
    }
    for (const pass of Object.keys(r.torchnas[0].profiles)) {
      lines.push(
        ...profileTable(
          `${config}, pass ${pass}`,
          r.torchnas[0].profiles[pass],
          r.python.official?.[0].profiles[pass],
        ),
      );
    }
  }
  lines.push(
    '',
    'Ratio: Python ms / torchnas ms (above 1: torchnas faster). Architecture steps are timed apart inside a pass with one after every weight step.',
  );
  if (official)
    lines.push(
      'Official (ProxylessNAS code, H100, PyTorch 2.11, fp32, batch 256): weight 1250 images/s at 23.06 GiB, two 1111 at 24.33, full_v2 760 at 24.22.',
    );
  console.log(lines.join('\n'));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ args, deviceLine, results }, null, 1));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
