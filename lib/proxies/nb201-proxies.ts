// Zero-cost proxies on NAS-Bench-201: sample architectures (seeded), build each natively, score it,
// and rank-correlate the scores with the benchmark's accuracies. Shared by `torchnas proxies` and
// `npm run bench:proxies`.
import * as os from 'os';
import { z } from 'zod';
import { ThreadsSchema, WorkersSchema } from '../util/threads';
import { invalid, fromZod } from '../errors';
import type { Dataset } from '../data/datasets';
import { NB201_DATASETS, nb201AccuracyColumn, nb201ArchString } from '../benchmarks';
import { NB201_SIZE } from '../spaces/nb201/nb201-cell';
import { Rng } from '../util/rng';
import { Session } from '../train/session';
import { kendall, spearman } from '../util/statistics';
import { PROXY_NAMES, type ProxyName } from './zero-cost';
import { buildNb201 } from '../benchmarks/nb201-session';
import { zeroCostProxies } from './zero-cost-session';

/** `count` distinct NB201 indices, a seeded uniform sample without replacement. */
export function sampleNb201Indices(count: number, seed: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > NB201_SIZE)
    throw invalid(`sample size must be an integer in 1..${NB201_SIZE}, got ${count}`);
  const rng = new Rng(seed);
  const pool = Array.from({ length: NB201_SIZE }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(NB201_SIZE - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

export const Nb201ProxyStudySchema = z
  .object({
    proxies: z.array(z.enum(PROXY_NAMES)).min(1),
    /** NATS-Bench indices to score; give this or `sample`. */
    indices: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(NB201_SIZE - 1),
      )
      .min(2)
      .optional(),
    sample: z.number().int().min(2).max(NB201_SIZE).optional(),
    seed: z.number().int().min(0).default(0),
    batchSize: z.number().int().positive().default(64),
    /** The NB201 table the scores are correlated with (200-epoch test accuracy). */
    accuracyOf: z.enum(NB201_DATASETS).default('cifar10'),
    // 'valid' is the 200-epoch validation accuracy of the train-half run (NB201's cifar10-valid for
    // CIFAR-10): the figure zero-cost-nas correlated with; 'test' the test accuracy.
    split: z.enum(['test', 'valid']).default('test'),
    classes: z.number().int().positive().default(10),
    device: z.string().default('auto'),
    /** Sessions scoring networks side by side; small networks score faster on one thread each. */
    workers: WorkersSchema.default(1),
    /** LibTorch threads per session (default: the cores shared among the workers). */
    threads: ThreadsSchema.optional(),
    /** Keep each network's per-layer values too. */
    keepLayers: z.boolean().default(false),
  })
  .strict()
  .refine((o) => (o.indices === undefined) !== (o.sample === undefined), 'give either indices or sample');
export type Nb201ProxyStudyOptions = z.input<typeof Nb201ProxyStudySchema>;

export interface Nb201ProxyStudyData {
  dataset: Dataset;
  normalize: { mean: number[]; std: number[] };
}

export interface Nb201ScoredArch {
  index: number;
  arch: string;
  accuracy: number;
  scores: Partial<Record<ProxyName, number>>;
  /** Per-layer values, with `keepLayers`. */
  layers?: Partial<Record<ProxyName, Record<string, number>>>;
}

export interface ProxyCorrelation {
  proxy: ProxyName;
  spearman: number;
  kendall: number;
  archs: number;
  /** Mean seconds per architecture in one session (a pass shared by several proxies counts for the first). */
  seconds: number;
}

export interface Nb201ProxyStudy {
  archs: Nb201ScoredArch[];
  correlations: ProxyCorrelation[];
  seconds: number;
}

/** Scores NB201 architectures with zero-cost proxies and rank-correlates them with test (or validation) accuracy. */
export async function runNb201ProxyStudy(
  options: Nb201ProxyStudyOptions,
  data: Nb201ProxyStudyData | null,
  onProgress?: (done: number, total: number) => void,
): Promise<Nb201ProxyStudy> {
  const parsed = Nb201ProxyStudySchema.safeParse(options);
  if (!parsed.success) throw fromZod('proxy study options', parsed.error);
  const o = parsed.data;
  const indices = o.indices ?? sampleNb201Indices(o.sample!, o.seed);
  const accuracy = nb201AccuracyColumn(o.accuracyOf, o.split, 200);
  const threads = o.threads ?? Math.max(1, Math.floor(os.availableParallelism() / o.workers));
  // Every session builds with the same seed: a network's weights do not depend on which worker built it.
  const sessions = Array.from(
    { length: o.workers },
    () => new Session({ device: o.device, seed: o.seed, threads }),
  );
  const started = Date.now();
  const archs = new Array<Nb201ScoredArch>(indices.length);
  const seconds = Object.fromEntries(o.proxies.map((p) => [p, 0])) as Record<ProxyName, number>;
  let next = 0;
  let done = 0;
  const work = async (session: Session) => {
    while (next < indices.length) {
      const position = next++;
      const index = indices[position];
      await buildNb201(session, { arch: index, classes: o.classes });
      const scores = await zeroCostProxies(session, data?.dataset ?? null, {
        proxies: o.proxies,
        batchSize: o.batchSize,
        seed: o.seed,
        normalize: data?.normalize,
      });
      archs[position] = {
        index,
        arch: nb201ArchString(index),
        accuracy: accuracy[index],
        scores: Object.fromEntries(o.proxies.map((p) => [p, scores[p]!.total])),
      };
      if (o.keepLayers)
        archs[position].layers = Object.fromEntries(o.proxies.map((p) => [p, scores[p]!.layers]));
      for (const p of o.proxies) seconds[p] += scores[p]!.seconds;
      onProgress?.(++done, indices.length);
    }
  };
  try {
    await Promise.all(sessions.map(work));
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
  const accuracies = archs.map((a) => a.accuracy);
  const correlations = o.proxies.map((proxy) => {
    const scores = archs.map((a) => a.scores[proxy]!);
    return {
      proxy,
      spearman: spearman(scores, accuracies),
      kendall: kendall(scores, accuracies),
      archs: archs.length,
      seconds: seconds[proxy] / archs.length,
    };
  });
  return { archs, correlations, seconds: (Date.now() - started) / 1000 };
}
