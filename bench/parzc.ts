// npm run bench:parzc — a ParZC-style parametric proxy on NAS-Bench-201: per-layer zero-cost values of
// seeded random networks (natively built and scored), a Bayesian MLP trained with the differentiable
// Kendall loss on 156 of them (1% of NB201; their CIFAR-10 test accuracy), Kendall tau on all the other
// scored networks, beside the raw proxies on the same networks and the paper's figure (Dong et al.,
// ParZC: 0.706 on CIFAR-10). Scoring all 15,625 networks takes about 25 minutes on the 2-core dev
// VM, so by default 5,000 are scored (8 minutes) and tau is measured on the 4,844 not trained on. The per-layer values are cached in
// --out; a second run with the same proxies, sample and seed reuses them.
//
//   npm run bench:parzc -- [--proxies synflow,params] [--archs 5000] [--train 156] [--repeats 5] [--epochs 400]
//                          [--workers 2] [--threads 1] [--seed 0] [--out runs/bench-parzc]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { NB201_SIZE } from '../lib/spaces';
import { augmentationFor, loadDataset } from '../lib/data/datasets';
import { Rng } from '../lib/util/rng';
import {
  DATA_PROXIES,
  kendall,
  nb201LayerFeatures,
  nb201LayerSlots,
  PROXY_NAMES,
  runNb201ProxyStudy,
  sampleNb201Indices,
  trainParzc,
  type ProxyName,
} from '../lib/proxies';

const PAPER_TAU = 0.706;

interface Cache {
  key: string;
  indices: number[];
  accuracy: number[];
  totals: Record<string, number[]>;
  features: number[][];
}

function readArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      proxies: { type: 'string', default: 'synflow,params' },
      train: { type: 'string', default: String(Math.floor(NB201_SIZE / 100)) },
      repeats: { type: 'string', default: '5' },
      epochs: { type: 'string', default: '400' },
      archs: { type: 'string', default: '5000' },
      'batch-size': { type: 'string', default: '8' },
      workers: { type: 'string', default: '2' },
      threads: { type: 'string', default: '1' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: 'runs/bench-parzc' },
    },
  });
  const proxies = values.proxies!.split(',') as ProxyName[];
  for (const p of proxies)
    if (!(PROXY_NAMES as readonly string[]).includes(p)) throw new Error(`unknown proxy '${p}'`);
  return {
    proxies,
    train: Number(values.train),
    repeats: Number(values.repeats),
    epochs: Number(values.epochs),
    archs: Number(values.archs),
    batchSize: Number(values['batch-size']),
    workers: Number(values.workers),
    threads: Number(values.threads),
    seed: Number(values.seed),
    out: values.out!,
  };
}

type Args = ReturnType<typeof readArgs>;

/** Per-layer features of the networks, from the cache when it was made the same way. */
async function layerFeatures(args: Args): Promise<Cache> {
  const key = JSON.stringify({
    proxies: args.proxies,
    archs: args.archs,
    batchSize: args.batchSize,
    seed: args.seed,
  });
  const file = path.join(args.out, 'features.json');
  if (fs.existsSync(file)) {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Cache;
    if (cached.key === key) return cached;
  }
  const needsData = args.proxies.some((p) => DATA_PROXIES.includes(p));
  const { mean, std } = augmentationFor('fashion-mnist', false);
  const data = needsData
    ? { dataset: await loadDataset('fashion-mnist', 'train'), normalize: { mean, std } }
    : null;
  const indices =
    args.archs >= NB201_SIZE
      ? Array.from({ length: NB201_SIZE }, (_, i) => i)
      : sampleNb201Indices(args.archs, args.seed);
  let last = 0;
  const study = await runNb201ProxyStudy(
    {
      proxies: args.proxies,
      indices,
      keepLayers: true,
      batchSize: args.batchSize,
      seed: args.seed,
      device: 'cpu',
      workers: args.workers,
      threads: args.threads,
    },
    data,
    (done, total) => {
      if (done === total || Date.now() - last > 30_000) {
        last = Date.now();
        process.stderr.write(`scoring: ${done}/${total}\n`);
      }
    },
  );
  const slots = nb201LayerSlots();
  const cache: Cache = {
    key,
    indices: study.archs.map((a) => a.index),
    accuracy: study.archs.map((a) => a.accuracy),
    totals: Object.fromEntries(args.proxies.map((p) => [p, study.archs.map((a) => a.scores[p]!)])),
    features: study.archs.map((a) => nb201LayerFeatures(a, args.proxies, slots)),
  };
  fs.writeFileSync(file, JSON.stringify(cache));
  return cache;
}

/** 0..n-1 in a seeded random order. */
function permutation(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const meanAndStd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) };
};

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const started = Date.now();
  fs.mkdirSync(args.out, { recursive: true });
  const data = await layerFeatures(args);
  const scored = Date.now();
  const n = data.indices.length;
  const trainCount = args.train;
  if (trainCount < 2 || trainCount >= n)
    throw new Error(`--train must be between 2 and the ${n} networks scored`);

  const taus: number[] = [];
  const baselines: Record<string, number[]> = Object.fromEntries(args.proxies.map((p) => [p, []]));
  for (let r = 0; r < args.repeats; r++) {
    // A seeded choice of training networks per repeat; all the others are the test set.
    const order = permutation(n, args.seed + 1000 + r);
    const train = order.slice(0, trainCount);
    const test = order.slice(trainCount);
    const proxy = trainParzc(
      train.map((i) => data.features[i]),
      train.map((i) => data.accuracy[i]),
      { epochs: args.epochs, seed: args.seed + r },
    );
    const accuracy = test.map((i) => data.accuracy[i]);
    taus.push(kendall(proxy.score(test.map((i) => data.features[i])), accuracy));
    for (const p of args.proxies)
      baselines[p].push(
        kendall(
          test.map((i) => data.totals[p][i]),
          accuracy,
        ),
      );
    process.stderr.write(`repeat ${r + 1}/${args.repeats}: tau ${taus[r].toFixed(3)}\n`);
  }

  const pm = (xs: number[]) => {
    const { mean, std } = meanAndStd(xs);
    return `${mean.toFixed(3)} ± ${std.toFixed(3)}`;
  };
  const out: string[] = [];
  out.push(`## ParZC-style parametric proxy on NAS-Bench-201 (CIFAR-10 test accuracy, 200 epochs)\n`);
  out.push(
    `Per-layer ${args.proxies.join(' and ')} of ${n} networks (${nb201LayerSlots().length} conv/linear slots each, plus totals);`,
  );
  out.push(
    `trained on ${trainCount} of them (${((100 * trainCount) / NB201_SIZE).toFixed(1)}% of NB201), Kendall τ on the other ${n - trainCount};`,
  );
  out.push(`mean ± std over ${args.repeats} seeded choices of the training networks.\n`);
  out.push('| scorer | Kendall τ on the rest |');
  out.push('| --- | --- |');
  out.push(`| parametric proxy (Bayesian MLP, differentiable Kendall loss) | ${pm(taus)} |`);
  for (const p of args.proxies) out.push(`| ${p} (total, untrained) | ${pm(baselines[p])} |`);
  out.push(`| ParZC, paper (CIFAR-10) | ${PAPER_TAU.toFixed(3)} |`);
  out.push('');
  out.push(
    `Scoring ${((scored - started) / 1000).toFixed(0)} s (0 when cached in ${args.out}), training and evaluation ${((Date.now() - scored) / 1000).toFixed(0)} s.`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
