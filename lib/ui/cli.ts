// `torchnas ui` (the live dashboard) and `torchnas report` (one run's page as a single HTML file).
// Registered on the main program by lib/cli/main.ts.
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { TorchnasError } from '../errors';
import { RUN_FILE } from '../run/run-state';
import { writeFileAtomic } from '../util/atomic-file';
import { wholeNumber } from '../util/option-parsers';
import { InvalidArgumentError } from 'commander';
import { reportHtml } from './pages';
import { runPageData } from './run-data';
import { startUi } from './server';

const port = (value: string) => {
  const n = wholeNumber('--port')(value);
  if (n > 65535) throw new InvalidArgumentError('--port must be at most 65535');
  return n;
};

export function registerUiCommands(program: Command): void {
  program
    .command('ui [dirs...]')
    .description('a local web dashboard of the runs under the folders (default: runs), live while they run')
    .option('--port <n>', 'port to listen on (0: any free one)', port, 8080)
    .option('--host <host>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <token>', 'a secret every request must carry (?token= or Authorization: Bearer)')
    .addHelpText('after', '\nRead-only: it never writes into run folders. Stop it with Ctrl-C.')
    .action(async (dirs: string[], o: { port: number; host: string; token?: string }) => {
      const server = await startUi({
        dirs: dirs.length ? dirs : ['runs'],
        host: o.host,
        port: o.port,
        token: o.token,
      });
      process.stdout.write(`torchnas ui: ${server.url}\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  program
    .command('report <runDir>')
    .description(
      "one run's page (curves, charts of its method, options, summary) as a self-contained HTML file",
    )
    .requiredOption('-o, --out <file>', 'the HTML file to write')
    .action((runDir: string, o: { out: string }) => {
      if (!fs.existsSync(path.join(runDir, RUN_FILE)))
        throw new TorchnasError(
          'E_IO',
          `'${runDir}' is not a run folder (no ${RUN_FILE}): give a folder a run wrote`,
          ['runDir'],
        );
      writeFileAtomic(o.out, reportHtml(runPageData(runDir)));
      process.stdout.write(`report written to ${o.out}\n`);
    });
}
