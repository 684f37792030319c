// PNAS (Liu et al., ECCV 2018): sequential model-based optimization over cells of increasing
// complexity. Level 1 trains every cell of the simplest kind; then, level by level, every measured cell
// of the K best of the level before is expanded by one more unit of complexity, a surrogate refitted on
// every measured cell predicts each expansion's score, and only the K best predicted are trained.
//
// On a fixed cell DAG (NAS-Bench-201, TransNAS-Bench-101 micro) complexity is the number of
// intermediate nodes the cell uses: the space's `progression` says which decisions each level opens
// (the edges into the output, then those of node 1, then node 2), and which option stands for a
// decision not opened yet (`none`). Once the last level is trained the search goes on in the paper's
// spirit: the surrogate is refitted and the K best predicted cells of the last level's expansions
// that are not yet measured are trained next, so the strategy can run to any budget.
import { invalid } from '../errors';
import { Rng } from '../util/rng';
import { MlpEnsemble, type MlpEnsembleOptions, type Surrogate } from './mlp-ensemble';
import { randomGenome } from './random-search';
import {
  checkSpace,
  type CategoricalSpace,
  type Genome,
  type Observation,
  type Proposal,
  type SearchStrategy,
  type StrategyContext,
} from './search-strategy';

export interface PnasOptions {
  /** Cells trained per level after the first (the paper's K, its beam). */
  beam?: number;
  surrogate?: Surrogate;
  /** Options of the default surrogate, an MLP ensemble. */
  ensemble?: MlpEnsembleOptions;
}

/** What a level's step chose, for plots of predicted against measured scores. */
export interface PnasLevelRecord {
  level: number;
  candidates: number;
  /** The trained cells with what the surrogate predicted for them (NaN at level 1: no surrogate yet). */
  trained: { genome: Genome; predicted: number }[];
  /** Every candidate with its prediction, best first (empty at level 1), to judge the surrogate by. */
  ranked: { genome: Genome; predicted: number }[];
}

const key = (genome: Genome) => genome.join(',');

export class Pnas implements SearchStrategy {
  readonly name = 'pnas';
  readonly beam: number;
  /** One record per level opened (and one per batch after the last level). */
  readonly levels: PnasLevelRecord[] = [];
  private readonly surrogate: Surrogate;
  private readonly rng: Rng;
  private readonly progression: NonNullable<CategoricalSpace['progression']>;
  private readonly measured = new Map<string, { genome: Genome; score: number | null; level: number }>();
  private readonly queue: { genome: Genome; level: number }[] = [];
  private level = 0;

  constructor(
    private readonly context: StrategyContext,
    options: PnasOptions = {},
  ) {
    checkSpace(context.space);
    this.progression = checkProgression(context.space);
    this.beam = options.beam ?? 16;
    if (!Number.isInteger(this.beam) || this.beam < 1)
      throw invalid(`beam must be a positive integer, got ${this.beam}`, ['beam']);
    this.rng = new Rng(context.seed);
    this.surrogate =
      options.surrogate ??
      new MlpEnsemble(context.space.choices, { seed: context.seed, ...options.ensemble });
  }

  propose(): Proposal {
    if (!this.queue.length) this.openNextLevel();
    const next = this.queue.shift();
    // Every cell of the space measured: nothing is left to learn, any genome will do.
    return { genome: next ? next.genome : randomGenome(this.context.space, this.rng) };
  }

  observe(observation: Observation): void {
    const k = key(observation.genome);
    if (this.measured.has(k)) return;
    this.measured.set(k, {
      genome: observation.genome,
      score: observation.score,
      level: this.levelOf(observation.genome),
    });
  }

  /** Queues the next level's K best predicted expansions (every cell at level 1). */
  private openNextLevel(): void {
    const last = this.progression.levels.length;
    const level = Math.min(this.level + 1, last);
    const candidates = this.candidatesOf(level).filter((g) => !this.measured.has(key(g)));
    if (!candidates.length) return;
    this.level = level;
    let chosen: { genome: Genome; predicted: number }[];
    let ranked: typeof chosen = [];
    if (level === 1) {
      chosen = candidates.map((genome) => ({ genome, predicted: NaN }));
    } else {
      const usable = [...this.measured.values()].filter((m) => m.score !== null);
      this.surrogate.fit(
        usable.map((m) => m.genome),
        usable.map((m) => m.score!),
      );
      const predicted = this.surrogate.predict(candidates);
      ranked = candidates
        .map((genome, i) => ({ genome, predicted: predicted[i] }))
        .sort((a, b) => b.predicted - a.predicted);
      chosen = ranked.slice(0, this.beam);
    }
    this.levels.push({ level, candidates: candidates.length, trained: chosen, ranked });
    for (const c of chosen) this.queue.push({ genome: c.genome, level });
  }

  /** Level 1: every setting of its decisions; level b: every expansion of the cells trained at b - 1. */
  private candidatesOf(level: number): Genome[] {
    const { levels, absent } = this.progression;
    const opened = levels[level - 1];
    if (level === 1) return settings(absent, opened, this.context.space.choices);
    // The paper's S_{b-1}: every cell trained at the level before (all of level 1, then the K of each).
    const parents = [...this.measured.values()].filter((m) => m.level === level - 1 && m.score !== null);
    const seen = new Set<string>();
    const out: Genome[] = [];
    for (const parent of parents) {
      for (const child of settings(parent.genome, opened, this.context.space.choices)) {
        const k = key(child);
        if (!seen.has(k)) (seen.add(k), out.push(child));
      }
    }
    return out;
  }

  /** The highest level whose decisions a genome sets to anything but absent (1 when none is set). */
  private levelOf(genome: Genome): number {
    const { levels, absent } = this.progression;
    let level = 1;
    levels.forEach((decisions, l) => {
      if (decisions.some((d) => genome[d] !== absent[d])) level = l + 1;
    });
    return level;
  }
}

/** Every genome that differs from `base` only in `decisions`, each over all its options. */
function settings(base: Genome, decisions: readonly number[], choices: readonly number[]): Genome[] {
  let out: number[][] = [[...base]];
  for (const d of decisions) {
    out = out.flatMap((g) =>
      Array.from({ length: choices[d] }, (_, option) => g.map((x, i) => (i === d ? option : x))),
    );
  }
  return out;
}

function checkProgression(space: CategoricalSpace): NonNullable<CategoricalSpace['progression']> {
  const p = space.progression;
  if (!p)
    throw invalid(
      'pnas searches cells of increasing complexity and needs a space that says which decisions each level ' +
        'opens (NAS-Bench-201 and TransNAS-Bench-101 micro do); this space has none',
    );
  const all = p.levels.flat();
  const n = space.choices.length;
  if (
    !p.levels.length ||
    p.levels.some((l) => !l.length) ||
    all.length !== n ||
    new Set(all).size !== n ||
    all.some((d) => !Number.isInteger(d) || d < 0 || d >= n) ||
    p.absent.length !== n ||
    p.absent.some((a, d) => !Number.isInteger(a) || a < 0 || a >= space.choices[d])
  ) {
    throw invalid(
      `a progression must open every one of the ${n} decisions exactly once, in non-empty levels, and name ` +
        'one absent option per decision',
    );
  }
  return p;
}
