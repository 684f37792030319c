// A ShiftNAS supernet run from the command line on a small part of Fashion-MNIST: B moves after its
// warm-up, the run killed mid-way resumes to the same weights, bin probabilities and generator
// (the generator's state is in the checkpoint), `extract --target-macs` takes the generator's subnet
// out, and a run without a generator says so by flag.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { decodeSubnet, subnetCost } from '../../lib';
import { searchSupernet } from '../../lib/supernet/search-supernet';
import { openSupernetRun } from '../../lib/supernet/supernet-run';
import { trainSupernet } from '../../lib/supernet/train-supernet';
import { tempDir } from '../helpers/fixtures';
import { killWhenCommitted } from '../helpers/kill-when-committed';
import { finalSupernetWeights } from '../helpers/supernet-weights';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const trainArgs = (out: string, ...extra: string[]) => [
  CLI,
  'supernet',
  'train',
  '--sampler',
  'shiftnas',
  '--epochs',
  '3',
  '--limit-train',
  '128',
  '--batch-size',
  '32',
  '--calib-batches',
  '2',
  '--pool-size',
  '300',
  '--shift-bins',
  '4',
  '--shift-every',
  '2',
  '--shift-warmup-epochs',
  '1',
  '--generator-warmup',
  '100',
  '--device',
  'cpu',
  '--threads',
  '2',
  '--seed',
  '5',
  '--progress',
  'epochs',
  '--out',
  out,
  ...extra,
];

describe('supernet train --sampler shiftnas', () => {
  const base = tempDir();
  const straight = path.join(base, 'straight');

  it('trains, moves B after the warm-up, plots, and resumes a killed run exactly', async () => {
    const plot = path.join(base, 'shift.svg');
    const first = spawnSync(process.execPath, trainArgs(straight, '--plot', plot), { encoding: 'utf8' });
    expect(first.stderr).toMatch(/epoch 3: train loss/);
    expect(first.stderr).toMatch(/shiftnas: B [0-9. ]+ \(\d+ updates\)/);
    expect(first.status).toBe(0);
    expect(fs.readFileSync(plot, 'utf8')).toMatch(/^<svg/);
    const history = openSupernetRun(straight).history;
    const [e1, , e3] = history.map((r) => r.shiftnas!);
    expect(e1.updates).toBe(0);
    expect(e1.probabilities.every((p) => Math.abs(p - 0.25) < 1e-12)).toBe(true);
    // 4 steps an epoch, the shift from step 4 on, every 2 steps: steps 6 and 8, then 10 and 12.
    expect(history.map((r) => r.shiftnas!.updates)).toEqual([0, 2, 4]);
    expect(Math.max(...e3.probabilities.map((p) => Math.abs(p - 0.25)))).toBeGreaterThan(1e-4);
    expect(e3.generated.length).toBe(4);

    const killed = path.join(base, 'killed');
    const child = spawn(process.execPath, trainArgs(killed), { stdio: 'ignore' });
    await killWhenCommitted(child, killed);
    const resumed = spawnSync(process.execPath, trainArgs(killed), { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after epoch [12]/);
    const [a, b] = [await finalSupernetWeights(straight), await finalSupernetWeights(killed)];
    expect(Object.keys(a).filter((k) => a[k].some((v, i) => v !== b[k][i]))).toEqual([]);
    const again = openSupernetRun(killed).history.map((r) => r.shiftnas);
    expect(again.map((s) => [s!.probabilities, s!.beta, s!.generated])).toEqual(
      history.map((r) => [r.shiftnas!.probabilities, r.shiftnas!.beta, r.shiftnas!.generated]),
    );
  }, 900_000);

  it('a resumed run refuses a changed ShiftNAS option, naming the flag', () => {
    const r = spawnSync(process.execPath, trainArgs(straight, '--beta-lr', '0.5'), { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--beta-lr/);
  });

  it('extract --target-macs takes out the generator subnet; search starts from its subnets', async () => {
    const out = path.join(base, 'generated');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'supernet',
        'extract',
        '--run',
        straight,
        '--target-macs',
        '8M',
        '-o',
        out,
        '--calib-batches',
        '1',
        '--threads',
        '2',
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/generator: target 8\.00 MMACs -> [0-9.]+ MMACs/);
    expect(fs.existsSync(path.join(out, 'weights.pt'))).toBe(true);
    const arch = JSON.parse(fs.readFileSync(path.join(out, 'arch.json'), 'utf8'));
    const subnet = decodeSubnet(
      openSupernetRun(straight).resolved,
      arch.name.slice(arch.name.indexOf(':') + 1),
    );
    expect(subnetCost(openSupernetRun(straight).resolved, subnet).macs).toBeGreaterThan(0);
    const result = await searchSupernet({
      run: straight,
      population: 5,
      iterations: 1,
      calibBatches: 1,
      limitValid: 32,
      threads: 2,
      exportFront: false,
    });
    expect(result.evaluated).toBe(5);
  }, 300_000);

  it('refuses --target-macs on a run without a generator, and a bad target, by flag', async () => {
    const plain = path.join(base, 'plain');
    await trainSupernet({
      sampler: 'uniform',
      epochs: 1,
      limitTrain: 64,
      batchSize: 32,
      calibBatches: 1,
      device: 'cpu',
      threads: 2,
      runDir: plain,
      progressEvery: 1000,
    });
    const cli = (...a: string[]) =>
      spawnSync(process.execPath, [CLI, 'supernet', 'extract', ...a], { encoding: 'utf8' });
    const r = cli('--run', plain, '--target-macs', '8M', '-o', path.join(base, 'x'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--target-macs: run was trained with --sampler uniform.*--sampler shiftnas/);
    const bad = cli('--run', straight, '--target-macs', 'lots', '-o', path.join(base, 'y'));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--target-macs.*8M/);
  }, 300_000);
});
