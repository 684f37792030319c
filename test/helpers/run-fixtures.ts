// Run folders as runs write them, for the run index, `torchnas runs` and the dashboard: finished,
// running (locked by this process), stopped (its lock's process gone), failed, torn and garbage.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tempDir } from './fixtures';

export function writeRun(dir: string, files: Record<string, unknown>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return dir;
}

export const epochRecord = (n: number, top1: number) => ({
  type: 'epoch',
  epoch: n,
  train: { loss: 1 / n, top1 },
  valid: { top1 },
});

export const runState = (history: unknown[]) => ({
  version: 1,
  epochsDone: history.length,
  globalStep: 0,
  checkpoint: '',
  history,
});

export const metricsLines = (history: unknown[]) => history.map((r) => JSON.stringify(r) + '\n').join('');

/** A pid no process has: a child that already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

const lock = (pid: number) => ({ pid, host: os.hostname(), started: '', command: '' });

/** A folder of runs in every status; returns its path. */
export function runsFixture(): string {
  const root = tempDir();
  const options = (extra: object) => ({ options: { epochs: 3, lr: 0.1, runDir: 'x', ...extra } });
  const done = [epochRecord(1, 0.5), epochRecord(2, 0.7), epochRecord(3, 0.6)];
  writeRun(path.join(root, 'done'), {
    'run.json': { kind: 'train', ...options({}) },
    'state.json': runState(done),
    'metrics.jsonl': metricsLines(done),
    'summary.json': {},
  });
  const live = [epochRecord(1, 0.4)];
  writeRun(path.join(root, 'nested', 'live'), {
    'run.json': { kind: 'darts', ...options({ lr: 0.2 }) },
    'state.json': runState(live),
    'metrics.jsonl': metricsLines(live),
    '.torchnas-lock': lock(process.pid),
  });
  writeRun(path.join(root, 'killed'), {
    'run.json': { kind: 'train', ...options({}) },
    'state.json': runState([epochRecord(1, 0.3)]),
    '.torchnas-lock': lock(deadPid()),
  });
  writeRun(path.join(root, 'failed'), {
    'run.json': { kind: 'train', ...options({}) },
    'error.json': { code: 'E_NAN_LOSS', message: 'the loss became NaN at step 7' },
  });
  writeRun(path.join(root, 'torn'), {
    'run.json': { kind: 'train', ...options({}) },
    'state.json': '{"version": 1, "hist',
  });
  writeRun(path.join(root, 'garbage'), { 'run.json': 'not json' });
  writeRun(path.join(root, 'not-a-run'), { 'notes.txt': 'hello' });
  return root;
}
