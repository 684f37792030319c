// A GM-NAS run end to end on a tiny NB201 supernet: two split levels give four leaves whose masks
// partition the space; the run scores architectures in the leaf holding them; killed after a commit
// and run again it resumes to the same tree and the same weights as an uninterrupted run.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { gmNas, leafOf, leaves, Session, type GmNode } from '../../lib';
import { tempDir } from '../helpers/fixtures';
import { killWhenCommitted } from '../helpers/kill-when-committed';
import { buildNb201Supernet } from '../../lib/benchmarks/nb201-session';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const TINY = {
  channels: 4,
  cells: 1,
  epochs: 3,
  splitEpochs: [1, 2],
  limitTrain: 384,
  batchSize: 32,
  evalImages: 128,
  samples: 3,
  repeats: 2,
  threads: 2,
  device: 'cpu',
  seed: 7,
};
const cliArgs = (out: string) => [
  CLI,
  'search',
  'gm-nas',
  '--channels',
  '4',
  '--cells',
  '1',
  '--epochs',
  '3',
  '--split-epochs',
  '1,2',
  '--limit-train',
  '384',
  '--batch-size',
  '32',
  '--eval-images',
  '128',
  '--samples',
  '3',
  '--repeats',
  '2',
  '--threads',
  '2',
  '--device',
  'cpu',
  '--seed',
  '7',
  '--out',
  out,
];

test('two split levels: four leaves that partition the space; asked-for paths scored in their leaf', async () => {
  const runDir = path.join(tempDir(), 'gm');
  const evaluate = [
    [0, 0, 0, 0, 0, 0],
    [3, 3, 3, 3, 3, 3],
    [1, 2, 3, 4, 1, 2],
  ];
  const result = await gmNas({ ...TINY, runDir, evaluate });
  expect(result.tree).toHaveLength(7);
  const leafNodes = leaves(result.tree);
  expect(leafNodes).toHaveLength(4);
  // The two children of every split divide the parent's options on the split decision.
  for (const node of result.tree.filter((n) => n.children)) {
    const [a, b] = node.children!.map((id) => result.tree.find((n) => n.id === id)!);
    const d = node.split!.decision;
    expect([...a.masks[d], ...b.masks[d]].sort()).toEqual(node.masks[d]);
    expect(node.split!.score).toBeGreaterThan(0);
    expect(node.split!.scores!.length).toBeGreaterThan(0);
  }
  // Leaves' sizes add up to the whole space (5^6 paths).
  expect(leafNodes.reduce((s, l) => s + l.masks.reduce((p, m) => p * m.length, 1), 0)).toBe(5 ** 6);
  expect(result.scored.map((s) => s.path)).toEqual(evaluate);
  for (const s of result.scored) expect(s.leaf).toBe(leafOf(result.tree, s.path).id);
  expect(result.leaves.map((l) => l.sampled.length)).toEqual([3, 3, 3, 3]);
  const chosen = result.leaves.find((l) => l.id === result.chosen.leaf)!;
  expect(result.chosen.top1).toBe(Math.max(...result.leaves.map((l) => l.best.top1)));
  expect(chosen.best.arch).toBe(result.chosen.arch);
  expect(JSON.parse(fs.readFileSync(path.join(runDir, 'arch.json'), 'utf8')).nb201).toBe(result.chosen.arch);
  // Only the last epoch's leaf checkpoints remain.
  expect(
    fs
      .readdirSync(runDir)
      .filter((f) => f.endsWith('.pt'))
      .sort(),
  ).toEqual(leafNodes.map((l) => `checkpoint-e3-n${l.id}.pt`).sort());
}, 300_000);

async function leafWeights(runDir: string) {
  const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')) as { tree: GmNode[] };
  const out: Record<string, Record<string, Float32Array>> = {};
  for (const leaf of leaves(state.tree)) {
    const s = new Session({ device: 'cpu', threads: 2 });
    await buildNb201Supernet(s, { channels: 4, cells: 1, input: [1, 28, 28] });
    await s.loadCheckpoint(path.join(runDir, leaf.checkpoint!));
    out[leaf.id] = (await s.stateTensors()) as Record<string, Float32Array>;
    await s.close();
  }
  return { tree: state.tree.map(({ checkpoint: _c, ...n }) => n), out };
}

test('a run killed after a commit resumes to the same split tree and weights as an uninterrupted one', async () => {
  const base = tempDir();
  const [straight, killed] = [path.join(base, 'straight'), path.join(base, 'killed')];
  expect(spawnSync(process.execPath, cliArgs(straight), { encoding: 'utf8' }).status).toBe(0);
  const child = spawn(process.execPath, cliArgs(killed), { stdio: 'ignore' });
  await killWhenCommitted(child, killed, 2);
  expect(fs.existsSync(path.join(killed, 'summary.json'))).toBe(false);
  const resumed = spawnSync(process.execPath, cliArgs(killed), { encoding: 'utf8' });
  expect(resumed.stderr).toMatch(/epoch 2\/3/);
  expect(resumed.status).toBe(0);
  const [a, b] = [await leafWeights(straight), await leafWeights(killed)];
  expect(b.tree).toEqual(a.tree);
  for (const id of Object.keys(a.out)) {
    const differing = Object.keys(a.out[id]).filter((k) =>
      a.out[id][k].some((v, i) => v !== b.out[id][k][i]),
    );
    expect(differing).toEqual([]);
  }
  const again = spawnSync(process.execPath, [...cliArgs(killed), '--criterion', 'random'], {
    encoding: 'utf8',
  });
  expect(again.status).not.toBe(0);
  expect(again.stderr).toMatch(/criterion gradient \(given random\)/);
}, 600_000);

test('a data-parallel split it cannot honour is refused, naming it, before the run folder exists', async () => {
  const runDir = path.join(tempDir(), 'gm-parallel');
  await expect(gmNas({ ...TINY, microBatches: 2, runDir })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    options: ['microBatches'],
    message: expect.stringMatching(
      /search gm-nas runs in one process with whole batches: microBatches 2 cannot be honoured/,
    ),
  });
  expect(fs.existsSync(runDir)).toBe(false);
});

test('restart: children start from fresh weights on a schedule of the epochs left', async () => {
  const runDir = path.join(tempDir(), 'gm-restart');
  const result = await gmNas({
    ...TINY,
    epochs: 2,
    splitEpochs: [1],
    restart: true,
    criterion: 'random',
    runDir,
  });
  const steps = Math.ceil(384 / 32);
  expect(result.history.map((r) => r.leaves.map((l) => l.globalStep))).toEqual([[steps], [steps, steps]]);
  expect(result.tree[0].split!.criterion).toBe('random');
  expect(result.tree[0].split!.score).toBeUndefined();
  // Its restart is what the run computes (how children start), not "start over": another value is refused.
  await expect(
    gmNas({ ...TINY, epochs: 3, splitEpochs: [1], restart: false, criterion: 'random', runDir }),
  ).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/restart true \(given false\)/),
  });
  expect(fs.existsSync(path.join(runDir, 'state.json'))).toBe(true);
}, 120_000);

test("the chain space (proxyless-28): a split of one edge's candidates, and the chosen network as an architecture", async () => {
  const runDir = path.join(tempDir(), 'gm-chain');
  const result = await gmNas({
    ...TINY,
    space: 'proxyless-28',
    epochs: 2,
    splitEpochs: [1],
    limitTrain: 128,
    samples: 2,
    evalImages: 64,
    repeats: 1,
    runDir,
  });
  const [root, a, b] = result.tree;
  const d = root.split!.decision;
  expect([...a.masks[d], ...b.masks[d]].sort((x, y) => x - y)).toEqual(root.masks[d]);
  const arch = JSON.parse(fs.readFileSync(path.join(runDir, 'arch.json'), 'utf8'));
  expect(arch.blocks.length).toBeGreaterThan(4);
  const chosen = result.chosen.arch.split(' ');
  expect(chosen).toHaveLength(root.masks.length);
  for (const block of chosen.filter((c) => !c.startsWith('zero'))) expect(arch.blocks).toContain(block);
}, 180_000);
