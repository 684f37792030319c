// The run index (status from lock, summary and error files; damaged folders listed, never fatal), the
// comparison of options, `torchnas runs`, and TensorBoard event files checked against the TFRecord and
// protobuf encodings written out by hand.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { compareOptions } from '../../lib/runs/run-compare';
import { bestOf, indexRuns, readRun } from '../../lib/runs/run-index';
import {
  EVENTS_FILE,
  maskedCrc,
  readEvents,
  recordScalars,
  writeRunEvents,
} from '../../lib/runs/tensorboard-events';
import { commitRunState } from '../../lib/run/run-state';
import { tempDir } from '../helpers/fixtures';
import { epochRecord as epoch, runsFixture, runState, writeRun } from '../helpers/run-fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');

const fixture = runsFixture;
const state = runState;

describe('run index', () => {
  test('each run with its kind, status, progress and best figure; damaged folders listed with the reason', () => {
    const root = fixture();
    const runs = indexRuns([root]);
    const by = Object.fromEntries(runs.map((r) => [path.relative(root, r.dir), r]));
    expect(Object.keys(by).sort()).toEqual(['done', 'failed', 'garbage', 'killed', 'nested/live', 'torn']);
    expect(by.done).toMatchObject({ kind: 'train', status: 'finished', epochsDone: 3, epochs: 3 });
    expect(by.done.best).toEqual({ metric: 'valid top-1', value: 0.7 });
    expect(by['nested/live']).toMatchObject({ kind: 'darts', status: 'running', epochsDone: 1 });
    expect(by.killed.status).toBe('stopped'); // its lock's process is gone
    expect(by.failed).toMatchObject({ status: 'failed', reason: 'the loss became NaN at step 7' });
    expect(by.torn.status).toBe('damaged');
    expect(by.torn.reason).toMatch(/state\.json is not valid JSON/);
    expect(by.garbage).toMatchObject({ status: 'damaged', kind: 'unknown' });
  });

  test("a GM-NAS run's best figure is its best leaf's top-1; a run with no accuracy has none", () => {
    const gm = [1, 2].map((e) => ({ type: 'gm-epoch', epoch: e, leaves: [{ id: 1, top1: 0.3 * e }, { id: 2, top1: 0.2 }] }));
    expect(bestOf(gm)).toEqual({ metric: 'best leaf top-1', value: 0.6 });
    expect(bestOf([{ type: 'pinas-epoch', tau: 0.1, loss: 3 }])).toBeUndefined();
  });

  test('a folder that is not there is a typed error; reading never writes into a run', () => {
    expect(() => indexRuns([path.join(tempDir(), 'missing')])).toThrow(/does not exist/);
    const root = fixture();
    const before = fs.readdirSync(path.join(root, 'done')).sort();
    readRun(path.join(root, 'done'));
    expect(fs.readdirSync(path.join(root, 'done')).sort()).toEqual(before);
  });

  test('compare marks exactly the options that differ, a missing one included, and leaves out where it ran', () => {
    const root = fixture();
    const rows = compareOptions([readRun(path.join(root, 'done')), readRun(path.join(root, 'nested', 'live'))]);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['epochs', false],
      ['lr', true],
    ]);
    const other = writeRun(path.join(root, 'other'), { 'run.json': { kind: 'train', options: { epochs: 3, seed: 1 } } });
    const withSeed = compareOptions([readRun(path.join(root, 'done')), readRun(other)]);
    expect(withSeed.find((r) => r.key === 'seed')).toEqual({ key: 'seed', values: [undefined, '1'], differs: true });
  });
});

describe('torchnas runs', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'runs', ...args], { encoding: 'utf8' });

  test('ls filters by status and kind; show and compare read run folders; bad input named', () => {
    const root = fixture();
    const failed = cli('ls', root, '--status', 'failed,damaged', '--json');
    expect(failed.status).toBe(0);
    expect(JSON.parse(failed.stdout).map((r: { status: string }) => r.status).sort()).toEqual(['damaged', 'damaged', 'failed']);
    const darts = JSON.parse(cli('ls', root, '--kind', 'darts', '--json').stdout);
    expect(darts).toHaveLength(1);
    expect(cli('ls', root).stdout).toMatch(/nested\/live\s+darts\s+running\s+1\/3/);
    expect(cli('show', path.join(root, 'done')).stdout).toMatch(/train, finished[\s\S]*best 70\.00% valid top-1/);
    const compare = cli('compare', path.join(root, 'done'), path.join(root, 'nested', 'live'));
    expect(compare.stdout).toMatch(/\* lr\s+0\.1\s+0\.2/);
    expect(compare.stdout).not.toMatch(/epochs\s+3\s+3\n/);

    const notRun = cli('show', path.join(root, 'not-a-run'));
    expect(notRun.status).not.toBe(0);
    expect(notRun.stderr).toMatch(/is not a run folder \(no run\.json\)/);
    expect(notRun.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(cli('compare', path.join(root, 'done')).stderr).toMatch(/two or more run folders/);
    expect(cli('ls', root, '--status', 'sleeping').stderr).toMatch(/unknown status 'sleeping'/);
    expect(cli('ls', root, '--sort', 'size').stderr).toMatch(/--sort/);
  });
});

/** CRC-32C bit by bit (Castagnoli, reflected 0x82F63B78): the definition, not a table. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** TensorFlow's crc32c::Mask: rotate right by 15, add 0xa282ead8. */
const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

describe('TensorBoard event files', () => {
  test('masked CRC-32C as TFRecord defines it', () => {
    expect(crc32cBitwise(Buffer.from('123456789'))).toBe(0xe3069283); // the standard check value
    const data = Buffer.from('torchnas event bytes');
    expect(maskedCrc(data)).toBe(mask(crc32cBitwise(data)));
  });

  test("the file's first record is the version Event, byte for byte as protobuf and TFRecord lay it out", () => {
    const dir = tempDir();
    writeRunEvents(dir, []);
    const bytes = fs.readFileSync(path.join(dir, EVENTS_FILE));
    // Event { wall_time (1, fixed64 double), step (2, varint) = 0, file_version (3, bytes) }
    const wall = bytes.readDoubleLE(12 + 1);
    const version = Buffer.from('brain.Event:2');
    const payload = Buffer.concat([
      Buffer.from([0x09]),
      bytes.subarray(13, 21),
      Buffer.from([0x10, 0x00, 0x1a, version.length]),
      version,
    ]);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(payload.length));
    const crcs = [Buffer.alloc(4), Buffer.alloc(4)];
    crcs[0].writeUInt32LE(mask(crc32cBitwise(length)));
    crcs[1].writeUInt32LE(mask(crc32cBitwise(payload)));
    expect(bytes).toEqual(Buffer.concat([length, crcs[0], payload, crcs[1]]));
    expect(Math.abs(wall - Date.now() / 1000)).toBeLessThan(60);
  });

  test('a scalar Event: Summary.Value { tag (1), simple_value (2, float) } inside Event.summary (5)', () => {
    const dir = tempDir();
    writeRunEvents(dir, [{ epoch: 3, loss: 0.5 }]);
    const bytes = fs.readFileSync(path.join(dir, EVENTS_FILE));
    const first = 16 + Number(bytes.readBigUInt64LE(0));
    const data = bytes.subarray(first + 12, bytes.length - 4);
    const value = Buffer.concat([Buffer.from([0x0a, 4]), Buffer.from('loss'), Buffer.from([0x15, 0, 0, 0, 0x3f])]);
    const summary = Buffer.concat([Buffer.from([0x0a, value.length]), value]);
    expect(data.subarray(9)).toEqual(Buffer.concat([Buffer.from([0x10, 3, 0x2a, summary.length]), summary]));
  });

  test('a flipped byte or a cut file is refused on reading', () => {
    const dir = tempDir();
    writeRunEvents(dir, [epoch(1, 0.5)]);
    const file = path.join(dir, EVENTS_FILE);
    const good = fs.readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[good.length - 9] ^= 1;
    fs.writeFileSync(file, flipped);
    expect(() => readEvents(file)).toThrow(/checksum/);
    fs.writeFileSync(file, good.subarray(0, good.length - 3));
    expect(() => readEvents(file)).toThrow(/cut short/);
  });

  test('scalars of a record by path; architecture logits also as probabilities; counters are the step', () => {
    const scalars = recordScalars({
      type: 'darts-epoch',
      epoch: 2,
      globalStep: 40,
      loss: 0.25,
      train: { top1: 0.5, nan: NaN },
      alphas: [[0, Math.log(3)]],
    });
    const expected: [string, number][] = [
      ['loss', 0.25],
      ['train/top1', 0.5],
      ['alphas/0/0', 0],
      ['alphas/0/1', Math.log(3)],
      ['probabilities/0/0', 0.25],
      ['probabilities/0/1', 0.75],
    ];
    expect(scalars.map(([tag]) => tag)).toEqual(expected.map(([tag]) => tag));
    scalars.forEach(([, v], i) => expect(v).toBeCloseTo(expected[i][1], 12));
  });

  test('each commit rewrites the file from the committed history, keeping earlier epochs\' wall times', () => {
    const dir = tempDir();
    commitRunState(dir, state([epoch(1, 0.5)]) as never);
    const before = readEvents(path.join(dir, EVENTS_FILE));
    commitRunState(dir, state([epoch(1, 0.5), epoch(2, 0.6)]) as never);
    const after = readEvents(path.join(dir, EVENTS_FILE));
    expect(after.map((e) => e.step)).toEqual([0, 1, 2]);
    expect(after[1].wallTime).toBe(before[1].wallTime);
    expect(new Map(after[2].scalars).get('valid/top1')).toBeCloseTo(0.6, 6);
  });
});
