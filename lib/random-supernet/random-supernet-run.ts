// Random search on a trained elastic supernet at a MACs target: the control a weight-sharing search is
// compared against. Each round draws subnets uniformly from the space, keeps those within
// target * (1 ± tolerance) MACs, BN-recalibrates and scores each on the supernet run's held-out part,
// and commits the round; the most accurate subnet is exported as a standalone network (arch.json and
// weights that `torchnas train --init` fine-tunes). A method on the run skeleton: rounds are its epochs.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { invalid } from '../errors';
import {
  closingOnError,
  parseWith,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { decodeSubnet, subnetCost, type ResolvedElasticSpace, type Subnet } from '../spaces';
import { Rng } from '../util/rng';
import { exportSubnet } from '../supernet/extract-subnet';
import { requireReachable, subnetsInBand } from '../supernet/target-band';
import type { TargetBand } from '../search/target-derivation';
import { loadSupernet, openSupernetRun } from '../supernet/supernet-run';
import { scoreSubnets, supernetData, type SubnetScore } from '../supernet/train-supernet';
import { DeviceSchema } from '../train/session';
import { ThreadsSchema } from '../util/threads';

export const RandomSupernetOptionsSchema = z
  .object({
    /** A supernet run (torchnas supernet train --out). */
    supernet: z.string(),
    /** The MACs target, in M MACs, and the band around it the subnets lie in. */
    target: z.number().positive(),
    targetTolerance: z.number().gt(0).lt(1).default(0.05),
    /** Rounds (the run's epochs, each committed) and the subnets each round scores. */
    epochs: z.number().int().positive().default(4),
    perRound: z.number().int().positive().default(8),
    calibBatches: z.number().int().positive().optional(),
    limitValid: z.number().int().positive().optional(),
    seed: z.number().int().min(0).default(0),
    runDir: z.string().optional(),
    restart: z.boolean().default(false),
    threads: ThreadsSchema.optional(),
    device: DeviceSchema.optional(),
  })
  .strict();

export type RandomSupernetOptions = z.input<typeof RandomSupernetOptionsSchema>;
type Resolved = z.output<typeof RandomSupernetOptionsSchema>;

export interface RandomRound {
  type: 'random-round';
  epoch: number;
  globalStep: number;
  scored: SubnetScore[];
  seconds: number;
}

export interface RandomSupernetResult {
  runDir: string;
  best: SubnetScore & { arch: string; weights: string };
  scored: number;
  history: RandomRound[];
  seconds: number;
}

export type RandomSupernetEvent =
  | {
      type: 'start';
      runDir: string;
      space: string;
      band: [number, number];
      startEpoch: number;
      epochs: number;
    }
  | { type: 'scored'; epoch: number; done: number; total: number }
  | { type: 'epoch'; record: RandomRound };

export function randomSupernet(
  options: RandomSupernetOptions,
  onEvent?: (e: RandomSupernetEvent) => void,
  control?: RunControl,
): Promise<RandomSupernetResult> {
  return runMethod(RANDOM_SUPERNET_METHOD, options, onEvent, control);
}

const RANDOM_SUPERNET_METHOD: RunMethod<Resolved, RandomRound, RandomSupernetResult, RandomSupernetEvent> = {
  kind: 'random-supernet',
  parse: parseWith(RandomSupernetOptionsSchema, 'random-supernet options'),
  folder: () => 'random-supernet',
  open: openRandomSearch,
};

/** M MACs: the unit of --target. */
const mmacs = (resolved: ResolvedElasticSpace) => (s: Subnet) => subnetCost(resolved, s).macs / 1e6;

/**
 * Every round's distinct subnets in the band, none drawn twice, from the seed alone: drawn before any
 * work (a band too narrow for the rounds is refused before the run folder exists) and the same on resume.
 */
function drawRounds(resolved: ResolvedElasticSpace, band: TargetBand, o: Resolved): Subnet[][] {
  const wanted = o.perRound * o.epochs;
  const all = subnetsInBand(resolved, band, mmacs(resolved), wanted, new Rng(o.seed + 13), 500 * wanted);
  if (all.length < wanted) {
    throw invalid(
      `targetTolerance ${o.targetTolerance}: ${500 * wanted} draws found ${all.length} distinct subnets within the ` +
        `band, not the ${wanted} of ${o.epochs} rounds of ${o.perRound}; widen it or give fewer rounds (epochs) or perRound`,
      ['targetTolerance'],
    );
  }
  return Array.from({ length: o.epochs }, (_, r) => all.slice(r * o.perRound, (r + 1) * o.perRound));
}

async function openRandomSearch({
  opts: o,
  runDir,
  emit,
  started,
  stored,
}: RunContext<Resolved, RandomRound, RandomSupernetEvent>): Promise<
  OpenedRun<Resolved, RandomRound, RandomSupernetResult>
> {
  const run = openSupernetRun(o.supernet);
  const { resolved } = run;
  // Every round scores the same weights: a supernet trained on since this run began is refused.
  const weights = { checkpoint: path.basename(run.checkpoint), epochs: run.history.length };
  if (stored && JSON.stringify(stored.supernetWeights) !== JSON.stringify(weights)) {
    throw invalid(
      `supernet '${o.supernet}' has changed since this run began (${JSON.stringify(stored.supernetWeights)}, ` +
        `now ${JSON.stringify(weights)}): its rounds would score other weights; give another --out`,
      ['supernet'],
    );
  }
  const band = { target: o.target, tolerance: o.targetTolerance };
  requireReachable(resolved, band, mmacs(resolved), 'M MACs');
  const rounds = drawRounds(resolved, band, o);
  const data = await supernetData(run.opts, resolved);
  if (o.limitValid && data.valid.size > o.limitValid)
    data.valid = data.valid.subset(o.limitValid, o.seed + 7);
  const session = await loadSupernet(run, o, data.valid);
  const scoring = { ...run.opts, calibBatches: o.calibBatches ?? run.opts.calibBatches };
  const score = (subnets: Subnet[], epoch: number) =>
    scoreSubnets(session, resolved, subnets, data, scoring, (p) => emit({ type: 'scored', epoch, ...p }));
  return closingOnError(session, async () => ({
    stored: { space: resolved.space, supernetWeights: weights },
    start: (startEpoch) =>
      emit({
        type: 'start',
        runDir,
        space: resolved.space.name,
        band: [o.target * (1 - o.targetTolerance) * 1e6, o.target * (1 + o.targetTolerance) * 1e6],
        startEpoch,
        epochs: o.epochs,
      }),
    epoch: async (epoch) => {
      const t0 = Date.now();
      const scored = await score(rounds[epoch], epoch);
      return {
        type: 'random-round',
        epoch: epoch + 1,
        globalStep: 0,
        scored,
        seconds: (Date.now() - t0) / 1000,
      };
    },
    finish: async (state) => {
      const all = state.history.flatMap((r) => r.scored);
      const top = all.reduce((a, b) => (b.top1 > a.top1 ? b : a));
      // Scoring recalibrates the BN statistics the export copies: score the winner again just before.
      const subnet = decodeSubnet(resolved, top.subnet);
      await score([subnet], o.epochs);
      const dir = path.join(runDir, 'best');
      fs.mkdirSync(dir, { recursive: true });
      const files = await exportSubnet(session, resolved, subnet, dir, top.subnet);
      const rel = (f: string) => path.relative(runDir, f);
      const best = { ...top, arch: rel(files.arch), weights: rel(files.weights) };
      return {
        runDir,
        best,
        scored: all.length,
        history: state.history,
        seconds: (Date.now() - started) / 1000,
      };
    },
    cancel: () => session.cancel(),
    close: () => session.close(),
  }));
}
