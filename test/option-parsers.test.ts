// Command-line flag readers: what a user typed is told apart from commander's defaults.
import { Command } from 'commander';
import { givenOptions, macsCount, positiveWholeNumber } from '../lib/util/option-parsers';

const parsed = (argv: string[]) => {
  const command = new Command()
    .exitOverride()
    .option('--epochs <n>', 'epochs', positiveWholeNumber('--epochs'), 10)
    .option('--lr <x>', 'learning rate', Number, 0.1)
    .option('--no-feature-sharing', 'each edge its own operations');
  command.parse(argv, { from: 'user' });
  return givenOptions(command);
};

test('a flag the user gave is read; one commander defaulted is undefined', () => {
  const chosen = parsed(['--epochs', '3']);
  expect(chosen('epochs')).toBe(3);
  expect(chosen('lr')).toBeUndefined();
  expect(chosen('featureSharing')).toBeUndefined();
  expect(parsed(['--no-feature-sharing'])('featureSharing')).toBe(false);
});

test('number flags refuse what is not one, naming the flag', () => {
  expect(() => parsed(['--epochs', '0'])).toThrow(/--epochs must be at least 1/);
  expect(() => parsed(['--epochs', '2.5'])).toThrow(/--epochs must be a whole number/);
  expect(macsCount('8M')).toBe(8e6);
  expect(() => macsCount('-3')).toThrow(/positive number of MACs/);
});
