import {
  meanAndStd,
  nb201Latency,
  nb201Objective,
  NB201_SPACE,
  runNb201Experiment,
} from '../../lib/benchmarks';
import {
  createStrategy,
  Hyperband,
  randomGenome,
  Reinforce,
  Rng,
  runSearch,
  STRATEGY_NAMES,
  type SearchObjective,
} from '../../lib/strategies';
import { expectInvalid } from './expect-invalid';

describe('seeded RNG', () => {
  test('same seed, same stream; nearby seeds differ', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const draws = (r: Rng) => Array.from({ length: 5 }, () => r.next());
    const first = draws(a);
    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
  });

  test('int is roughly uniform', () => {
    const rng = new Rng(7);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 50_000; i++) counts[rng.int(5)] += 1;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(400); // ~4.5 standard deviations
  });
});

describe('strategies on NAS-Bench-201', () => {
  const objective = nb201Objective({ dataset: 'cifar10' });
  const run = (name: string, seed: number, maxCost = 600, target: SearchObjective = objective) =>
    runSearch(createStrategy(name, { space: target.space, fidelities: target.fidelities, seed }), target, {
      maxCost,
    });

  // PNAS's replay is tested with a small surrogate in pnas.test.ts (its default one is slow for 5 runs).
  test.each(STRATEGY_NAMES.filter((n) => n !== 'hyperband' && n !== 'pnas'))(
    '%s: same seed, same run; different seeds, different runs',
    (name) => {
      const a = run(name, 3);
      expect(run(name, 3)).toEqual(a);
      const others = [4, 5, 6].map((seed) => run(name, seed).curve.map((p) => p.reported));
      expect(
        others.some((curve) => JSON.stringify(curve) !== JSON.stringify(a.curve.map((p) => p.reported))),
      ).toBe(true);
    },
  );

  test('hyperband: deterministic, and its brackets follow the cost ratio (17 at 12 epochs, best 1 at 200, then 2 at 200)', () => {
    const target = nb201Objective({ dataset: 'cifar10', fidelities: [12, 200] });
    const a = run('hyperband', 1, 1200, target);
    expect(run('hyperband', 1, 1200, target)).toEqual(a);
    expect(run('hyperband', 2, 1200, target).incumbent).not.toEqual(a.incumbent);
    const seen: number[] = [];
    const strategy = new Hyperband({ space: target.space, fidelities: target.fidelities, seed: 0 });
    for (let i = 0; i < 20; i++) {
      const p = strategy.propose();
      seen.push(p.fidelity!);
      strategy.observe({
        genome: p.genome,
        fidelity: p.fidelity!,
        score: target.score(p.genome, p.fidelity!),
      });
    }
    expect(seen).toEqual([...new Array(17).fill(0), 1, 1, 1]);
  });

  test('budget accounting: a run stops at the first evaluation it cannot pay for', () => {
    const result = run('random', 0, 130);
    expect(result.evaluations).toBe(10);
    expect(result.cost).toBe(120);
    expect(result.curve).toHaveLength(10);
    // The incumbent is reported by test accuracy, chosen by validation accuracy.
    const best = result.curve[result.curve.length - 1];
    expect(best.reported).toBe(result.incumbent!.reported);
  });

  test('anytime curve: the incumbent only changes to better validation scores', () => {
    const result = run('rea', 9, 1200);
    expect(result.curve.map((p) => p.evaluations)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const scores: number[] = [];
    const strategy = createStrategy('rea', { space: NB201_SPACE, fidelities: objective.fidelities, seed: 9 });
    for (let i = 0; i < 100; i++) {
      const p = strategy.propose();
      const score = objective.score(p.genome, 0);
      scores.push(score);
      strategy.observe({ genome: p.genome, fidelity: 0, score });
    }
    expect(result.incumbent!.score).toBe(Math.max(...scores));
  });

  test('REA beats random search on average at a small budget (Welch z > 2 over 400 seeds each)', () => {
    // 50 architectures at 12 epochs on CIFAR-100: the gap is ~0.3 points with a std of ~1 over runs.
    const random = runNb201Experiment({
      strategy: 'random',
      dataset: 'cifar100',
      runs: 400,
      budgetEpochs: 600,
    }).testAccuracy;
    const rea = runNb201Experiment({
      strategy: 'rea',
      dataset: 'cifar100',
      runs: 400,
      budgetEpochs: 600,
      seed: 10_000,
    }).testAccuracy;
    const standardError = Math.sqrt(random.std ** 2 / 400 + rea.std ** 2 / 400);
    console.log(
      `random ${random.mean.toFixed(3)} ± ${random.std.toFixed(3)}, REA ${rea.mean.toFixed(3)} ± ${rea.std.toFixed(3)}, z = ${((rea.mean - random.mean) / standardError).toFixed(2)}`,
    );
    expect(rea.mean - random.mean).toBeGreaterThan(2 * standardError);
  });

  test('REINFORCE learns a policy whose samples score well above uniform ones', () => {
    const strategy = new Reinforce({ space: NB201_SPACE, fidelities: objective.fidelities, seed: 0 });
    runSearch(strategy, objective, { maxCost: 12 * 300 });
    const rng = new Rng(99);
    const meanScore = (draw: () => readonly number[]) => {
      let sum = 0;
      for (let i = 0; i < 500; i++) sum += objective.score(draw(), 0);
      return sum / 500;
    };
    const learned = meanScore(() => strategy.probabilities().map((p) => rng.categorical(p)));
    const uniform = meanScore(() => randomGenome(NB201_SPACE, rng));
    // Uniform samples average ~69% (12-epoch CIFAR-10 validation); the learned policy ~78-82%.
    expect(learned - uniform).toBeGreaterThan(5);
  });

  test('hardware-aware: every evaluated architecture satisfies the latency bound', () => {
    const bound = { device: 'pixel3', maxMs: 6.5 };
    const result = runNb201Experiment({ strategy: 'rea', dataset: 'cifar10', runs: 20, latency: bound });
    for (const r of result.runs) {
      expect(r.incumbent).not.toBeNull();
      expect(nb201Latency(r.incumbent!.arch, 'pixel3')).toBeLessThanOrEqual(6.5);
      expect(r.rejections).toBeGreaterThan(0);
    }
  });

  test('mean and sample standard deviation', () => {
    expect(meanAndStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3) });
  });

  test('bad names and options fail with E_INVALID_ARGUMENT', () => {
    expectInvalid(
      () => createStrategy('bayes', { space: NB201_SPACE, fidelities: objective.fidelities, seed: 0 }),
      /unknown search strategy 'bayes' \(known: random, rea, reinforce, hyperband, pnas\)/,
    );
    expectInvalid(() => nb201Objective({ dataset: 'svhn' }), /unknown NB201 dataset 'svhn'/);
    expectInvalid(
      () => nb201Objective({ dataset: 'cifar10', latency: { device: 'tpu', maxMs: 1 } }),
      /unknown NB201 latency device 'tpu'/,
    );
    expectInvalid(() => nb201Objective({ dataset: 'cifar10', fidelities: [200, 12] }), /increasing epochs/);
    expectInvalid(
      () => new Hyperband({ space: NB201_SPACE, fidelities: objective.fidelities, seed: 0 }),
      /at least two fidelities/,
    );
    expectInvalid(
      () => runNb201Experiment({ strategy: 'rea', dataset: 'cifar10', runs: 0 }),
      /runs must be a positive integer/,
    );
    expectInvalid(() => new Rng(0.5), /integer/);
  });
});
