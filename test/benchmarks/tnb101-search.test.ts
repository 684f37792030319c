import * as fs from 'fs';
import * as path from 'path';
import { registerBenchCommand } from '../../lib/benchmarks/cli';
import {
  runTnb101Experiment,
  tnb101Archs,
  tnb101ArchOfGenome,
  tnb101Objective,
  tnb101Query,
  tnb101Rank,
  tnb101TaskColumn,
} from '../../lib/benchmarks';
import { tempDir } from '../helpers/fixtures';
import { runCommand } from '../helpers/run-command';
import { expectInvalid } from './expect-invalid';

const runCli = (args: string[]) => runCommand(registerBenchCommand, args);

describe('TransNAS-Bench-101 as a search objective', () => {
  test('micro genomes are the six edge ops; every one is a trained network', () => {
    expect(tnb101ArchOfGenome('micro', [3, 1, 0, 2, 3, 3])).toBe('64-41414-3_10_233');
    const objective = tnb101Objective('micro', 'jigsaw');
    expect(objective.space.choices).toEqual([4, 4, 4, 4, 4, 4]);
    expect(objective.feasible([0, 0, 0, 0, 0, 0])).toBe(true);
    expect(objective.score([3, 1, 0, 2, 3, 3], 0)).toBe(tnb101Query('64-41414-3_10_233', 'jigsaw'));
  });

  test('macro genomes keep 4 to 6 leading modules; gaps, short ones and untrained ones are infeasible', () => {
    expect(tnb101ArchOfGenome('macro', [1, 4, 1, 2, 0, 0])).toBe('64-1412-basic');
    expect(tnb101ArchOfGenome('macro', [1, 4, 0, 2, 1, 0])).toBeNull();
    expect(tnb101ArchOfGenome('macro', [1, 4, 1, 0, 0, 0])).toBeNull();
    const objective = tnb101Objective('macro', 'autoencoder');
    expect(objective.feasible([2, 3, 2, 3, 2, 3])).toBe(true);
    expect(objective.feasible([1, 4, 0, 2, 1, 0])).toBe(false);
    // Every trained macro network is reachable by exactly one genome.
    const reachable = new Set<string>();
    const genome = [0, 0, 0, 0, 0, 0];
    for (let code = 0; code < 5 ** 6; code++) {
      for (let i = 0, c = code; i < 6; i++, c = Math.floor(c / 5)) genome[i] = c % 5;
      if (objective.feasible(genome)) reachable.add(tnb101ArchOfGenome('macro', genome)!);
    }
    expect(reachable.size).toBe(tnb101Archs('macro').length);
  });

  test('ranks count the architectures strictly better; the best is rank 1', () => {
    const column = tnb101TaskColumn('micro', 'class_object');
    const [best] = [...column].sort((a, b) => b[1] - a[1])[0];
    expect(tnb101Rank('micro', 'class_object', best)).toBe(1);
    const arch = '64-41414-2_32_323';
    const better = [...column.values()].filter((v) => v > column.get(arch)!).length;
    expect(tnb101Rank('micro', 'class_object', arch)).toBe(better + 1);
    // room_layout is a negative loss: higher is still better.
    const layout = [...tnb101TaskColumn('micro', 'room_layout')].sort((a, b) => b[1] - a[1]);
    expect(tnb101Rank('micro', 'room_layout', layout[0][0])).toBe(1);
  });

  test('random search with q queries lands near rank N/(q+1), the order statistic of a uniform pick', () => {
    const result = runTnb101Experiment({
      space: 'micro',
      tasks: ['class_scene'],
      strategies: ['random'],
      runs: 300,
      queries: 40,
    });
    const expected = 4096 / 41;
    expect(result.cells[0].rank).toBeGreaterThan(0.75 * expected);
    expect(result.cells[0].rank).toBeLessThan(1.25 * expected);
    expect(result.cells[0].runs.every((run) => run.evaluations === 40)).toBe(true);
  });

  test("the cross-task table holds each cell's own rank on its diagonal", () => {
    const result = runTnb101Experiment({
      space: 'macro',
      tasks: ['jigsaw', 'normal'],
      strategies: ['rea', 'reinforce'],
      runs: 4,
      queries: 30,
      seed: 7,
    });
    for (const cell of result.cells)
      expect(result.cross[cell.strategy][cell.task][cell.task]).toBeCloseTo(cell.rank, 10);
    const rea = result.cells.find((c) => c.task === 'normal' && c.strategy === 'rea')!;
    const onJigsaw = rea.runs.map((run) => tnb101Rank('macro', 'jigsaw', run.incumbent!.arch));
    expect(result.cross.rea.normal.jigsaw).toBeCloseTo(
      onJigsaw.reduce((a, b) => a + b, 0) / onJigsaw.length,
      10,
    );
  });

  test('bad options name the flag', () => {
    expectInvalid(
      () => runTnb101Experiment({ space: 'micro', tasks: ['depth'], strategies: ['rea'], runs: 1 }),
      /unknown TransNAS-Bench-101 task 'depth'/,
    );
    expectInvalid(
      () => runTnb101Experiment({ space: 'micro', tasks: ['jigsaw'], strategies: ['hyperband'], runs: 1 }),
      /--strategies: 'hyperband' is not one of random, rea, reinforce/,
    );
    expectInvalid(
      () =>
        runTnb101Experiment({ space: 'micro', tasks: ['jigsaw'], strategies: ['rea'], runs: 1, queries: 0 }),
      /--queries must be a positive integer/,
    );
  });
});

describe('torchnas bench tnb101', () => {
  test('prints a table per space and a cross-task table per strategy', async () => {
    const text = await runCli([
      'bench',
      'tnb101',
      '--space',
      'micro',
      '--tasks',
      'jigsaw,normal',
      '--runs',
      '3',
      '--queries',
      '20',
      '--progress',
      'none',
    ]);
    expect(text).toMatch(/^## TransNAS-Bench-101 micro: 3 runs \(seeds 0\.\.2\), 20 queries each/);
    expect(text).toMatch(/\| jigsaw \| \d+\.\d\d ± \d+\.\d\d \(rank \d+\.\d\) \|/);
    expect(text).toMatch(/Cross-task, reinforce: mean rank \(of 4096\)/);
    expect(text).toMatch(/\| normal \| \d+\.\d \| \d+\.\d \|/);
  });

  test('--json and --plot, one file per space and task', async () => {
    const dir = tempDir();
    const out = JSON.parse(
      await runCli([
        'bench',
        'tnb101',
        '--tasks',
        'autoencoder',
        '--strategies',
        'rea',
        '--runs',
        '2',
        '--queries',
        '10',
        '--json',
        '--progress',
        'none',
        '--plot',
        path.join(dir, 'a.svg'),
      ]),
    );
    expect(out.results.map((r: { space: string }) => r.space)).toEqual(['micro', 'macro']);
    expect(out.results[1].cells[0].chosen).toHaveLength(2);
    expect(out.plots).toEqual([
      path.join(dir, 'a-micro-autoencoder.svg'),
      path.join(dir, 'a-macro-autoencoder.svg'),
    ]);
    expect(fs.readFileSync(out.plots[1], 'utf8')).toMatch(/>architectures queried</);
  });

  test('an unknown task or strategy is refused with the known ones', async () => {
    await expect(runCli(['bench', 'tnb101', '--tasks', 'depth'])).rejects.toThrow(
      /--tasks: unknown 'depth' \(known: class_scene/,
    );
    await expect(runCli(['bench', 'tnb101', '--strategies', 'rea,bayes'])).rejects.toThrow(
      /--strategies: unknown 'bayes'/,
    );
  });
});
