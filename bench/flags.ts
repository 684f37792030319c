// Command-line values the benches share the parsing of: a bad value stops the bench before any work,
// with the flag's name.

/** A whole-number flag (`--steps 8`), at least `min`. */
export function wholeFlag(value: string | undefined, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be a whole number >= ${min}`);
  return n;
}
