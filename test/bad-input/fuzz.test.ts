// Property-based fuzzing of everything torchnas reads from users: architecture strings, space
// descriptions, latency-table files, IDX and CIFAR files, checkpoints. Each input is either accepted
// or refused with a TorchnasError: no other exception, no crash of the process, no hang.
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import {
  canonicalBlock,
  decodeBlock,
  decodeSubnet,
  ELASTIC_SPACES,
  encodeSubnet,
  loadDataset,
  loadElasticSpace,
  loadSpace,
  parseLatencyTable,
  randomSubnet,
  readSearchLatencyTable,
  resolveSpace,
  Session,
  SPACES,
  subnetCost,
  TorchnasError,
} from '../../lib';
import { Rng } from '../../lib/util/rng';
import { tempDir, tinySpaceDescription } from '../helpers/fixtures';
import { buildSupernet } from '../../lib/proxyless/proxyless-session';

const dir = tempDir('torchnas-fuzz-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Counted for RELIABILITY.md: cases run per target.
const RUNS = {
  grammar: 3000,
  space: 1000,
  elastic: 1000,
  subnet: 2000,
  table: 1000,
  idx: 150,
  cifar: 100,
  checkpoint: 60,
};

function acceptedOrRefused(call: () => unknown): boolean {
  try {
    call();
    return true;
  } catch (error) {
    if (error instanceof TorchnasError) return true;
    throw error;
  }
}

async function acceptedOrRefusedAsync(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (error instanceof TorchnasError) return true;
    throw error;
  }
}

const TOKENS = [
  'mb',
  'conv',
  'zero',
  'identity',
  'gap',
  'fc',
  'linear',
  'maxpool',
  'avgpool',
  'drop',
  'k3',
  'k4',
  'k0',
  'k-1',
  's2',
  's0',
  'e6',
  'e0.5',
  'c16',
  'c0',
  'c1e9',
  'se0.25',
  'se2',
  'aswish',
  'ahswish',
  'arelu',
  'p0.2',
  'p1',
  'pNaN',
  '',
  '_',
];

describe('fuzz', () => {
  test('architecture grammar: random and token-built block strings', () => {
    const tokenBlock = fc
      .array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 6 })
      .map((t) => t.join('_'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), tokenBlock), (source) => {
        let decoded = true;
        try {
          decodeBlock(source);
        } catch (error) {
          if (!(error instanceof TorchnasError)) throw error;
          decoded = false;
        }
        // What decodes has one canonical spelling, which decodes to itself.
        if (decoded) expect(canonicalBlock(canonicalBlock(source))).toBe(canonicalBlock(source));
      }),
      { numRuns: RUNS.grammar, seed: 1 },
    );
  });

  test('space descriptions: mutated presets and arbitrary JSON', () => {
    const base = SPACES['proxyless-28'] as Record<string, unknown>;
    const mutated = fc
      .record({ key: fc.constantFrom(...Object.keys(base), 'extra'), value: fc.jsonValue() })
      .map(({ key, value }) => ({ ...base, [key]: value }));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.jsonValue()), (value) =>
        acceptedOrRefused(() => resolveSpace(loadSpace(value as object))),
      ),
      { numRuns: RUNS.space, seed: 2 },
    );
  });

  test('elastic space descriptions: mutated presets and arbitrary JSON', () => {
    const base = ELASTIC_SPACES['elastic-28'] as Record<string, unknown>;
    const mutated = fc
      .record({ key: fc.constantFrom(...Object.keys(base), 'extra'), value: fc.jsonValue() })
      .map(({ key, value }) => ({ ...base, [key]: value }));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.jsonValue()), (value) =>
        acceptedOrRefused(() => loadElasticSpace(value as object)),
      ),
      { numRuns: RUNS.elastic, seed: 7 },
    );
  });

  test('subnet strings: random, token-built and mutated ones', () => {
    const space = loadElasticSpace('elastic-28');
    const parts = [
      'r28',
      'r0',
      'r-1',
      'w16:k3e3',
      'w24:k5e4,k7e6',
      'w40:k3e3',
      'w48:k3e4,k5e3,k7e6',
      'w64:k5e6',
      'w96:k7e6',
      'w0:k3e3',
      'w16:',
      'k3e3',
      'w16:k4e3',
      '|',
      ':',
      ',',
    ];
    const tokens = fc
      .array(fc.constantFrom(...parts), { minLength: 1, maxLength: 8 })
      .map((t) => t.join('|'));
    // A valid subnet's string with one character replaced.
    const mutated = fc
      .record({
        seed: fc.integer({ min: 0, max: 1e6 }),
        at: fc.nat(),
        char: fc.constantFrom(...'0123456789rwke:|,x'),
      })
      .map(({ seed, at, char }) => {
        const rng = new Rng(seed);
        const text = encodeSubnet(randomSubnet(space, () => rng.next()));
        const i = at % text.length;
        return text.slice(0, i) + char + text.slice(i + 1);
      });
    let decoded = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), tokens, mutated), (text) => {
        let subnet;
        try {
          subnet = decodeSubnet(space, text);
        } catch (error) {
          if (!(error instanceof TorchnasError)) throw error;
          return;
        }
        // What decodes is a subnet of the space: canonical, with a cost.
        expect(decodeSubnet(space, encodeSubnet(subnet))).toEqual(subnet);
        expect(subnetCost(space, subnet).macs).toBeGreaterThan(0);
        decoded++;
      }),
      { numRuns: RUNS.subnet, seed: 8 },
    );
    expect(decoded).toBeGreaterThan(50); // the property saw valid subnets too, not only refusals
  });

  test('latency-table files: torchnas tables, plain tables and arbitrary JSON', () => {
    const resolved = resolveSpace(loadSpace(tinySpaceDescription()));
    const file = path.join(dir, 'table.json');
    const numbers = fc.oneof(fc.double(), fc.integer(), fc.constant(-1), fc.constant(1e308));
    const plain = fc.record({
      table: fc.array(fc.array(numbers, { maxLength: 5 }), { maxLength: 4 }),
      fixed: fc.option(numbers, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.oneof(plain, fc.jsonValue(), fc.string()), (value) => {
        fs.writeFileSync(file, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
        acceptedOrRefused(() => parseLatencyTable(value, file));
        let read: { table: number[][]; fixed: number } | undefined;
        acceptedOrRefused(() => (read = readSearchLatencyTable(resolved, file)));
        // What is accepted is usable: finite, non-negative, one value per candidate.
        if (read) {
          expect(read.table.flat().every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
          expect(read.table.map((row) => row.length)).toEqual(resolved.edges.map((e) => e.candidates.length));
        }
      }),
      { numRuns: RUNS.table, seed: 3 },
    );
  });

  const be32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  };

  test('IDX headers and bodies', async () => {
    const data = path.join(dir, 'idx');
    fs.mkdirSync(data);
    const header = fc.record({
      magic: fc.constantFrom(0x803, 0x801, 0x802, 0x0, 0xffffffff),
      n: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(0xffffffff), fc.constant(2 ** 31)),
      h: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(0xffffffff)),
      w: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(0x10000)),
      labelMagic: fc.constantFrom(0x801, 0x803, 0x0),
      labelN: fc.integer({ min: 0, max: 9 }),
      body: fc.uint8Array({ maxLength: 600 }),
      labels: fc.uint8Array({ maxLength: 10 }),
      cut: fc.integer({ min: 0, max: 20 }),
    });
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const images = Buffer.concat([be32(h.magic), be32(h.n), be32(h.h), be32(h.w), Buffer.from(h.body)]);
        const labels = Buffer.concat([be32(h.labelMagic), be32(h.labelN), Buffer.from(h.labels)]);
        fs.writeFileSync(
          path.join(data, 'train-images-idx3-ubyte'),
          images.subarray(0, Math.max(0, images.length - h.cut)),
        );
        fs.writeFileSync(path.join(data, 'train-labels-idx1-ubyte'), labels);
        return acceptedOrRefusedAsync(() => loadDataset('fashion-mnist', 'train', data));
      }),
      { numRuns: RUNS.idx, seed: 4 },
    );
  }, 120000);

  test('CIFAR files of any length and content', async () => {
    const data = path.join(dir, 'cifar');
    fs.mkdirSync(data);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3 * 3073 + 5 }), async (bytes) => {
        fs.writeFileSync(path.join(data, 'test_batch.bin'), bytes);
        return acceptedOrRefusedAsync(() => loadDataset('cifar10', 'test', data));
      }),
      { numRuns: RUNS.cifar, seed: 5 },
    );
  }, 120000);

  test('checkpoint files: random bytes and damaged real checkpoints', async () => {
    const session = new Session({ threads: 1, seed: 1 });
    try {
      await buildSupernet(session, resolveSpace(loadSpace(tinySpaceDescription())));
      await session.configureTraining({ lr: 0.1, totalSteps: 10 });
      const real = path.join(dir, 'real.pt');
      await session.saveCheckpoint(real);
      const good = fs.readFileSync(real);
      const damaged = fc.oneof(
        fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
        fc.integer({ min: 0, max: good.length - 1 }).map((cut) => good.subarray(0, cut)),
        fc
          .record({
            at: fc.integer({ min: 0, max: good.length - 1 }),
            byte: fc.integer({ min: 0, max: 255 }),
          })
          .map(({ at, byte }) =>
            Buffer.concat([good.subarray(0, at), Buffer.from([byte]), good.subarray(at + 1)]),
          ),
      );
      const file = path.join(dir, 'fuzzed.pt');
      await fc.assert(
        fc.asyncProperty(damaged, async (bytes) => {
          fs.writeFileSync(file, bytes);
          return acceptedOrRefusedAsync(() => session.loadCheckpoint(file));
        }),
        { numRuns: RUNS.checkpoint, seed: 6 },
      );
      // The session is still usable after all of it.
      await session.loadCheckpoint(real);
    } finally {
      await session.close();
    }
  }, 180000);
});
