import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../../lib/errors';
import { plotSearchRun, readSearchRun, searchRunChart } from '../../lib/report';
import { registerPlotCommand } from '../../lib/report/cli';
import type { SearchRecord } from '../../lib/proxyless/proxyless';
import { parseChainSpace, resolveSpace } from '../../lib/spaces';
import { tempDir } from '../helpers/fixtures';
import { runCommand } from '../helpers/run-command';
import { readPng, svgOf, textsOf } from './render';

// Two edges: one stride-2 (three candidates), one stride-1 with a shortcut (three, and Zero).
const SPACE = parseChainSpace({
  name: 'tiny',
  input: [1, 28, 28],
  classes: 10,
  stem: ['conv_k3_s2_c8'],
  stages: [{ width: 8, depth: 2, stride: 2 }],
  candidates: ['mb_k3_e1', 'mb_k3_e3', 'mb_k5_e3'],
  zero: true,
  head: ['gap', 'fc'],
});
const EDGES = resolveSpace(SPACE).edges;

function record(
  epoch: number,
  probabilities: number[][],
  top1: number,
  derivedLatency: number,
): SearchRecord {
  const derived = probabilities.map((p, e) => EDGES[e].candidates[p.indexOf(Math.max(...p))]);
  return {
    type: 'search-epoch',
    epoch,
    updatedArch: epoch > 1,
    train: { loss: 2, top1: 0.5, seconds: 1 },
    arch: { steps: epoch > 1 ? 10 : 0, loss: 1, top1 },
    valid: { sampledTop1: top1, argmaxTop1: top1 },
    expectedLatency: 3,
    entropy: 1,
    maxProbability: 0.5,
    probabilities,
    derived,
    derivedLatency,
    argmax: derived,
    argmaxLatency: derivedLatency,
  };
}

/** A search run directory as proxyless() leaves it: run.json, state.json, and with `finished` summary.json. */
function searchRunDir(finished: boolean): string {
  const dir = tempDir();
  const history = [
    record(
      1,
      [
        [1 / 3, 1 / 3, 1 / 3],
        [0.25, 0.25, 0.25, 0.25],
      ],
      0,
      4.2,
    ),
    record(
      2,
      [
        [0.5, 0.3, 0.2],
        [0.1, 0.2, 0.3, 0.4],
      ],
      0.61,
      3.1,
    ),
    record(
      3,
      [
        [0.2, 0.7, 0.1],
        [0.05, 0.1, 0.15, 0.7],
      ],
      0.72,
      2.9,
    ),
  ];
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      options: { dataset: 'fashion-mnist', latencyLoss: 'mul#log', target: 3 },
      space: SPACE,
      latencyUnit: 'M MACs',
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'state.json'),
    JSON.stringify({ version: 1, epochsDone: 3, globalStep: 30, checkpoint: 'checkpoint-e3.pt', history }),
  );
  if (finished)
    fs.writeFileSync(
      path.join(dir, 'summary.json'),
      JSON.stringify({ latency: 2.9, retrain: { test: { top1: 0.81 } } }),
    );
  return dir;
}

describe('ProxylessNAS search plots', () => {
  test('readSearchRun: edges with their ops, the history, the unit, the target, the retrained network', () => {
    const dir = searchRunDir(true);
    const run = readSearchRun(dir);
    expect(run.edges.map((e) => [e.label, e.ops])).toEqual([
      ['s0.b0', ['mb_k3_e1', 'mb_k3_e3', 'mb_k5_e3']],
      ['s0.b1', ['mb_k3_e1', 'mb_k3_e3', 'mb_k5_e3', 'zero']],
    ]);
    expect(run.history).toHaveLength(3);
    expect([run.space, run.dataset, run.latencyUnit, run.target]).toEqual([
      'tiny',
      'fashion-mnist',
      'M MACs',
      3,
    ]);
    expect(run.retrained).toEqual({ latency: 2.9, top1: 0.81 });
    expect(readSearchRun(searchRunDir(false)).retrained).toBeUndefined();
  });

  test('the chart: a heatmap per epoch with the argmax marked, the derived networks by epoch, the target, the retrained one', async () => {
    const svg = await svgOf(searchRunChart(readSearchRun(searchRunDir(true))));
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        'ProxylessNAS search: tiny on fashion-mnist',
        'epoch 1 (warm-up)',
        'epoch 2',
        'epoch 3',
        's0.b0',
        's0.b1',
        'mb_k5_e3',
        'zero',
        'probability',
        'latency of the derived network (M MACs)',
        'top-1 accuracy (%)',
        'target 3',
        'retrained',
        '2',
        '3',
        'search epoch (validation, sampled paths)',
        'retrained from scratch (test)',
      ]),
    );
    expect(texts).not.toContain('1'); // the warm-up epoch made no architecture step: it has no accuracy to show
    expect(
      svg.match(/aria-label="candidate: \w+; edge \(stage.block\): s0\.b\d; probability: [\d.]+"/g),
    ).toHaveLength(3 * 7); // 3 epochs of 3 + 4 cells
    // One argmax dot per edge and epoch, on the most likely candidate.
    const dots = [
      ...svg.matchAll(
        /aria-label="candidate: (\w+); edge \(stage.block\): (s0\.b\d)" role="graphics-symbol" aria-roledescription="circle"/g,
      ),
    ].map((m) => `${m[2]} ${m[1]}`);
    expect(dots).toEqual(expect.arrayContaining(['s0.b0 mb_k3_e3', 's0.b1 zero']));
    expect(dots).toHaveLength(6);
  });

  test('before the retraining, the legend names only the search epochs', async () => {
    const texts = textsOf(await svgOf(searchRunChart(readSearchRun(searchRunDir(false)))));
    expect(texts).toContain('search epoch (validation, sampled paths)');
    expect(texts).not.toContain('retrained from scratch (test)');
  });

  test('plotSearchRun writes a PNG; a run dir without a search is a clear error', async () => {
    const out = path.join(tempDir(), 'search.png');
    await plotSearchRun(searchRunDir(false), out);
    expect(readPng(fs.readFileSync(out)).width).toBeGreaterThan(600);

    const empty = tempDir();
    await expect(plotSearchRun(empty, out)).rejects.toThrow(
      /search run description '.*run.json' does not exist/,
    );
    fs.copyFileSync(path.join(searchRunDir(false), 'run.json'), path.join(empty, 'run.json'));
    await expect(plotSearchRun(empty, out)).rejects.toThrow(/holds no finished search epoch yet/);
    fs.writeFileSync(
      path.join(empty, 'state.json'),
      JSON.stringify({
        version: 1,
        epochsDone: 1,
        globalStep: 1,
        checkpoint: 'c',
        history: [{ type: 'epoch', epoch: 1 }],
      }),
    );
    const error = await plotSearchRun(empty, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TorchnasError);
    expect((error as TorchnasError).message).toMatch(/is a training run, not a search/);
    await expect(plotSearchRun(searchRunDir(false), 'probs.gif')).rejects.toThrow(
      /must end in \.svg or \.png/,
    );
  });

  test('torchnas plot search <runDir> [-o file]: search.png in the run directory by default', async () => {
    const dir = searchRunDir(true);
    const printed = [
      await runCommand(registerPlotCommand, ['plot', 'search', dir]),
      await runCommand(registerPlotCommand, ['plot', 'search', dir, '-o', path.join(dir, 'probs.svg')]),
    ];
    expect(printed).toEqual([
      `plot written to ${path.join(dir, 'search.png')}\n`,
      `plot written to ${path.join(dir, 'probs.svg')}\n`,
    ]);
    expect(fs.existsSync(path.join(dir, 'search.png'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'probs.svg'), 'utf8')).toMatch(/>Architecture probabilities</);
  });
});
