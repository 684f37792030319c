// Nothing lost, nothing crashes: one process per run folder, full disks as typed errors that leave no
// temporary file and resume once space is back, thread counts bounded.
import { readRun } from '../lib/runs/run-index';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { train, trainSupernet, TorchnasError } from '../lib';
import { lockRunDir, LOCK_FILE } from '../lib/run/run-lock';
import { resumeRun } from '../lib/run/resume';
import { tempDir } from './helpers/fixtures';

const CLI = path.join(__dirname, '..', 'bin', 'torchnas.js');
/** What a run folder's run.json holds. */
const runJson = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
const trainArgs = (out: string, seed: number, epochs = 2) => [
  CLI,
  'train',
  '--epochs',
  String(epochs),
  '--limit-train',
  '1024',
  '--limit-eval',
  '256',
  '--threads',
  '1',
  '--seed',
  String(seed),
  '--progress',
  'none',
  '--out',
  out,
];

describe('a run folder holds one process at a time', () => {
  test('a second train on the folder is refused at once, naming the holder; the first run finishes intact', async () => {
    const out = path.join(tempDir(), 'run');
    const first = spawn(process.execPath, trainArgs(out, 1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstOut = '';
    first.stdout.on('data', (d) => {
      firstOut += d;
    });
    const lock = path.join(out, LOCK_FILE);
    for (let i = 0; i < 600 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    const second = spawnSync(process.execPath, trainArgs(out, 2), { encoding: 'utf8' });
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(
        `--out '.*run' is in use by process ${first.pid} \\(started 20\\d\\d-.*\\): wait for it .*\\[E_LOCKED\\]`,
      ),
    );
    const code = await new Promise((resolve) => first.on('exit', resolve));
    expect(code).toBe(0);
    expect(firstOut).toMatch(/test top-1/);
    expect(runJson(out).options.seed).toBe(1);
    expect(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').match(/"final"/g)).toHaveLength(1);
    expect(fs.existsSync(lock)).toBe(false); // released at the end
  }, 300_000);

  test('a lock left by a process that no longer runs is taken over with a warning; temporaries of dead writers are removed', () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(dead.stdout);
    fs.writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: require('os').hostname(), started: '2026-01-01T00:00:00Z', command: 'x' }),
    );
    fs.writeFileSync(path.join(dir, `checkpoint-e2.pt.tmp-${pid}`), 'torn');
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const lock = lockRunDir(dir);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(new RegExp(`taking over the lock of process ${pid} .*which no longer runs`)),
      expect.anything(),
    );
    warn.mockRestore();
    expect(fs.existsSync(path.join(dir, `checkpoint-e2.pt.tmp-${pid}`))).toBe(false);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    // The same process may take it again (a search retraining inside its folder); others may not.
    const again = lockRunDir(dir);
    again.release();
    expect(fs.existsSync(lock.file)).toBe(true);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  test('a run refused before it wrote anything leaves no empty folder', async () => {
    const out = path.join(tempDir(), 'never');
    await expect(train({ arch: 'fmnist-cnn', epochs: 1, lr: -1, runDir: out })).rejects.toBeInstanceOf(
      TorchnasError,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('interrupts', () => {
  test('Ctrl-C prints where the run stopped and the command that resumes it; that command finishes the run', async () => {
    const out = path.join(tempDir(), 'run');
    const child = spawn(process.execPath, trainArgs(out, 3, 3), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    for (let i = 0; i < 1200 && !fs.existsSync(path.join(out, 'state.json')); i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const ended = await new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(ended).toEqual({ code: null, signal: 'SIGINT' }); // as without a handler: the shell sees 130
    const m =
      /torchnas: stopped by SIGINT; '(.*)' holds (\d) committed epochs? \(the epoch under way is lost\); resume with: torchnas (.*)\n/.exec(
        stderr,
      );
    expect(m).not.toBeNull();
    expect(m![1]).toBe(out);
    expect(Number(m![2])).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
    const resumed = spawnSync(process.execPath, [CLI, ...m![3].split(' ')], { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/test top-1/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'state.json'), 'utf8')).epochsDone).toBe(3);
  }, 300_000);
});

describe('bounds on options that can hurt the machine', () => {
  test('--threads above twice the cores is refused with the bound', () => {
    const r = spawnSync(process.execPath, [CLI, 'train', '--threads', '5000', '--epochs', '1'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /--threads: at most \d+ \(twice this machine's \d+ cores\): beyond the cores they only slow a run down/,
    );
  });

  // Each is refused before the run folder exists, so the corrected command is not a "changed option".
  test.each([
    [
      'a batch above the training split',
      ['train', '--batch-size', '5000', '--limit-train', '1000'],
      /--batch-size 5000 is larger than the 1000 images of the training split: give at most 1000/,
    ],
    [
      "a batch above the search's training part",
      ['search', 'proxyless', '--batch-size', '90000', '--target', '8'],
      /--batch-size 90000 is larger than the 48000 images of the training part: give at most 48000/,
    ],
    [
      'a batch above the canvases',
      ['search', 'fbnetv5', '--batch-size', '9000'],
      /--batch-size 9000 is larger than the 8000 training canvases: give at most 8000, or raise --train-canvases to hold it/,
    ],
    [
      'more gradient-matching batches than the data holds',
      ['search', 'gm-nas', '--repeats', '100', '--limit-train', '2000'],
      /--repeats 100 asks for more batches than the 32 of 64 images in the training part: give at most 32/,
    ],
  ])('%s is refused with the bound', (_what, args, message) => {
    const out = path.join(tempDir(), 'run');
    const r = spawnSync(process.execPath, [CLI, ...args, '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('latency --batch-size and --repeats past their bounds are refused before any timing', () => {
    const out = path.join(tempDir(), 'table.json');
    const big = spawnSync(
      process.execPath,
      [CLI, 'latency', 'table', '--space', 'proxyless-28', '--batch-size', '100000', '-o', out],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(big.stderr).toMatch(/--batch-size: at most 1024: latency is timed at deployed batches/);
    const many = spawnSync(
      process.execPath,
      [CLI, 'latency', 'table', '--space', 'proxyless-28', '--repeats', '1000000000', '-o', out],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(many.stderr).toMatch(/--repeats: at most 10000/);
    expect([big.status, many.status]).toEqual([2, 2]);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('the default batch size shrinks to a small --limit-train, recorded in run.json', () => {
    const out = path.join(tempDir(), 'run');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'train',
        '--epochs',
        '1',
        '--limit-train',
        '64',
        '--limit-eval',
        '64',
        '--threads',
        '1',
        '--progress',
        'none',
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(runJson(out).options.batchSize).toBe(64);
  });

  test('gm-nas: the default 32 batches per split shrink to a small --limit-train, recorded in run.json', () => {
    const out = path.join(tempDir(), 'run');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'search',
        'gm-nas',
        '--channels',
        '4',
        '--cells',
        '1',
        '--epochs',
        '1',
        '--split-epochs',
        'none',
        '--limit-train',
        '384',
        '--batch-size',
        '32',
        '--eval-images',
        '64',
        '--samples',
        '2',
        '--threads',
        '1',
        '--progress',
        'none',
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(runJson(out).options.repeats).toBe(12);
  }, 300_000);

  test('--workers above the cores is refused with the bound', () => {
    const r = spawnSync(process.execPath, [CLI, 'proxies', '--proxy', 'synflow', '--workers', '500'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toMatch(
      /--workers: at most \d+, this machine's cores: each worker is a session of its own/,
    );
    expect(r.status).toBe(2);
  });
});

// A small tmpfs is a full disk; mounting needs root (CI runs as root; elsewhere this is skipped).
function mountTmpfs(dir: string, size: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}
const canMount = (() => {
  const dir = tempDir();
  const ok = mountTmpfs(dir, '1M');
  if (ok) spawnSync('umount', [dir]);
  return ok;
})();

(canMount ? describe : describe.skip)('a full disk', () => {
  test('a checkpoint that does not fit fails as E_IO naming the file, leaves no temporary file, and the run resumes once space is back', () => {
    const disk = tempDir();
    expect(mountTmpfs(disk, '600k')).toBe(true);
    try {
      const out = path.join(disk, 'run');
      const full = spawnSync(process.execPath, trainArgs(out, 1), { encoding: 'utf8' });
      expect(full.status).toBe(2);
      expect(full.stderr).toMatch(
        /cannot write '.*checkpoint-e1\.pt': No space left on device: free space on that disk .* resume \[E_IO\]/,
      );
      expect(full.stderr).not.toMatch(/terminate called|\n\s+at /);
      expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
      // Space is back: the same command resumes (nothing was committed) and finishes.
      expect(spawnSync('mount', ['-o', 'remount,size=64M', disk]).status).toBe(0);
      const resumed = spawnSync(process.execPath, trainArgs(out, 1), { encoding: 'utf8' });
      expect(resumed.status).toBe(0);
      expect(resumed.stdout).toMatch(/test top-1/);
      expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    } finally {
      spawnSync('umount', ['-l', disk]);
    }
  }, 300_000);

  test('supernet extract and export to a full disk fail as E_IO naming the file, leaving no temporary file', async () => {
    const runDir = path.join(tempDir(), 'supernet');
    await trainSupernet({
      sampler: 'uniform',
      epochs: 1,
      limitTrain: 64,
      batchSize: 32,
      calibBatches: 1,
      device: 'cpu',
      threads: 1,
      runDir,
      progressEvery: 1000,
    });
    const disk = tempDir();
    expect(mountTmpfs(disk, '64k')).toBe(true);
    try {
      const out = path.join(disk, 'largest');
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          'supernet',
          'extract',
          '--run',
          runDir,
          '--subnet',
          'largest',
          '-o',
          out,
          '--calib-batches',
          '1',
          '--threads',
          '1',
        ],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toMatch(/cannot write '.*largest\/weights\.pt': No space left on device.*\[E_IO\]/);
      expect(r.stderr).not.toMatch(/terminate called|internal error|\n\s+at /);
      expect(r.status).toBe(2);
      expect(fs.readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
      const extracted = path.join(tempDir(), 'largest');
      expect(
        spawnSync(process.execPath, [
          CLI,
          'supernet',
          'extract',
          '--run',
          runDir,
          '--subnet',
          'largest',
          '-o',
          extracted,
          '--calib-batches',
          '1',
          '--threads',
          '1',
        ]).status,
      ).toBe(0);
      for (const format of ['onnx', 'safetensors']) {
        const file = path.join(disk, `net.${format}`);
        const e = spawnSync(
          process.execPath,
          [CLI, 'export', '--run', extracted, '--format', format, '-o', file],
          { encoding: 'utf8' },
        );
        expect(e.stderr).toMatch(
          new RegExp(
            `cannot write '.*net\\.${format}': .*(No space left on device|ENOSPC: the disk is full).*\\[E_IO\\]`,
          ),
        );
        expect(e.status).toBe(2);
      }
      expect(fs.readdirSync(disk).filter((f) => f.includes('.tmp'))).toEqual([]);
    } finally {
      spawnSync('umount', ['-l', disk]);
    }
  }, 300_000);
});

describe('divergence', () => {
  test('a diverging run stops before its epoch commits with E_DIVERGED and the fix; the fix works', () => {
    const out = path.join(tempDir(), 'run');
    const args = (lr: string, extra: string[] = []) => [
      CLI,
      'train',
      '--optimizer',
      'adam',
      '--lr',
      lr,
      '--epochs',
      '1',
      '--limit-train',
      '512',
      '--limit-eval',
      '128',
      '--threads',
      '1',
      '--progress',
      'none',
      '--out',
      out,
      ...extra,
    ];
    const bad = spawnSync(process.execPath, args('1e9'), { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /training diverged in epoch 1 \(its mean training loss [\d.e+]+ is above 10x the 2\.30 a fresh network starts at\); the epoch was not committed\. .*the same command with --lr 1e8\), or start over in this folder with --restart \[E_DIVERGED\]/,
    );
    expect(fs.existsSync(path.join(out, 'state.json'))).toBe(false);
    expect(runJson(out).diverged).toMatchObject({
      epoch: 1,
      lr: 1e9,
    });
    // The run index shows it as failed, with the error; resuming clears that.
    expect(readRun(out)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/training diverged/),
    });
    const fixed = spawnSync(process.execPath, args('1e-3'), { encoding: 'utf8' });
    expect(fixed.status).toBe(0);
    expect(fixed.stdout).toMatch(/test top-1/);
    expect(fs.existsSync(path.join(out, 'error.json'))).toBe(false);
    expect(readRun(out).status).toBe('finished');
    // --restart: the finished run is removed and a new one (another seed) starts in the folder.
    const again = spawnSync(process.execPath, args('1e-3', ['--seed', '4', '--restart']), {
      encoding: 'utf8',
    });
    expect(again.status).toBe(0);
    expect(runJson(out).options.seed).toBe(4);
  }, 300_000);

  // The search commands train weights too: the same stop, the same ways forward.
  test.each([
    [
      'search proxyless',
      ['search', 'proxyless', '--target', '8', '--optimizer', 'adam', '--limit-train', '512'],
    ],
    ['supernet train', ['supernet', 'train', '--limit-train', '128']],
  ])(
    '%s stops a diverging run with E_DIVERGED; a lower --lr resumes it and --restart starts over',
    (_what, command) => {
      const out = path.join(tempDir(), 'run');
      const run = (...extra: string[]) =>
        spawnSync(
          process.execPath,
          [CLI, ...command, '--epochs', '1', '--threads', '1', '--progress', 'none', '--out', out, ...extra],
          { encoding: 'utf8' },
        );
      const bad = run('--lr', '1e9');
      expect(bad.stderr).toMatch(
        /training diverged in epoch 1 .*\(the same command with --lr 1e8\), or start over in this folder with --restart \[E_DIVERGED\]/,
      );
      expect(bad.status).toBe(2);
      expect(fs.existsSync(path.join(out, 'state.json'))).toBe(false);
      const fixed = run('--lr', '1e-3');
      expect(fixed.stderr).toBe('');
      expect(fixed.status).toBe(0);
      expect(run('--lr', '1e-3', '--seed', '3').stderr).toMatch(
        /was started with other options: --seed 0 \(given 3\)/,
      );
      const again = run('--lr', '1e-3', '--seed', '3', '--restart');
      expect(again.status).toBe(0);
      expect(runJson(out).options.seed).toBe(3);
    },
    300_000,
  );

  test('after a divergence a resume may lower the learning rate, recorded in run.json; otherwise a changed lr is refused', () => {
    const dir = tempDir();
    const stored = { kind: 'train' as const, options: { epochs: 3, lr: 0.5, seed: 0 } };
    const state = {
      version: 1 as const,
      epochsDone: 1,
      globalStep: 10,
      checkpoint: 'checkpoint-e1.pt',
      history: [],
    };
    expect(() =>
      resumeRun({ state, stored }, { lr: 0.05 }, { ...stored.options, lr: 0.05 }, dir, 'train'),
    ).toThrow(/started with other options: lr 0\.5 \(given 0\.05\)/);
    fs.writeFileSync(path.join(dir, 'run.json'), '{}');
    const diverged = { ...stored, diverged: { epoch: 2, loss: 99, lr: 0.5 } };
    const options = resumeRun(
      { state, stored: diverged },
      { lr: 0.05 },
      { ...stored.options, lr: 0.05 },
      dir,
      'train',
    );
    expect(options.lr).toBe(0.05);
    const written = runJson(dir);
    expect(written).toMatchObject({
      options: { lr: 0.05 },
      lrChanges: [{ afterEpoch: 1, from: 0.5, to: 0.05 }],
    });
    expect(written.diverged).toBeUndefined();
  });
});

test("a folder whose run has not committed an epoch yet refuses another run's options, naming them", () => {
  const out = path.join(tempDir(), 'run');
  fs.mkdirSync(out);
  fs.writeFileSync(
    path.join(out, 'run.json'),
    JSON.stringify({
      kind: 'train',
      options: { epochs: 1, seed: 1, lr: 0.1, limitTrain: 1024, limitEval: 256 },
      arch: {},
    }),
  );
  const r = spawnSync(process.execPath, trainArgs(out, 2, 1), { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(
    /was started with other options: --seed 1 \(given 2\) \(its first epoch has not committed yet\): run it again without them, give --restart/,
  );
});
