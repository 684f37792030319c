// An NSGA-II style evolutionary search (Deb et al., 2002) for the accuracy/cost trade-off, generic over
// the architecture type: the caller supplies sampling, variation, a canonical key and a batched evaluator,
// so the same loop serves any space. Each generation is evaluated in one `evaluate` call because the
// evaluator is meant to be a coarse native call (batching amortizes its overhead). No architecture is
// evaluated twice: evaluations are the expensive part and a repeat would teach the search nothing.
import { z } from 'zod';
import { fromZod, invalid } from '../errors';
import { Rng } from '../util/rng';
import { crowdingDistance, nondominatedSort, paretoFront, type Objectives } from './pareto';

export interface EvolutionOperators<A> {
  /** A random member of the space. */
  random(rng: Rng): A;
  /** A copy of `a` with each decision resampled with `probability`. */
  mutate(a: A, rng: Rng, probability: number): A;
  /** Uniform crossover: each decision taken from `a` or `b`. */
  crossover(a: A, b: A, rng: Rng): A;
  /** Canonical string: equal keys mean the same architecture. */
  key(a: A): string;
  /** Objectives of every architecture in `batch`, in order; called once per generation. */
  evaluate(batch: A[]): Promise<Objectives[]>;
}

export interface ParetoEvolutionOptions<A> {
  /** Members kept between generations, and children made per generation. */
  population: number;
  /** Generations, counting the initial one: at most population * iterations evaluations. */
  iterations: number;
  /** Per-decision resampling probability passed to `mutate`. */
  mutationProbability: number;
  /** Share of each generation's children made by crossover (then mutation); the rest by mutation only. */
  crossoverFraction: number;
  seed: number;
  /** Architectures evaluated first (at most `population`), topped up with random ones. */
  initial?: A[];
}

export interface Evaluated<A> {
  arch: A;
  key: string;
  objectives: Objectives;
  /** The generation that evaluated it (0 = the initial one). */
  iteration: number;
}

export interface ParetoIteration<A> {
  iteration: number;
  /** Architectures evaluated so far, all generations together. */
  evaluated: number;
  /** Pareto front of everything evaluated so far. */
  front: Evaluated<A>[];
}

export interface ParetoEvolutionResult<A> {
  /** Every evaluated architecture, in evaluation order. */
  evaluated: Evaluated<A>[];
  /** Pareto front of `evaluated`, by cost ascending. */
  front: Evaluated<A>[];
}

const OptionsSchema = z
  .object({
    population: z.number().int().min(1),
    iterations: z.number().int().min(1),
    mutationProbability: z.number().min(0).max(1),
    crossoverFraction: z.number().min(0).max(1),
    seed: z.number().int(),
    initial: z.array(z.unknown()).optional(),
  })
  .strict()
  .refine((o) => !o.initial || o.initial.length <= o.population, {
    message: 'must hold at most `population` architectures',
    path: ['initial'],
  });

/**
 * How many draws a new child (or random member) gets before it is given up. In a small or converged
 * space most draws repeat known keys; bounding the redraws lets a generation end short instead of
 * looping forever once the reachable space is exhausted.
 */
const MAX_DRAWS = 50;

type Candidate<A> = { arch: A; key: string };

export async function paretoEvolution<A>(
  ops: EvolutionOperators<A>,
  options: ParetoEvolutionOptions<A>,
  onIteration?: (i: ParetoIteration<A>) => void,
): Promise<ParetoEvolutionResult<A>> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('Pareto evolution options', parsed.error);
  const o = { ...parsed.data, initial: options.initial };
  const rng = new Rng(o.seed);
  const seen = new Set<string>();
  const evaluated: Evaluated<A>[] = [];
  let population: Evaluated<A>[] = [];
  for (let iteration = 0; iteration < o.iterations; iteration++) {
    const batch =
      iteration === 0 ? firstGeneration(ops, o, rng, seen) : offspring(ops, o, rng, seen, population);
    const fresh = await evaluateBatch(ops, batch, iteration);
    evaluated.push(...fresh);
    population = survivors([...population, ...fresh], o.population);
    onIteration?.({ iteration, evaluated: evaluated.length, front: frontOf(evaluated) });
  }
  return { evaluated, front: frontOf(evaluated) };
}

function frontOf<A>(evaluated: readonly Evaluated<A>[]): Evaluated<A>[] {
  return paretoFront(evaluated, (e) => e.objectives);
}

/** Calls `draw` until it yields an unseen key (then marks it seen), or gives up after MAX_DRAWS. */
function drawUnseen<A>(
  ops: EvolutionOperators<A>,
  seen: Set<string>,
  draw: () => A,
): Candidate<A> | undefined {
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    const arch = draw();
    const key = ops.key(arch);
    if (seen.has(key)) continue;
    seen.add(key);
    return { arch, key };
  }
  return undefined;
}

/** The caller's initial architectures (repeats dropped), then random ones up to `population`. */
function firstGeneration<A>(
  ops: EvolutionOperators<A>,
  o: ParetoEvolutionOptions<A>,
  rng: Rng,
  seen: Set<string>,
): Candidate<A>[] {
  const batch: Candidate<A>[] = [];
  for (const arch of o.initial ?? []) {
    const key = ops.key(arch);
    if (seen.has(key)) continue;
    seen.add(key);
    batch.push({ arch, key });
  }
  while (batch.length < o.population) {
    const candidate = drawUnseen(ops, seen, () => ops.random(rng));
    if (!candidate) break;
    batch.push(candidate);
  }
  return batch;
}

/** One generation of children, possibly fewer than `population` when redraws run out. */
function offspring<A>(
  ops: EvolutionOperators<A>,
  o: ParetoEvolutionOptions<A>,
  rng: Rng,
  seen: Set<string>,
  population: readonly Evaluated<A>[],
): Candidate<A>[] {
  const { rank, crowding } = fitness(population.map((m) => m.objectives));
  const parent = () => population[tournament(rank, crowding, rng)].arch;
  const crossed = Math.round(o.crossoverFraction * o.population);
  const p = o.mutationProbability;
  const children: Candidate<A>[] = [];
  for (let k = 0; k < o.population; k++) {
    const draw =
      k < crossed
        ? () => ops.mutate(ops.crossover(parent(), parent(), rng), rng, p)
        : () => ops.mutate(parent(), rng, p);
    const child = drawUnseen(ops, seen, draw);
    if (child) children.push(child);
  }
  return children;
}

/** Front rank (0 = non-dominated) and crowding distance within that front, for each point. */
function fitness(points: readonly Objectives[]): { rank: number[]; crowding: number[] } {
  const rank: number[] = new Array(points.length);
  const crowding: number[] = new Array(points.length);
  const fronts = nondominatedSort(
    points.map((_, i) => i),
    (i) => points[i],
  );
  fronts.forEach((front, r) => {
    const distance = crowdingDistance(front.map((i) => points[i]));
    front.forEach((i, k) => {
      rank[i] = r;
      crowding[i] = distance[k];
    });
  });
  return { rank, crowding };
}

/** Binary tournament: the better front wins; within a front the less crowded one (spreads the front). */
function tournament(rank: readonly number[], crowding: readonly number[], rng: Rng): number {
  const i = rng.int(rank.length);
  const j = rng.int(rank.length);
  if (rank[i] !== rank[j]) return rank[i] < rank[j] ? i : j;
  return crowding[j] > crowding[i] ? j : i;
}

/** Evaluates a generation in one call, checking that the evaluator answered for each architecture. */
async function evaluateBatch<A>(
  ops: EvolutionOperators<A>,
  batch: readonly Candidate<A>[],
  iteration: number,
): Promise<Evaluated<A>[]> {
  // A generation that found nothing new costs no evaluator call.
  if (!batch.length) return [];
  const objectives = await ops.evaluate(batch.map((c) => c.arch));
  if (!Array.isArray(objectives) || objectives.length !== batch.length) {
    const got = Array.isArray(objectives) ? objectives.length : 'no';
    throw invalid(`evaluate returned ${got} results for ${batch.length} architectures`);
  }
  return batch.map((c, i) => {
    const { accuracy, cost } = objectives[i] ?? { accuracy: NaN, cost: NaN };
    // NaN or Infinity would break dominance and crowding arithmetic without any error.
    if (!Number.isFinite(accuracy) || !Number.isFinite(cost)) {
      throw invalid(`evaluate gave '${c.key}' accuracy ${accuracy} and cost ${cost}: both must be finite`);
    }
    return { arch: c.arch, key: c.key, objectives: { accuracy, cost }, iteration };
  });
}

/** NSGA-II environmental selection: whole fronts while they fit, then the least crowded of the next. */
function survivors<A>(members: readonly Evaluated<A>[], size: number): Evaluated<A>[] {
  const next: Evaluated<A>[] = [];
  for (const front of nondominatedSort(members, (m) => m.objectives)) {
    if (next.length + front.length <= size) {
      next.push(...front);
      continue;
    }
    const distance = crowdingDistance(front.map((m) => m.objectives));
    // Compare without subtracting (Infinity - Infinity is NaN); equal distances keep input order.
    const order = front
      .map((_, i) => i)
      .sort((i, j) => (distance[i] === distance[j] ? i - j : distance[i] > distance[j] ? -1 : 1));
    next.push(...order.slice(0, size - next.length).map((i) => front[i]));
    break;
  }
  return next;
}
