import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers/fixtures';

const CLI = path.join(__dirname, '..', 'bin', 'torchnas.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('torchnas CLI', () => {
  test('--help lists the commands; train --help shows examples and presets', () => {
    const top = run('--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/train/);
    expect(top.stdout).toMatch(/info/);
    const help = run('train', '--help');
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/fmnist-cnn/);
    expect(help.stdout).toMatch(/--device <device>/);
  });

  test('info prints JSON with the LibTorch version', () => {
    const r = run('info');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).torchVersion).toMatch(/^\d/);
  });

  test('arch prints shapes and costs', () => {
    const r = run('arch', 'fmnist-mbconv');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/total: \d+ params/);
  });

  test.each([
    [['train', '--epochs', 'two'], /--epochs must be a whole number/],
    [['train', '--dataset', 'imagenet'], /Allowed choices/],
    [['train', '--arch', 'nope'], /neither a preset .* nor an architecture file \[E_IO\]/],
    [['train', '--device', 'tpu'], /device must be/],
    [['train', '--data-dir', '/nonexistent', '--device', 'cpu'], /not found.*\[E_IO\]/],
  ])('bad input %# exits non-zero with a clear message', (args, message) => {
    const r = run(...(args as string[]));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace for user errors
  });

  test('an architecture file with an unknown op is rejected with the block named', () => {
    const file = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ input: [1, 28, 28], classes: 10, blocks: ['conv_k3_c8', 'resblock', 'gap', 'fc'] }),
    );
    const r = run('train', '--arch', file, '--device', 'cpu');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/block 'resblock': unknown op 'resblock'.*\[E_INVALID_ARGUMENT\]/);
  });

  test('a short run prints line progress when not on a TTY, and a JSON result', () => {
    const out = path.join(tempDir(), 'run');
    const r = run(
      'train',
      '--limit-train',
      '300',
      '--batch-size',
      '50',
      '--device',
      'cpu',
      '--threads',
      '2',
      '--out',
      out,
      '--json',
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/epoch 1\/1 step 6\/6 loss/);
    expect(r.stderr).toMatch(/test loss .* top1/);
    const result = JSON.parse(r.stdout);
    expect(result.runDir).toBe(out);
    expect(result.test.images).toBe(10000);
  });
});
