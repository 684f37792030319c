#!/usr/bin/env node
// Writes Fashion-MNIST as an image folder of real files (ImageNet's layout): train/<class>/<n>.png from
// the train split and val/<class>/<n>.png from the test split, each image scaled up (bilinear) to
// --size x --size and written as an RGB PNG (grey in all three channels). For trying searches on your
// own images without downloading any.
//
//   node scripts/fashion-folder.js --out runs/fashion-folder [--size 64] [--train-per-class 500]
//        [--val-per-class 100] [--data-dir /usr/share/...]
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { parseArgs } = require('util');
const { DATASETS } = require('../dist/lib');
const { encodeOpaquePng } = require('../dist/lib/report/png-encode');

const CLASSES = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'boot',
];

function whole(value, flag) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`fashion-folder: ${flag} must be a whole number >= 1, got '${value}'`);
    process.exit(2);
  }
  return n;
}

function readIdx(dir, file) {
  const plain = path.join(dir, file);
  if (fs.existsSync(plain)) return fs.readFileSync(plain);
  if (fs.existsSync(`${plain}.gz`)) return zlib.gunzipSync(fs.readFileSync(`${plain}.gz`));
  console.error(`fashion-folder: ${plain}(.gz) not found: install dataset-fashion-mnist or pass --data-dir`);
  process.exit(2);
}

/** A 28x28 grey item scaled to size x size (bilinear, pixel centres aligned), as RGBA. */
function scaled(item, size) {
  const out = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    const fy = Math.min(27, Math.max(0, ((y + 0.5) * 28) / size - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(27, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(27, Math.max(0, ((x + 0.5) * 28) / size - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(27, x0 + 1);
      const tx = fx - x0;
      const v =
        (item[y0 * 28 + x0] * (1 - tx) + item[y0 * 28 + x1] * tx) * (1 - ty) +
        (item[y1 * 28 + x0] * (1 - tx) + item[y1 * 28 + x1] * tx) * ty;
      out.fill(Math.round(v), (y * size + x) * 4, (y * size + x) * 4 + 3);
      out[(y * size + x) * 4 + 3] = 255;
    }
  }
  return out;
}

function writeSplit(images, labels, perClass, size, out) {
  const written = new Array(CLASSES.length).fill(0);
  for (const name of CLASSES) fs.mkdirSync(path.join(out, name), { recursive: true });
  for (let i = 0; i < labels.length - 8 && written.some((n) => n < perClass); i++) {
    const label = labels[8 + i];
    if (written[label] >= perClass) continue;
    const item = images.subarray(16 + i * 784, 16 + (i + 1) * 784);
    const file = path.join(out, CLASSES[label], `${String(written[label]).padStart(5, '0')}.png`);
    fs.writeFileSync(file, encodeOpaquePng(size, size, scaled(item, size)));
    written[label]++;
  }
  return written.reduce((a, b) => a + b, 0);
}

function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      size: { type: 'string', default: '64' },
      'train-per-class': { type: 'string', default: '500' },
      'val-per-class': { type: 'string', default: '100' },
      'data-dir': { type: 'string', default: DATASETS['fashion-mnist'].defaultDir },
    },
  });
  if (!values.out) {
    console.error('fashion-folder: --out <dir> is required (the folder to write train/ and val/ into)');
    process.exit(2);
  }
  const size = whole(values.size, '--size');
  const dir = values['data-dir'];
  const start = Date.now();
  const splits = [
    ['train', 'train', whole(values['train-per-class'], '--train-per-class')],
    ['val', 't10k', whole(values['val-per-class'], '--val-per-class')],
  ];
  const [train, val] = splits.map(([folder, prefix, perClass]) => {
    const images = readIdx(dir, `${prefix}-images-idx3-ubyte`);
    const labels = readIdx(dir, `${prefix}-labels-idx1-ubyte`);
    return writeSplit(images, labels, perClass, size, path.join(values.out, folder));
  });
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  console.log(
    `wrote ${train} train and ${val} val images (${size}x${size} RGB PNG) to ${values.out} in ${seconds} s`,
  );
}

main();
