// The torchnas command line.
import { registerFbnetv5Command } from '../fbnetv5/cli';
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { packageRoot } from '../native';
import { loadArchitecture, resolveNetwork } from '../arch';
import { TorchnasError } from '../errors';
import { info } from '../info';
import { printResumeLineOnStop } from './interrupt';
import { registerGmNasCommand } from '../gmnas/cli';
import { registerTrainCommand } from '../train/cli';
import { registerProxylessCommand } from '../proxyless/cli';
import { registerRandomSupernetCommand } from '../random-supernet/cli';
import { registerPnasCommand } from '../pnas/cli';
import { registerDartsCommand } from '../darts/cli';
import { registerPinasCommand } from '../pinas/cli';
import { registerBenchCommand } from '../benchmarks/cli';
import { registerLatencyCommand } from '../latency/cli';
import { registerPlotCommand } from '../report/cli';
import { registerRunsCommand } from '../runs/cli';
import { registerUiCommands } from '../ui/cli';
import { registerExportCommand } from '../export/cli';
import { registerProxiesCommand } from '../proxies/cli';
import { registerSupernetCommand } from '../supernet/cli';
import { registerLaunchCommand } from '../dist/cli';

function packageVersion(): string {
  return (
    JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
}

export function buildProgram(): Command {
  const program = new Command('torchnas')
    .description('Neural architecture search and training on a native LibTorch engine')
    .version(packageVersion(), '-V, --version', 'print the torchnas version')
    .showHelpAfterError('(run with --help for usage)');

  registerTrainCommand(program);

  const search = program.command('search').description('architecture search');
  registerProxylessCommand(search);
  registerFbnetv5Command(search);
  registerGmNasCommand(search);
  registerRandomSupernetCommand(search);
  registerPnasCommand(search);
  registerDartsCommand(search);
  registerPinasCommand(search);

  program
    .command('arch <preset|file>')
    .description('show an architecture: blocks, output shapes, parameters and MACs')
    .action((source: string) => {
      const arch = loadArchitecture(source);
      const net = resolveNetwork(arch);
      process.stdout.write(`${arch.name}: input [${arch.input}], ${arch.classes} classes\n`);
      for (const l of net.layers) {
        process.stdout.write(
          `  ${l.block.padEnd(28)} -> [${l.output.join(', ')}]`.padEnd(52) +
            `${l.params.toString().padStart(10)} params ${(l.macs / 1e6).toFixed(2).padStart(9)} M MACs\n`,
        );
      }
      process.stdout.write(`total: ${net.params} params, ${(net.macs / 1e6).toFixed(2)} M MACs\n`);
    });

  program
    .command('info')
    .description('LibTorch version, CUDA availability and devices')
    .action(() => {
      process.stdout.write(JSON.stringify(info(), null, 2) + '\n');
    });
  registerBenchCommand(program);
  registerLatencyCommand(program);
  registerPlotCommand(program);
  registerRunsCommand(program);
  registerUiCommands(program);
  registerExportCommand(program);
  registerProxiesCommand(program);
  registerSupernetCommand(program);
  registerLaunchCommand(program);
  return program;
}

// API option names that no flag spells the same way.
const FLAG_OF: Record<string, string> = {
  runDir: '--out',
  a: '--loss-a',
  b: '--loss-b',
  batch: '--batch-size',
  // The data-parallel group's fields (torchnas launch).
  masterAddr: '--master-addr',
  masterPort: '--master-port',
  timeoutMs: '--dist-timeout',
};

/** The error's message with the API option names it refers to written as the flags of `command`. */
export function withFlagNames(error: TorchnasError, command: Command | undefined): string {
  let message = error.message;
  for (const key of new Set(error.options)) {
    const option = command?.options.find((o) => o.attributeName() === key && !o.hidden);
    const flag = option?.long ?? FLAG_OF[key];
    if (!flag) continue;
    // A --no-x flag sets x false: the run was started "with" it when x is false.
    if (option?.negate)
      message = message.replace(
        new RegExp(`(^|[\\s(;,])${key} (true|false) \\(given (?:true|false)\\)`, 'g'),
        (_all, lead: string, started: string) =>
          `${lead}${started === 'true' ? `without ${flag} (given now)` : `with ${flag} (left out now)`}`,
      );
    message = message.replace(new RegExp(`(^|[\\s(;,])${key}(?=[:\\s,;)])`, 'g'), `$1${flag}`);
  }
  return message;
}

export async function main(argv: string[]): Promise<void> {
  let running: Command | undefined;
  if (argv[2] !== 'launch') printResumeLineOnStop(argv.slice(2)); // launch relays signals to its ranks
  try {
    const program = buildProgram().hook('preAction', (_program, command) => {
      running = command;
    });
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof TorchnasError) {
      process.stderr.write(`torchnas: ${withFlagNames(error, running)} [${error.code}]\n`);
      process.exitCode = 2;
      return;
    }
    // Not a failure torchnas foresaw: one line for the user, the stack when asked for.
    const detail = process.env.TORCHNAS_DEBUG
      ? `\n${(error as Error)?.stack}`
      : ' (set TORCHNAS_DEBUG=1 for the stack trace)';
    process.stderr.write(
      `torchnas: internal error: ${(error as Error)?.message ?? String(error)}${detail}\n`,
    );
    process.exitCode = 1;
  }
}
