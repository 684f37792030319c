import { loadDataset, type Dataset } from '../../lib';
import { canvasBatch, nativeCanvasSpec, resolveCanvasOptions } from '../../lib/fbnetv5';
import { TorchnasError } from '../../lib/errors';
import { native } from '../../lib/native';

const S = 64;
let items: Dataset;
beforeAll(async () => {
  items = await loadDataset('fashion-mnist', 'test');
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

interface Item {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  label: number;
}

function canvasAt(batch: ReturnType<typeof canvasBatch>, i: number) {
  const pixels = Array.from(batch.images.subarray(i * S * S, (i + 1) * S * S), (v) => Math.round(v * 255));
  const segment = Array.from(batch.segments.subarray(i * S * S, (i + 1) * S * S));
  const boxes: Item[] = [];
  for (let k = 0; k < 3; k++) {
    const label = batch.boxLabels[i * 3 + k];
    if (label < 0) continue;
    const [x0, y0, x1, y1] = batch.boxes.subarray((i * 3 + k) * 4, (i * 3 + k + 1) * 4);
    boxes.push({ x0, y0, x1, y1, label });
  }
  return { pixels, segment, boxes, label: batch.labels[i] };
}

describe('the multitask canvas dataset', () => {
  const spec = nativeCanvasSpec(resolveCanvasOptions({}), 1000, 7, false);

  test('masks cover exactly the foreground pixels, boxes enclose them tightly, the label is the largest item', () => {
    const batch = canvasBatch(items, spec, range(40));
    let itemsSeen = 0;
    for (let i = 0; i < 40; i++) {
      const { pixels, segment, boxes, label } = canvasAt(batch, i);
      expect(boxes.length).toBeGreaterThanOrEqual(1);
      itemsSeen += boxes.length;
      const inside = (b: Item, x: number, y: number) => x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1;
      const pixelsOf = boxes.map(() => 0);
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const p = y * S + x;
          expect(segment[p] > 0).toBe(pixels[p] > 48);
          if (segment[p] === 0) continue;
          const owner = boxes.findIndex((b) => inside(b, x, y));
          expect(owner).toBeGreaterThanOrEqual(0);
          expect(segment[p]).toBe(1 + boxes[owner].label);
          pixelsOf[owner] += 1;
        }
      }
      for (const b of boxes) {
        // Tight: each edge row and column of the box holds a foreground pixel of the item.
        const edge = (xs: number[], ys: number[]) =>
          xs.some((x) => ys.some((y) => segment[y * S + x] === 1 + b.label));
        const cols = range(b.x1 - b.x0).map((d) => b.x0 + d);
        const rows = range(b.y1 - b.y0).map((d) => b.y0 + d);
        expect(
          edge(cols, [b.y0]) && edge(cols, [b.y1 - 1]) && edge([b.x0], rows) && edge([b.x1 - 1], rows),
        ).toBe(true);
        for (const o of boxes)
          if (o !== b) expect(o.x0 >= b.x1 || b.x0 >= o.x1 || o.y0 >= b.y1 || b.y0 >= o.y1).toBe(true);
      }
      expect(label).toBe(boxes[pixelsOf.indexOf(Math.max(...pixelsOf))].label);
    }
    expect(itemsSeen).toBeGreaterThan(60); // one to three items, most canvases hold several
  });

  test('a canvas depends only on its seed and index', () => {
    const all = canvasBatch(items, spec, range(8));
    const two = canvasBatch(items, spec, [5, 3]);
    expect(Array.from(two.images.subarray(0, S * S))).toEqual(
      Array.from(all.images.subarray(5 * S * S, 6 * S * S)),
    );
    expect(Array.from(two.segments.subarray(S * S))).toEqual(
      Array.from(all.segments.subarray(3 * S * S, 4 * S * S)),
    );
    const other = canvasBatch(items, { ...spec, seed: 8 }, [5]);
    expect(Array.from(other.images)).not.toEqual(Array.from(two.images.subarray(0, S * S)));
  });

  test('a canvas smaller than an item is refused, naming the options', () => {
    expect(() => resolveCanvasOptions({ size: 24 })).toThrow(
      /canvas.size 24 is smaller than an item \(canvas.maxSide 32\)/,
    );
    let thrown: unknown;
    try {
      native().canvasBatch({ items: items.handle, canvas: { ...spec, size: 24 }, indices: [0] });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as { code: string }).code).toBe('E_INVALID_ARGUMENT');
    expect((thrown as Error).message).toMatch(/canvas.size 24 is smaller than an item/);
    expect(() => resolveCanvasOptions({ minItems: 4, maxItems: 2 })).toThrow(TorchnasError);
  });
});
