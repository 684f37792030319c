// npm run bench:few-shot-latency — few-shot latency predictors on NAS-Bench-201's 27 devices (HELP's
// protocol): each device held out in turn, its predictor adapted from 10 or 20 networks of the pool
// (indices 0-899, latencies within the pool's 10-90th percentile), tested on indices 900-1899 within
// their 10-90th percentile (800 networks), Spearman and MAPE; the prior meta-learned on the other 26
// devices' pools. Beside it, HELP's own split (meta-train on its 9 devices, test on its 6) against
// HELP's published Spearman, and two baselines: ridge on the same few samples alone, and FLOPs (its
// rank, and a line through the samples for MAPE). Every support draw is repeated over --draws seeds.
//
//   npm run bench:few-shot-latency -- [--shots 10,20] [--draws 10] [--json out.json] [--chain 300]
//       [--chain-shots 20] [--out runs/bench-few-shot]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { NB201_DEVICES, nb201LatencyColumn } from '../lib/benchmarks/nb201-latency';
import { nb201CellOf, nb201NetworkCost } from '../lib/benchmarks/nb201';
import { NB201_OPS, NB201_SIZE } from '../lib/spaces/nb201/nb201-cell';
import {
  adaptPrior,
  drawSamples,
  fitAlone,
  metaLearnPrior,
  predictFewShot,
  type FewShotPredictor,
  type LatencySample,
} from '../lib/latency/few-shot/few-shot-predictor';
import { mape, meanAndStd, spearman } from '../lib/util/statistics';
import { sampleLatencies, type LatencySamples } from '../lib/latency/few-shot/latency-samples';
import { chainSearchSpace } from '../lib/spaces/chain/chain-search-space';
import { loadSpace, resolveSpace } from '../lib/spaces';
import { wholeFlag } from './flags';

const { values: args } = parseArgs({
  options: {
    shots: { type: 'string', default: '10,20' },
    draws: { type: 'string', default: '10' },
    json: { type: 'string' },
    chain: { type: 'string', default: '0' },
    'chain-shots': { type: 'string', default: '20' },
    out: { type: 'string', default: 'runs/bench-few-shot' },
  },
});
const SHOTS = args.shots.split(',').map((s) => wholeFlag(s, 'shots', 2));
const DRAWS = wholeFlag(args.draws, 'draws', 1);
const COUNTS = Array(6).fill(NB201_OPS.length);

// HELP's NB201 split (HayeonLee/HELP parser.py) and its published Spearman at 10 samples (README, Table 3).
const HELP_TRAIN = [
  '1080ti_1',
  '1080ti_32',
  '1080ti_256',
  'silver_4114',
  'silver_4210r',
  'samsung_a50',
  'pixel3',
  'essential_ph_1',
  'samsung_s7',
];
const HELP_TEST: Record<string, number> = {
  titan_rtx_256: 0.987,
  gold_6226: 0.989,
  pixel2: 0.802,
  raspi4: 0.89,
  eyeriss: 0.94,
  fpga: 0.985,
};
const HELP_FLOPS: Record<string, number> = {
  titan_rtx_256: 0.95,
  gold_6226: 0.826,
  pixel2: 0.765,
  raspi4: 0.846,
  eyeriss: 0.437,
  fpga: 0.9,
};

/** NATS-Bench's index order: the cell of each index, as op indices per edge. */
const indicesOf = (index: number) => nb201CellOf(index).map((op) => NB201_OPS.indexOf(op));
const ALL = Array.from({ length: NB201_SIZE }, (_, i) => indicesOf(i));
const FLOPS = ALL.map((idx) => nb201NetworkCost(idx.map((j) => NB201_OPS[j]) as never).flops);

/** Indices in [from, to) whose latency lies within that range's 10-90th percentile (HELP's trimming). */
function trimmed(column: readonly number[], from: number, to: number): number[] {
  const range = Array.from({ length: to - from }, (_, i) => from + i);
  const sorted = range.map((i) => column[i]).sort((a, b) => a - b);
  const lo = sorted[Math.floor(0.1 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.9 * (sorted.length - 1))];
  return range.filter((i) => column[i] >= lo && column[i] <= hi);
}

const samplesOf = (device: string, indices: readonly number[]): LatencySample[] => {
  const column = nb201LatencyColumn(device);
  return indices.map((i) => ({ indices: ALL[i], ms: column[i] }));
};

interface Scores {
  spearman: number;
  mape: number;
}

function score(predict: (i: number) => number, device: string, query: readonly number[]): Scores {
  const column = nb201LatencyColumn(device);
  const predicted = query.map(predict);
  const measured = query.map((i) => column[i]);
  return { spearman: spearman(predicted, measured), mape: mape(predicted, measured) };
}

const byPredictor = (p: FewShotPredictor) => (i: number) => predictFewShot(p, ALL[i]);

/** FLOPs: its own ranking; for MAPE a least-squares line through the support samples. */
function flopsPredictor(support: readonly number[], column: readonly number[]) {
  const line = lineThrough(
    support.map((i) => FLOPS[i]),
    support.map((i) => column[i]),
  );
  return (i: number) => line(FLOPS[i]);
}

interface DeviceRow {
  device: string;
  shots: number;
  fewShot: Scores[];
  alone: Scores[];
  flops: Scores[];
}

function evaluate(device: string, sources: readonly string[], shots: number): DeviceRow {
  const column = nb201LatencyColumn(device);
  const pool = trimmed(column, 0, 900);
  const query = trimmed(column, 900, 1900);
  const prior = metaLearnPrior(
    COUNTS,
    sources.map((d) => ({ device: d, samples: samplesOf(d, trimmed(nb201LatencyColumn(d), 0, 900)) })),
    shots,
  );
  const row: DeviceRow = { device, shots, fewShot: [], alone: [], flops: [] };
  for (let draw = 0; draw < DRAWS; draw++) {
    const support = drawSamples(pool, shots, 1000 * shots + draw);
    const samples = samplesOf(device, support);
    row.fewShot.push(score(byPredictor(adaptPrior(prior, samples)), device, query));
    row.alone.push(score(byPredictor(fitAlone(COUNTS, samples)), device, query));
    // FLOPs ranks by itself (the line through the samples only sets its milliseconds, for MAPE)
    const flops = score(flopsPredictor(support, column), device, query);
    flops.spearman = spearman(
      query.map((i) => FLOPS[i]),
      query.map((i) => column[i]),
    );
    row.flops.push(flops);
  }
  return row;
}

const fmt = (scores: Scores[], key: keyof Scores, digits: number) => {
  const { mean, std } = meanAndStd(scores.map((s) => s[key]));
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
};

function table(title: string, rows: DeviceRow[], published?: Record<string, number>) {
  const lines = [`\n${title}\n`];
  lines.push(
    `| device | shots | few-shot Spearman | alone Spearman | FLOPs Spearman | few-shot MAPE % | alone MAPE % | FLOPs-line MAPE % |${published ? ' HELP Spearman (published, 10) |' : ''}`,
  );
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- |${published ? ' --- |' : ''}`);
  for (const r of rows)
    lines.push(
      `| ${r.device} | ${r.shots} | ${fmt(r.fewShot, 'spearman', 3)} | ${fmt(r.alone, 'spearman', 3)} | ${fmt(r.flops, 'spearman', 3)} | ` +
        `${fmt(r.fewShot, 'mape', 1)} | ${fmt(r.alone, 'mape', 1)} | ${fmt(r.flops, 'mape', 1)} |${published ? ` ${published[r.device]?.toFixed(3) ?? ''} |` : ''}`,
    );
  for (const shots of SHOTS) {
    const of = rows.filter((r) => r.shots === shots);
    const avg = (pick: (r: DeviceRow) => Scores[], key: keyof Scores) =>
      (of.reduce((s, r) => s + meanAndStd(pick(r).map((x) => x[key])).mean, 0) / of.length).toFixed(
        key === 'mape' ? 1 : 3,
      );
    lines.push(
      `| **mean** | ${shots} | ${avg((r) => r.fewShot, 'spearman')} | ${avg((r) => r.alone, 'spearman')} | ${avg((r) => r.flops, 'spearman')} | ` +
        `${avg((r) => r.fewShot, 'mape')} | ${avg((r) => r.alone, 'mape')} | ${avg((r) => r.flops, 'mape')} |${published ? ` ${(Object.values(published).reduce((a, b) => a + b) / Object.values(published).length).toFixed(3)} |` : ''}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

// ---- A chain space measured here: this CPU under LibTorch and under onnxruntime as two "devices" ----
// --chain N measures N random proxyless-28 networks (batch 1, one thread) under each runtime (resumable
// files under --out), fits the prior on one runtime's networks, adapts to the other from 20 of its
// networks (--draws draws) and scores the rest, both ways round; beside ridge on the 20 alone and MACs.
async function chainSpace(networks: number): Promise<void> {
  const space = chainSearchSpace(resolveSpace(loadSpace('proxyless-28')));
  const counts = space.decisions.map((d) => d.options.length);
  fs.mkdirSync(args.out, { recursive: true });
  const timingOf = (runtime: 'libtorch' | 'onnxruntime') =>
    ({ runtime, device: 'cpu', batch: 1, threads: 1, warmup: 10, repeats: 30, networks, seed: 7 }) as const;
  const measured: Record<string, LatencySamples> = {};
  for (const runtime of ['libtorch', 'onnxruntime'] as const) {
    const file = path.join(args.out, `proxyless-28-${runtime}.json`);
    measured[runtime] = await sampleLatencies(space, file, timingOf(runtime), (p) => {
      if (p.done % 50 === 0) process.stderr.write(`${runtime}: ${p.done}/${p.total}\n`);
    });
  }
  const shots = wholeFlag(args['chain-shots'], 'chain-shots', 2);
  const macs = (indices: readonly number[]) => space.cost(space.decode(indices)).macs;
  const lines = [
    `\nproxyless-28 on this CPU (batch 1, 1 thread): ${networks} networks per runtime; prior from one runtime's networks, adapted to the other's from ${shots} (${DRAWS} draws), scored on the other ${networks - shots}\n`,
    '| source -> target | few-shot Spearman | alone Spearman | MACs Spearman | few-shot MAPE % | alone MAPE % | MACs-line MAPE % |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [from, to] of [
    ['libtorch', 'onnxruntime'],
    ['onnxruntime', 'libtorch'],
  ] as const) {
    const prior = metaLearnPrior(counts, [{ device: from, samples: measured[from].networks }], shots);
    const pool = measured[to].networks;
    const rows: Record<'few' | 'alone' | 'macs', Scores[]> = { few: [], alone: [], macs: [] };
    for (let draw = 0; draw < DRAWS; draw++) {
      const support = drawSamples(pool, shots, 100 + draw);
      const query = pool.filter((s) => !support.includes(s));
      const truth = query.map((s) => s.ms);
      const scoreOf = (predicted: number[]) => ({
        spearman: spearman(predicted, truth),
        mape: mape(predicted, truth),
      });
      const few = adaptPrior(prior, support);
      const alone = fitAlone(counts, support);
      rows.few.push(scoreOf(query.map((s) => predictFewShot(few, s.indices))));
      rows.alone.push(scoreOf(query.map((s) => predictFewShot(alone, s.indices))));
      const line = lineThrough(
        support.map((s) => macs(s.indices)),
        support.map((s) => s.ms),
      );
      const byMacs = scoreOf(query.map((s) => line(macs(s.indices))));
      byMacs.spearman = spearman(
        query.map((s) => macs(s.indices)),
        truth,
      );
      rows.macs.push(byMacs);
    }
    lines.push(
      `| ${from} -> ${to} | ${fmt(rows.few, 'spearman', 3)} | ${fmt(rows.alone, 'spearman', 3)} | ${fmt(rows.macs, 'spearman', 3)} | ` +
        `${fmt(rows.few, 'mape', 1)} | ${fmt(rows.alone, 'mape', 1)} | ${fmt(rows.macs, 'mape', 1)} |`,
    );
  }
  const between = spearman(
    measured.libtorch.networks.map((s) => s.ms),
    measured.onnxruntime.networks.map((s) => s.ms),
  );
  lines.push(
    `\nthe two runtimes' own rank agreement over the same ${networks} networks: Spearman ${between.toFixed(3)}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

/** A least-squares line through (x, y). */
function lineThrough(x: number[], y: number[]): (v: number) => number {
  const mx = x.reduce((a, b) => a + b) / x.length;
  const my = y.reduce((a, b) => a + b) / y.length;
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  const slope = sxx > 0 ? x.reduce((s, v, n) => s + (v - mx) * (y[n] - my), 0) / sxx : 0;
  return (v) => my + slope * (v - mx);
}

const started = Date.now();
const helpRows = SHOTS.flatMap((shots) => Object.keys(HELP_TEST).map((d) => evaluate(d, HELP_TRAIN, shots)));
table(
  `HELP's split: prior from its 9 meta-training devices, tested on its 6 (${DRAWS} support draws each; mean ± std over draws)`,
  helpRows,
  HELP_TEST,
);
process.stdout.write(
  `published FLOPs Spearman on these devices (HELP Table 3): ${JSON.stringify(HELP_FLOPS)}\n`,
);
const looRows = SHOTS.flatMap((shots) =>
  NB201_DEVICES.map((d) =>
    evaluate(
      d,
      NB201_DEVICES.filter((s) => s !== d),
      shots,
    ),
  ),
);
table(`leave one device out over all 27 (prior from the other 26; ${DRAWS} support draws each)`, looRows);
process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
if (args.json) fs.writeFileSync(args.json, JSON.stringify({ helpRows, looRows }, null, 1));
const chainNetworks = wholeFlag(args.chain, 'chain', 0);
if (chainNetworks > 0) void chainSpace(chainNetworks);
