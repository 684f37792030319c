import { nb201Best, runNb201Experiment } from '../../lib/benchmarks';
import { anytimeChart, anytimeSeries, nb201AnytimeChart } from '../../lib/report';
import { reportedAt, type SearchResult } from '../../lib/strategies';
import { expectInvalid } from '../benchmarks/expect-invalid';
import { svgOf, textsOf } from './render';

/** A run whose incumbent reported `values[i]` after evaluation i + 1, each evaluation costing `cost`. */
function run(values: number[], cost = 12): SearchResult {
  const curve = values.map((reported, i) => ({ evaluations: i + 1, cost: cost * (i + 1), reported }));
  return {
    strategy: 'test',
    incumbent: null,
    evaluations: values.length,
    cost: cost * values.length,
    rejections: 0,
    curve,
  };
}

describe('anytime series', () => {
  test('reportedAt steps: NaN before the first evaluation, then the last point reached', () => {
    const r = run([90, 91, 93]);
    expect(reportedAt(r, 'evaluations', 0)).toBeNaN();
    expect([1, 2, 2.5, 3, 10].map((x) => reportedAt(r, 'evaluations', x))).toEqual([90, 91, 91, 93, 93]);
    expect([11, 12, 35, 36].map((x) => reportedAt(r, 'cost', x))).toEqual([NaN, 90, 91, 93]);
  });

  test('mean and std over runs at each step; a shorter run keeps its last incumbent', () => {
    const series = anytimeSeries('rea', [run([90, 92, 94]), run([92, 92])]);
    expect(series.points.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(series.points.map((p) => p.mean)).toEqual([91, 92, 93]);
    expect(series.points[0].std).toBeCloseTo(Math.SQRT2);
    expect(series.points.map((p) => p.runs)).toEqual([2, 2, 2]);
  });

  test('by cost, on a grid of at most gridSize steps; runs without an incumbent yet are left out', () => {
    const series = anytimeSeries('hyperband', [run([90, 91, 92, 93], 12), run([95], 48)], 'cost', 4);
    expect(series.points).toEqual([
      { x: 12, mean: 90, std: 0, runs: 1 },
      { x: 24, mean: 91, std: 0, runs: 1 },
      { x: 36, mean: 92, std: 0, runs: 1 },
      { x: 48, mean: 94, std: Math.SQRT2, runs: 2 },
    ]);
    expectInvalid(() => anytimeSeries('none', []), /needs at least one run/);
  });
});

describe('anytime chart', () => {
  test('one line and band per strategy, a legend naming them, axis titles, the reference labelled', async () => {
    const spec = anytimeChart(
      [anytimeSeries('random', [run([90, 91])]), anytimeSeries('rea', [run([91, 93])])],
      {
        title: 'Best so far',
        xTitle: 'architectures evaluated',
        yTitle: 'test accuracy (%)',
        references: [{ label: 'optimum 94.37', value: 94.37 }],
      },
    );
    const svg = await svgOf(spec);
    expect(textsOf(svg)).toEqual(
      expect.arrayContaining([
        'Best so far',
        'architectures evaluated',
        'test accuracy (%)',
        'random',
        'rea',
        'optimum 94.37',
      ]),
    );
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg.match(/aria-roledescription="area mark"/g)).toHaveLength(2);
    expect(svg).toMatch(/stroke-dasharray="6,4"/);
    expect(() =>
      anytimeChart([{ name: 'empty', points: [] }], { title: '', xTitle: '', yTitle: '' }),
    ).toThrow(/at least one series with points/);
  });

  test('the y axis spans the bands after the first tenth; earlier, wider bands are cut to it', () => {
    // A first evaluation far below the rest (a random architecture), then steady progress.
    const first = { x: 1, mean: 88, std: 10, runs: 2 };
    const later = Array.from({ length: 19 }, (_, i) => ({ x: i + 2, mean: 90 + i / 10, std: 0.5, runs: 2 }));
    const spec = anytimeChart([{ name: 'rea', points: [first, ...later] }], {
      title: '',
      xTitle: '',
      yTitle: '',
      references: [{ label: 'best', value: 95 }],
    });
    const { layer } = spec as unknown as {
      layer: [
        {
          data: { values: { lower: number; upper: number }[] };
          layer: [unknown, { encoding: { y: { scale: { domain: number[] } } } }];
        },
      ];
    };
    const [low, high] = layer[0].layer[1].encoding.y.scale.domain;
    const margin = 0.03 * (95 - 89.5);
    expect(low).toBeCloseTo(89.5 - margin);
    expect(high).toBeCloseTo(95 + margin);
    expect(layer[0].data.values[0]).toMatchObject({ lower: low, upper: high });
    expect(layer[0].data.values[1]).toMatchObject({ lower: 89.5, upper: 90.5 });
  });

  test('NB201 experiments: by evaluations for single-fidelity strategies, by simulated epochs once hyperband is in', async () => {
    const rea = runNb201Experiment({ strategy: 'rea', dataset: 'cifar100', runs: 2, budgetEpochs: 240 });
    const hyperband = runNb201Experiment({
      strategy: 'hyperband',
      dataset: 'cifar100',
      runs: 2,
      budgetEpochs: 240,
    });
    const single = textsOf(await svgOf(nb201AnytimeChart([rea])));
    expect(single).toEqual(
      expect.arrayContaining([
        'architectures evaluated',
        'test accuracy, 200 epochs (%)',
        `optimum ${nb201Best('cifar100').accuracy.toFixed(2)}`,
      ]),
    );
    expect(single.join('\n')).toMatch(
      /NAS-Bench-201 cifar100: test accuracy of the best architecture so far/,
    );
    expect(single.join('\n')).toMatch(/mean ± std over 2 seeded runs of 240 simulated training epochs/);
    const both = textsOf(await svgOf(nb201AnytimeChart([rea, hyperband])));
    expect(both).toEqual(expect.arrayContaining(['simulated training epochs', 'rea', 'hyperband']));
    const cifar10 = runNb201Experiment({ strategy: 'rea', dataset: 'cifar10', runs: 1, budgetEpochs: 24 });
    expectInvalid(() => nb201AnytimeChart([rea, cifar10]), /one dataset/);
    expectInvalid(() => nb201AnytimeChart([]), /at least one experiment/);
  });
});
