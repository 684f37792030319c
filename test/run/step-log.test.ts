// steps.jsonl: the epoch in progress step by step, for the dashboard. Written by the run skeleton from
// any method's progress events, emptied when the epoch commits and gone when the run ends.
import * as fs from 'fs';
import * as path from 'path';
import { train } from '../../lib';
import { stepNumbers } from '../../lib/run/step-log';
import { STEPS_FILE } from '../../lib/run/run-state';
import { stepCurvesChart, stepPanels } from '../../lib/report/step-curves-chart';
import { FASHION_DIR, tempDir, TINY_ARCH } from '../helpers/fixtures';

describe('step log', () => {
  test('a progress record nested in an event is flattened to its numbers', () => {
    const event = { type: 'step', epoch: 2, progress: { loss: 0.5, top1: 0.25, bad: NaN }, note: 'x' };
    expect(stepNumbers(event)).toEqual({ epoch: 2, loss: 0.5, top1: 0.25 });
  });

  test('loss and top-1 come first in the step chart; counters are not curves', () => {
    const lines = [
      { step: 1, steps: 9, globalStep: 40, archSteps: 3, alphaEntropy: 1.5, top1: 0.2, loss: 2, time: 5 },
    ];
    expect(stepPanels(lines)).toEqual(['loss', 'top1', 'alphaEntropy']);
    const values = (stepCurvesChart(lines, 't') as { data: { values: unknown[] } }).data.values;
    expect(values).toHaveLength(3);
  });

  test('a training run keeps its running epoch in steps.jsonl and removes it as epochs commit', async () => {
    const runDir = path.join(tempDir(), 'run');
    const file = path.join(runDir, STEPS_FILE);
    const seen: { epoch: number; lines: Record<string, number>[] }[] = [];
    const afterCommit: boolean[] = [];
    await train(
      {
        arch: TINY_ARCH,
        epochs: 2,
        limitTrain: 128,
        batchSize: 32,
        progressEvery: 1,
        runDir,
        dataDir: FASHION_DIR,
      },
      (e) => {
        if (e.type === 'step' && !seen.some((s) => s.epoch === e.epoch)) {
          const text = fs.readFileSync(file, 'utf8');
          seen.push({
            epoch: e.epoch,
            lines: text
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l)),
          });
        }
        if (e.type === 'epoch') afterCommit.push(fs.existsSync(file));
      },
    );
    expect(seen.map((s) => s.epoch)).toHaveLength(2);
    for (const { lines } of seen) {
      // the first step of each epoch: the earlier epoch's steps were dropped when it committed
      expect(lines).toHaveLength(1);
      expect(lines[0]).toEqual(
        expect.objectContaining({ loss: expect.any(Number), step: expect.any(Number) }),
      );
    }
    expect(afterCommit).toEqual([false, false]);
    expect(fs.existsSync(file)).toBe(false);
  }, 120_000);
});
