// Real image files for the image-folder tests: PNGs of every colour type written here (chunks by the
// chart encoder's writer, nothing shared with the native decoder under test), JPEGs by libjpeg-turbo's
// cjpeg, and the Fashion-MNIST pixels they are made from.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { PNG_SIGNATURE, pngChunk } from '../../lib/report/png-encode';
import { FASHION_DIR } from './fixtures';

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 8 | 16;
  /** samples, row-major, channels interleaved (16-bit samples as numbers up to 65535) */
  samples: ArrayLike<number>;
  /** colour type 3: [r, g, b] per index */
  palette?: [number, number, number][];
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function encodePng(spec: PngSpec): Buffer {
  const channels = CHANNELS[spec.colorType];
  const bytes = spec.bitDepth / 8;
  const stride = 1 + spec.width * channels * bytes;
  const raw = Buffer.alloc(stride * spec.height);
  for (let y = 0; y < spec.height; y++) {
    for (let i = 0; i < spec.width * channels; i++) {
      const v = spec.samples[y * spec.width * channels + i];
      if (bytes === 1) raw[y * stride + 1 + i] = v;
      else raw.writeUInt16BE(v, y * stride + 1 + 2 * i);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(spec.width, 0);
  header.writeUInt32BE(spec.height, 4);
  header[8] = spec.bitDepth;
  header[9] = spec.colorType;
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', header)];
  if (spec.palette) parts.push(pngChunk('PLTE', Buffer.from(spec.palette.flat())));
  parts.push(pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** An 8-bit grayscale PNG. */
export const grayPng = (width: number, height: number, samples: ArrayLike<number>) =>
  encodePng({ width, height, colorType: 0, bitDepth: 8, samples });

/** An RGB (3 channels) or grayscale (1) image as a JPEG file, through cjpeg (quality 98, no chroma subsampling). */
export function writeJpeg(
  file: string,
  width: number,
  height: number,
  channels: 1 | 3,
  pixels: Uint8Array,
  flags: string[] = [],
): void {
  const pnm = Buffer.concat([
    Buffer.from(`${channels === 1 ? 'P5' : 'P6'}\n${width} ${height}\n255\n`),
    Buffer.from(pixels),
  ]);
  const run = spawnSync('cjpeg', ['-quality', '98', '-sample', '1x1', ...flags, '-outfile', file], {
    input: pnm,
  });
  if (run.status !== 0) throw new Error(`cjpeg failed (install libjpeg-turbo-progs): ${run.stderr}`);
}

/** A JPEG file as libjpeg-turbo's own djpeg decodes it: interleaved samples, 1 or 3 per pixel. */
export function djpeg(file: string): { width: number; height: number; channels: number; pixels: Uint8Array } {
  const run = spawnSync('djpeg', ['-pnm', file]);
  if (run.status !== 0) throw new Error(`djpeg failed: ${run.stderr}`);
  const header = run.stdout
    .subarray(0, 20)
    .toString('latin1')
    .match(/^(P[56])\s+(\d+)\s+(\d+)\s+255\s/);
  if (!header) throw new Error('djpeg wrote no 8-bit PNM');
  const [width, height, channels] = [Number(header[2]), Number(header[3]), header[1] === 'P5' ? 1 : 3];
  return { width, height, channels, pixels: new Uint8Array(run.stdout.subarray(header[0].length)) };
}

/** The first `count` Fashion-MNIST test images (28 x 28 gray) and their labels. */
export function fashionImages(count: number): { images: Uint8Array[]; labels: number[] } {
  const images = zlib.gunzipSync(fs.readFileSync(`${FASHION_DIR}/t10k-images-idx3-ubyte.gz`));
  const labels = zlib.gunzipSync(fs.readFileSync(`${FASHION_DIR}/t10k-labels-idx1-ubyte.gz`));
  return {
    images: Array.from({ length: count }, (_, i) => images.subarray(16 + i * 784, 16 + (i + 1) * 784)),
    labels: Array.from(labels.subarray(8, 8 + count)),
  };
}

/** A 28 x 28 image framed by `pad` black pixels on every side. */
export function framed(image: Uint8Array, pad: number): Uint8Array {
  const side = 28 + 2 * pad;
  const out = new Uint8Array(side * side);
  for (let y = 0; y < 28; y++) out.set(image.subarray(y * 28, (y + 1) * 28), (y + pad) * side + pad);
  return out;
}
