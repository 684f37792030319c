// `torchnas launch`: the torchrun of torchnas.
import { Command } from 'commander';
import { wholeNumber as int, finiteNumber as num } from '../util/option-parsers';
import { launch } from './launch';

/** Whether the subcommand `argv` names (e.g. `search proxyless`) takes --progress. */
function hasProgressFlag(program: Command, argv: string[]): boolean {
  let command: Command | undefined = program;
  for (const word of argv) {
    const sub: Command | undefined = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    command = sub;
  }
  return command !== program && command.options.some((option) => option.long === '--progress');
}

export function registerLaunchCommand(program: Command): void {
  program
    .command('launch')
    .description('run a torchnas command as several data-parallel processes (ranks), as torchrun does')
    .addHelpText('after', `
Each rank gets torchrun's environment (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK) and
joins one c10d group (Gloo); train, search proxyless and supernet train then split every batch
over the ranks and average gradients. Rank 0 writes the run directory and prints progress.
Examples:
  torchnas launch --nproc-per-node 2 -- train --epochs 2 --out runs/dp
  torchnas launch --nproc-per-node 8 --nnodes 4 --node-rank 0 --master-addr 10.0.0.1 -- search proxyless --out runs/big
The same command again resumes the run from its last committed epoch.`)
    .requiredOption('--nproc-per-node <n>', 'processes (ranks) on this machine: one per GPU', int('--nproc-per-node'))
    .option('--nnodes <n>', 'machines in the group', int('--nnodes'), 1)
    .option('--node-rank <r>', "this machine's index, 0 on the one rank 0 runs on", int('--node-rank'), 0)
    .option('--master-addr <host>', 'address of the machine with node rank 0', '127.0.0.1')
    .option('--master-port <port>', 'a free TCP port there', int('--master-port'), 29500)
    .option('--grace <s>', 'seconds the other ranks get to stop after one fails', num('--grace'), 15)
    .argument('<command...>', 'the torchnas command every rank runs, after --')
    .action(async (command: string[], o) => {
      const outcome = await launch(
        { nprocPerNode: o.nprocPerNode, nnodes: o.nnodes, nodeRank: o.nodeRank, masterAddr: o.masterAddr,
          masterPort: o.masterPort, graceSeconds: o.grace },
        command, [process.execPath, process.argv[1]],
        hasProgressFlag(program, command) ? ['--progress', 'none'] : []);
      process.exitCode = outcome.code;
    });
}
