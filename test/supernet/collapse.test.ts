// The collapse guard: a supernet that had learnt and falls back to chance stops the run (typed error,
// naming the flags to change); one that never learnt, or only dips, goes on.
import { TorchnasError } from '../../lib';
import { checkCollapse } from '../../lib/supernet/collapse';

const record = (epoch: number, top1: number) => ({ epoch, largest: { top1 } });

test('stops a run whose largest subnet fell back to chance after learning', () => {
  const history = [record(1, 0.2), record(2, 0.62)];
  let error: unknown;
  try {
    checkCollapse(history, 3, 0.1, 10);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TorchnasError);
  expect((error as TorchnasError).code).toBe('E_NAN_LOSS');
  expect((error as TorchnasError).message).toMatch(
    /fell to 10\.0% held-out accuracy at epoch 3 .* after 62\.0% at epoch 2\. The run keeps epoch 2/,
  );
  expect((error as TorchnasError).options).toEqual(['lr', 'clip']);
});

test('goes on when it never learnt, or only dipped', () => {
  expect(() => checkCollapse([record(1, 0.12)], 2, 0.1, 10)).not.toThrow();
  expect(() => checkCollapse([record(1, 0.7)], 2, 0.4, 10)).not.toThrow();
  expect(() => checkCollapse([], 1, 0.1, 10)).not.toThrow();
});
