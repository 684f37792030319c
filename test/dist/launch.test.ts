// torchnas launch and the rendezvous options: torchrun's environment per rank, typed errors for bad
// variables and URLs, and (two Gloo ranks) a launched training run that is stopped and resumes to the
// same result as an uninterrupted one.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { distributedFromEnv, info, parseDistUrl, rankEnvironment, LaunchOptionsSchema, TorchnasError } from '../../lib';
import { tempDir } from '../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const maybe = info().distributedAvailable ? describe : describe.skip;
let port = 29700 + (process.pid % 200) * 3;

describe('rendezvous options', () => {
  test('torchrun variables give rank, size and master; one process gives none', () => {
    const env = { WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '10.1.2.3', MASTER_PORT: '29511' };
    expect(distributedFromEnv(env)).toMatchObject({ rank: 3, worldSize: 4, localRank: 1, masterAddr: '10.1.2.3', masterPort: 29511 });
    expect(distributedFromEnv({})).toBeUndefined();
    expect(distributedFromEnv({ WORLD_SIZE: '1', RANK: '0' })).toBeUndefined();
    expect(distributedFromEnv({ ...env }, 'tcp://[::1]:4000')).toMatchObject({ masterAddr: '::1', masterPort: 4000 });
  });

  test('bad variables and URLs are typed errors that name them', () => {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as TorchnasError;
      }
      throw new Error('no error');
    };
    expect(error(() => distributedFromEnv({ WORLD_SIZE: 'two', RANK: '0' })).message).toMatch(/WORLD_SIZE='two'/);
    expect(error(() => distributedFromEnv({ WORLD_SIZE: '2' })).message).toMatch(/RANK is not/);
    expect(error(() => distributedFromEnv({ WORLD_SIZE: '2', RANK: '2' })).message).toMatch(/rank must be below worldSize/);
    expect(error(() => parseDistUrl('http://a:1')).options).toEqual(['--dist-url']);
    expect(error(() => distributedFromEnv({}, 'tcp://a:1')).message).toMatch(/needs WORLD_SIZE/);
  });

  test('each launched rank gets the environment torchrun gives it', () => {
    const o = LaunchOptionsSchema.parse({ nprocPerNode: 4, nnodes: 2, nodeRank: 1, masterAddr: 'h', masterPort: 7 });
    expect(rankEnvironment(o, 2)).toMatchObject({ WORLD_SIZE: '8', RANK: '6', LOCAL_RANK: '2', LOCAL_WORLD_SIZE: '4', MASTER_ADDR: 'h' });
  });
});

maybe('torchnas launch (two Gloo ranks)', () => {
  const trainArgs = (out: string) => ['train', '--epochs', '3', '--limit-train', '1024', '--limit-eval', '256',
    '--batch-size', '32', '--threads', '1', '--out', out, '--json', '--progress', 'none'];
  const launchArgs = (out: string) => ['launch', '--nproc-per-node', '2', '--master-port', String(port++), '--', ...trainArgs(out)];

  test('a stopped launched run resumes to the same result as an uninterrupted one', async () => {
    const dir = tempDir('torchnas-launch-');
    const whole = spawnSync(process.execPath, [CLI, ...launchArgs(path.join(dir, 'whole'))], { encoding: 'utf8' });
    expect(whole.status).toBe(0);
    const lines = whole.stdout.trim().split('\n');
    expect(lines).toHaveLength(1); // rank 0 alone prints the result
    const uninterrupted = JSON.parse(lines[0]);

    const out = path.join(dir, 'stopped');
    const child = spawn(process.execPath, [CLI, ...launchArgs(out)], { stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const state = path.join(out, 'state.json');
        if (fs.existsSync(state) && JSON.parse(fs.readFileSync(state, 'utf8')).epochsDone >= 1) {
          clearInterval(timer);
          child.kill('SIGTERM'); // relayed to both ranks
          resolve();
        }
      }, 20);
    });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).not.toBe(0);
    const resumed = spawnSync(process.execPath, [CLI, ...launchArgs(out)], { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    const result = JSON.parse(resumed.stdout.trim());
    expect(result.history).toHaveLength(3);
    expect([result.test.loss, result.test.top1]).toEqual([uninterrupted.test.loss, uninterrupted.test.top1]);
    expect(result.history.map((h: { train: { loss: number } }) => h.train.loss))
      .toEqual(uninterrupted.history.map((h: { train: { loss: number } }) => h.train.loss));
  }, 240_000);

  test('a failing rank ends the launch with its code and names it', () => {
    const r = spawnSync(process.execPath, [CLI, 'launch', '--nproc-per-node', '2', '--master-port', String(port++), '--grace', '5',
      '--', 'train', '--arch', 'no-such-arch', '--progress', 'none'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/torchnas launch: rank [01] exited with code 2/);
    expect(r.stderr).toMatch(/no-such-arch/);
  }, 60_000);
});
