// Bad input must fail as TorchnasError E_INVALID_ARGUMENT with a message that names the problem.
import { TorchnasError } from '../../lib/errors';

export function expectInvalid(call: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TorchnasError);
  expect((thrown as TorchnasError).code).toBe('E_INVALID_ARGUMENT');
  expect((thrown as TorchnasError).message).toMatch(message);
}
