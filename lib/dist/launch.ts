// `torchnas launch`: starts one worker process per rank on this machine with torchrun's environment,
// shows rank 0's output (its figures are the whole group's), prefixes the other ranks' errors,
// forwards SIGINT/SIGTERM, and ends with the first failure: the other ranks get a grace period to
// report their own error, then are stopped.
import { spawn, type ChildProcess } from 'child_process';
import * as readline from 'readline';
import { z } from 'zod';
import { launchInterruptLine } from '../cli/interrupt';
import { fromZod } from '../errors';

export const LaunchOptionsSchema = z
  .object({
    nprocPerNode: z.number().int().min(1),
    nnodes: z.number().int().min(1).default(1),
    nodeRank: z.number().int().min(0).default(0),
    masterAddr: z.string().min(1).default('127.0.0.1'),
    masterPort: z.number().int().min(1).max(65535).default(29500),
    /** Seconds the other ranks get to exit on their own after one fails. */
    graceSeconds: z.number().min(0).default(15),
  })
  .strict()
  .refine((o) => o.nodeRank < o.nnodes, { message: 'must be below nnodes: node ranks count from 0', path: ['nodeRank'] });
export type LaunchOptions = z.input<typeof LaunchOptionsSchema>;

export interface LaunchOutcome {
  code: number;
  /** The first rank that failed, with how. */
  failed?: { rank: number; code: number | null; signal: NodeJS.Signals | null };
}

/** The environment torchrun gives rank `local` of this node. */
export function rankEnvironment(o: z.output<typeof LaunchOptionsSchema>, local: number): Record<string, string> {
  return {
    MASTER_ADDR: o.masterAddr,
    MASTER_PORT: String(o.masterPort),
    WORLD_SIZE: String(o.nnodes * o.nprocPerNode),
    RANK: String(o.nodeRank * o.nprocPerNode + local),
    LOCAL_RANK: String(local),
    LOCAL_WORLD_SIZE: String(o.nprocPerNode),
    GROUP_RANK: String(o.nodeRank),
  };
}

function forward(stream: NodeJS.ReadableStream, out: NodeJS.WritableStream, prefix: string): void {
  if (!prefix) {
    stream.pipe(out);
    return;
  }
  readline.createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
}

/**
 * Runs `argv` (a torchnas command, without the program) as every local rank; resolves when all end.
 * `quiet`: arguments that silence a rank's progress display, added for every rank but 0.
 */
export async function launch(options: LaunchOptions, argv: string[], program: string[],
  quiet: string[] = []): Promise<LaunchOutcome> {
  const parsed = LaunchOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('launch options', parsed.error);
  const o = parsed.data;
  const children: ChildProcess[] = [];
  for (let local = 0; local < o.nprocPerNode; local++) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...rankEnvironment(o, local), TORCHNAS_LAUNCHED: '1' };
    const rank = Number(env.RANK);
    // Rank 0 keeps the terminal's progress display; the others print nothing but their errors.
    const child = spawn(program[0], [...program.slice(1), ...argv, ...(rank === 0 ? [] : quiet)],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (rank === 0) forward(child.stdout!, process.stdout, '');
    else child.stdout!.resume();
    forward(child.stderr!, process.stderr, rank === 0 ? '' : `[rank ${rank}] `);
    children.push(child);
  }
  const relay = (signal: NodeJS.Signals) => () => children.forEach((c) => c.exitCode === null && c.kill(signal));
  const stopped = (signal: NodeJS.Signals) => () => {
    process.stderr.write(launchInterruptLine(signal, process.argv.slice(2)));
    relay(signal)();
  };
  const onInt = stopped('SIGINT'), onTerm = stopped('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<LaunchOutcome>((resolve) => {
      let outcome: LaunchOutcome = { code: 0 };
      let running = children.length;
      let stopTimer: NodeJS.Timeout | undefined;
      children.forEach((child, local) => {
        child.on('exit', (code, signal) => {
          running--;
          if ((code !== 0 || signal) && !outcome.failed) {
            const rank = o.nodeRank * o.nprocPerNode + local;
            outcome = { code: code || 1, failed: { rank, code, signal } };
            const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            process.stderr.write(`torchnas launch: rank ${rank} ${how}; ` +
              `the other ranks get ${o.graceSeconds} s to stop\n`);
            stopTimer = setTimeout(relay('SIGTERM'), o.graceSeconds * 1000);
          }
          if (running === 0) {
            if (stopTimer) clearTimeout(stopTimer);
            resolve(outcome);
          }
        });
      });
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
