// Ctrl-C (SIGINT) or SIGTERM during a run: every epoch is committed atomically, so the folder is
// consistent at any moment; say where the run stopped and the command that resumes it, then exit.
import * as fs from 'fs';
import * as path from 'path';
import { heldRunDirs, releaseAllLocks } from '../run/run-lock';
import { STATE_FILE } from '../run/run-state';
import { plural } from '../util/plural';

const quoted = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

function epochsDone(runDir: string): number {
  try {
    return (JSON.parse(fs.readFileSync(path.join(runDir, STATE_FILE), 'utf8')) as { epochsDone: number })
      .epochsDone;
  } catch {
    return 0;
  }
}

/** The line printed on a stop: the run folder, its committed epochs, and the command to resume. */
export function interruptLine(signal: string, args: readonly string[], runDirs: readonly string[]): string {
  const runDir = runDirs[0];
  if (!runDir) return `torchnas: stopped by ${signal}\n`;
  // A run whose folder was named for it by default resumes only if the command names that folder.
  const out = args.includes('--out') || args.some((a) => a.startsWith('--out=')) ? [] : ['--out', runDir];
  const done = epochsDone(runDir);
  const command = ['torchnas', ...args, ...out].map(quoted).join(' ');
  return (
    `torchnas: stopped by ${signal}; '${runDir}' holds ${plural(done, 'committed epoch')} ` +
    `(the epoch under way is lost); resume with: ${command}\n`
  );
}

/**
 * Installs the handlers for one CLI invocation (`args`: what followed `torchnas`). A rank started by
 * `torchnas launch` stops quietly: the launcher prints the line, with its own command.
 */
export function printResumeLineOnStop(args: readonly string[]): void {
  const rankOfLaunch = process.env.TORCHNAS_LAUNCHED === '1';
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (!rankOfLaunch) process.stderr.write(interruptLine(signal, args, heldRunDirs()));
      // Ended by the signal itself, as without a handler: process.exit would tear the addon down
      // under a step still running on its worker thread. The committed state needs no cleanup.
      releaseAllLocks();
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    });
  }
}

/** The launcher's line: its ranks' folder is named by --out (without it, name the folder the run made). */
export function launchInterruptLine(signal: string, args: readonly string[]): string {
  const named = args.includes('--out') || args.some((a) => a.startsWith('--out='));
  return (
    `torchnas launch: stopped by ${signal}; every committed epoch is kept; resume with: ` +
    `${['torchnas', ...args].map(quoted).join(' ')}${named ? '' : ' --out <the run folder it made>'}\n`
  );
}
