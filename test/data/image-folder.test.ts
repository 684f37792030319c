// Image folders: real JPEG and PNG files made here from Fashion-MNIST images, decoded natively and
// compared with the pixels they were made from; the evaluation and training transforms checked
// against expectations worked out by hand; unreadable files skipped, counted and named.
import * as fs from 'fs';
import * as path from 'path';
import type { NativeLoaderOptions } from '../../binding';
import {
  augmentationFor, loadDataset, loadImageFolder, reportSkippedImages, syntheticDataset, train, type Dataset,
} from '../../lib';
import { tempDir } from '../helpers/fixtures';
import { djpeg, encodePng, fashionImages, framed, grayPng, writeJpeg } from '../helpers/image-files';

const RAW = { mean: [0], std: [1] }; // batches hold pixel / 255

/** Batch `index` as uint8 pixels, one Uint8Array [3, s, s] per image, and the labels. */
function batchOf(data: Dataset, options: Partial<NativeLoaderOptions>, index = 0) {
  const b = data.handle.previewBatch({ batchSize: 64, shuffle: false, augment: RAW, ...options }, index);
  const per = b.shape[1] * b.shape[2] * b.shape[3];
  const pixels = (i: number) => Uint8Array.from(b.images.subarray(i * per, (i + 1) * per), (v) => Math.round(v * 255));
  const images = Array.from({ length: b.shape[0] }, (_, i) => pixels(i));
  return { images, labels: Array.from(b.labels), shape: b.shape };
}

/** One gray 28 x 28 image as the 3 x 28 x 28 planes an RGB decode gives. */
const grayPlanes = (g: Uint8Array) => Uint8Array.from({ length: 3 * 784 }, (_, i) => g[i % 784]);

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function meanDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

const { images: fashion } = fashionImages(12);

describe('decoding', () => {
  // 28 x 28 images framed to 32 x 32: the evaluation transform at size 28 resizes the shorter side to
  // round(28 * 256 / 224) = 32 (no resampling) and crops the centre 28 x 28, the source itself.
  test('PNG files of every colour type decode to the source pixels exactly', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'c'));
    const g = (i: number) => framed(fashion[i], 2);
    const alpha = (i: number) => (i * 37) % 256;
    const png = (colorType: 0 | 2 | 3 | 4 | 6, bitDepth: 8 | 16, samples: ArrayLike<number>) =>
      encodePng({ width: 32, height: 32, colorType, bitDepth, samples, ...(colorType === 3 ? { palette } : {}) });
    const files: [string, Buffer, Uint8Array][] = [];
    const expectRgb = (f: (v: number) => [number, number, number], src: Uint8Array) => {
      const out = new Uint8Array(3 * 784);
      for (let p = 0; p < 784; p++) f(src[p]).forEach((v, c) => (out[c * 784 + p] = v));
      return out;
    };
    const tint = (v: number): [number, number, number] => [v, 255 - v, v >> 1];
    const palette = Array.from({ length: 256 }, (_, v) => tint(v));
    // 16-bit samples: the high byte is the pixel, the low byte noise that must not leak in.
    files.push(['0-gray.png', png(0, 8, g(0)), grayPlanes(fashion[0])]);
    files.push(['1-gray16.png', png(0, 16, Array.from(g(1), (v) => v * 256 + 100)), grayPlanes(fashion[1])]);
    files.push(['2-rgb.png', png(2, 8, Array.from(g(2)).flatMap(tint)), expectRgb(tint, fashion[2])]);
    files.push(['3-palette.png', png(3, 8, g(3)), expectRgb(tint, fashion[3])]);
    files.push(['4-gray-alpha.png', png(4, 8, Array.from(g(4)).flatMap((v, i) => [v, alpha(i)])), grayPlanes(fashion[4])]);
    // Alpha is dropped, not composited (PIL's convert('RGB')): half-transparent pixels keep their colour.
    const rgba = Array.from(g(5)).flatMap((v, i) => [...tint(v), alpha(i)]);
    files.push(['5-rgba.png', png(6, 8, rgba), expectRgb(tint, fashion[5])]);
    const rgb16 = Array.from(g(6)).flatMap((v) => tint(v).map((x) => x * 256 + 3));
    files.push(['6-rgb16.png', png(2, 16, rgb16), expectRgb(tint, fashion[6])]);
    for (const [name, bytes] of files) fs.writeFileSync(path.join(root, 'c', name), bytes);

    const data = await loadImageFolder({ root, size: 28 });
    expect(data.describe()).toMatchObject({ size: files.length, classes: 1, shape: [3, 28, 28], classNames: ['c'] });
    expect(data.skippedImages().count).toBe(0);
    const { images } = batchOf(data, {});
    files.forEach(([name, , expected], i) => expect([name, maxDiff(images[i], expected)]).toEqual([name, 0]));
  });

  // Tolerance: JPEG is lossy. At quality 98 without chroma subsampling, the first twelve Fashion-MNIST
  // test images come back (measured with djpeg) within a mean of 0.5 (gray) and 1.2 (colour) levels
  // and a maximum of 4 and 8; the test allows a mean of 1.5 and a maximum of 10. The decode itself is
  // exact: the same pixels as libjpeg-turbo's djpeg.
  test("JPEG files (gray, colour, progressive) decode to djpeg's pixels, within JPEG tolerance of the source", async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'c'));
    const tint = (v: number) => [v, 255 - v, v >> 1];
    const rgbOf = (g: Uint8Array) => Uint8Array.from(Array.from(g).flatMap(tint));
    writeJpeg(path.join(root, 'c', '0-gray.jpg'), 32, 32, 1, framed(fashion[0], 2));
    writeJpeg(path.join(root, 'c', '1-rgb.jpg'), 32, 32, 3, rgbOf(framed(fashion[1], 2)));
    writeJpeg(path.join(root, 'c', '2-progressive.jpg'), 32, 32, 3, rgbOf(framed(fashion[2], 2)), ['-progressive']);
    const planes = (g: Uint8Array) => Uint8Array.from({ length: 3 * 784 }, (_, i) => tint(g[i % 784])[(i / 784) | 0]);
    const expected = [grayPlanes(fashion[0]), planes(fashion[1]), planes(fashion[2])];

    const { images } = batchOf(await loadImageFolder({ root, size: 28 }), {});
    expect(images).toHaveLength(3);
    images.forEach((img, i) => {
      expect(meanDiff(img, expected[i])).toBeLessThan(1.5);
      expect(maxDiff(img, expected[i])).toBeLessThanOrEqual(10);
    });
    ['0-gray.jpg', '1-rgb.jpg', '2-progressive.jpg'].forEach((name, i) => {
      const ref = djpeg(path.join(root, 'c', name));
      const planes = Uint8Array.from({ length: 3 * 784 }, (_, k) => {
        const [c, y, x] = [(k / 784) | 0, ((k % 784) / 28) | 0, k % 28];
        return ref.pixels[((y + 2) * 32 + x + 2) * ref.channels + (ref.channels === 1 ? 0 : c)];
      });
      expect([name, maxDiff(images[i], planes)]).toEqual([name, 0]);
    });
    // A grayscale JPEG gives three equal planes.
    expect(maxDiff(images[0].subarray(0, 784), images[0].subarray(784, 1568))).toBe(0);
  });
});

describe('layout', () => {
  test('classes are the sorted subfolder names and label every image in them', async () => {
    const root = tempDir();
    // Byte order, as Python's sorted(): '10' < '9' < 'Boot' < 'bag'; hidden folders are no class.
    const classes = ['bag', '9', 'Boot', '10'];
    const sorted = ['10', '9', 'Boot', 'bag'];
    fs.mkdirSync(path.join(root, '.cache'));
    classes.forEach((c, k) => {
      fs.mkdirSync(path.join(root, c, 'nested'), { recursive: true });
      // Each class holds images filled with one grey level: 10 * (its index in `classes`) + 10.
      const fill = (v: number) => new Uint8Array(32 * 32).fill(v);
      fs.writeFileSync(path.join(root, c, 'b.png'), grayPng(32, 32, fill(10 * k + 10)));
      fs.writeFileSync(path.join(root, c, 'nested', 'a.PNG'), grayPng(32, 32, fill(10 * k + 10)));
      fs.writeFileSync(path.join(root, c, 'notes.txt'), 'not an image');
    });
    const data = await loadImageFolder({ root, size: 28 });
    expect(data.describe()).toMatchObject({ size: 8, classes: 4, classNames: sorted, classCounts: [2, 2, 2, 2] });
    const { images, labels } = batchOf(data, {});
    images.forEach((img, i) => expect(img[0]).toBe(10 * classes.indexOf(sorted[labels[i]]) + 10));
    expect(labels).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  test('an empty class folder, a folder without classes and a missing root are typed errors naming the folder', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'cat'));
    fs.mkdirSync(path.join(root, 'dog'));
    fs.writeFileSync(path.join(root, 'cat', 'a.png'), grayPng(4, 4, new Uint8Array(16)));
    fs.writeFileSync(path.join(root, 'dog', 'a.bmp'), 'BM');
    await expect(loadImageFolder({ root })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(new RegExp(`class folder '${path.join(root, 'dog')}' holds no \\.jpg.*a\\.bmp.*remove`)),
    });
    const flat = tempDir();
    fs.writeFileSync(path.join(flat, 'a.png'), 'x');
    const rejects = (code: string, text: string) => ({ code, message: expect.stringContaining(text) });
    await expect(loadImageFolder({ root: flat })).rejects.toMatchObject(rejects('E_INVALID_ARGUMENT', 'no class subfolders'));
    await expect(loadImageFolder({ root: path.join(root, 'nowhere') })).rejects.toMatchObject(rejects('E_IO', 'does not exist'));
    await expect(loadDataset('image-folder', 'train')).rejects.toMatchObject(rejects('E_INVALID_ARGUMENT', 'train/ and val/'));
  });

  test('a file list gives the paths and labels; a bad line is named', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'imgs', 'sub dir'), { recursive: true });
    const names = ['imgs/a.png', 'imgs/sub dir/b c.png', 'imgs/d.png'];
    names.forEach((n, i) => fs.writeFileSync(path.join(root, n), grayPng(32, 32, new Uint8Array(1024).fill(50 * i))));
    const list = path.join(root, 'list.txt');
    fs.writeFileSync(list, `# path label\n${names[0]} 4\n\n${names[1]}\t0\r\n${names[2]}   2\n`);
    const data = await loadImageFolder({ root, list, size: 28 });
    expect(data.describe()).toMatchObject({ size: 3, classes: 5, classCounts: [1, 0, 1, 0, 1] });
    const { images, labels } = batchOf(data, {});
    expect(labels).toEqual([4, 0, 2]);
    expect(images.map((img) => img[0])).toEqual([0, 50, 100]);
    expect((await loadImageFolder({ root, list, classes: 7 })).describe().classes).toBe(7);
    fs.writeFileSync(list, `${names[0]} 1\n${names[1]} x\n`);
    await expect(loadImageFolder({ root, list })).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringMatching(/list\.txt' line 2: the label 'x'/),
    });
  });
});

describe('transforms', () => {
  /** A portrait 640 x 512 (H x W) PNG: R = x / 2, G = y / 2 - 32 (clipped), B = 255 - x / 2 (floors). */
  function gradientPng(): Buffer {
    const [h, w] = [640, 512];
    const samples = new Uint8Array(h * w * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const at = 3 * (y * w + x);
        samples[at] = x >> 1;
        samples[at + 1] = Math.min(255, Math.max(0, (y >> 1) - 32));
        samples[at + 2] = 255 - (x >> 1);
      }
    }
    return encodePng({ width: w, height: h, colorType: 2, bitDepth: 8, samples });
  }

  // Resize(256): 512 x 640 -> 256 x 320, exactly half, so every output pixel is the [1 3 3 1] / 8
  // blend of four inputs, which on a staircase v = floor(i / 2) is exactly the output index. Then
  // CenterCrop(224): top round((320 - 224) / 2) = 48, left round((256 - 224) / 2) = 16.
  test('evaluation: shorter side resized to size * 256 / 224, centre crop, as worked out by hand', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'c'));
    fs.writeFileSync(path.join(root, 'c', 'g.png'), gradientPng());
    const { images, shape } = batchOf(await loadImageFolder({ root, size: 224 }), {});
    expect(shape).toEqual([1, 3, 224, 224]);
    const img = images[0];
    const plane = 224 * 224;
    let wrong = 0;
    for (let y = 0; y < 224; y++) {
      for (let x = 0; x < 224; x++) {
        const p = y * 224 + x;
        if (img[p] !== x + 16 || img[plane + p] !== y + 48 - 32 || img[2 * plane + p] !== 255 - (x + 16)) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });

  /** Pseudo-random RGB pixels of image i (no two windows of it alike). */
  const noise = (side: number, i: number) =>
    Uint8Array.from({ length: side * side * 3 }, (_, k) => (Math.imul(k + 1, 2654435761) ^ Math.imul(i + 7, 40503)) >>> 24);

  function squareFolder(side: number, count: number): string {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'c'));
    for (let i = 0; i < count; i++) {
      const png = encodePng({ width: side, height: side, colorType: 2, bitDepth: 8, samples: noise(side, i) });
      fs.writeFileSync(path.join(root, 'c', `${i}.png`), png);
    }
    return root;
  }

  /** Planar [3, s, s] window (top, left) of an interleaved side x side RGB image, optionally mirrored. */
  function windowOf(rgb: Uint8Array, side: number, s: number, top: number, left: number, mirror: boolean): Uint8Array {
    const out = new Uint8Array(3 * s * s);
    for (let c = 0; c < 3; c++) for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) {
      out[c * s * s + y * s + x] = rgb[3 * ((top + y) * side + left + (mirror ? s - 1 - x : x)) + c];
    }
    return out;
  }

  // scale 1/4 and ratio 1 of a 64 x 64 image is a 32 x 32 window at a random place; resized to 32 it
  // is that window unchanged (flipped or not): the batch must hold some window of the source.
  test('random resized crop: each image is a window of its source at the drawn place, flipped or not', async () => {
    const root = squareFolder(64, 6);
    const data = await loadImageFolder({ root, size: 32 });
    const crop: { scale: [number, number]; ratio: [number, number] } = { scale: [0.25, 0.25], ratio: [1, 1] };
    const augment = { ...RAW, flip: true, randomResizedCrop: crop };
    const { images } = batchOf(data, { seed: 3, augment });
    const places = new Set<string>();
    let flips = 0;
    images.forEach((img, i) => {
      const rgb = noise(64, i);
      const found: string[] = [];
      for (let top = 0; top <= 32; top++) for (let left = 0; left <= 32; left++) for (const mirror of [false, true]) {
        // The window's first pixel must match before the whole window is compared.
        if (rgb[3 * (top * 64 + left + (mirror ? 31 : 0))] !== img[0]) continue;
        if (maxDiff(windowOf(rgb, 64, 32, top, left, mirror), img) === 0) found.push(`${top},${left},${mirror}`);
      }
      expect(found).toHaveLength(1);
      places.add(found[0].split(',').slice(0, 2).join());
      if (found[0].endsWith('true')) flips++;
    });
    expect(places.size).toBeGreaterThan(1);
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(6);
  });

  test('training crops are seeded by (seed, epoch, position): reproducible, other epochs differ, any thread count', async () => {
    const data = await loadImageFolder({ root: squareFolder(48, 10), size: 24 });
    const colorJitter = { brightness: 0.4, contrast: 0.4, saturation: 0.4 };
    const augment = { ...augmentationFor('image-folder', true), colorJitter };
    const run = (epoch: number, decodeThreads: number, seed = 7) =>
      batchOf(data, { batchSize: 4, shuffle: true, seed, epoch, augment, decodeThreads }, 1);
    const a = run(1, 1);
    expect(a.shape).toEqual([4, 3, 24, 24]);
    expect(run(1, 3)).toEqual(a);
    expect(run(1, 1)).toEqual(a);
    expect(run(2, 2).images).not.toEqual(a.images);
    expect(run(1, 1, 8).images).not.toEqual(a.images);
    // Evaluation has no randomness: the same pixels whatever the seed.
    const evalAugment = augmentationFor('image-folder', false);
    const evaluated = batchOf(data, { seed: 1, augment: evalAugment });
    expect(batchOf(data, { seed: 2, augment: evalAugment, decodeThreads: 4 })).toEqual(evaluated);
  });

  // Brightness alone on a flat grey image: every pixel becomes trunc(100 * factor), factor in [0.5, 1.5].
  test('colour jitter: brightness scales a flat image by one drawn factor per image', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'c'));
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(root, 'c', `${i}.png`), grayPng(8, 8, new Uint8Array(64).fill(100)));
    const data = await loadImageFolder({ root, size: 8 });
    const { images } = batchOf(data, { seed: 5, augment: { ...RAW, randomResizedCrop: true, colorJitter: { brightness: 0.5 } } });
    const levels = images.map((img) => {
      expect(new Set(img).size).toBe(1);
      return img[0];
    });
    for (const v of levels) {
      expect(v).toBeGreaterThanOrEqual(50);
      expect(v).toBeLessThanOrEqual(150);
    }
    expect(new Set(levels).size).toBeGreaterThan(1);
  });

  test('randomResizedCrop and colorJitter are refused for in-memory datasets, pad for image folders', async () => {
    const data = await loadImageFolder({ root: squareFolder(16, 1), size: 8 });
    const preview = (d: Dataset, augment: NativeLoaderOptions['augment']) => () =>
      d.handle.previewBatch({ batchSize: 1, augment }, 0);
    expect(preview(data, { pad: 2 })).toThrow(/crop padding does not apply to image files/);
    const memory = syntheticDataset({ count: 2, shape: [3, 8, 8], classes: 2 });
    expect(preview(memory, { randomResizedCrop: true })).toThrow(/need a dataset of image files/);
    expect(preview(memory, { colorJitter: { contrast: 0.2 } })).toThrow(/need a dataset of image files/);
  });
});

describe('unreadable files', () => {
  test('a truncated JPEG, a text file named .jpg, an empty and an unreadable file are skipped, counted and named; ' +
    'labels stay with their images', async () => {
    const root = tempDir();
    const good: string[] = [];
    for (const c of ['a', 'b', 'c']) fs.mkdirSync(path.join(root, c));
    // Good images: Fashion-MNIST image i in class folder 'a'/'b'/'c' (i % 3), so each image says its label.
    for (let i = 0; i < 9; i++) {
      const file = path.join(root, 'abc'[i % 3], `${i}.png`);
      fs.writeFileSync(file, grayPng(32, 32, framed(fashion[i], 2)));
      good.push(file);
    }
    const jpeg = path.join(root, 'a', '90-truncated.jpg');
    writeJpeg(jpeg, 32, 32, 1, framed(fashion[9], 2));
    fs.writeFileSync(jpeg, fs.readFileSync(jpeg).subarray(0, 300));
    fs.writeFileSync(path.join(root, 'b', '91-text.jpg'), 'this is not a JPEG\n');
    fs.writeFileSync(path.join(root, 'b', '92-empty.png'), '');
    fs.symlinkSync(path.join(root, 'gone.png'), path.join(root, 'c', '93-dangling.png'));

    const data = await loadImageFolder({ root, size: 28, name: 'broken' });
    expect(data.size).toBe(13);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      for (const decodeThreads of [1, 3]) {
        const { images, labels } = batchOf(data, { batchSize: 5, shuffle: true, seed: 1, decodeThreads }, 0);
        const rest = [1, 2].map((k) => batchOf(data, { batchSize: 5, shuffle: true, seed: 1, decodeThreads }, k));
        const all = [...images, ...rest.flatMap((r) => r.images)];
        const allLabels = [...labels, ...rest.flatMap((r) => r.labels)];
        expect(all).toHaveLength(9);
        // Every image is one of the good ones, with its own folder's label.
        all.forEach((img, k) => {
          const i = fashion.findIndex((f, j) => j < 9 && maxDiff(grayPlanes(f), img) === 0);
          expect(i).toBeGreaterThanOrEqual(0);
          expect(allLabels[k]).toBe(i % 3);
        });
      }
      const skipped = data.skippedImages();
      expect(skipped.count).toBe(4);
      expect(skipped.files.join('\n')).toContain('90-truncated.jpg: not a readable JPEG (Premature end of JPEG file)');
      expect(skipped.files.join('\n')).toContain('91-text.jpg: neither a JPEG nor a PNG file');
      expect(skipped.files.join('\n')).toContain('92-empty.png: the file is empty');
      expect(skipped.files.join('\n')).toContain('93-dangling.png: cannot open it');
      // A split shares the folder's count; the warning is one line, once.
      expect(data.split(0.3, 1)[1].skippedImages().count).toBe(4);
      const lines = reportSkippedImages(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^broken: skipped 4 image file\(s\) .*90-truncated\.jpg/);
      expect(reportSkippedImages(false)).toEqual([]);
      expect(warn.mock.calls).toEqual([[lines[0], { type: 'TorchnasWarning', code: 'TORCHNAS_SKIPPED_IMAGES' }]]);
    } finally {
      warn.mockRestore();
    }
  });

  test('the evaluation read of a bad file drops it the same way', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'a'));
    fs.writeFileSync(path.join(root, 'a', '0.png'), grayPng(32, 32, framed(fashion[0], 2)));
    const png = encodePng({ width: 32, height: 32, colorType: 0, bitDepth: 8, samples: framed(fashion[1], 2) });
    fs.writeFileSync(path.join(root, 'a', '1.png'), png.subarray(0, png.length - 30));
    const data = await loadImageFolder({ root, size: 28 });
    const { images, labels } = batchOf(data, { augment: augmentationFor('image-folder', false) });
    expect(labels).toEqual([0]);
    expect(images).toHaveLength(1);
    expect(data.skippedImages()).toMatchObject({ count: 1, files: [expect.stringMatching(/1\.png: not a readable PNG/)] });
  });
});

describe('named dataset', () => {
  test("loadDataset('image-folder') reads <dataDir>/train and <dataDir>/val with ImageNet normalization", async () => {
    const dir = tempDir();
    for (const split of ['train', 'val']) {
      for (const c of ['x', 'y']) {
        fs.mkdirSync(path.join(dir, split, c), { recursive: true });
        fs.writeFileSync(path.join(dir, split, c, '0.png'), grayPng(40, 30, new Uint8Array(1200).fill(128)));
      }
    }
    const train = await loadDataset('image-folder', 'train', dir, { imageSize: 16 });
    const test = await loadDataset('image-folder', 'test', dir);
    expect(train.describe()).toMatchObject({ name: 'image-folder/train', size: 2, shape: [3, 16, 16] });
    expect(test.describe()).toMatchObject({ name: 'image-folder/val', shape: [3, 224, 224] });
    const b = train.handle.previewBatch({ batchSize: 2, augment: augmentationFor('image-folder', false) }, 0);
    // Grey 128 normalized per channel with ImageNet's mean and std.
    expect(b.images[0]).toBeCloseTo((128 / 255 - 0.485) / 0.229, 5);
    expect(b.images[16 * 16]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
  });

  test('val/ holding other classes than train/ is refused before any training, with the names', async () => {
    const make = (layout: Record<string, string[]>) => {
      const dir = tempDir();
      for (const [split, classes] of Object.entries(layout)) {
        for (const c of classes) {
          fs.mkdirSync(path.join(dir, split, c), { recursive: true });
          fs.writeFileSync(path.join(dir, split, c, '0.png'), grayPng(8, 8, new Uint8Array(64).fill(9)));
        }
      }
      return dir;
    };
    const shifted = make({ train: ['a', 'b'], val: ['a', 'c'] }); // val/c would be scored as class b
    await expect(loadDataset('image-folder', 'test', shifted)).rejects.toMatchObject({
      code: 'E_DATA', message: expect.stringMatching(/val\/ has c, which train\/ lacks and val\/ lacks b: add or remove class folders/) });
    const extra = make({ train: ['a', 'b'], val: ['a', 'b', 'z'] });
    await expect(loadDataset('image-folder', 'test', extra)).rejects.toThrow(/val\/ has z, which train\/ lacks/);
    await expect(train({ arch: 'fmnist-cnn', dataset: 'image-folder', dataDir: shifted, imageSize: 16, epochs: 1, runDir: path.join(tempDir(), 'r') }))
      .rejects.toThrow(/must hold the same class folders/);
    expect((await loadDataset('image-folder', 'test', make({ train: ['a', 'b'], val: ['a', 'b'] }))).describe().size).toBe(2);
  });
});
