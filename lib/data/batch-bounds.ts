// A batch larger than its split cannot be honoured: the loader would quietly make one smaller batch
// (with data parallel, none at all), and the run would record a batch size it never trained with.
import { invalid } from '../errors';

export interface BatchBound {
  /** What the images are, e.g. 'images of the training split'. */
  split: string;
  worldSize?: number;
  /** The option that sets how many there are, offered as the other way out. */
  sizeOption?: string;
}

/** Refuses a batch size above the images of a split (per rank with data parallel). */
export function requireBatchFits(batchSize: number, images: number, bound: BatchBound): void {
  const world = bound.worldSize ?? 1;
  const most = Math.floor(images / world);
  if (batchSize <= most) return;
  const shared = world > 1 ? ` shared by ${world} ranks` : '';
  const other = bound.sizeOption ? `, or raise ${bound.sizeOption} to hold it` : '';
  throw invalid(`batchSize ${batchSize} is larger than the ${images} ${bound.split}${shared}: give at most ${most}${other}`,
    ['batchSize', ...(bound.sizeOption ? [bound.sizeOption] : [])]);
}
