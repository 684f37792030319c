// Data parallelism on c10d (Gloo), two processes on this machine. The standard: N steps with batch b
// on each of two ranks end with the same weights as one process that runs each step's 2b images as two
// micro-batches of b and averages their gradients (so BatchNorm normalizes the same groups of images).
// Both sides are fp64 and take different code paths: ranks shard the loader, broadcast, all-reduce in
// buckets during backward; the reference splits the batch in one process with no communication.
// A control shows the comparison can fail: one process with batch b (no averaging) ends elsewhere.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { info } from '../../lib';
import { tempDir } from '../helpers/fixtures';

const WORKER = path.join(__dirname, '..', 'helpers', 'dp-worker.js');
const available = info().distributedAvailable;
const maybe = available ? describe : describe.skip;
let nextPort = 29600 + (process.pid % 200) * 5;

interface Trained { params: Record<string, number[]>; buffers: Record<string, number[]>; logits?: number[][] }
interface WorkerResult { code: number | null; stderr: string; out?: Trained }

function runWorker(config: object, onLine?: (line: string) => void): { done: Promise<WorkerResult>; kill: () => void } {
  const dir = tempDir('torchnas-dp-');
  const out = path.join(dir, 'out.json');
  const child = spawn(process.execPath, [WORKER, JSON.stringify({ ...config, out })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => String(d).split('\n').filter(Boolean).forEach((l) => onLine?.(l)));
  const done = new Promise<WorkerResult>((resolve) => child.on('exit', (code) => resolve({
    code, stderr, out: fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined,
  })));
  return { done, kill: () => child.kill('SIGKILL') };
}

async function twoRanks(config: object): Promise<WorkerResult[]> {
  const port = nextPort++;
  const ranks = [0, 1].map((rank) => runWorker({ ...config, rank, worldSize: 2, port }).done);
  return Promise.all(ranks);
}

function maxDifference(a: Record<string, number[]>, b: Record<string, number[]>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let worst = 0;
  for (const k of Object.keys(a)) a[k].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[k][i]))));
  return worst;
}

async function compare(kind: string, extra: object = {}) {
  const base = { kind, batch: 8, images: 64, epochs: 1, ...extra };
  const [rank0, rank1] = await twoRanks(base);
  expect([rank0.code, rank1.code, rank0.stderr]).toEqual([0, 0, expect.any(String)]);
  const reference = (await runWorker({ ...base, worldSize: 1, batch: 16, microBatches: 2 }).done).out!;
  const control = (await runWorker({ ...base, worldSize: 1, batch: 8 }).done).out!;
  return { rank0: rank0.out!, rank1: rank1.out!, reference, control };
}

maybe('data-parallel training on c10d Gloo (two processes)', () => {
  test('training: two ranks of batch b end where one process with two micro-batches of b ends', async () => {
    const { rank0, rank1, reference, control } = await compare('train', { epochs: 2 });
    expect(maxDifference(rank0.params, rank1.params)).toBe(0); // one model, bitwise, on both ranks
    expect(maxDifference(rank0.params, reference.params)).toBeLessThan(1e-9);
    expect(maxDifference(rank0.params, control.params)).toBeGreaterThan(1e-3);
  }, 120_000);

  test('ProxylessNAS search epoch: weights and architecture logits', async () => {
    const { rank0, rank1, reference, control } = await compare('search');
    expect(maxDifference(rank0.params, rank1.params)).toBe(0);
    expect(maxDifference(rank0.params, reference.params)).toBeLessThan(1e-9);
    const logits = (r: { logits?: number[][] }) => ({ logits: r.logits!.flat() });
    expect(maxDifference(logits(rank0), logits(rank1))).toBe(0);
    expect(maxDifference(logits(rank0), logits(reference))).toBeLessThan(1e-9);
    expect(maxDifference(logits(rank0), logits(control))).toBeGreaterThan(1e-6);
  }, 180_000);

  test('sandwich supernet step', async () => {
    const { rank0, rank1, reference, control } = await compare('sandwich');
    expect(maxDifference(rank0.params, rank1.params)).toBe(0);
    expect(maxDifference(rank0.params, reference.params)).toBeLessThan(1e-9);
    expect(maxDifference(rank0.params, control.params)).toBeGreaterThan(1e-3);
  }, 120_000);

  test('SyncBatchNorm: two ranks of batch b end where one process with batch 2b ends, statistics too', async () => {
    const base = { kind: 'train', batch: 8, images: 64, epochs: 2 };
    const [synced] = await twoRanks({ ...base, syncBatchNorm: true });
    const [plain] = await twoRanks(base);
    const whole = (await runWorker({ ...base, worldSize: 1, batch: 16 }).done).out!;
    expect(maxDifference(synced.out!.params, whole.params)).toBeLessThan(1e-9);
    expect(maxDifference(synced.out!.buffers, whole.buffers)).toBeLessThan(1e-9);
    // Without it each rank normalizes its own 8 images: another computation, another result.
    expect(maxDifference(plain.out!.params, whole.params)).toBeGreaterThan(1e-4);
  }, 120_000);

  test('a killed rank makes the other exit with E_RANK_FAILED naming it, within the timeout', async () => {
    const port = nextPort++;
    const config = { kind: 'train', batch: 8, images: 6400, epochs: 50, worldSize: 2, port, timeoutMs: 20_000 };
    const rank0 = runWorker({ ...config, rank: 0 });
    let steps = 0;
    const rank1 = runWorker({ ...config, rank: 1 }, () => {
      if (++steps === 3) rank1.kill();
    });
    const started = Date.now();
    const [r0, r1] = await Promise.all([rank0.done, rank1.done]);
    expect(r1.code).toBeNull(); // killed
    expect(r0.code).toBe(3);
    expect(r0.stderr).toMatch(/E_RANK_FAILED/);
    expect(r0.stderr).toMatch(/rank 1 \(it stopped/);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);
});
