// Search on a trained supernet: an evolutionary Pareto search (NSGA-II selection, mutation and
// crossover) over held-out accuracy against MACs or a latency model, every candidate BN-recalibrated
// before it is scored. The Pareto family is written to the run, each member exported as a standalone
// network (arch.json + weights that `torchnas train --init` fine-tunes). A shiftnas run's generator
// seeds the first population with its subnets at evenly spaced MACs. With a target (M MACs, or ms with
// a latency table) the search is constrained: its second objective is the distance outside the band
// target * (1 ± tolerance), so selection keeps the most accurate subnets inside it; the best of them is
// the search's answer, exported beside the front of every scored subnet.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ThreadsSchema } from '../util/threads';
import type { Architecture } from '../arch';
import { fromZod, TorchnasError } from '../errors';
import { readLatencyTable } from '../latency/latency-table';
import { elasticSearchSpace } from '../spaces/elastic/elastic-search-space';
import { tableLatencyModel, type LatencyModel } from '../latency/latency-model';
import { paretoChart } from '../report/pareto-chart';
import { renderChart } from '../report/plot';
import { hypervolume, paretoFront } from '../search/pareto';
import { withinBand, type TargetBand } from '../search/target-derivation';
import { paretoEvolution, type Evaluated } from '../search/pareto-evolution';
import {
  crossoverSubnets,
  decodeSubnet,
  encodeSubnet,
  largestSubnet,
  mutateSubnet,
  randomSubnet,
  smallestSubnet,
  subnetArchitecture,
  subnetCost,
  type ResolvedElasticSpace,
  type Subnet,
} from '../spaces';
import { Rng } from '../util/rng';
import { DeviceSchema, type Session } from '../train/session';
import { writeJsonAtomic } from '../util/atomic-file';
import { exportSubnet } from './extract-subnet';
import { requireReachable, subnetsInBand } from './target-band';
import { generateSubnets } from './shiftnas/shiftnas-run';
import { loadSupernet, openSupernetRun } from './supernet-run';
import { scoreSubnets, supernetData, type SubnetScore } from './train-supernet';
import { plural } from '../util/plural';

export const SupernetSearchOptionsSchema = z
  .object({
    run: z.string(),
    constraint: z.enum(['macs', 'latency']).default('macs'),
    latencyTable: z.string().optional(),
    /** In the constraint's unit: M MACs, or the latency table's ms. */
    target: z.number().positive().optional(),
    targetTolerance: z.number().gt(0).lt(1).default(0.05),
    population: z.number().int().min(2).default(16),
    iterations: z.number().int().positive().default(6),
    mutationProbability: z.number().min(0).max(1).default(0.2),
    crossoverFraction: z.number().min(0).max(1).default(0.5),
    calibBatches: z.number().int().positive().optional(),
    limitValid: z.number().int().positive().optional(),
    exportFront: z.boolean().default(true),
    /** A shiftnas run's generator seeds the first population (false: the ends and random subnets only). */
    generatorSeeds: z.boolean().default(true),
    /** An SVG or PNG file for the plot of the scored subnets and their front. */
    plot: z.string().optional(),
    seed: z.number().int().min(0).default(0),
    threads: ThreadsSchema.optional(),
    device: DeviceSchema.optional(),
  })
  .strict()
  .refine((o) => o.constraint !== 'latency' || o.latencyTable !== undefined, {
    message: 'a latency constraint needs a latency table (--latency-table)',
    path: ['latencyTable'],
  });

export type SupernetSearchOptions = z.input<typeof SupernetSearchOptionsSchema>;

export interface ParetoMember extends SubnetScore {
  /** MACs, or latency in the table's unit: what the search traded accuracy against. */
  cost: number;
  params: number;
  arch?: string; // arch.json of the exported network, relative to the run
  weights?: string;
}

/** The most accurate scored subnet within the target's band (absent when none landed there). */
export interface TargetMember extends ParetoMember {
  target: number;
  tolerance: number;
}

export interface SupernetSearchResult {
  run: string;
  constraint: 'macs' | 'latency';
  costUnit: string;
  evaluated: number;
  front: ParetoMember[];
  /** With a target: the answer, or undefined with `targetMissed` when no scored subnet lies in the band. */
  atTarget?: TargetMember;
  targetMissed?: { target: number; tolerance: number; nearest: ParetoMember };
  hypervolume: number;
  seconds: number;
}

export type SupernetSearchEvent =
  | { type: 'iteration'; iteration: number; evaluated: number; front: number }
  | { type: 'scored'; done: number; total: number };

function costModel(
  resolved: ResolvedElasticSpace,
  o: z.output<typeof SupernetSearchOptionsSchema>,
): { unit: string; cost: (s: Subnet) => number } {
  if (o.constraint === 'macs') return { unit: 'MMACs', cost: (s) => subnetCost(resolved, s).macs / 1e6 };
  const table = readLatencyTable(o.latencyTable!);
  // Checked before any work: a table of another space would fail mid-search on its first unknown layer.
  const missing = elasticSearchSpace(resolved)
    .latencyLayers()
    .filter((l) => !Object.hasOwn(table.entries, l.key));
  if (missing.length) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `latencyTable: '${o.latencyTable}' lacks ${plural(missing.length, 'layer')} of ` +
        `'${resolved.space.name}' (e.g. ${missing[0].key}): build one with torchnas latency table --space ${resolved.space.name}`,
      ['latencyTable'],
    );
  }
  const model: LatencyModel<Architecture> = tableLatencyModel(table);
  return { unit: model.unit, cost: (s) => model.latency(subnetArchitecture(resolved, s)) };
}

export async function searchSupernet(
  options: SupernetSearchOptions,
  onEvent?: (e: SupernetSearchEvent) => void,
): Promise<SupernetSearchResult> {
  const started = Date.now();
  const parsed = SupernetSearchOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('supernet search options', parsed.error);
  const o = parsed.data;
  const run = openSupernetRun(o.run);
  const { resolved } = run;
  const { unit, cost } = costModel(resolved, o);
  const band = o.target === undefined ? undefined : { target: o.target, tolerance: o.targetTolerance };
  if (band) requireReachable(resolved, band, cost, unit);
  // With a target, the distance outside its band replaces the cost in the selection.
  const objective = (c: number) => (band ? Math.max(0, Math.abs(c / band.target - 1) - band.tolerance) : c);
  const data = await supernetData(run.opts, resolved);
  if (o.limitValid && data.valid.size > o.limitValid)
    data.valid = data.valid.subset(o.limitValid, o.seed + 7);
  const session = await loadSupernet(run, o, data.valid);
  const initial = [smallestSubnet(resolved), largestSubnet(resolved)];
  const scoring = { ...run.opts, calibBatches: o.calibBatches ?? run.opts.calibBatches };
  const scores = new Map<string, SubnetScore>();
  let evolved;
  try {
    if (band)
      initial.push(
        ...subnetsInBand(resolved, band, cost, Math.floor(o.population / 2), new Rng(o.seed + 101)),
      );
    if (run.opts.sampler === 'shiftnas' && o.generatorSeeds) {
      const targetMacs = band && o.constraint === 'macs' ? band.target * 1e6 : undefined;
      initial.push(...(await generatorSeeds(session, resolved, o.population - initial.length, targetMacs)));
    }
    evolved = await paretoEvolution<Subnet>(
      {
        random: (rng) => randomSubnet(resolved, () => rng.next()),
        mutate: (a, rng, p) => mutateSubnet(resolved, a, () => rng.next(), p),
        crossover: (a, b, rng) => crossoverSubnets(a, b, () => rng.next()),
        key: encodeSubnet,
        evaluate: async (batch) => {
          const scored = await scoreSubnets(session, resolved, batch, data, scoring, (p) =>
            onEvent?.({ type: 'scored', ...p }),
          );
          scored.forEach((s) => scores.set(s.subnet, s));
          return scored.map((s, i) => ({ accuracy: s.top1, cost: objective(cost(batch[i])) }));
        },
      },
      {
        population: o.population,
        iterations: o.iterations,
        mutationProbability: o.mutationProbability,
        crossoverFraction: o.crossoverFraction,
        seed: o.seed,
        initial,
      },
      (i) =>
        onEvent?.({
          type: 'iteration',
          iteration: i.iteration,
          evaluated: i.evaluated,
          front: i.front.length,
        }),
    );
    const all = evolved.evaluated.map((e: Evaluated<Subnet>) =>
      member(resolved, scores.get(e.key)!, cost(decodeSubnet(resolved, e.key))),
    );
    const front = paretoFront(all, (m) => ({ accuracy: m.top1, cost: m.cost }));
    if (o.exportFront) await exportFront(session, resolved, o.run, front);
    const worst = { accuracy: 0, cost: Math.max(...all.map((m) => m.cost)) * 1.01 };
    const result: SupernetSearchResult = {
      run: o.run,
      constraint: o.constraint,
      costUnit: unit,
      evaluated: evolved.evaluated.length,
      front,
      hypervolume: hypervolume(
        front.map((m) => ({ accuracy: m.top1, cost: m.cost })),
        worst,
      ),
      seconds: (Date.now() - started) / 1000,
    };
    if (band) await answerAtTarget(session, resolved, o.run, band, all, result);
    writeJsonAtomic(path.join(o.run, 'pareto.json'), { ...result, evaluatedSubnets: all });
    if (o.plot) await renderChart(frontChart(run.opts.sampler, unit, all, front), o.plot);
    return result;
  } finally {
    await session.close();
  }
}

/**
 * A shiftnas run's generator subnets at evenly spaced MACs between the smallest and largest subnet's,
 * or all at `targetMacs` when the search has a MACs target.
 */
async function generatorSeeds(
  session: Session,
  resolved: ResolvedElasticSpace,
  count: number,
  targetMacs?: number,
): Promise<Subnet[]> {
  if (count < 1) return [];
  const [lo, hi] = [smallestSubnet(resolved), largestSubnet(resolved)].map(
    (s) => subnetCost(resolved, s).macs,
  );
  const targets = Array.from(
    { length: count },
    (_, i) => targetMacs ?? lo + ((hi - lo) * (i + 1)) / (count + 1),
  );
  return (await generateSubnets(session, resolved, targets)).map((g) => g.value);
}

/** The most accurate scored subnet in the band, exported to `<run>/target/`; or the nearest, reported as a miss. */
async function answerAtTarget(
  session: Session,
  resolved: ResolvedElasticSpace,
  run: string,
  band: TargetBand,
  all: ParetoMember[],
  result: SupernetSearchResult,
): Promise<void> {
  const inside = all.filter((m) => withinBand(m.cost, band)).sort((a, b) => b.top1 - a.top1);
  if (!inside.length) {
    const nearest = [...all].sort(
      (a, b) => Math.abs(a.cost - band.target) - Math.abs(b.cost - band.target),
    )[0];
    result.targetMissed = { ...band, nearest };
    return;
  }
  const best: TargetMember = { ...inside[0], ...band };
  fs.mkdirSync(path.join(run, 'target'), { recursive: true });
  const written = await exportSubnet(
    session,
    resolved,
    decodeSubnet(resolved, best.subnet),
    path.join(run, 'target'),
    best.subnet,
  );
  best.arch = path.join('target', path.basename(written.arch));
  best.weights = path.join('target', path.basename(written.weights));
  result.atTarget = best;
}

/** Scored subnets as a cloud and the front as a staircase: accuracy (%) against the cost. */
export function frontChart(
  name: string,
  unit: string,
  scored: { cost: number; top1: number; subnet?: string }[],
  front: { cost: number; top1: number; subnet?: string }[],
) {
  const point = (m: { cost: number; top1: number; subnet?: string }) => ({
    latencyMs: m.cost,
    accuracy: 100 * m.top1,
    label: m.subnet,
  });
  return paretoChart([{ device: name, points: scored.map(point), front: front.map(point) }], {
    title: 'Subnets of a one-shot supernet: held-out accuracy against cost',
    subtitle: 'each BN-recalibrated before it is scored',
    accuracyTitle: 'held-out top-1 (%)',
    costTitle: unit === 'ms' ? 'latency (ms)' : 'MACs (M)',
  });
}

function member(resolved: ResolvedElasticSpace, score: SubnetScore, cost: number): ParetoMember {
  return { ...score, cost, params: subnetCost(resolved, decodeSubnet(resolved, score.subnet)).params };
}

async function exportFront(
  session: Session,
  resolved: ResolvedElasticSpace,
  run: string,
  front: ParetoMember[],
): Promise<void> {
  for (const [i, m] of front.entries()) {
    const dir = path.join('pareto', String(i).padStart(2, '0'));
    fs.mkdirSync(path.join(run, dir), { recursive: true });
    const written = await exportSubnet(
      session,
      resolved,
      decodeSubnet(resolved, m.subnet),
      path.join(run, dir),
      m.subnet,
    );
    m.arch = path.join(dir, path.basename(written.arch));
    m.weights = path.join(dir, path.basename(written.weights));
  }
}
