// Comparing two tensors' values in the equivalence tests: the largest difference, relative to the
// first tensor's largest magnitude (so tiny and huge tensors are judged alike), or to `floor` when
// that is larger: a gradient that is zero in exact arithmetic (a BatchNorm bias whose shift a later
// train-mode BatchNorm removes) holds only rounding noise, which two different orders of summation
// do not share.
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-30): number {
  expect(a.length).toBe(b.length);
  let scale = floor;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

/** The largest magnitude over several tensors (a floor for maxRelativeError: 1e-6 of it, say). */
export function largestMagnitude(arrays: ArrayLike<number>[]): number {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
