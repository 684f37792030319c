import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../../lib/errors';
import { plotFormat, renderChart, svgToPng, type VegaLiteSpec } from '../../lib/report';
import { encodeOpaquePng } from '../../lib/report/png-encode';
import { textWidth } from '../../lib/report/text-width';
import { tempDir } from '../helpers/fixtures';
import { readPng, svgOf, textsOf } from './render';

const BARS: VegaLiteSpec = {
  title: 'Throughput by device',
  data: {
    values: [
      { device: 'cpu', imagesPerSecond: 120 },
      { device: 'cuda', imagesPerSecond: 2400 },
    ],
  },
  mark: 'bar',
  encoding: {
    x: { field: 'device', type: 'nominal', title: 'device' },
    y: { field: 'imagesPerSecond', type: 'quantitative', title: 'images per second' },
  },
};

async function expectError(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TorchnasError);
  expect((error as TorchnasError).code).toBe(code);
  expect((error as TorchnasError).message).toMatch(message);
}

describe('renderChart', () => {
  test('writes an SVG with the title, the axis titles and the marks', async () => {
    const out = path.join(tempDir(), 'nested', 'bars.svg');
    await renderChart(BARS, out);
    const svg = fs.readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(textsOf(svg)).toEqual(
      expect.arrayContaining(['Throughput by device', 'device', 'images per second', 'cpu', 'cuda']),
    );
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(2);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['bars.svg']); // no temporary file left
  });

  test('writes a PNG twice the SVG size, white where nothing is drawn, with dark text', async () => {
    const out = path.join(tempDir(), 'bars.PNG');
    await renderChart(BARS, out);
    const svg = await svgOf(BARS);
    const [, width, height] = svg.match(/width="(\d+)" height="(\d+)"/)!.map(Number);
    const png = readPng(fs.readFileSync(out));
    expect([png.width, png.height]).toEqual([2 * width, 2 * height]);
    expect(png.rgb(0, 0)).toEqual([255, 255, 255]);
    // The title is drawn: its row holds near-black pixels (no font, no text).
    const titleRow = Array.from({ length: png.width }, (_, x) => png.rgb(x, 28));
    expect(titleRow.some(([r, g, b]) => r + g + b < 150)).toBe(true);
  });

  test('the output name must end in .svg or .png', async () => {
    for (const name of ['chart.jpg', 'chart', 'chart.svg.txt']) {
      expect(() => plotFormat(name)).toThrow(/must end in \.svg or \.png/);
      await expectError(
        renderChart(BARS, path.join(tempDir(), name)),
        'E_INVALID_ARGUMENT',
        /must end in \.svg or \.png/,
      );
    }
    expect(plotFormat('a/b.Svg')).toBe('svg');
  });

  test('an unwritable place is an E_IO error naming the file', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    await expectError(
      renderChart(BARS, path.join(file, 'chart.svg')),
      'E_IO',
      /cannot write plot '.*a-file\/chart\.svg'/,
    );
  });

  test('data is inline only: a URL is refused, never fetched', async () => {
    const remote = { ...BARS, data: { url: 'https://example.com/data.json' } } as VegaLiteSpec;
    await expect(svgOf(remote)).rejects.toThrow(
      /inline data only; refusing to load 'https:\/\/example.com\/data.json'/,
    );
  });
});

describe('PNG and text helpers', () => {
  test('encodeOpaquePng round-trips pixels and drops alpha', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255]);
    const png = readPng(encodeOpaquePng(2, 2, rgba));
    expect([png.rgb(0, 0), png.rgb(1, 0), png.rgb(0, 1), png.rgb(1, 1)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [10, 20, 30],
    ]);
    expect(() => encodeOpaquePng(2, 2, rgba.subarray(4))).toThrow(/12 bytes for 2 x 2/);
  });

  test('svgToPng draws an SVG it is given', async () => {
    const png = readPng(
      await svgToPng(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"><rect width="5" height="5" fill="#000"/></svg>',
      ),
    );
    expect([png.width, png.height, png.rgb(2, 2), png.rgb(17, 2)]).toEqual([
      20,
      10,
      [0, 0, 0],
      [255, 255, 255],
    ]);
  });

  test('text widths follow DejaVu Sans: digits 0.636 em, bold wider, other characters wide', () => {
    expect(textWidth('00', 10)).toBeCloseTo(12.72);
    expect(textWidth('ab', 10, true)).toBeGreaterThan(textWidth('ab', 10));
    expect(textWidth('±', 10)).toBeCloseTo(8.38);
  });
});
