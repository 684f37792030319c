// Parsers for numeric command-line flags: a value that is not a number is refused by commander with
// the flag's name, before any work starts.
import { InvalidArgumentError } from 'commander';

/** A whole number (0, 1, 2, ...). */
export const wholeNumber = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(value);
};

/** Any finite number. */
export const finiteNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
