// A search killed with SIGKILL mid-epoch and run again on the same --out resumes from its last
// committed epoch and ends with exactly the logits and weights of an uninterrupted search.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadSpace, resolveSpace, Session } from '../../lib';
import { tempDir } from '../helpers/fixtures';
import { killWhenCommitted } from '../helpers/kill-when-committed';
import { archState, buildSupernet, configureSearch } from '../../lib/proxyless/proxyless-session';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const searchArgs = (out: string) => [
  CLI,
  'search',
  'proxyless',
  '--epochs',
  '3',
  '--warmup-epochs',
  '1',
  '--limit-train',
  '320',
  '--batch-size',
  '32',
  '--arch-every',
  '2',
  '--mode',
  'two',
  '--latency-loss',
  'add#linear',
  '--target',
  '8',
  '--device',
  'cpu',
  '--threads',
  '2',
  '--seed',
  '13',
  '--progress',
  'lines',
  '--out',
  out,
];

async function finalState(runDir: string) {
  const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8'));
  const s = new Session({ device: 'cpu', threads: 2 });
  await buildSupernet(s, resolveSpace(loadSpace('proxyless-28')));
  await s.configureTraining({ lr: 0.1, totalSteps: 1 });
  await configureSearch(s, { mode: 'two' });
  await s.loadCheckpoint(path.join(runDir, state.checkpoint));
  const result = { weights: await s.stateTensors(), logits: (await archState(s)).logits };
  await s.close();
  return result;
}

test('a search killed mid-epoch resumes to the same logits and weights as an uninterrupted one', async () => {
  const base = tempDir();
  const straight = path.join(base, 'straight');
  const killed = path.join(base, 'killed');
  expect(spawnSync(process.execPath, searchArgs(straight), { encoding: 'utf8' }).status).toBe(0);

  const child = spawn(process.execPath, searchArgs(killed), { stdio: 'ignore' });
  await killWhenCommitted(child, killed);
  const stateFile = path.join(killed, 'state.json');
  expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).epochsDone).toBeLessThan(3);
  expect(fs.existsSync(path.join(killed, 'summary.json'))).toBe(false);

  const resumed = spawnSync(process.execPath, searchArgs(killed), { encoding: 'utf8' });
  expect(resumed.status).toBe(0);
  expect(resumed.stderr).toMatch(/resuming after epoch [12]/);

  const [a, b] = [await finalState(straight), await finalState(killed)];
  expect(b.logits).toEqual(a.logits);
  expect(a.logits.flat().some((x) => Math.abs(x) > 1e-2)).toBe(true); // the architecture did learn
  expect(Object.keys(b.weights)).toEqual(Object.keys(a.weights));
  const differing = Object.keys(a.weights).filter((k) => a.weights[k].some((v, i) => v !== b.weights[k][i]));
  expect(differing).toEqual([]);
}, 300_000);
