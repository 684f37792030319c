import { registerProxiesCommand } from '../../lib/proxies/cli';
import { nb201AccuracyColumn } from '../../lib/benchmarks';
import { spearman } from '../../lib/util/statistics';
import { runCommand } from '../helpers/run-command';

const runCli = (args: string[]) => runCommand(registerProxiesCommand, args);

describe('torchnas proxies', () => {
  test('data-free proxies of sampled NB201 networks, as JSON: params and FLOPs rank them like accuracy does', async () => {
    const result = JSON.parse(
      await runCli([
        'proxies',
        '--proxy',
        'params,flops',
        '--sample',
        '30',
        '--seed',
        '1',
        '--threads',
        '1',
        '--format',
        'json',
      ]),
    );
    expect(result.archs).toHaveLength(30);
    expect(new Set(result.archs.map((a: { index: number }) => a.index)).size).toBe(30);
    for (const c of result.correlations) {
      expect(['params', 'flops']).toContain(c.proxy);
      expect(c.archs).toBe(30);
      // Bigger NB201 networks are better ones (published: Spearman about 0.75).
      expect(c.spearman).toBeGreaterThan(0.4);
    }
  });

  test('--split valid correlates with the 200-epoch validation accuracy (the zero-cost-nas protocol) instead of test', async () => {
    const args = ['proxies', '--proxy', 'params', '--sample', '40', '--seed', '2', '--threads', '1'];
    const test = JSON.parse(await runCli([...args, '--format', 'json']));
    const valid = JSON.parse(await runCli([...args, '--split', 'valid', '--format', 'json']));
    expect(valid.archs.map((a: { index: number }) => a.index)).toEqual(
      test.archs.map((a: { index: number }) => a.index),
    );
    const validAccuracy = nb201AccuracyColumn('cifar10', 'valid', 200);
    expect(valid.archs.map((a: { accuracy: number }) => a.accuracy)).toEqual(
      valid.archs.map((a: { index: number }) => validAccuracy[a.index]),
    );
    const scores = valid.archs.map((a: { scores: { params: number } }) => a.scores.params);
    expect(valid.correlations[0].spearman).toBeCloseTo(
      spearman(
        scores,
        valid.archs.map((a: { accuracy: number }) => a.accuracy),
      ),
      12,
    );
    expect(valid.correlations[0].spearman).not.toBeCloseTo(test.correlations[0].spearman, 6);
    expect(await runCli(['proxies', '--proxy', 'params', '--sample', '5', '--split', 'valid'])).toMatch(
      /vs cifar10 validation accuracy \(200 epochs\)/,
    );
  });

  test('a data-dependent proxy on a Fashion-MNIST batch, as a Markdown table and as CSV', async () => {
    const args = [
      'proxies',
      '--proxy',
      'snip',
      '--proxy',
      'naswot',
      '--sample',
      '3',
      '--dataset',
      'fashion-mnist',
      '--batch-size',
      '4',
      '--threads',
      '1',
    ];
    const table = await runCli(args);
    expect(table).toMatch(
      /^Zero-cost proxies of 3 NAS-Bench-201 networks vs cifar10 test accuracy .* 4 fashion-mnist images/,
    );
    expect(table).toMatch(/\n\| snip \| -?\d\.\d{3} \| -?\d\.\d{3} \| \d+\.\d{3} \|\n\| naswot \|/);
    const csv = (await runCli([...args, '--format', 'csv'])).trim().split('\n');
    expect(csv[0]).toBe('index,arch,accuracy,snip,naswot');
    expect(csv).toHaveLength(4);
  });

  test('two workers score exactly as one does (every random draw is seeded per session)', async () => {
    const args = [
      'proxies',
      '--proxy',
      'zen,grad_norm,synflow',
      '--sample',
      '4',
      '--batch-size',
      '4',
      '--threads',
      '1',
      '--format',
      'json',
    ];
    const one = JSON.parse(await runCli([...args, '--workers', '1']));
    const two = JSON.parse(await runCli([...args, '--workers', '2']));
    expect(two.archs).toEqual(one.archs);
  });

  test('unknown proxies and spaces are rejected by name', async () => {
    await expect(runCli(['proxies', '--proxy', 'snip,entropy'])).rejects.toThrow(
      /unknown proxy 'entropy' \(known: grad_norm, snip/,
    );
    await expect(runCli(['proxies', '--proxy', 'snip', '--space', 'darts'])).rejects.toThrow(
      /Allowed choices are nb201/,
    );
  });
});
