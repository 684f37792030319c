// A supernet run end to end on a small part of Fashion-MNIST: training killed mid-run resumes to the
// same weights as an uninterrupted run; a Pareto search exports its front; an extracted subnet is a
// standalone network whose accuracy, evaluated alone, is the one the supernet scored; its weights
// start `torchnas train --init`.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  augmentationFor,
  buildLatencyTable,
  largestSubnet,
  loadArchitecture,
  loadElasticSpace,
  Session,
  smallestSubnet,
  subnetCost,
  TorchnasError,
} from '../../lib';
import { elasticSearchSpace } from '../../lib/spaces/elastic/elastic-search-space';
import { extractSubnet } from '../../lib/supernet/extract-subnet';
import { searchSupernet } from '../../lib/supernet/search-supernet';
import { openSupernetRun } from '../../lib/supernet/supernet-run';
import { parseSupernetOptions, supernetData, trainSupernet } from '../../lib/supernet/train-supernet';
import { tempDir } from '../helpers/fixtures';
import { killWhenCommitted } from '../helpers/kill-when-committed';
import { finalSupernetWeights } from '../helpers/supernet-weights';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const trainArgs = (out: string, sampler = 'sandwich') => [
  CLI,
  'supernet',
  'train',
  '--sampler',
  sampler,
  '--epochs',
  '3',
  '--limit-train',
  '128',
  '--batch-size',
  '32',
  '--calib-batches',
  '2',
  '--pool-size',
  '200',
  '--candidate-tolerance',
  '0.05',
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
];

describe('supernet train, search and extract', () => {
  const base = tempDir();
  const straight = path.join(base, 'straight');

  it('a bestup-3 training killed mid-run resumes to the weights of an uninterrupted one', async () => {
    const killed = path.join(base, 'killed');
    const first = spawnSync(process.execPath, trainArgs(straight, 'bestup-3'), { encoding: 'utf8' });
    expect(first.stderr).toMatch(/epoch 3: train loss/);
    expect(first.status).toBe(0);
    const child = spawn(process.execPath, trainArgs(killed, 'bestup-3'), { stdio: 'ignore' });
    await killWhenCommitted(child, killed);
    expect(JSON.parse(fs.readFileSync(path.join(killed, 'state.json'), 'utf8')).epochsDone).toBeLessThan(3);
    const resumed = spawnSync(process.execPath, trainArgs(killed, 'bestup-3'), { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after epoch [12]/);
    const [a, b] = [await finalSupernetWeights(straight), await finalSupernetWeights(killed)];
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(Object.keys(a).filter((k) => a[k].some((v, i) => v !== b[k][i]))).toEqual([]);
  }, 600_000);

  it('a resumed run refuses a changed sampler, naming the flag', () => {
    const r = spawnSync(process.execPath, [...trainArgs(straight, 'sandwich')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--sampler bestup-3 \(given sandwich\)/);
  });

  it('searches a Pareto front and exports each member', async () => {
    const plot = path.join(base, 'front.svg');
    const result = await searchSupernet({
      run: straight,
      population: 4,
      iterations: 2,
      calibBatches: 1,
      limitValid: 64,
      threads: 2,
      plot,
    });
    expect(fs.readFileSync(plot, 'utf8')).toMatch(/^<svg/);
    expect(result.evaluated).toBeGreaterThanOrEqual(4);
    expect(result.front.length).toBeGreaterThan(0);
    const costs = result.front.map((m) => m.cost);
    expect(costs).toEqual([...costs].sort((x, y) => x - y));
    for (const m of result.front) {
      expect(fs.existsSync(path.join(straight, m.weights!))).toBe(true);
      expect(loadArchitecture(path.join(straight, m.arch!)).blocks.length).toBeGreaterThan(3);
    }
    expect(JSON.parse(fs.readFileSync(path.join(straight, 'pareto.json'), 'utf8')).front.length).toBe(
      result.front.length,
    );
  }, 300_000);

  it('with a MACs target, answers with the most accurate scored subnet inside its band', async () => {
    const space = loadElasticSpace(openSupernetRun(straight).opts.space);
    const [lo, hi] = [smallestSubnet(space), largestSubnet(space)].map(
      (s) => subnetCost(space, s).macs / 1e6,
    );
    const target = lo + 0.4 * (hi - lo);
    const result = await searchSupernet({
      run: straight,
      target,
      population: 6,
      iterations: 2,
      calibBatches: 1,
      limitValid: 32,
      threads: 2,
      exportFront: false,
      seed: 2,
    });
    const answer = result.atTarget!;
    expect(Math.abs(answer.cost / target - 1)).toBeLessThanOrEqual(0.05 + 1e-12);
    const evaluated = JSON.parse(fs.readFileSync(path.join(straight, 'pareto.json'), 'utf8'))
      .evaluatedSubnets as { cost: number; top1: number }[];
    const inside = evaluated.filter((m) => Math.abs(m.cost / target - 1) <= 0.05);
    expect(inside.length).toBeGreaterThanOrEqual(3); // the first population was seeded inside the band
    expect(answer.top1).toBe(Math.max(...inside.map((m) => m.top1)));
    expect(loadArchitecture(path.join(straight, answer.arch!)).blocks.length).toBeGreaterThan(3);
    await expect(searchSupernet({ run: straight, target: 10 * hi })).rejects.toThrow(
      /--target .* MMACs: no subnet of 'elastic-28' .*its largest/,
    );
  }, 300_000);

  it('searches against a latency table built for the elastic space', async () => {
    const table = path.join(base, 'elastic-28-table.json');
    await buildLatencyTable(elasticSearchSpace(loadElasticSpace('elastic-28')), table, {
      device: 'cpu',
      threads: 1,
      batch: 1,
      warmup: 1,
      repeats: 2,
      chunk: 64,
    });
    const result = await searchSupernet({
      run: straight,
      constraint: 'latency',
      latencyTable: table,
      population: 3,
      iterations: 1,
      calibBatches: 1,
      limitValid: 32,
      threads: 2,
      exportFront: false,
      seed: 3,
    });
    expect(result.costUnit).toBe('ms');
    expect(result.front.every((m) => m.cost > 0 && Number.isFinite(m.cost))).toBe(true);
    // A table missing layers of the space is refused before any work.
    const partial = JSON.parse(fs.readFileSync(table, 'utf8'));
    delete partial.entries[Object.keys(partial.entries)[0]];
    fs.writeFileSync(table, JSON.stringify(partial));
    await expect(
      searchSupernet({ run: straight, constraint: 'latency', latencyTable: table }),
    ).rejects.toThrow(/lacks 1 layer of 'elastic-28'.*torchnas latency table --space elastic-28/);
  }, 300_000);

  it('an extracted subnet, evaluated alone, has the accuracy the supernet scored for it', async () => {
    const out = path.join(base, 'small');
    const extracted = await extractSubnet({ run: straight, subnet: 'smallest', out, threads: 2 });
    const run = openSupernetRun(straight);
    const { valid } = await supernetData(parseSupernetOptions(run.opts), loadElasticSpace(run.opts.space));
    const session = new Session({ device: 'cpu', threads: 2 });
    const net = await session.buildNetwork(loadArchitecture(extracted.arch));
    expect(net.params).toBe(extracted.params);
    await session.loadWeights(extracted.weights);
    const { mean, std } = augmentationFor('fashion-mnist', false);
    const alone = await session.evaluate(valid, { batchSize: run.opts.batchSize, augment: { mean, std } });
    expect(alone.top1).toBeCloseTo(extracted.score.top1, 6);
    expect(alone.loss).toBeCloseTo(extracted.score.loss, 4);
    // Weights of another architecture are refused, not half-loaded.
    const other = new Session({ device: 'cpu', threads: 1 });
    await other.buildNetwork(loadArchitecture('fmnist-cnn'));
    await expect(other.loadWeights(extracted.weights)).rejects.toMatchObject({ code: 'E_DATA' });
    await other.close();
    await session.close();

    const tuned = spawnSync(
      process.execPath,
      [
        CLI,
        'train',
        '--arch',
        extracted.arch,
        '--init',
        extracted.weights,
        '--epochs',
        '1',
        '--limit-train',
        '64',
        '--limit-eval',
        '64',
        '--device',
        'cpu',
        '--threads',
        '2',
        '--progress',
        'none',
        '--json',
        '--out',
        path.join(base, 'tuned'),
      ],
      { encoding: 'utf8' },
    );
    expect(tuned.stderr).toBe('');
    expect(tuned.status).toBe(0);
  }, 300_000);

  it('with kernel transformation matrices, an extracted subnet alone has the score the supernet gave it', async () => {
    const runDir = path.join(base, 'ktm');
    await trainSupernet({
      sampler: 'uniform',
      kernelTransform: true,
      epochs: 1,
      limitTrain: 96,
      batchSize: 32,
      calibBatches: 1,
      device: 'cpu',
      threads: 2,
      seed: 2,
      runDir,
      progressEvery: 1000,
    });
    const extracted = await extractSubnet({
      run: runDir,
      subnet: 'smallest',
      out: path.join(base, 'ktm-small'),
      threads: 2,
    });
    const run = openSupernetRun(runDir);
    const { valid } = await supernetData(parseSupernetOptions(run.opts), loadElasticSpace(run.opts.space));
    const session = new Session({ device: 'cpu', threads: 2 });
    await session.buildNetwork(loadArchitecture(extracted.arch));
    await session.loadWeights(extracted.weights);
    const { mean, std } = augmentationFor('fashion-mnist', false);
    const alone = await session.evaluate(valid, { batchSize: run.opts.batchSize, augment: { mean, std } });
    await session.close();
    expect(alone.loss).toBeCloseTo(extracted.score.loss, 4);
  }, 300_000);

  it('refuses a subnet of another space and an unknown sampler as typed errors', async () => {
    await expect(
      extractSubnet({ run: straight, subnet: 'r28|w16:k3e3', out: path.join(base, 'x') }),
    ).rejects.toThrow(/has 4 stages, the subnet gives 1/);
    await expect(trainSupernet({ sampler: 'best-3' })).rejects.toBeInstanceOf(TorchnasError);
    const cli = (...a: string[]) =>
      spawnSync(process.execPath, [CLI, 'supernet', ...a], { encoding: 'utf8' });
    const r = cli('train', '--sampler', 'bestup');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--sampler.*bestup-<k>/);
    const empty = cli(
      'extract',
      '--run',
      path.join(base, 'nothing'),
      '--subnet',
      'largest',
      '-o',
      path.join(base, 'y'),
    );
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/--run .* holds no trained supernet yet/);
    const noTable = cli('search', '--run', straight, '--constraint', 'latency');
    expect(noTable.status).toBe(2);
    expect(noTable.stderr).toMatch(/--latency-table/);
    const unknown = cli('train', '--space', 'nope', '--out', path.join(base, 'z'));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /--space: 'nope' is not one of the built-in elastic spaces \(elastic-28, elastic-32\)/,
    );
    expect(fs.existsSync(path.join(base, 'z'))).toBe(false);
  });
});
