// A session's ProxylessNAS supernet (native/train/proxyless_search.h): the chain space's supernet, its
// architecture search (binarized gates or REINFORCE) and the probes of its gate gradients.
import { z } from 'zod';
import type {
  NativeEvalStats,
  NativeSearchEpochStats,
  NativeSearchOptions,
  NativeSupernetSpec,
  NativeTrainProgress,
} from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNative, fromZod, invalid } from '../errors';
import type { ResolvedSpace } from '../spaces/chain/chain-space';
import { chainSearchSpace } from '../spaces/chain/chain-search-space';
import {
  guardCallback,
  handleOf,
  loaderOptions,
  LoaderOptionsSchema,
  type LoaderOptions,
  type Session,
} from '../train/session';

// Checked here, so a misspelled key (`latencyLos`) is refused instead of silently left at its default.
export const SearchConfigSchema = z
  .object({
    method: z.enum(['gradient', 'reinforce']).optional(),
    mode: z.enum(['full', 'two', 'full_v2']).optional(),
    lr: z.number().positive().optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    weightDecay: z.number().min(0).optional(),
    latency: z.array(z.array(z.number().min(0))).optional(),
    fixedLatency: z.number().min(0).optional(),
    latencyLoss: z.enum(['none', 'mul#log', 'add#linear', 'abs#ratio']).optional(),
    target: z.number().positive().optional(),
    a: z.number().optional(),
    b: z.number().optional(),
    lambda: z.number().optional(),
    zeroActiveGradient: z.enum(['keep', 'drop']).optional(),
    samples: z.number().int().positive().optional(),
    rewardExponent: z.number().optional(),
    baselineDecay: z.number().min(0).max(1).optional(),
  })
  .strict();

// Candidate indices are whole numbers: the native side would truncate 1.5 to 1 without a word.
const ReinforceBatchSchema = z.object({
  paths: z.array(z.array(z.number().int().min(0))).min(1),
  rewards: z.array(z.number()),
});

const SearchEpochOptionsSchema = z
  .object({
    train: LoaderOptionsSchema,
    valid: LoaderOptionsSchema,
    archEvery: z.number().int().positive().optional(),
    updateArch: z.boolean().optional(),
    progressEvery: z.number().int().positive().optional(),
  })
  .strict();

/** Builds the supernet of a resolved search space (one mixed op per edge). */
export function buildSupernet(session: Session, resolved: ResolvedSpace): Promise<{ parameters: number }> {
  const spec = chainSearchSpace(resolved).nativeSpec() as NativeSupernetSpec;
  return callNative(() => session.native.buildSupernet(spec));
}

export async function configureSearch(session: Session, options: NativeSearchOptions): Promise<void> {
  const parsed = SearchConfigSchema.safeParse(options);
  if (!parsed.success) throw fromZod('search options', parsed.error);
  await callNative(() => session.native.configureSearch(parsed.data));
}

export async function searchEpoch(
  session: Session,
  train: Dataset,
  valid: Dataset,
  options: {
    train: LoaderOptions;
    valid: LoaderOptions;
    archEvery?: number;
    updateArch?: boolean;
    progressEvery?: number;
  },
  onProgress?: (p: NativeTrainProgress & { archSteps: number; archTop1: number; entropy: number }) => void,
): Promise<NativeSearchEpochStats> {
  const parsed = SearchEpochOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('search epoch options', parsed.error);
  return callNative(() =>
    session.native.searchEpoch(
      handleOf(train, 'train'),
      handleOf(valid, 'valid'),
      options,
      guardCallback(onProgress),
    ),
  );
}

/** Per-edge candidate probabilities and logits, and the argmax choice. */
export function archState(
  session: Session,
): Promise<{ probabilities: number[][]; logits: number[][]; derived: number[] }> {
  return callNative(() => session.native.archState());
}

export function setArchLogits(session: Session, logits: number[][]): Promise<void> {
  return callNative(() => session.native.setArchLogits({ logits }));
}

/**
 * One batch's architecture gradient for an explicit path, computed by the search's own
 * architecture step (forward through the gates, architecture loss, backward) without its update;
 * BatchNorm running statistics of the active path move as in a step.
 */
export function archGradient(
  session: Session,
  data: Dataset,
  options: LoaderOptions & {
    mode: 'full' | 'two' | 'full_v2';
    path: { active: number; members: number[] }[];
  },
): Promise<{ gate: number[]; alpha: number[] }[]> {
  return callNative(() => session.native.archGradient(handleOf(data, 'data'), options));
}

/**
 * Cross-entropy of the first unshuffled batch with every edge's output the weighted sum of its
 * candidates' outputs (plus the shortcut): the finite-difference reference of the gate gradient.
 */
export function edgeMixtureLoss(
  session: Session,
  data: Dataset,
  options: LoaderOptions & { weights: number[][] },
): Promise<number> {
  return callNative(() => session.native.edgeMixtureLoss(handleOf(data, 'data'), options));
}

/** The REINFORCE reward the configured search gives a network of this accuracy and table latency. */
export function archReward(session: Session, accuracy: number, latency: number): Promise<number> {
  return callNative(() => session.native.archReward({ accuracy, latency }));
}

/**
 * A REINFORCE update of the architecture logits for sampled paths (a candidate index per edge)
 * and their rewards, as the search's REINFORCE step makes it; returns the updated baseline.
 */
export async function reinforceUpdate(
  session: Session,
  paths: number[][],
  rewards: number[],
): Promise<{ baseline: number }> {
  const parsed = ReinforceBatchSchema.safeParse({ paths, rewards });
  if (!parsed.success) throw fromZod('reinforceUpdate', parsed.error);
  if (paths.length !== rewards.length)
    throw invalid(`reinforceUpdate: ${paths.length} paths but ${rewards.length} rewards`);
  return callNative(() => session.native.reinforceUpdate(parsed.data));
}

/**
 * A supernet's paths on `data`: one sampled from the architecture distribution per batch, or the
 * argmax path (`sampled: false`); BatchNorm uses batch statistics, as in architecture steps.
 */
export async function evaluatePaths(
  session: Session,
  data: Dataset,
  loader: LoaderOptions & { sampled?: boolean },
): Promise<NativeEvalStats> {
  const options = loaderOptions(loader, { sampled: z.boolean().optional() }, 'loader options');
  return callNative(() => session.native.evaluatePaths(handleOf(data, 'data'), options));
}
