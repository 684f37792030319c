// Parsers for command-line flags (a value that is not a number is refused by commander with the flag's
// name, before any work starts), and which flags the user gave.
import { InvalidArgumentError, type Command } from 'commander';

/** A whole number (0, 1, 2, ...). */
export const wholeNumber = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(value);
};

/** A whole number of at least 1. */
export const positiveWholeNumber = (name: string) => (value: string) => {
  const n = wholeNumber(name)(value);
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1`);
  return n;
};

/** Any finite number. */
export const finiteNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

/** A MACs count as users write it: 8000000, 8e6, 8M or 800k; positive. */
export const macsCount = (value: string) => {
  const m = /^([0-9]*\.?[0-9]+(?:e[0-9]+)?)([kKmMgG]?)$/.exec(value.trim());
  const scale: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 };
  if (!m || !(Number(m[1]) > 0))
    throw new InvalidArgumentError('give a positive number of MACs, e.g. 8000000, 8e6 or 8M');
  return Number(m[1]) * scale[m[2]];
};

/** `--channels-last [mode]`: on (the flag alone), off or auto (channels_last on a CPU and for CUDA bf16). */
export const channelsLastMode = (value: string): boolean | 'auto' => {
  if (value === 'on') return true;
  if (value === 'off') return false;
  if (value === 'auto') return 'auto';
  throw new InvalidArgumentError(`--channels-last takes on, off or auto (got '${value}')`);
};
export const CHANNELS_LAST_HELP =
  'memory format: on, off or auto (default: channels_last on a CPU and for CUDA bf16)';

/**
 * `chosen(key)`: the value the user gave a command's option, or undefined where commander filled in its
 * default, so that the library's default, or a resumed run's stored option, decides instead. Untyped, as
 * commander's option values are.
 */
export const givenOptions =
  (command: Command) =>
  (key: string): any =>
    command.getOptionValueSource(key) === 'default' ? undefined : command.opts()[key];
