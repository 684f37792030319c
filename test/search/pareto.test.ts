// Pareto utilities on hand-worked points, and the NSGA-II search on a toy bit-vector problem whose front
// is known exactly: it must find that front, repeat itself for a seed, and never pay for an evaluation
// twice. Pure TypeScript: nothing here touches the native addon.
import { TorchnasError } from '../../lib/errors';
import {
  crowdingDistance,
  dominates,
  hypervolume,
  nondominatedSort,
  paretoFront,
  type Objectives,
} from '../../lib/search/pareto';
import {
  paretoEvolution,
  type EvolutionOperators,
  type ParetoEvolutionOptions,
} from '../../lib/search/pareto-evolution';

type Named = Objectives & { name: string };
const pt = (name: string, accuracy: number, cost: number): Named => ({ name, accuracy, cost });
const names = (items: readonly Named[]) => items.map((p) => p.name);
const self = (p: Objectives) => p;

describe('dominates', () => {
  test('needs at least as good in both and strictly better in one', () => {
    expect(dominates({ accuracy: 5, cost: 1 }, { accuracy: 4, cost: 2 })).toBe(true);
    expect(dominates({ accuracy: 5, cost: 2 }, { accuracy: 4, cost: 2 })).toBe(true); // equal cost
    expect(dominates({ accuracy: 4, cost: 1 }, { accuracy: 4, cost: 2 })).toBe(true); // equal accuracy
    expect(dominates({ accuracy: 4, cost: 2 }, { accuracy: 5, cost: 1 })).toBe(false);
    expect(dominates({ accuracy: 4, cost: 2 }, { accuracy: 4, cost: 2 })).toBe(false); // identical
    // A trade-off: neither dominates.
    expect(dominates({ accuracy: 5, cost: 3 }, { accuracy: 4, cost: 1 })).toBe(false);
    expect(dominates({ accuracy: 4, cost: 1 }, { accuracy: 5, cost: 3 })).toBe(false);
  });
});

describe('nondominatedSort', () => {
  // a, b, f: non-dominated (f duplicates a); c by a; d by b; e by c and d, so it sits one front lower.
  const points = [pt('e', 3, 5), pt('d', 8, 4), pt('a', 5, 1), pt('c', 4, 2), pt('b', 8, 3), pt('f', 5, 1)];

  test('peels fronts in order, keeping input order within a front', () => {
    expect(nondominatedSort(points, self).map(names)).toEqual([['a', 'b', 'f'], ['d', 'c'], ['e']]);
  });

  test('handles no points and a single point', () => {
    expect(nondominatedSort([], self)).toEqual([]);
    expect(nondominatedSort([pt('x', 1, 1)], self).map(names)).toEqual([['x']]);
  });
});

describe('crowdingDistance', () => {
  test('matches a hand-worked front, boundaries infinite', () => {
    // Sorted by cost (and by accuracy): p0 (0, 0), p1 (2, 4), p2 (3, 6), p3 (6, 8); ranges 6 and 8.
    // p1: (3 - 0) / 6 + (6 - 0) / 8 = 1.25; p2: (6 - 2) / 6 + (8 - 4) / 8 = 7 / 6. Given shuffled.
    const shuffled = [
      { cost: 3, accuracy: 6 },
      { cost: 0, accuracy: 0 },
      { cost: 6, accuracy: 8 },
      { cost: 2, accuracy: 4 },
    ];
    const d = crowdingDistance(shuffled);
    expect(d[1]).toBe(Infinity);
    expect(d[2]).toBe(Infinity);
    expect(d[3]).toBeCloseTo(1.25, 12);
    expect(d[0]).toBeCloseTo(7 / 6, 12);
  });

  test('a flat objective adds nothing; two or fewer points are all boundary', () => {
    const flat = [
      { cost: 0, accuracy: 1 },
      { cost: 1, accuracy: 1 },
      { cost: 4, accuracy: 1 },
    ];
    // Cost gives 4 / 4 to the middle point; accuracy has zero range, but its index-order extremes
    // (the first and last point) are still boundaries.
    expect(crowdingDistance(flat)).toEqual([Infinity, 1, Infinity]);
    expect(
      crowdingDistance([
        { cost: 1, accuracy: 1 },
        { cost: 2, accuracy: 3 },
      ]),
    ).toEqual([Infinity, Infinity]);
    expect(crowdingDistance([])).toEqual([]);
  });
});

describe('paretoFront', () => {
  test('is the first front as a strictly improving staircase by cost', () => {
    const points = [
      pt('d', 8, 4),
      pt('b', 8, 3),
      pt('a', 5, 1),
      pt('g', 3, 1),
      pt('a2', 5, 1),
      pt('h', 9, 7),
      pt('c', 4, 2),
    ];
    // g loses to a at equal cost, a2 duplicates a (first one kept), d costs more for the same accuracy.
    expect(names(paretoFront(points, self))).toEqual(['a', 'b', 'h']);
    expect(paretoFront([], self)).toEqual([]);
  });
});

describe('hypervolume', () => {
  const reference = { accuracy: 2, cost: 10 };

  test('a single point is one rectangle', () => {
    expect(hypervolume([{ accuracy: 7, cost: 4 }], reference)).toBe((10 - 4) * (7 - 2));
  });

  test('a staircase of three points sums its steps', () => {
    const stairs = [
      { accuracy: 5, cost: 1 },
      { accuracy: 7, cost: 3 },
      { accuracy: 9, cost: 6 },
    ];
    // [1, 3) at height 5 - 2, [3, 6) at 7 - 2, [6, 10) at 9 - 2: 6 + 15 + 28.
    expect(hypervolume(stairs, reference)).toBe(49);
    // Order does not matter, and a dominated point adds nothing.
    expect(hypervolume([stairs[2], { accuracy: 6, cost: 5 }, stairs[0], stairs[1]], reference)).toBe(49);
  });

  test('ignores points outside the reference box', () => {
    const outside = [
      { accuracy: 20, cost: 12 }, // costs more than the reference
      { accuracy: 20, cost: 10 }, // on the cost boundary
      { accuracy: 1, cost: 0 }, // less accurate than the reference
      { accuracy: 2, cost: 0 }, // on the accuracy boundary
    ];
    expect(hypervolume(outside, reference)).toBe(0);
    expect(hypervolume([...outside, { accuracy: 7, cost: 4 }], reference)).toBe(30);
    expect(hypervolume([], reference)).toBe(0);
  });
});

// The toy problem: 12 bits; the first 6 buy accuracy, the last 6 only cost. The best accuracy at cost c
// is min(c, 6), and any cost above 6 loses to the all-first-six vector, so the front is exactly
// (cost c, accuracy c) for c = 0..6.
type Bits = number[];
const LENGTH = 12;
const ones = (bits: readonly number[]) => bits.reduce((s, b) => s + b, 0);
const toyObjectives = (a: Bits): Objectives => ({
  accuracy: ones(a.slice(0, 6)) - 0.1 * ones(a.slice(6)),
  cost: ones(a),
});
const TOY_FRONT = [0, 1, 2, 3, 4, 5, 6].map((c) => ({ accuracy: c, cost: c }));

/** Toy operators over `length` bits that record every batch the search asks to evaluate. */
function bitOperators(length = LENGTH) {
  const batches: string[][] = [];
  const ops: EvolutionOperators<Bits> = {
    random: (rng) => Array.from({ length }, () => rng.int(2)),
    mutate: (a, rng, p) => a.map((b) => (rng.next() < p ? rng.int(2) : b)),
    crossover: (a, b, rng) => a.map((x, i) => (rng.next() < 0.5 ? x : b[i])),
    key: (a) => a.join(''),
    evaluate: async (batch) => {
      batches.push(batch.map((a) => a.join('')));
      return batch.map(toyObjectives);
    },
  };
  return { ops, batches };
}

const OPTIONS: ParetoEvolutionOptions<Bits> = {
  population: 16,
  iterations: 25,
  mutationProbability: 1 / 6,
  crossoverFraction: 0.5,
  seed: 0,
};

describe('paretoEvolution', () => {
  test.each([0, 1, 2, 3, 4])('finds the exact toy front within 400 evaluations (seed %i)', async (seed) => {
    const { ops } = bitOperators();
    const result = await paretoEvolution(ops, { ...OPTIONS, seed });
    expect(result.evaluated.length).toBeLessThanOrEqual(16 * 25);
    expect(result.front.map((e) => e.objectives)).toEqual(TOY_FRONT);
    for (const e of result.front) {
      expect(e.key).toBe(e.arch.join(''));
      expect(toyObjectives(e.arch)).toEqual(e.objectives);
    }
  });

  test('is deterministic for a seed and differs across seeds', async () => {
    const run = async (seed: number) =>
      (await paretoEvolution(bitOperators().ops, { ...OPTIONS, seed })).evaluated;
    const [first, again, other] = [await run(7), await run(7), await run(8)];
    expect(again).toEqual(first);
    expect(other.map((e) => e.key)).not.toEqual(first.map((e) => e.key));
  });

  test('never evaluates a key twice, and evaluates once per generation', async () => {
    const { ops, batches } = bitOperators();
    const result = await paretoEvolution(ops, OPTIONS);
    const keys = batches.flat();
    expect(new Set(keys).size).toBe(keys.length);
    expect(batches).toHaveLength(OPTIONS.iterations);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(OPTIONS.population);
    expect(result.evaluated.map((e) => e.key)).toEqual(keys);
    expect(result.evaluated.map((e) => e.iteration)).toEqual(batches.flatMap((b, i) => b.map(() => i)));
  });

  test('accepts fewer children once a small space runs out', async () => {
    const { ops, batches } = bitOperators(3); // 8 architectures in all
    const result = await paretoEvolution(ops, { ...OPTIONS, population: 6, iterations: 6 });
    const keys = batches.flat();
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeLessThanOrEqual(8);
    expect(batches[0]).toHaveLength(6);
    expect(batches.every((b) => b.length > 0)).toBe(true); // an empty generation calls nothing
    expect(result.evaluated).toHaveLength(keys.length);
  });

  test('evaluates the initial architectures first, without repeats, topped up at random', async () => {
    const { ops, batches } = bitOperators();
    const zeros = new Array(LENGTH).fill(0);
    const full = new Array(LENGTH).fill(1);
    await paretoEvolution(ops, {
      ...OPTIONS,
      population: 4,
      iterations: 2,
      initial: [zeros, full, [...zeros]],
    });
    expect(batches[0]).toHaveLength(4);
    expect(batches[0].slice(0, 2)).toEqual([zeros.join(''), full.join('')]);
    expect(new Set(batches.flat()).size).toBe(batches.flat().length);
  });

  test('reports each generation with the front so far', async () => {
    const seen: { iteration: number; evaluated: number; front: number }[] = [];
    const result = await paretoEvolution(bitOperators().ops, { ...OPTIONS, iterations: 4 }, (i) =>
      seen.push({ iteration: i.iteration, evaluated: i.evaluated, front: i.front.length }),
    );
    expect(seen.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
    expect(seen[3]).toEqual({ iteration: 3, evaluated: result.evaluated.length, front: result.front.length });
    for (let i = 1; i < seen.length; i++) expect(seen[i].evaluated).toBeGreaterThan(seen[i - 1].evaluated);
    // Nothing evaluated lies strictly beyond the returned front.
    for (const e of result.evaluated) {
      expect(result.front.some((f) => dominates(e.objectives, f.objectives))).toBe(false);
    }
  });

  test.each([
    ['population', { population: 0 }],
    ['population', { population: 2.5 }],
    ['iterations', { iterations: 0 }],
    ['mutationProbability', { mutationProbability: 1.5 }],
    ['crossoverFraction', { crossoverFraction: -0.1 }],
    ['seed', { seed: 0.5 }],
    ['initial', { population: 1, initial: [[0], [1]] }],
    ['generations', { generations: 3 }],
  ])('refuses a bad %s with the typed error', async (option, change) => {
    const { ops, batches } = bitOperators();
    const bad = { ...OPTIONS, ...change } as ParetoEvolutionOptions<Bits>;
    const error = await paretoEvolution(ops, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TorchnasError);
    expect(error).toMatchObject({ code: 'E_INVALID_ARGUMENT', options: expect.arrayContaining([option]) });
    expect(batches).toHaveLength(0);
  });

  test('refuses an evaluator that answers for the wrong number of architectures, or with NaN', async () => {
    const { ops } = bitOperators();
    const short = { ...ops, evaluate: async (batch: Bits[]) => batch.slice(1).map(toyObjectives) };
    await expect(paretoEvolution(short, OPTIONS)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    const nan = { ...ops, evaluate: async (batch: Bits[]) => batch.map(() => ({ accuracy: NaN, cost: 1 })) };
    await expect(paretoEvolution(nan, OPTIONS)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
