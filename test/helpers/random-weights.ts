// Random weights and BatchNorm statistics for a session's model, so that no layer sits at its
// initialization (identity-like blocks, equal candidates) where a comparison would check little.
import type { Session } from '../../lib';
import { Rng } from '../../lib/util/rng';

export async function randomizeWeights(session: Session, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const state = await session.stateTensors64();
  const next: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(state)) {
    next[name] = values.map((v) => {
      if (name.endsWith('num_batches_tracked')) return v;
      if (name.endsWith('running_var')) return 0.5 + rng.next();
      return v + 0.2 * (rng.next() - 0.5);
    });
  }
  await session.setStateTensors(next);
}
