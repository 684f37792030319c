import * as fs from 'fs';
import * as path from 'path';
import { registerBenchCommand } from '../../lib/benchmarks/cli';
import { tempDir } from '../helpers/fixtures';
import { runCommand } from '../helpers/run-command';

const runCli = (args: string[]) => runCommand(registerBenchCommand, args);

describe('torchnas bench nb201', () => {
  test('prints mean ± std of the chosen architectures', async () => {
    const text = await runCli(['bench', 'nb201', '--strategy', 'rea', '--runs', '5', '--dataset', 'cifar10']);
    expect(text).toMatch(
      /^rea on cifar10: test accuracy \d+\.\d\d ± \d+\.\d\d % over 5 runs of 1200 simulated epochs \(100 evaluations per run\)\n$/,
    );
  });

  test('--json, with a latency bound', async () => {
    const result = JSON.parse(
      await runCli([
        'bench',
        'nb201',
        '--strategy',
        'random',
        '--runs',
        '3',
        '--hardware',
        'fpga',
        '--max-latency',
        '3',
        '--json',
      ]),
    );
    expect(result.chosen).toHaveLength(3);
    expect(result.testAccuracy.mean).toBeGreaterThan(80);
  });

  test('rejects unknown strategies and a bound without hardware', async () => {
    await expect(runCli(['bench', 'nb201', '--strategy', 'bayes'])).rejects.toThrow(
      /Allowed choices are random, rea, reinforce, hyperband/,
    );
    await expect(runCli(['bench', 'nb201', '--max-latency', '3'])).rejects.toThrow(
      /--hardware and --max-latency go together/,
    );
  });

  test('--plot draws the anytime curve, or with --hardware the Pareto front with the bound and the choices', async () => {
    const dir = tempDir();
    const text = await runCli([
      'bench',
      'nb201',
      '--strategy',
      'random',
      '--runs',
      '2',
      '--budget-epochs',
      '120',
      '--plot',
      path.join(dir, 'anytime.svg'),
    ]);
    expect(text).toMatch(/\nplot written to .*anytime\.svg\n$/);
    const anytime = fs.readFileSync(path.join(dir, 'anytime.svg'), 'utf8');
    expect(anytime).toMatch(/>architectures evaluated</);
    expect(anytime).toMatch(/>random</);
    const result = JSON.parse(
      await runCli([
        'bench',
        'nb201',
        '--runs',
        '2',
        '--budget-epochs',
        '120',
        '--hardware',
        'pixel3',
        '--max-latency',
        '6',
        '--json',
        '--plot',
        path.join(dir, 'pareto.svg'),
      ]),
    );
    expect(result.plot).toBe(path.join(dir, 'pareto.svg'));
    const pareto = fs.readFileSync(path.join(dir, 'pareto.svg'), 'utf8');
    expect(pareto).toMatch(/>pixel3</);
    expect(pareto).toMatch(/>chosen by a search run</);
  });

  test('a --plot name that is neither .svg nor .png fails before any run', async () => {
    await expect(runCli(['bench', 'nb201', '--runs', '100000', '--plot', 'out.pdf'])).rejects.toThrow(
      /plot 'out.pdf': the file name must end in \.svg or \.png/,
    );
  });
});
