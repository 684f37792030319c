// Few-shot latency predictors: the additive model's layout, the posterior against its textbook (primal)
// form, what a prior learned from other devices buys over the few samples alone on devices made to
// share structure, a predictor file read by a search as per-edge costs, and the CLI's samples and fit.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseChainSpace, resolveSpace } from '../../lib';
import {
  adaptPrior,
  features,
  fitAlone,
  metaLearnPrior,
  predictFewShot,
  type LatencySample,
} from '../../lib/latency/few-shot/few-shot-predictor';
import { readSearchLatencyTable } from '../../lib/latency/search-latency-table';
import { chainSearchSpace } from '../../lib/spaces/chain/chain-search-space';
import { solveLinear } from '../../lib/util/linear-solve';
import { Rng } from '../../lib/util/rng';
import { spearman } from '../../lib/util/statistics';
import { latencyTableOf, tempDir, tinySpaceDescription } from '../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const COUNTS = [3, 4, 2, 5, 3, 4];

/** A device: latency = its speed times shared per-option costs, plus its own deviations and noise. */
function device(seed: number, shared: number[][], noise = 0.01) {
  const rng = new Rng(seed);
  const speed = 0.5 + 4 * rng.next();
  const own = shared.map((row) => row.map((v) => v * (0.8 + 0.4 * rng.next())));
  const sample = (n: number, from: number): LatencySample[] => {
    const draw = new Rng(from);
    return Array.from({ length: n }, () => {
      const indices = COUNTS.map((k) => Math.floor(draw.next() * k));
      const clean = speed * (1 + indices.reduce((s, j, d) => s + own[d][j], 0));
      return { indices, ms: clean * (1 + noise * (draw.next() - 0.5)) };
    });
  };
  return { sample };
}

const sharedCosts = () => {
  const rng = new Rng(99);
  return COUNTS.map((k) => Array.from({ length: k }, () => rng.next()));
};

describe('few-shot latency predictor', () => {
  test('features: an intercept, then each decision one-hot less its first option', () => {
    expect(features([3, 2], [0, 1])).toEqual([1, 0, 0, 1]);
    expect(features([3, 2], [2, 0])).toEqual([1, 0, 1, 0]);
  });

  test('the adapted weights are the textbook posterior mean (primal form, inverted prior)', () => {
    const shared = sharedCosts();
    const sources = [1, 2, 3, 4].map((s) => ({ device: `d${s}`, samples: device(s, shared).sample(200, s) }));
    const prior = metaLearnPrior(COUNTS, sources, 10);
    const target = device(50, shared).sample(12, 7);
    const adapted = adaptPrior(prior, target);
    // primal: theta = (X'X/noise + S^-1)^-1 (X'y/noise + S^-1 mu), y scaled as the predictor scales it
    const x = target.map((t) => features(COUNTS, t.indices));
    const p = x[0].length;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const scale =
      mean(target.map((t) => t.ms)) / mean(x.map((r) => r.reduce((s, v, i) => s + v * prior.mean[i], 0)));
    const sInv = Array.from({ length: p }, (_, i) =>
      solveLinear(
        prior.covariance,
        Array.from({ length: p }, (_, j) => (i === j ? 1 : 0)),
      ),
    );
    const a = sInv.map((row, i) =>
      row.map((v, j) => v + x.reduce((s, r) => s + r[i] * r[j], 0) / prior.noise),
    );
    const b = Array.from(
      { length: p },
      (_, i) =>
        x.reduce((s, r, n) => s + (r[i] * target[n].ms) / scale, 0) / prior.noise +
        sInv[i].reduce((s, v, j) => s + v * prior.mean[j], 0),
    );
    const theta = solveLinear(a, b).map((t) => t * scale);
    for (const t of device(51, shared).sample(20, 3)) {
      const primal = features(COUNTS, t.indices).reduce((s, v, i) => s + v * theta[i], 0);
      expect(predictFewShot(adapted, t.indices)).toBeCloseTo(primal, 6);
    }
  });

  test('a prior from devices that share structure ranks a new device from 10 samples far better than the 10 alone', () => {
    const shared = sharedCosts();
    const sources = [1, 2, 3, 4, 5, 6].map((s) => ({
      device: `d${s}`,
      samples: device(s, shared).sample(150, s),
    }));
    const prior = metaLearnPrior(COUNTS, sources, 10);
    const target = device(77, shared);
    const query = target.sample(300, 1234);
    const truth = query.map((q) => q.ms);
    const rank = (pred: ReturnType<typeof adaptPrior>) =>
      spearman(
        query.map((q) => predictFewShot(pred, q.indices)),
        truth,
      );
    const support = target.sample(10, 5);
    const withPrior = rank(adaptPrior(prior, support));
    const alone = rank(fitAlone(COUNTS, support));
    expect(withPrior).toBeGreaterThan(0.9);
    expect(withPrior - alone).toBeGreaterThan(0.1);
    // with many samples the data decides: the prior's device mix no longer matters
    expect(rank(adaptPrior(prior, target.sample(200, 9)))).toBeGreaterThan(0.98);
  });

  test('bad samples are refused by what is wrong', () => {
    const ok = { device: 'd', samples: device(1, sharedCosts()).sample(50, 1) };
    expect(() => metaLearnPrior(COUNTS, [{ device: 'd', samples: ok.samples.slice(0, 5) }])).toThrow(
      /at least/,
    );
    const prior = metaLearnPrior(COUNTS, [ok]);
    expect(() => adaptPrior(prior, [{ indices: [9, 0, 0, 0, 0, 0], ms: 1 }, ok.samples[0]])).toThrow(
      /indices/,
    );
    expect(() => adaptPrior(prior, [{ ...ok.samples[0], ms: -1 }, ok.samples[1]])).toThrow(/positive/);
  });
});

describe('few-shot predictor files', () => {
  const tiny = () => resolveSpace(parseChainSpace(tinySpaceDescription()));

  test('a search reads one as per-edge costs: non-negative, and every network totals the prediction', () => {
    const resolved = tiny();
    const space = chainSearchSpace(resolved);
    const weights = space.decisions.map((d, e) =>
      d.options.map((_, j) => (j === 0 ? 0 : (j - 2) * 0.1 + e * 0.01)),
    );
    const file = path.join(tempDir(), 'pred.json');
    const predictor = {
      format: 'torchnas/few-shot-latency@1',
      unit: 'ms',
      space: space.name,
      input: [...space.input],
      decisions: space.decisions.map((d) => ({ name: d.name, options: [...d.options] })),
      intercept: 2,
      weights,
      samples: 10,
      conditions: latencyTableOf({}).conditions,
      prior: { sources: ['a'], tau: 1 },
    };
    fs.writeFileSync(file, JSON.stringify(predictor));
    const costs = readSearchLatencyTable(resolved, file);
    expect(costs.measure).toBe('few-shot predictor');
    expect(costs.table.flat().every((v) => v >= 0)).toBe(true);
    const choice = space.decisions.map((d) => d.options.length - 1);
    const total = costs.fixed + choice.reduce((s, j, e) => s + costs.table[e][j], 0);
    const direct = 2 + choice.reduce((s, j, e) => s + weights[e][j], 0);
    expect(total).toBeCloseTo(direct, 10);
    // another space's predictor is refused, naming the flag
    fs.writeFileSync(file, JSON.stringify({ ...predictor, decisions: predictor.decisions.slice(1) }));
    expect(() => readSearchLatencyTable(resolved, file)).toThrow(/made for space .* whose edges differ/);
  });

  test('latency sample, then fit --few-shot, from the command line', () => {
    const dir = tempDir();
    const spaceFile = path.join(dir, 'space.json');
    fs.writeFileSync(spaceFile, JSON.stringify(tinySpaceDescription()));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'latency', ...args], { encoding: 'utf8' });
    const timing = [
      '--space',
      spaceFile,
      '--device',
      'cpu',
      '--batch-size',
      '1',
      '--threads',
      '1',
      '--warmup',
      '1',
      '--repeats',
      '3',
      '--progress',
      'none',
    ];
    const source = run('sample', ...timing, '--networks', '30', '-o', path.join(dir, 'source.json'));
    expect(source.stderr).toBe('');
    const target = run(
      'sample',
      ...timing,
      '--runtime',
      'onnxruntime',
      '--networks',
      '8',
      '--seed',
      '2',
      '-o',
      path.join(dir, 'target.json'),
    );
    expect(target.stderr).toBe('');
    const fit = run(
      'fit',
      '--few-shot',
      '--space',
      spaceFile,
      '--source',
      path.join(dir, 'source.json'),
      '--target',
      path.join(dir, 'target.json'),
      '-o',
      path.join(dir, 'pred.json'),
    );
    expect(fit.stderr).toBe('');
    expect(fit.stdout).toMatch(/few-shot predictor for .* from 8 networks and a prior of 1 device/);
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'pred.json'), 'utf8'));
    expect(written.conditions.runtime).toMatch(/^onnxruntime/);
    expect(readSearchLatencyTable(tiny(), path.join(dir, 'pred.json')).measure).toBe('few-shot predictor');
    // resumed: a samples file continues, and one of another seed is refused
    const more = run('sample', ...timing, '--networks', '32', '-o', path.join(dir, 'source.json'));
    expect(more.stdout).toMatch(/^32 networks/);
    const other = run(
      'sample',
      ...timing,
      '--networks',
      '32',
      '--seed',
      '5',
      '-o',
      path.join(dir, 'source.json'),
    );
    expect(other.stderr).toMatch(/drawn with --seed 1/);
  }, 120_000);
});
