// Every failure torchnas reports is a TorchnasError with a stable `code`; native errors are rethrown
// as TorchnasError on the caller's stack (the native stack says nothing useful to a user).
import type { ZodError } from 'zod';

export type ErrorCode =
  | 'E_INVALID_ARGUMENT' // a bad option, architecture string, or shape
  | 'E_DATA' // a corrupt or truncated file, or a checkpoint that does not fit
  | 'E_IO' // a missing or unreadable file
  | 'E_NO_CUDA' // CUDA asked for where there is none
  | 'E_NAN_LOSS' // the training loss became NaN or infinite
  | 'E_DIVERGED' // the training loss grew far past its start
  | 'E_CLOSED' // the session was closed
  | 'E_STATE' // calls in the wrong order (train before build)
  | 'E_TORCH' // LibTorch rejected an operation
  | 'E_NATIVE' // any other native failure
  | 'E_RANK_FAILED' // a data-parallel peer was killed, failed or timed out
  | 'E_LOCKED' // another process holds the run directory
  | 'E_ABORTED' // the caller's AbortSignal stopped a run (rerunning resumes it)
  | 'E_NATIVE_LOAD' // the addon is not built
  | 'E_REMOTE'; // a latency agent did not answer, or refused the request

export class TorchnasError extends Error {
  readonly code: ErrorCode;
  /**
   * The option names (API keys such as `batchSize`) the message refers to, written `key:` or `key ` in
   * it, so the CLI can show them as the flags the user typed (`--batch-size`).
   */
  readonly options: string[];
  constructor(code: ErrorCode, message: string, options: string[] = []) {
    super(message);
    this.name = 'TorchnasError';
    this.code = code;
    this.options = options;
  }
}

export function invalid(message: string, options: string[] = []): TorchnasError {
  return new TorchnasError('E_INVALID_ARGUMENT', message, options);
}

/** A zod failure as one readable sentence per problem, naming the option. */
export function fromZod(what: string, error: ZodError): TorchnasError {
  const problems = error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : what;
    return `${where}: ${issue.message}`;
  });
  const options = error.issues.filter((issue) => issue.path.length).map((issue) => String(issue.path[0]));
  const unknown = error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : []));
  return new TorchnasError('E_INVALID_ARGUMENT', `invalid ${what}: ${problems.join('; ')}`, [
    ...options,
    ...unknown,
  ]);
}

const WRITE_ADVICE: Record<string, string> = {
  ENOSPC:
    ': the disk is full; free space there (or give a folder on another disk) and run the same command again',
  EDQUOT: ': the disk quota is used up; free space and run the same command again',
  EFBIG: ': the file is larger than this system allows (ulimit -f?)',
  EACCES: ': permission denied; give a folder you can write to',
  EPERM: ': permission denied; give a folder you can write to',
  EROFS: ': the file system is read-only; give another folder',
};

/** A failed file write as a typed E_IO naming the file and the cause (disk full, permission...). */
export function writeError(file: string, error: unknown): TorchnasError {
  if (error instanceof TorchnasError) return error;
  const e = error as NodeJS.ErrnoException;
  const message = String(e?.message ?? error);
  const cause = e?.code
    ? `${e.code}${WRITE_ADVICE[e.code] ?? `: ${message.replace(`${e.code}: `, '')}`}`
    : message;
  return new TorchnasError('E_IO', `cannot write '${file}': ${cause}`);
}

function toTorchnasError(error: unknown): TorchnasError {
  if (error instanceof TorchnasError) return error;
  const e = error as { code?: string; message?: string };
  const code = (typeof e?.code === 'string' && e.code.startsWith('E_') ? e.code : 'E_NATIVE') as ErrorCode;
  // Native messages write the options they name as `key`: the CLI shows them as its flags.
  const message = e?.message ?? String(error);
  const options = [...message.matchAll(/`(\w+)`/g)].map((m) => m[1]);
  return new TorchnasError(code, message.replace(/`(\w+)`/g, '$1'), [...new Set(options)]);
}

/** Runs a native call; a native error is rethrown as TorchnasError with the caller's stack. */
export async function callNative<T>(call: () => Promise<T>): Promise<T> {
  const stack = new Error().stack;
  try {
    return await call();
  } catch (error) {
    const wrapped = toTorchnasError(error);
    if (stack)
      wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${stack.split('\n').slice(2).join('\n')}`;
    throw wrapped;
  }
}

/** The same for synchronous native calls. */
export function callNativeSync<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toTorchnasError(error);
  }
}
