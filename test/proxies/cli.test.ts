import { registerProxiesCommand } from '../../lib/proxies/cli';
import { runCommand } from '../helpers/run-command';

const runCli = (args: string[]) => runCommand(registerProxiesCommand, args);

describe('torchnas proxies', () => {
  test('data-free proxies of sampled NB201 networks, as JSON: params and FLOPs rank them like accuracy does', async () => {
    const result = JSON.parse(await runCli(['proxies', '--proxy', 'params,flops', '--sample', '30', '--seed', '1', '--threads', '1', '--format', 'json']));
    expect(result.archs).toHaveLength(30);
    expect(new Set(result.archs.map((a: { index: number }) => a.index)).size).toBe(30);
    for (const c of result.correlations) {
      expect(['params', 'flops']).toContain(c.proxy);
      expect(c.archs).toBe(30);
      // Bigger NB201 networks are better ones (published: Spearman about 0.75).
      expect(c.spearman).toBeGreaterThan(0.4);
    }
  });

  test('a data-dependent proxy on a Fashion-MNIST batch, as a Markdown table and as CSV', async () => {
    const args = ['proxies', '--proxy', 'snip', '--proxy', 'naswot', '--sample', '3', '--dataset', 'fashion-mnist', '--batch-size', '4', '--threads', '1'];
    const table = await runCli(args);
    expect(table).toMatch(/^Zero-cost proxies of 3 NAS-Bench-201 networks vs cifar10 test accuracy .* 4 fashion-mnist images/);
    expect(table).toMatch(/\n\| snip \| -?\d\.\d{3} \| -?\d\.\d{3} \| \d+\.\d{3} \|\n\| naswot \|/);
    const csv = (await runCli([...args, '--format', 'csv'])).trim().split('\n');
    expect(csv[0]).toBe('index,arch,accuracy,snip,naswot');
    expect(csv).toHaveLength(4);
  });

  test('two workers score exactly as one does (every random draw is seeded per session)', async () => {
    const args = ['proxies', '--proxy', 'zen,grad_norm,synflow', '--sample', '4', '--batch-size', '4', '--threads', '1', '--format', 'json'];
    const one = JSON.parse(await runCli([...args, '--workers', '1']));
    const two = JSON.parse(await runCli([...args, '--workers', '2']));
    expect(two.archs).toEqual(one.archs);
  });

  test('unknown proxies and spaces are rejected by name', async () => {
    await expect(runCli(['proxies', '--proxy', 'snip,entropy'])).rejects.toThrow(/unknown proxy 'entropy' \(known: grad_norm, snip/);
    await expect(runCli(['proxies', '--proxy', 'snip', '--space', 'darts'])).rejects.toThrow(/Allowed choices are nb201/);
  });
});
