// `torchnas runs ls|show|compare`: the runs under folders, one run's progress and options, and runs
// side by side, from the same index a dashboard reads (lib/runs/run-index.ts). Read-only.
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TorchnasError } from '../errors';
import { RUN_FILE, readRunState } from '../run/run-state';
import { compareOptions } from './run-compare';
import { indexRuns, readRun, RUN_STATUSES, type RunEntry, type RunStatus } from './run-index';

const SORTS = ['started', 'dir', 'kind', 'status', 'best', 'progress'] as const;
type SortKey = (typeof SORTS)[number];

function statusList(value: string): RunStatus[] {
  const names = value.split(',').map((s) => s.trim());
  for (const n of names)
    if (!(RUN_STATUSES as readonly string[]).includes(n))
      throw new InvalidArgumentError(`unknown status '${n}' (known: ${RUN_STATUSES.join(', ')})`);
  return names as RunStatus[];
}

const duration = (s?: number) =>
  s === undefined ? '' : s < 120 ? `${s.toFixed(0)} s` : s < 7200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`;
const progress = (r: RunEntry) => (r.epochs ? `${r.epochsDone}/${r.epochs}` : String(r.epochsDone));
const best = (r: RunEntry) => (r.best ? `${(100 * r.best.value).toFixed(2)}% ${r.best.metric}` : '');

function sortRuns(runs: RunEntry[], key: SortKey): RunEntry[] {
  const by: Record<SortKey, (r: RunEntry) => string | number> = {
    started: (r) => r.started ?? '',
    dir: (r) => r.dir,
    kind: (r) => r.kind,
    status: (r) => r.status,
    best: (r) => -(r.best?.value ?? -Infinity),
    progress: (r) => (r.epochs ? r.epochsDone / r.epochs : 0),
  };
  const f = by[key];
  return [...runs].sort((a, b) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : a.dir < b.dir ? -1 : 1));
}

/** Columns padded to their widest cell. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** A folder the user named as a run: refused with the argument's name unless it holds run.json. */
function runArgument(dir: string): RunEntry {
  if (!fs.existsSync(path.join(dir, RUN_FILE)))
    throw new TorchnasError('E_IO', `'${dir}' is not a run folder (no ${RUN_FILE}): give a folder a run wrote, or list them with 'torchnas runs ls'`, ['runDir']);
  return readRun(dir);
}

function listRuns(dirs: string[], o: { kind?: string; status?: RunStatus[]; sort: SortKey; json?: boolean }) {
  let runs = indexRuns(dirs.length ? dirs : ['runs']);
  if (o.kind) runs = runs.filter((r) => r.kind === o.kind);
  if (o.status) runs = runs.filter((r) => o.status!.includes(r.status));
  runs = sortRuns(runs, o.sort);
  if (o.json) return void process.stdout.write(JSON.stringify(runs, null, 1) + '\n');
  if (runs.length === 0) return void process.stdout.write('no runs\n');
  const rows = runs.map((r) => [r.dir, r.kind, r.status, progress(r), best(r), r.started?.slice(0, 16).replace('T', ' ') ?? '', duration(r.seconds), r.reason ?? '']);
  process.stdout.write(table(['run', 'kind', 'status', 'epochs', 'best', 'started', 'took', 'note'], rows));
}

function showRun(dir: string, o: { json?: boolean }) {
  const run = runArgument(dir);
  const last = readRunState<Record<string, unknown>>(dir)?.history.at(-1);
  if (o.json) return void process.stdout.write(JSON.stringify({ ...run, last }, null, 1) + '\n');
  const lines = [
    `${run.dir}: ${run.kind}, ${run.status}${run.reason ? ` (${run.reason})` : ''}`,
    `epochs ${progress(run)}${run.best ? `, best ${best(run)}` : ''}${run.started ? `, started ${run.started}` : ''}${run.seconds !== undefined ? `, ${duration(run.seconds)}` : ''}`,
    '',
    'options:',
    ...Object.entries(run.options).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function compareRuns(dirs: string[], o: { all?: boolean; json?: boolean }) {
  if (dirs.length < 2) throw new TorchnasError('E_INVALID_ARGUMENT', 'runs compare needs two or more run folders', ['runDirs']);
  const runs = dirs.map(runArgument);
  const rows = compareOptions(runs).filter((r) => o.all || r.differs);
  if (o.json) return void process.stdout.write(JSON.stringify({ runs, options: rows }, null, 1) + '\n');
  const head = ['', ...runs.map((r) => r.dir)];
  const body = [
    ['kind', ...runs.map((r) => r.kind)],
    ['status', ...runs.map((r) => r.status)],
    ['epochs', ...runs.map(progress)],
    ['best', ...runs.map(best)],
    ...rows.map((r) => [`${r.differs ? '* ' : '  '}${r.key}`, ...r.values.map((v) => v ?? '-')]),
  ];
  process.stdout.write(table(head, body));
  if (!o.all) process.stdout.write(rows.length ? '(* options that differ; --all for every option)\n' : 'the runs have the same options\n');
}

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('list, show and compare runs on disk (read-only)');
  runs
    .command('ls [dirs...]')
    .description('every run under the folders (default: runs): kind, status, progress, best figure, start and duration')
    .option('--kind <kind>', 'only runs of this kind (train, search, supernet, darts, gm-nas, ...)')
    .addOption(new Option('--status <list>', `only these statuses (${RUN_STATUSES.join(', ')})`).argParser(statusList))
    .addOption(new Option('--sort <key>', 'order of the list').choices([...SORTS]).default('started'))
    .option('--json', 'the index as JSON')
    .action((dirs: string[], o) => listRuns(dirs, o));
  runs
    .command('show <runDir>')
    .description("one run: status, progress, best figure, options")
    .option('--json', "as JSON, with the last epoch's record")
    .action((dir: string, o) => showRun(dir, o));
  runs
    .command('compare <runDirs...>')
    .description('runs side by side: status, progress, best figure, and the options that differ')
    .option('--all', 'every option, not only those that differ')
    .option('--json', 'as JSON')
    .action((dirs: string[], o) => compareRuns(dirs, o));
}
