// AttentiveNAS users report supernet training falling to chance mid-run (AttentiveNAS #5). A run
// stops with a clear error when the largest subnet, having learnt (above 3x chance), falls back to
// chance (under 1.5x), before the epoch is committed: the last good checkpoint stays the run's state.
import { TorchnasError } from '../errors';

export function checkCollapse(
  history: { epoch: number; largest: { top1: number } }[],
  epoch: number,
  top1: number,
  classes: number,
): void {
  const chance = 1 / classes;
  const learnt = history.find((r) => r.largest.top1 > 3 * chance);
  if (!learnt || top1 >= 1.5 * chance) return;
  const last = history.at(-1)!;
  throw new TorchnasError(
    'E_NAN_LOSS',
    `supernet training collapsed: the largest subnet fell to ${(100 * top1).toFixed(1)}% held-out ` +
      `accuracy at epoch ${epoch} (chance ${(100 * chance).toFixed(1)}%) after ${(100 * learnt.largest.top1).toFixed(1)}% at epoch ${learnt.epoch}. ` +
      `The run keeps epoch ${last.epoch}; start a new run with a lower --lr or a tighter --clip`,
    ['lr', 'clip'],
  );
}
