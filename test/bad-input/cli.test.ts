// Bad input through the command line, one case per kind: a non-zero exit, a message that names
// what was wrong (with the flag the user typed), and never a stack trace.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadSpace, resolveSpace, resolveTrainOptions, SPACES } from '../../lib';
import { tempDir } from '../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const dir = tempDir('torchnas-bad-cli-');
const at = (name: string) => path.join(dir, name);

interface Outcome {
  status: number | null;
  stderr: string;
  stdout: string;
}

function runCli(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const write = (name: string, value: unknown) =>
  fs.writeFileSync(at(name), typeof value === 'string' ? value : JSON.stringify(value));
const arch = (blocks: string[], input = [1, 28, 28]) => ({ name: 'net', input, classes: 10, blocks });

// A run directory as a finished 1-epoch run leaves it (only run.json and state.json are read before
// a resume is refused).
function fakeRun(name: string, kind: 'train' | 'search', options: object): void {
  fs.mkdirSync(at(name));
  write(`${name}/run.json`, { kind, options, arch: arch(['conv_k3_s1_c8', 'gap', 'fc']) });
  write(`${name}/state.json`, {
    version: 1,
    epochsDone: 1,
    globalStep: 10,
    checkpoint: 'checkpoint-e1.pt',
    history: [],
  });
}

beforeAll(() => {
  fs.mkdirSync(at('a-folder'));
  write('not-json.json', '{"name": ');
  write('k4.json', arch(['mb_k4_s1_e3_c16', 'gap', 'fc']));
  write('unknown-op.json', arch(['conv_k3_s1_c8', 'wobble', 'fc']));
  write('proto-op.json', arch(['conv_k3_s1_c8', 'toString', 'fc']));
  write('big-input.json', arch(['conv_k3_s1_c8', 'gap', 'fc'], [1, 64, 64]));
  write('a-file', 'x');
  write('space-bad.json', {
    name: 's',
    input: [1, 28, 28],
    classes: 10,
    stem: 'conv_k3_s1_c8',
    edges: 'many',
  });
  write('space-64.json', { ...JSON.parse(JSON.stringify(SPACES['proxyless-28'])), input: [1, 64, 64] });
  const table = (v: number) =>
    resolveSpace(loadSpace('proxyless-28')).edges.map((e) => e.candidates.map(() => v));
  write('table-negative.json', { table: table(-12) });
  write('table-small.json', { table: table(0.01), fixed: 0.1 });
  write('table-huge.json', '{"table": [[1e400]]}');
  write('table-short.json', { table: [[1, 2]] });
  write('table-strings.json', { table: [['fast']] });
  fakeRun('train-run', 'train', { ...resolveTrainOptions({ epochs: 2, lr: 0.1 }), runDir: 'train-run' });
  fakeRun('search-run', 'search', { epochs: 2 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Case = [string, string[], RegExp];
const CASES: Case[] = [
  // train: numbers
  ['epochs zero', ['train', '--epochs', '0'], /--epochs: .*\[E_INVALID_ARGUMENT\]/],
  ['epochs not a number', ['train', '--epochs', 'two'], /--epochs must be a whole number/],
  ['negative lr', ['train', '--lr', '-1'], /--lr: .*\[E_INVALID_ARGUMENT\]/],
  ['NaN lr', ['train', '--lr', 'NaN'], /--lr must be a number/],
  ['infinite lr', ['train', '--lr', '1e400'], /--lr must be a number/],
  ['zero batch size', ['train', '--batch-size', '0'], /--batch-size: /],
  ['label smoothing 1', ['train', '--label-smoothing', '1'], /--label-smoothing: /],
  ['valid fraction 1', ['train', '--valid-fraction', '1'], /--valid-fraction: /],
  ['zero threads', ['train', '--threads', '0'], /--threads: /],
  ['zero limit-train', ['train', '--limit-train', '0'], /--limit-train: /],
  ['zero limit-eval', ['train', '--limit-eval', '0'], /--limit-eval: /],
  ['negative seed', ['train', '--seed', '-1'], /--seed must be a whole number/],
  [
    'memory format not on, off or auto',
    ['search', 'proxyless', '--channels-last', 'sideways'],
    /--channels-last takes on, off or auto/,
  ],
  [
    'export of a folder that does not exist',
    ['export', '--run', 'nope', '-o', 'net.onnx'],
    /--run 'nope' is not a folder/,
  ],
  ['negative warm-up', ['train', '--warmup-epochs', '-1'], /--warmup-epochs: /],
  // data parallelism and micro-batches
  ['zero micro-batches', ['train', '--micro-batches', '0'], /--micro-batches/],
  [
    'batch that micro-batches do not divide',
    ['train', '--batch-size', '30', '--micro-batches', '4', '--limit-train', '64'],
    /--batch-size 30 does not split into --micro-batches 4/,
  ],
  [
    'dist-url without a group',
    ['search', 'proxyless', '--dist-url', 'tcp://a:1'],
    /--dist-url needs WORLD_SIZE/,
  ],
  ['launch without a process count', ['launch', '--', 'train'], /required option '--nproc-per-node/],
  [
    'launch node rank past the node count',
    ['launch', '--nproc-per-node', '1', '--node-rank', '2', '--', 'train'],
    /--node-rank/,
  ],
  // train: choices, files and folders
  ['unknown dataset', ['train', '--dataset', 'imagenet'], /Allowed choices/],
  ['unknown optimizer', ['train', '--optimizer', 'rmsprop'], /Allowed choices/],
  ['unknown device', ['train', '--device', 'tpu'], /device must be/],
  [
    'missing architecture',
    ['train', '--arch', 'nope'],
    /neither a preset .* nor an architecture file \[E_IO\]/,
  ],
  ['architecture is a folder', ['train', '--arch', 'a-folder'], /is a folder, not a file \[E_IO\]/],
  ['architecture not JSON', ['train', '--arch', 'not-json.json'], /not valid JSON: .*\[E_DATA\]/],
  ['even kernel', ['train', '--arch', 'k4.json'], /kernel must be odd.*\[E_INVALID_ARGUMENT\]/],
  ['unknown op', ['train', '--arch', 'unknown-op.json'], /unknown op 'wobble'/],
  [
    "input shape not the dataset's",
    ['train', '--arch', 'big-input.json'],
    /takes input \[1,64,64\].*has \[1,28,28\]/,
  ],
  ['missing data folder', ['train', '--data-dir', '/nonexistent', '--device', 'cpu'], /not found.*\[E_IO\]/],
  ['run folder is a file', ['train', '--out', 'a-file'], /--out 'a-file' is a file.*\[E_IO\]/],
  ['run folder holds a search', ['train', '--out', 'search-run'], /--out 'search-run' holds a search run/],
  [
    'resume with changed options',
    ['train', '--out', 'train-run', '--lr', '0.5', '--arch', 'fmnist-mbconv'],
    /started with other options: --arch fmnist-cnn \(given fmnist-mbconv\), --lr 0.1 \(given 0.5\)/,
  ],
  [
    'resume shortened',
    ['train', '--out', 'train-run', '--epochs', '1'],
    /2-epoch schedule .* --epochs 1 would shorten it/,
  ],
  // search
  [
    'gm-nas split epochs not a list',
    ['search', 'gm-nas', '--split-epochs', 'two'],
    /--split-epochs takes positive whole numbers separated by commas, or none/,
  ],
  [
    'gm-nas split at or past the last epoch',
    ['search', 'gm-nas', '--epochs', '4', '--split-epochs', '2,4'],
    /--split-epochs: split epochs must increase and stay below epochs \(4\)/,
  ],
  [
    'gm-nas unknown space',
    ['search', 'gm-nas', '--space', 'nope', '--limit-train', '64'],
    /space \(--space\) is nb201 or a chain space, and 'nope' is neither a built-in search space/,
  ],
  [
    'gm-nas unknown criterion',
    ['search', 'gm-nas', '--criterion', 'best'],
    /argument 'best' is invalid\. Allowed choices are gradient, random/,
  ],
  [
    'fbnetv5 unknown task',
    ['search', 'fbnetv5', '--tasks', 'cls,pose'],
    /--tasks: unknown task 'pose' \(known: cls, seg, det\)/,
  ],
  [
    'fbnetv5 canvas smaller than an item',
    ['search', 'fbnetv5', '--canvas-size', '24'],
    /canvas.size 24 is smaller than an item/,
  ],
  [
    'fbnetv5 warm-up as long as the run',
    ['search', 'fbnetv5', '--epochs', '2', '--warmup-epochs', '2'],
    /lower --warmup-epochs or raise --epochs/,
  ],
  [
    'fbnetv5 target not a count',
    ['search', 'fbnetv5', '--target-macs', 'lots'],
    /--target-macs <n\|task=n,...>' argument 'lots' is invalid\. give a positive number of MACs, e\.g\. 8000000, 8e6 or 8M/,
  ],
  [
    'fbnetv5 target of a task not searched',
    ['search', 'fbnetv5', '--tasks', 'cls', '--target-macs', 'cls=20M,seg=20M'],
    /--target-macs needs one value per searched task \(cls\): seg not searched/,
  ],
  [
    'fbnetv5 target pair malformed',
    ['search', 'fbnetv5', '--target-macs', 'cls=5M=6M'],
    /give task=MACs pairs separated by commas, e\.g\. cls=5M,seg=9M \(not 'cls=5M=6M'\)/,
  ],
  [
    'fbnetv5 target no mask reaches',
    ['search', 'fbnetv5', '--target-macs', '1'],
    /--target-macs 1 MACs: no network of task cls's space costs within ±5% of it \(its cheapest network costs [\d.e+]+ MACs, its largest/,
  ],
  [
    'tnb101 unknown task',
    ['bench', 'tnb101', '--tasks', 'depth'],
    /--tasks: unknown 'depth' \(known: class_scene/,
  ],
  [
    'unknown space',
    ['search', 'proxyless', '--latency-loss', 'none', '--space', 'nope'],
    /neither a built-in search space .* nor a space file/,
  ],
  [
    'space is a folder',
    ['search', 'proxyless', '--latency-loss', 'none', '--space', 'a-folder'],
    /is a folder, not a file \[E_IO\]/,
  ],
  [
    'space file malformed',
    ['search', 'proxyless', '--latency-loss', 'none', '--space', 'space-bad.json'],
    /edges/,
  ],
  [
    "space input not the dataset's",
    ['search', 'proxyless', '--space', 'space-64.json', '--latency-loss', 'none'],
    /takes input \[1,64,64\]/,
  ],
  ['latency loss without target', ['search', 'proxyless'], /--target: a latency loss needs a target/],
  ['negative target', ['search', 'proxyless', '--target', '-3'], /--target: /],
  [
    'missing latency table',
    ['search', 'proxyless', '--target', '3', '--latency-table', 'none.json'],
    /does not exist \[E_IO\]/,
  ],
  [
    'negative latencies',
    ['search', 'proxyless', '--target', '3', '--latency-table', 'table-negative.json'],
    /table\.0\.0: .*\[E_DATA\]/,
  ],
  [
    'infinite latency',
    ['search', 'proxyless', '--target', '3', '--latency-table', 'table-huge.json'],
    /\[E_DATA\]/,
  ],
  [
    'latency table of another space',
    ['search', 'proxyless', '--target', '3', '--latency-table', 'table-short.json'],
    /does not match the space/,
  ],
  [
    'latency table of strings',
    ['search', 'proxyless', '--target', '3', '--latency-table', 'table-strings.json'],
    /\[E_DATA\]/,
  ],
  ['unknown gate mode', ['search', 'proxyless', '--mode', 'three'], /Allowed choices/],
  [
    'arch-every zero',
    ['search', 'proxyless', '--latency-loss', 'none', '--arch-every', '0'],
    /--arch-every: /,
  ],
  [
    'valid fraction zero',
    ['search', 'proxyless', '--latency-loss', 'none', '--valid-fraction', '0'],
    /--valid-fraction: /,
  ],
  [
    'search run folder holds a training run',
    ['search', 'proxyless', '--latency-loss', 'none', '--out', 'train-run'],
    /--out 'train-run' holds a train run/,
  ],
  [
    'mul#log on latencies under 1',
    [
      'search',
      'proxyless',
      '--latency-loss',
      'mul#log',
      '--target',
      '0.5',
      '--latency-table',
      'table-small.json',
    ],
    /--latency-loss mul#log takes log\(E\[LAT\]\).*cheapest network of this space costs 0\.1.*use --latency-loss abs#ratio/,
  ],
  [
    'target no network reaches',
    ['search', 'proxyless', '--target', '0.5', '--latency-table', 'table-small.json'],
    /--target 0\.5 table units: no network of space 'proxyless-28' costs within ±5% of it \(its cheapest network costs 0\.17 table units, its largest 0\.17 table units\); give a target between them/,
  ],
  [
    'MACs target above the space',
    ['search', 'proxyless', '--target', '80'],
    /--target 80 M MACs: no network .* its largest [\d.]+ M MACs\)/,
  ],
  [
    'target tolerance of 100%',
    ['search', 'proxyless', '--target', '8', '--target-tolerance', '1'],
    /--target-tolerance: /,
  ],
  // latency
  [
    'latency output is a folder',
    ['latency', 'table', '-o', 'a-folder', '--device', 'cpu'],
    /--out 'a-folder' is a folder: give a file name \[E_IO\]/,
  ],
  [
    'latency output under a file',
    ['latency', 'table', '-o', 'a-file/sub/table.json', '--device', 'cpu'],
    /cannot write in .*ENOTDIR \[E_IO\]/,
  ],
  [
    'latency unknown space',
    ['latency', 'table', '--space', 'nope', '-o', 'x.json'],
    /neither a built-in search space/,
  ],
  [
    'latency batch zero',
    ['latency', 'table', '--batch-size', '0', '-o', 'x.json', '--device', 'cpu'],
    /--batch-size: Too small/,
  ],
  ['latency fit without a table', ['latency', 'fit', '--table', 'none.json'], /does not exist|\[E_IO\]/],
  [
    'latency token without an agent',
    ['latency', 'table', '-o', 'x.json', '--token', 'abcdefgh123'],
    /--token is for a latency agent: give its address with --remote too/,
  ],
  [
    'latency agent without its token',
    ['latency', 'measure', '--arch', 'fmnist-cnn', '--remote', 'http://127.0.0.1:9'],
    /--remote needs the token the agent printed: give --token/,
  ],
  [
    'latency agent address that is not one',
    ['latency', 'table', '-o', 'x.json', '--remote', 'pi.local:7070', '--token', 'abcdefgh123'],
    /--remote 'pi.local:7070' is not an address: give it as the agent printed it, http:\/\/host:port/,
  ],
  ['latency agent with a short token', ['latency', 'agent', '--token', 'abc'], /--token must be at least 8/],
  [
    'latency agent with no room for a model',
    ['latency', 'agent', '--max-model-mb', '0'],
    /--max-model-mb must be at least 1/,
  ],
  // bench nb201
  [
    'hardware without a bound',
    ['bench', 'nb201', '--hardware', 'pixel3'],
    /--hardware and --max-latency go together/,
  ],
  [
    'bound nothing meets',
    ['bench', 'nb201', '--hardware', 'pixel3', '--max-latency', '0.001', '--runs', '2', '--progress', 'none'],
    /none of the 2 runs found an architecture within --max-latency 0.001 ms/,
  ],
  ['unknown strategy', ['bench', 'nb201', '--strategy', 'nope'], /Allowed choices/],
  ['zero runs', ['bench', 'nb201', '--runs', '0'], /runs/],
  [
    'plot of an unknown format',
    ['bench', 'nb201', '--runs', '1', '--plot', 'x.gif'],
    /must end in .svg or .png/,
  ],
  // other commands
  ['arch of a missing file', ['arch', 'none.json'], /\[E_IO\]/],
  ['plot of a folder without a run', ['plot', 'search', 'a-folder'], /\[E_IO\]/],
  ['unknown command', ['serach'], /unknown command/],
  // names that every JS object has (found by the fuzz test: 'toString' was taken for an op)
  [
    'architecture named toString',
    ['arch', 'toString'],
    /neither a preset .* nor an architecture file \[E_IO\]/,
  ],
  [
    'space named constructor',
    ['latency', 'table', '--space', 'constructor', '-o', 'x.json'],
    /neither a built-in search space/,
  ],
  ['block op named toString', ['train', '--arch', 'proto-op.json'], /unknown op 'toString'/],
];

describe('bad input on the command line', () => {
  const outcomes = new Map<string, Outcome>();
  beforeAll(async () => {
    // Two at a time: each case is a process that loads the addon.
    const queue = [...CASES];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) outcomes.set(c[0], await runCli(c[1]));
    };
    await Promise.all([worker(), worker()]);
  }, 300000);

  test.each(CASES)('%s', (name, _args, message) => {
    const { status, stderr, stdout } = outcomes.get(name)!;
    expect(status).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frame
    expect(stderr).not.toMatch(/internal error/);
    expect(
      stderr
        .trim()
        .split('\n')
        .filter((l) => !/run with --help|Did you mean/.test(l)),
    ).toHaveLength(1);
  });

  test('--version prints the version', async () => {
    const { status, stdout } = await runCli(['--version']);
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(require('../../package.json').version);
  });
});
