// PNAS on the tables: the cell grows node by node, the surrogate learns from what was measured, and
// the beam follows the surrogate's ranking (so a surrogate that knows the truth picks the true best).
import { nb201Objective, NB201_SPACE, runTnb101Experiment, tnb101Objective } from '../../lib/benchmarks';
import { cellLevels, NB201_EDGES } from '../../lib/spaces/nb201/nb201-cell';
import { MlpEnsemble, Pnas, Rng, runSearch, type Genome, type Surrogate } from '../../lib/strategies';
import { expectInvalid } from './expect-invalid';

const objective = nb201Objective({ dataset: 'cifar10' });
const truth = (g: Genome) => objective.score(g, 0);
const context = (seed = 0) => ({ space: NB201_SPACE, fidelities: objective.fidelities, seed });

/** Knows every cell's 12-epoch validation accuracy. */
class Oracle implements Surrogate {
  fits = 0;
  fit(): void {
    this.fits += 1;
  }
  predict(genomes: readonly Genome[]): number[] {
    return genomes.map(truth);
  }
}

const allCells = (): Genome[] =>
  Array.from({ length: 5 ** 6 }, (_, i) => Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** d) % 5));

describe('PNAS', () => {
  test('NB201 grows node by node: the edge to the output, then node 1, then node 2', () => {
    expect(cellLevels()).toEqual([[3], [0, 4], [1, 2, 5]]);
    expect(cellLevels().map((l) => l.map((e) => NB201_EDGES[e]))).toEqual([
      [[3, 0]],
      [
        [1, 0],
        [3, 1],
      ],
      [
        [2, 0],
        [2, 1],
        [3, 2],
      ],
    ]);
  });

  test('a surrogate that knows the truth makes each level train exactly the best K expansions', () => {
    const oracle = new Oracle();
    const pnas = new Pnas(context(), { beam: 4, surrogate: oracle });
    const result = runSearch(pnas, objective, { maxCost: 12 * (5 + 4 + 4) });
    expect(result.evaluations).toBe(13);
    const [one, two, three] = pnas.levels;
    // Level 1 trains every cell that uses only the input-to-output edge, without a surrogate.
    expect(one.trained.map((t) => t.genome)).toEqual([0, 1, 2, 3, 4].map((op) => [0, 0, 0, op, 0, 0]));
    expect(one.trained.every((t) => Number.isNaN(t.predicted))).toBe(true);
    // Level 2: the 5 x 25 expansions of all level-1 cells (the parents themselves excluded), best 4 by truth.
    expect(two.candidates).toBe(5 * 25 - 5);
    // By score, not by genome: cells of equal accuracy may come in either order.
    const best = (cells: Genome[], k: number) =>
      cells
        .map(truth)
        .sort((x, y) => y - x)
        .slice(0, k);
    const scores = (trained: { genome: Genome }[]) =>
      trained.map((t) => truth(t.genome)).sort((x, y) => y - x);
    const levelTwo = allCells().filter((g) => g[1] === 0 && g[2] === 0 && g[5] === 0 && (g[0] || g[4]));
    expect(scores(two.trained)).toEqual(best(levelTwo, 4));
    // Level 3 expands only the 4 best measured at level 2.
    const parents = two.trained.map((t) => t.genome);
    const levelThree = allCells().filter(
      (g) => (g[1] || g[2] || g[5]) && parents.some((p) => p[0] === g[0] && p[3] === g[3] && p[4] === g[4]),
    );
    expect(three.candidates).toBe(levelThree.length);
    expect(scores(three.trained)).toEqual(best(levelThree, 4));
    // One refit for each batch chosen after level 1 (the runner's last proposal opens one more batch).
    expect(oracle.fits).toBe(pnas.levels.length - 1);
    // Past the last level it keeps training the next best predicted expansions, never one twice.
    const longer = runSearch(new Pnas(context(), { beam: 4, surrogate: new Oracle() }), objective, {
      maxCost: 12 * 40,
    });
    expect(longer.evaluations).toBe(40);
  });

  test('PNAS never trains a cell twice and a seed replays its run', () => {
    const seen = new Set<string>();
    const pnas = new Pnas(context(2), { beam: 8, ensemble: { hidden: 16, epochs: 30 } });
    const probe = {
      ...objective,
      score: (g: Genome, f: number) => {
        expect(seen.has(g.join(','))).toBe(false);
        seen.add(g.join(','));
        return objective.score(g, f);
      },
    };
    const a = runSearch(pnas, probe, { maxCost: 12 * 40 });
    const b = runSearch(new Pnas(context(2), { beam: 8, ensemble: { hidden: 16, epochs: 30 } }), objective, {
      maxCost: 12 * 40,
    });
    expect(b.curve).toEqual(a.curve);
    expect(seen.size).toBe(40);
  });

  test('refitting the surrogate on more measured cells lowers its error on held-out ones', () => {
    const rng = new Rng(5);
    const cells = allCells();
    for (let i = cells.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [cells[i], cells[j]] = [cells[j], cells[i]];
    }
    const held = cells.slice(0, 1000);
    const error = (n: number) => {
      const ensemble = new MlpEnsemble(NB201_SPACE.choices, { seed: 1, hidden: 32, epochs: 100 });
      const measured = cells.slice(1000, 1000 + n);
      ensemble.fit(measured, measured.map(truth));
      const predicted = ensemble.predict(held);
      return held.reduce((s, g, i) => s + Math.abs(predicted[i] - truth(g)), 0) / held.length;
    };
    const few = error(10);
    const many = error(150);
    expect(many).toBeLessThan(0.85 * few);
  });

  test('spaces without a progression, bad progressions and bad options are typed errors', () => {
    const macro = tnb101Objective('macro', 'class_scene');
    expectInvalid(
      () => new Pnas({ space: macro.space, fidelities: macro.fidelities, seed: 0 }),
      /pnas .* needs a space that says which decisions each level opens/,
    );
    const bad = { choices: [2, 2], progression: { levels: [[0], [0]], absent: [0, 0] } };
    expectInvalid(() => new Pnas({ space: bad, fidelities: objective.fidelities, seed: 0 }), /exactly once/);
    expectInvalid(() => new Pnas(context(), { beam: 0 }), /beam must be a positive integer/);
    expectInvalid(() => new MlpEnsemble([5, 5], { hidden: 1.5 }), /hidden must be a positive integer/);
    expectInvalid(() => new MlpEnsemble([5, 5]).predict([[0, 0]]), /once it has been fitted/);
    expectInvalid(
      () => runTnb101Experiment({ space: 'macro', tasks: ['jigsaw'], strategies: ['pnas'], runs: 1 }),
      /--strategies pnas: .*--space micro/,
    );
    // The micro space grows as NB201's cell does.
    const micro = tnb101Objective('micro', 'class_scene');
    expect(micro.space.progression?.levels).toEqual(cellLevels());
  });
});
