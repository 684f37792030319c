// Shared helpers for tests: temporary folders, small synthetic dataset files, tiny architectures.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DATASETS } from '../../lib';

export function tempDir(prefix = 'torchnas-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const FASHION_DIR = DATASETS['fashion-mnist'].defaultDir;

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** IDX image and label files with `n` images of h x w whose pixels encode (index, row, col). */
export function idxFiles(n: number, h = 4, w = 4, classes = 10) {
  const pixels = Buffer.alloc(n * h * w);
  for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) pixels[i * h * w + p] = (i * 7 + p) % 256;
  return idxOf(
    pixels,
    n,
    h,
    w,
    Array.from({ length: n }, (_, i) => i % classes),
  );
}

/** IDX image and label files holding the given n images of h x w (uint8, row-major) and labels. */
export function idxOf(pixels: Buffer, n: number, h: number, w: number, labels: number[]) {
  return {
    images: Buffer.concat([be32(0x00000803), be32(n), be32(h), be32(w), pixels]),
    labels: Buffer.concat([be32(0x00000801), be32(n), Buffer.from(labels)]),
  };
}

export function writeIdx(dir: string, images: Buffer, labels: Buffer, gzip: boolean) {
  const suffix = gzip ? '.gz' : '';
  const imagesPath = path.join(dir, `images-idx3-ubyte${suffix}`);
  const labelsPath = path.join(dir, `labels-idx1-ubyte${suffix}`);
  fs.writeFileSync(imagesPath, gzip ? zlib.gzipSync(images) : images);
  fs.writeFileSync(labelsPath, gzip ? zlib.gzipSync(labels) : labels);
  return { imagesPath, labelsPath };
}

export const TINY_ARCH = {
  name: 'tiny',
  input: [1, 28, 28] as [number, number, number],
  classes: 10,
  blocks: ['conv_k3_s2_c8', 'mb_k3_s2_e3_c16_se0.25', 'gap', 'fc'],
};

/**
 * A small chain space: a stride-2 edge without Zero, then `depth - 1` stride-1 edges with a shortcut
 * and Zero. Three MBConv candidates per edge.
 */
export function tinySpaceDescription(depth = 2) {
  return {
    name: 'tiny',
    input: [1, 28, 28] as [number, number, number],
    classes: 10,
    stem: ['conv_k3_s2_c8'],
    stages: [{ width: 8, depth, stride: 2 }],
    candidates: ['mb_k3_e1', 'mb_k3_e3', 'mb_k5_e3'],
    zero: true,
    head: ['gap', 'fc'],
  };
}

/** A latency table with the given medians (ms) per layer key, measured under made-up conditions. */
export function latencyTableOf(medians: Record<string, number>, space = 'x', input = [1, 8, 8]) {
  return {
    format: 'torchnas/latency-table@1' as const,
    unit: 'ms' as const,
    space,
    input,
    complete: true,
    buildSeconds: 0,
    conditions: {
      device: 'cpu',
      deviceName: 'cpu',
      batch: 1,
      precision: 'fp32' as const,
      channelsLast: false,
      cudnnBenchmark: false,
      foldBatchNorm: false,
      cudaGraph: false,
      threads: 1,
      timer: 'steady-clock' as const,
      warmup: 0,
      repeats: 1,
      torchVersion: '0',
    },
    entries: Object.fromEntries(
      Object.entries(medians).map(([k, m]) => [
        k,
        { count: 1, mean: m, median: m, variance: 0, p10: m, p90: m, iqr: 0 },
      ]),
    ),
  };
}
