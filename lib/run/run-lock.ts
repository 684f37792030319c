// One process at a time in a run directory: a lock file created exclusively, naming its holder (pid,
// host, start time, command). A second process is refused at once, naming the holder; a lock left by
// a process that no longer runs (killed, machine restarted) is taken over with a warning. Taking the
// lock also removes the temporary files a killed writer left (`<file>.tmp-<pid>`).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchnasError, writeError } from '../errors';
import { requireRunFolder } from './run-state';

export const LOCK_FILE = '.torchnas-lock';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface RunLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined; // being written, or torn by a crash: treated as stale below only when old
  }
}

/** Whether a live process holds `runDir`'s lock; one on another host counts (it cannot be checked from here). */
export function lockIsHeld(runDir: string): boolean {
  const holder = readHolder(path.join(runDir, LOCK_FILE));
  return holder !== undefined && (holder.host !== os.hostname() || alive(holder.pid));
}

const held = new Map<string, number>(); // lock file -> how many times this process holds it

/**
 * Locks `runDir` (made if missing) for this process until `release()` or exit. A lock this process
 * already holds is shared (a search that retrains in a subfolder, a warm-up inside a bench).
 */
export function lockRunDir(runDir: string, flag = 'runDir'): RunLock {
  requireRunFolder(runDir, flag);
  const made = !fs.existsSync(runDir);
  try {
    fs.mkdirSync(runDir, { recursive: true });
  } catch (error) {
    throw writeError(runDir, error);
  }
  const file = path.join(runDir, LOCK_FILE);
  if (!held.has(file)) {
    acquire(file, runDir, flag);
    removeStaleTemporaries(runDir);
  }
  held.set(file, (held.get(file) ?? 0) + 1);
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      const count = held.get(file)! - 1;
      if (count > 0) return void held.set(file, count);
      held.delete(file);
      fs.rmSync(file, { force: true });
      // A run that failed before writing anything leaves no empty folder behind.
      if (made && fs.existsSync(runDir) && fs.readdirSync(runDir).length === 0) fs.rmdirSync(runDir);
    },
  };
}

/** The lock of a run's folder; in a data-parallel group rank 0 holds it for every rank. */
export function lockRun(
  runDir: string,
  options: { distributed?: { rank?: number } },
  flag = 'runDir',
): RunLock {
  if ((options.distributed?.rank ?? 0) !== 0) return { file: '', release: () => {} };
  return lockRunDir(runDir, flag);
}

function acquire(file: string, runDir: string, flag: string): void {
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(file, error);
    }
    const holder = readHolder(file);
    const age = Date.now() - fs.statSync(file, { throwIfNoEntry: false })!.mtimeMs;
    if (holder && holder.host === os.hostname() && holder.pid !== process.pid && alive(holder.pid)) {
      throw new TorchnasError(
        'E_LOCKED',
        `${flag} '${runDir}' is in use by process ${holder.pid} (started ${holder.started}: ` +
          `${holder.command}): wait for it to finish or stop it, or give another folder`,
        [flag],
      );
    }
    if (holder && holder.host !== os.hostname()) {
      throw new TorchnasError(
        'E_LOCKED',
        `${flag} '${runDir}' is locked by process ${holder.pid} on ${holder.host} (started ` +
          `${holder.started}): if no run is going on there, delete ${file}`,
        [flag],
      );
    }
    if (!holder && age < 5_000) continue; // another process is writing its lock right now
    const whose = holder
      ? `process ${holder.pid} (started ${holder.started}), which no longer runs`
      : 'a torn lock file';
    process.emitWarning(`taking over the lock of ${whose}`, { code: 'TORCHNAS_STALE_LOCK', detail: file });
    fs.rmSync(file, { force: true });
  }
  throw new TorchnasError('E_LOCKED', `${flag} '${runDir}': could not take its lock (${file}); try again`, [
    flag,
  ]);
}

/** Temporary files of writers that died (`x.tmp-<pid>` whose pid is not running). */
function removeStaleTemporaries(runDir: string): void {
  for (const name of fs.readdirSync(runDir)) {
    const m = /\.tmp-(\d+)$/.exec(name);
    if (m && (Number(m[1]) === process.pid || !alive(Number(m[1]))))
      fs.rmSync(path.join(runDir, name), { force: true });
  }
}

/** The run folders this process holds now. */
export function heldRunDirs(): string[] {
  return [...held.keys()].map((file) => path.dirname(file));
}

/** Removes every lock this process holds (at exit, or before it ends by a signal). */
export function releaseAllLocks(): void {
  for (const file of held.keys()) fs.rmSync(file, { force: true });
  held.clear();
}

process.on('exit', releaseAllLocks);

/** Runs `body` holding the run folder's lock, released however it ends. */
export async function withRunLock<T>(
  runDir: string,
  options: { distributed?: { rank?: number } },
  body: () => Promise<T>,
  flag = 'runDir',
): Promise<T> {
  const lock = lockRun(runDir, options, flag);
  try {
    return await body();
  } finally {
    lock.release();
  }
}
