// Errors name the flags the user typed: an API option becomes its flag, and a --no-x flag, which sets x
// false, is said to have been given or left out rather than shown as x's true or false.
import { Command } from 'commander';
import { withFlagNames } from '../lib/cli/main';
import { TorchnasError } from '../lib/errors';

const command = new Command('entrannas').option('--sparsity <x>').option('--no-feature-sharing');
const changed = (message: string, options: string[]) =>
  withFlagNames(new TorchnasError('E_INVALID_ARGUMENT', message, options), command);

test('an option is written as its flag', () => {
  expect(changed('started with other options: sparsity 0.05 (given 0.1).', ['sparsity'])).toBe(
    'started with other options: --sparsity 0.05 (given 0.1).',
  );
});

test('a --no-x flag is said to have been given or left out', () => {
  expect(changed('started with other options: featureSharing true (given false).', ['featureSharing'])).toBe(
    'started with other options: without --no-feature-sharing (given now).',
  );
  expect(
    changed('options: featureSharing false (given true), sparsity 1 (given 2)', [
      'featureSharing',
      'sparsity',
    ]),
  ).toBe('options: with --no-feature-sharing (left out now), --sparsity 1 (given 2)');
});
