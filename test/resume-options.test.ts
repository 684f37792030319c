// A resumed run and the options it is given again (lib/run/resume.ts): where it runs may change,
// more epochs extend it, anything else is refused with the differences listed.
import * as fs from 'fs';
import * as path from 'path';
import { train, TorchnasError } from '../lib';
import { resumeOptions } from '../lib/run/resume';
import { tempDir } from './helpers/fixtures';

const TINY = {
  format: 'torchnas/arch@1' as const,
  name: 'tiny',
  input: [1, 28, 28] as [number, number, number],
  classes: 10,
  blocks: ['conv_k3_s2_c8', 'gap', 'fc'],
};
const base = {
  arch: TINY,
  limitTrain: 256,
  limitEval: 200,
  batchSize: 64,
  lr: 0.05,
  threads: 1,
  validFraction: 0.02,
};

describe('resumeOptions', () => {
  const stored = { epochs: 3, lr: 0.1, seed: 0, device: 'cpu', threads: 2, runDir: 'r' };
  test('where the run executes may change; an option left out is not a change', () => {
    const given = { ...stored, lr: 0.9, device: 'cuda', threads: 8 };
    const { options, extendedFrom } = resumeOptions(stored, given, ['device', 'threads'], 'r', 1);
    expect(options).toEqual({ ...stored, device: 'cuda', threads: 8 });
    expect(extendedFrom).toBeUndefined();
  });
  test('a changed option is refused, naming it with both values', () => {
    const call = () => resumeOptions(stored, { ...stored, lr: 0.5, seed: 3 }, ['lr', 'seed'], 'r', 1);
    expect(call).toThrow(TorchnasError);
    expect(call).toThrow(/lr 0.1 \(given 0.5\), seed 0 \(given 3\)/);
  });
  test('more epochs extend the run; fewer are refused', () => {
    expect(resumeOptions(stored, { ...stored, epochs: 5 }, ['epochs'], 'r', 3)).toEqual({
      options: { ...stored, epochs: 5 },
      extendedFrom: 3,
    });
    expect(() => resumeOptions(stored, { ...stored, epochs: 2 }, ['epochs'], 'r', 1)).toThrow(
      /3-epoch schedule \(1 done\)/,
    );
  });
});

describe('train() resumed with other options', () => {
  const dir = tempDir('torchnas-resume-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('is refused when an option changes, and extended when epochs grow', async () => {
    const runDir = path.join(dir, 'run');
    const first = await train({ ...base, epochs: 1, runDir });
    expect(first.history).toHaveLength(1);

    await expect(train({ ...base, epochs: 1, lr: 0.5, runDir })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/lr 0.05 \(given 0.5\)/),
      options: ['lr'],
    });
    // Nothing was written by the refused call.
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')).epochsDone).toBe(1);

    const extended = await train({ ...base, epochs: 2, runDir });
    expect(extended.history.map((r) => r.epoch)).toEqual([1, 2]);
    const stored = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(stored.options.epochs).toBe(2);
    expect(stored.kind).toBe('train');
    // The second epoch ran on the recomputed 2-epoch schedule: its last step is at the end of the
    // cosine (lr near 0), where the 1-epoch schedule had already ended.
    expect(extended.history[1].train.lr).toBeLessThan(0.01);
    expect(extended.history[1].train.lr).toBeGreaterThan(0);
    // A later resume without --epochs keeps the extended length: nothing more to train.
    const again = await train({ ...base, runDir });
    expect(again.history).toHaveLength(2);
  }, 120000);
});
