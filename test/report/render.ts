// Helpers for the chart tests: render a spec and read back what a person would see.
import * as zlib from 'zlib';
import { chartToSvg, type VegaLiteSpec } from '../../lib/report';

/** The SVG of a spec, failing on any warning vega or vega-lite prints (a dropped legend, a bad encoding). */
export async function svgOf(spec: VegaLiteSpec): Promise<string> {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const svg = await chartToSvg(spec);
    expect(warn.mock.calls).toEqual([]);
    return svg;
  } finally {
    warn.mockRestore();
  }
}

/** The texts drawn in an SVG (titles, labels, legend entries), in document order. */
export function textsOf(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&amp;/g, '&').replace(/&#39;/g, "'"),
  );
}

export interface PngInfo {
  width: number;
  height: number;
  /** RGB of the pixel at (x, y). */
  rgb(x: number, y: number): [number, number, number];
}

/** Reads an 8-bit RGB PNG with unfiltered rows, the only kind torchnas writes. */
export function readPng(png: Buffer): PngInfo {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect([...png.subarray(24, 29)]).toEqual([8, 2, 0, 0, 0]);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = 1 + 3 * width;
  expect(raw.length).toBe(stride * height);
  return {
    width,
    height,
    rgb: (x, y) => [raw[y * stride + 1 + 3 * x], raw[y * stride + 2 + 3 * x], raw[y * stride + 3 + 3 * x]],
  };
}
