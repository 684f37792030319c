import { EVENTS_FILE, readEvents } from '../lib/runs/tensorboard-events';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArchitecture, Session, train } from '../lib';
import { TINY_ARCH, tempDir } from './helpers/fixtures';
import { killWhenCommitted } from './helpers/kill-when-committed';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'torchnas.js');

const quickRun = (out: string, extra: string[] = []) => [
  CLI,
  'train',
  '--limit-train',
  '400',
  '--epochs',
  '3',
  '--batch-size',
  '50',
  '--optimizer',
  'sgd',
  '--lr',
  '0.05',
  '--valid-fraction',
  '0.02',
  '--device',
  'cpu',
  '--threads',
  '2',
  '--seed',
  '11',
  '--progress',
  'lines',
  '--out',
  out,
  ...extra,
];

async function finalWeights(runDir: string): Promise<Record<string, Float32Array>> {
  const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  const s = new Session({ device: 'cpu', threads: 2 });
  await s.buildNetwork(parseArchitecture(summary.arch));
  await s.loadCheckpoint(path.join(runDir, summary.checkpoint));
  const state = await s.stateTensors();
  await s.close();
  return state;
}

describe('train()', () => {
  test('writes a complete run directory and reports each epoch', async () => {
    const runDir = path.join(tempDir(), 'run');
    const events: string[] = [];
    const result = await train(
      {
        arch: TINY_ARCH,
        epochs: 2,
        limitTrain: 400,
        batchSize: 50,
        lr: 0.05,
        device: 'cpu',
        threads: 2,
        validFraction: 0.02,
        runDir,
      },
      (e) => events.push(e.type),
    );
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(result.test.images).toBe(10000);
    expect(events[0]).toBe('start');
    expect(events.filter((e) => e === 'epoch')).toHaveLength(2);
    expect(events.at(-1)).toBe('test');
    for (const f of [
      'run.json',
      'state.json',
      'metrics.jsonl',
      'summary.json',
      'arch.json',
      'checkpoint-e2.pt',
    ]) {
      expect(fs.existsSync(path.join(runDir, f))).toBe(true);
    }
    expect(fs.existsSync(path.join(runDir, 'checkpoint-e1.pt'))).toBe(false); // superseded
    const lines = fs
      .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['epoch', 'epoch', 'final']);
    // TensorBoard's scalars hold the same epochs, checksums verified on reading.
    const tb = readEvents(path.join(runDir, EVENTS_FILE));
    expect(tb[0].fileVersion).toBe('brain.Event:2');
    expect(tb.slice(1).map((e) => e.step)).toEqual([1, 2]);
    const scalars = new Map(tb[2].scalars);
    expect(scalars.get('train/loss')).toBeCloseTo(lines[1].train.loss, 5);
    expect(scalars.get('valid/top1')).toBeCloseTo(lines[1].valid.top1, 5);
  });

  test('an architecture that does not fit the dataset is rejected before training', async () => {
    await expect(
      train({ arch: { ...TINY_ARCH, input: [3, 32, 32] }, device: 'cpu', runDir: path.join(tempDir(), 'r') }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/takes input \[3,32,32\].*has \[1,28,28\]/),
    });
  });

  test('bad options name the option', async () => {
    await expect(train({ epochs: 0 })).rejects.toThrow(/epochs/);
    await expect(train({ dataset: 'imagenet' as 'mnist' })).rejects.toThrow(/dataset/);
  });
});

describe('kill and resume', () => {
  test('a run killed with SIGKILL and resumed ends with the same weights as an uninterrupted run', async () => {
    const base = tempDir();
    const straight = path.join(base, 'straight');
    const killed = path.join(base, 'killed');
    const a = spawnSync(process.execPath, quickRun(straight), { encoding: 'utf8' });
    expect(a.status).toBe(0);

    // Kill the second run once its first epoch is committed (during the second epoch).
    const child = spawn(process.execPath, quickRun(killed), { stdio: 'ignore' });
    await killWhenCommitted(child, killed);
    const state = path.join(killed, 'state.json');
    const doneAtKill = JSON.parse(fs.readFileSync(state, 'utf8')).epochsDone;
    expect(doneAtKill).toBeLessThan(3);
    expect(fs.existsSync(path.join(killed, 'summary.json'))).toBe(false);

    const resumed = spawnSync(process.execPath, quickRun(killed), { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming after epoch ${doneAtKill}`));

    const [w1, w2] = [await finalWeights(straight), await finalWeights(killed)];
    expect(Object.keys(w2)).toEqual(Object.keys(w1));
    for (const k of Object.keys(w1)) expect(Array.from(w2[k])).toEqual(Array.from(w1[k]));
    const s1 = JSON.parse(fs.readFileSync(path.join(straight, 'summary.json'), 'utf8'));
    const s2 = JSON.parse(fs.readFileSync(path.join(killed, 'summary.json'), 'utf8'));
    expect(s2.test).toEqual({ ...s1.test, seconds: s2.test.seconds });
    expect(s2.history.map((h: { train: { loss: number } }) => h.train.loss)).toEqual(
      s1.history.map((h: { train: { loss: number } }) => h.train.loss),
    );
  }, 300_000);
});
