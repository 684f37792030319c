// The two parts every search holds out of a train split: a part to train weights on and a held-out
// part (architecture steps, scoring). With limitTrain, both are shrunk in proportion, the held-out
// part never below one batch. Seeded: seed, seed + 1 and seed + 2 fix the split and the subsets.
import { requireBatchFits } from './batch-bounds';
import type { Dataset } from './datasets';

export interface SearchSplitOptions {
  validFraction: number;
  seed: number;
  limitTrain?: number;
  batchSize: number;
}

export function searchSplits(full: Dataset, o: SearchSplitOptions): { train: Dataset; valid: Dataset } {
  let [train, valid] = full.split(o.validFraction, o.seed);
  if (o.limitTrain) {
    train = train.subset(o.limitTrain, o.seed + 1);
    valid = valid.subset(Math.max(o.batchSize, Math.round(o.limitTrain * o.validFraction)), o.seed + 2);
  }
  requireBatchFits(o.batchSize, train.size, { split: 'images of the training part' });
  return { train, valid };
}
