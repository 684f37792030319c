// ShiftNAS in a supernet run: its options, its native state configured beside the supernet (bins,
// cost model, generator; the generator first pre-trained on the resource loss alone in a fresh run),
// and what each epoch records: B, beta, the last dL/dB estimate, and the generator's subnets at the
// bin centres with their exact MACs.
import { z } from 'zod';
import { encodeSubnet, subnetCost, type ResolvedElasticSpace, type Subnet } from '../../spaces';
import type { Dataset } from '../../data/datasets';
import type { Session } from '../../train/session';
import type { NativeSubnet } from '../../../binding';
import { shiftNasChart } from '../../report/shiftnas-chart';
import { complexityBins } from './bins';
import { macsCostTerms, nativeCostTerms } from './cost-model';
import { attachShiftNas, generatorSubnets, shiftNasStatus } from './shiftnas-session';

export const SHIFTNAS_FIELDS = {
  /** K complexity bins; default: the most, up to 8, that are all reachable. */
  shiftBins: z.number().int().min(2).optional(),
  /** lambda of the resource loss lambda * ((MACs - C) / C)^2. */
  resourceWeight: z.number().min(0).default(10),
  /** Extra targets a step whose generated samples enter the resource loss alone (no supernet pass). */
  resourceBatch: z.number().int().min(0).default(32),
  generatorLr: z.number().positive().default(2e-3),
  generatorHidden: z.number().int().positive().default(64),
  gumbelTemperature: z.number().positive().default(1),
  betaLr: z.number().positive().default(0.05),
  /** Optimizer steps between updates of beta. */
  shiftEvery: z.number().int().positive().default(20),
  /** Epochs with B fixed (uniform) before beta is learnt; default a quarter of the epochs. */
  shiftWarmupEpochs: z.number().int().min(0).optional(),
  /** Resource-loss-only steps of the generator before supernet training (batch 64 targets). */
  generatorWarmup: z.number().int().min(0).default(500),
};

export interface ShiftNasOptions {
  shiftBins?: number;
  resourceWeight: number;
  resourceBatch: number;
  generatorLr: number;
  generatorHidden: number;
  gumbelTemperature: number;
  betaLr: number;
  shiftEvery: number;
  shiftWarmupEpochs?: number;
  generatorWarmup: number;
  epochs: number;
  batchSize: number;
  poolSize: number;
  seed: number;
}

export interface GeneratedSubnet {
  target: number;
  macs: number;
  /** |MACs - target| / target. */
  error: number;
  subnet: string;
}

export interface ShiftNasRecord {
  probabilities: number[];
  beta: number[];
  estimate: number[];
  updates: number;
  /** Mean relative MACs error of the generator's training samples this epoch. */
  trainConstraintError: number;
  /** The generator's argmax subnet at each bin centre. */
  generated: GeneratedSubnet[];
}

export function warmupEpochs(opts: ShiftNasOptions): number {
  return opts.shiftWarmupEpochs ?? Math.floor(opts.epochs / 4);
}

export const binCentres = (edges: number[]) => edges.slice(1).map((e, i) => (edges[i] + e) / 2);

// The bins are the space's, not the run's: one pool seed for all, so runs of several seeds are the
// same method (drawn with each run's seed, the automatic bin count once differed between seeds).
const BIN_POOL_SEED = 11;

/** A run's bin edges: the same from its options wherever they are needed (training, extraction, plots). */
export function shiftNasBinEdges(
  resolved: ResolvedElasticSpace,
  opts: Pick<ShiftNasOptions, 'shiftBins' | 'poolSize'>,
): number[] {
  return complexityBins(resolved, opts.shiftBins, opts.poolSize, BIN_POOL_SEED).edges;
}

/** Configures ShiftNAS on a session holding the elastic supernet; returns the bin edges. */
export async function configureShiftNas(
  session: Session,
  resolved: ResolvedElasticSpace,
  opts: ShiftNasOptions,
  valid: Dataset,
  augment: { mean: number[]; std: number[] },
  stepsPerEpoch: number,
): Promise<number[]> {
  const edges = shiftNasBinEdges(resolved, opts);
  await attachShiftNas(session, valid, {
    edges,
    cost: nativeCostTerms(macsCostTerms(resolved)),
    hidden: opts.generatorHidden,
    resourceWeight: opts.resourceWeight,
    resourceBatch: opts.resourceBatch,
    generatorLr: opts.generatorLr,
    temperature: opts.gumbelTemperature,
    betaLr: opts.betaLr,
    shiftStart: warmupEpochs(opts) * stepsPerEpoch,
    shiftEvery: opts.shiftEvery,
    valid: { batchSize: opts.batchSize, seed: opts.seed + 23, augment },
  });
  return edges;
}

/** The generator's argmax subnets for target MACs, with their exact MACs from the description. */
export async function generateSubnets(
  session: Session,
  resolved: ResolvedElasticSpace,
  targets: number[],
): Promise<(GeneratedSubnet & { value: Subnet })[]> {
  const generated = await generatorSubnets(session, targets);
  return generated.map((g, i) => {
    const value = fromNative(g.subnet);
    const macs = subnetCost(resolved, value).macs;
    return {
      target: targets[i],
      macs,
      error: Math.abs(macs - targets[i]) / targets[i],
      subnet: encodeSubnet(value),
      value,
    };
  });
}

function fromNative(s: NativeSubnet): Subnet {
  return {
    resolution: s.resolution,
    stages: s.stages.map((st) => ({ width: st.width, kernels: [...st.kernels], expands: [...st.expands] })),
  };
}

/** What an epoch records of ShiftNAS (the training samples' error resets with each call). */
export async function shiftNasRecord(
  session: Session,
  resolved: ResolvedElasticSpace,
  edges: number[],
): Promise<ShiftNasRecord> {
  const status = await shiftNasStatus(session);
  const generated = (await generateSubnets(session, resolved, binCentres(edges))).map(
    ({ value: _value, ...g }) => g,
  );
  return {
    probabilities: status.probabilities,
    beta: status.beta,
    estimate: status.estimate,
    updates: status.updates,
    trainConstraintError: status.constraintError,
    generated,
  };
}

/** Mean relative MACs error of the generator over targets. */
export const meanError = (generated: GeneratedSubnet[]) =>
  generated.reduce((a, g) => a + g.error, 0) / generated.length;

/** The run's ShiftNAS chart: B after each epoch and the generator's achieved vs target MACs. */
export function shiftNasChartOf(
  history: { epoch: number; shiftnas?: ShiftNasRecord }[],
  edges: number[],
  title: string,
) {
  const epochs = history.flatMap((r) =>
    r.shiftnas ? [{ epoch: r.epoch, probabilities: r.shiftnas.probabilities }] : [],
  );
  const last = history.at(-1)?.shiftnas;
  const labels = edges.slice(1).map((e, i) => `${(edges[i] / 1e6).toFixed(1)}-${(e / 1e6).toFixed(1)}`);
  const generated = (last?.generated ?? []).map((g) => ({
    targetMmacs: g.target / 1e6,
    achievedMmacs: g.macs / 1e6,
  }));
  return shiftNasChart(epochs, labels, generated, title);
}
