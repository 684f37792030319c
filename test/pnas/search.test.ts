// `torchnas search pnas`: real training on the run skeleton, one model per committed epoch; a rerun
// rebuilds the strategy from its seed and the committed models and goes on exactly.
import * as fs from 'fs';
import * as path from 'path';
import { searchPnas, type PnasSearchOptions } from '../../lib/pnas';
import { FASHION_DIR, tempDir } from '../helpers/fixtures';

const small: PnasSearchOptions = {
  epochs: 7, // level 1's five, then one per level (beam 1)
  beam: 1,
  limitTrain: 400,
  batchSize: 64,
  channels: 4,
  cells: 1,
  threads: 1,
  seed: 2,
  dataDir: FASHION_DIR,
};

const withoutSeconds = (history: object[]) => history.map(({ seconds: _, ...rest }: any) => rest);

describe('search pnas', () => {
  test('grows the cell level by level; an aborted run resumes to the uninterrupted run exactly', async () => {
    const base = tempDir('torchnas-pnas-');
    const straight = await searchPnas({ ...small, runDir: path.join(base, 'straight') });
    expect(straight.history.map((r) => r.level)).toEqual([1, 1, 1, 1, 1, 2, 3]);
    expect(straight.history.slice(5).every((r) => r.predicted !== null)).toBe(true);
    expect(new Set(straight.history.map((r) => r.arch)).size).toBe(7);
    expect(straight.best.validTop1).toBe(Math.max(...straight.history.map((r) => r.validTop1)));

    const runDir = path.join(base, 'aborted');
    const controller = new AbortController();
    const aborted = searchPnas(
      { ...small, runDir },
      (e) => {
        if (e.type === 'epoch' && e.record.epoch === 6) controller.abort();
      },
      { signal: controller.signal },
    );
    await expect(aborted).rejects.toMatchObject({ code: 'E_ABORTED' });
    const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8'));
    expect(state.epochsDone).toBe(6);
    // Model 7 is chosen by a surrogate refitted on the replayed models: only an exact replay matches.
    const resumed = await searchPnas({ ...small, runDir });
    expect(withoutSeconds(resumed.history)).toEqual(withoutSeconds(straight.history));

    // A committed model PNAS would not have proposed (an edited state) is refused, not searched on.
    state.history[0].genome = [1, 1, 1, 1, 1, 1];
    fs.writeFileSync(path.join(runDir, 'state.json'), JSON.stringify(state));
    await expect(searchPnas({ ...small, epochs: 8, runDir })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/not what PNAS proposes/),
    });
    fs.rmSync(base, { recursive: true, force: true });
  }, 300_000);

  test('bad options are typed errors naming the option', async () => {
    await expect(searchPnas({ beam: 0 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/beam/),
    });
    await expect(searchPnas({ microBatches: 2, runDir: tempDir('torchnas-pnas-') })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/micro/i),
    });
  });
});
