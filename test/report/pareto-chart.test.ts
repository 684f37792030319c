import {
  nb201AccuracyColumn,
  nb201Latency,
  nb201ParetoFront,
  runNb201Experiment,
} from '../../lib/benchmarks';
import { nb201ParetoChart, nb201ParetoPanel, paretoChart, svgToPng } from '../../lib/report';
import { expectInvalid } from '../benchmarks/expect-invalid';
import { readPng, svgOf, textsOf } from './render';

const SMALL = {
  device: 'gpu',
  points: [
    { latencyMs: 1, accuracy: 80 },
    { latencyMs: 2, accuracy: 85 },
    { latencyMs: 3, accuracy: 70 },
    { latencyMs: 4, accuracy: 90 },
  ],
  front: [
    { latencyMs: 1, accuracy: 80 },
    { latencyMs: 2, accuracy: 85 },
    { latencyMs: 4, accuracy: 90 },
  ],
};

describe('Pareto chart', () => {
  test('a panel per device, the cloud, the front as a line and dots, the legend, latency in ms', async () => {
    const svg = await svgOf(
      paretoChart(
        [SMALL, { ...SMALL, device: 'phone', bound: 2.5, chosen: [{ latencyMs: 2, accuracy: 85 }] }],
        { title: 'Fronts', accuracyTitle: 'accuracy (%)' },
      ),
    );
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        'Fronts',
        'gpu',
        'phone',
        'accuracy (%)',
        'Pareto front',
        'architectures (sample)',
        'chosen by a search run',
      ]),
    );
    expect(texts.filter((t) => t === 'latency (ms)')).toHaveLength(2); // each panel its own latency axis
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg.match(/kind: architecture/g)).toHaveLength(8);
    expect(svg.match(/kind: front/g)!.length).toBeGreaterThanOrEqual(6);
    expect(svg.match(/kind: chosen/g)).toHaveLength(1);
    expect(svg).toMatch(/stroke-dasharray="6,4"/); // the bound
    expectInvalid(() => paretoChart([], { title: '', accuracyTitle: '' }), /at least one device/);
  });

  test("without a search's choices, no legend entry for them; the cost axis may be MACs", async () => {
    const texts = textsOf(
      await svgOf(
        paretoChart([SMALL], { title: 'Fronts', accuracyTitle: 'accuracy (%)', costTitle: 'MACs (M)' }),
      ),
    );
    expect(texts).toEqual(expect.arrayContaining(['Pareto front', 'architectures (sample)', 'MACs (M)']));
    expect(texts).not.toContain('chosen by a search run');
    expect(texts).not.toContain('latency (ms)');
  });

  test("NB201 panel: the whole front, a sample of the cloud, the runs' choices at their latency", () => {
    const runs = runNb201Experiment({
      strategy: 'random',
      dataset: 'cifar10',
      runs: 2,
      budgetEpochs: 120,
      latency: { device: 'fpga', maxMs: 3 },
    }).runs;
    const panel = nb201ParetoPanel('cifar10', 'fpga', { bound: 3, runs, sampleEvery: 100 });
    expect(panel.front).toEqual(nb201ParetoFront('cifar10', 'fpga'));
    expect(panel.points).toHaveLength(157);
    expect(panel.points[1]).toEqual({
      latencyMs: nb201Latency(100, 'fpga'),
      accuracy: nb201AccuracyColumn('cifar10', 'test')[100],
    });
    expect(panel.chosen).toHaveLength(2);
    for (const [i, run] of runs.entries())
      expect(panel.chosen![i]).toEqual({
        latencyMs: nb201Latency(run.incumbent!.arch, 'fpga'),
        accuracy: run.incumbent!.reported,
      });
    expect(panel.chosen!.every((p) => p.latencyMs <= 3)).toBe(true);
    expectInvalid(
      () => nb201ParetoPanel('cifar10', 'fpga', { sampleEvery: 0 }),
      /sampleEvery must be a positive integer/,
    );
  });

  test('NB201 chart: the worst tenth of the cloud left out of view (dropped, so resvg draws it), and it rasterizes', async () => {
    const panels = ['pixel3', 'eyeriss'].map((device) =>
      nb201ParetoPanel('cifar10', device, { sampleEvery: 64, bound: 5 }),
    );
    const svg = await svgOf(nb201ParetoChart('cifar10', panels, 'rea, 3 runs'));
    const texts = textsOf(svg).join('\n');
    expect(texts).toMatch(/NAS-Bench-201 cifar10: test accuracy against latency/);
    expect(texts).toMatch(
      /below 75 % \(the worst 10 %\) out of view; dashed: the latency bound of the search \(rea, 3 runs\)/,
    );
    const dots = [
      ...svg.matchAll(
        /test accuracy, 200 epochs \(%\): ([\d.]+); kind: \w+" role="graphics-symbol" aria-roledescription="(\w+)"/g,
      ),
    ];
    const drawn = dots.filter((m) => m[2] !== 'line').map((m) => Number(m[1]));
    expect(drawn.length).toBeGreaterThan(100);
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(75);
    const png = readPng(await svgToPng(svg));
    expect(png.width).toBeGreaterThan(800);
  });
});
