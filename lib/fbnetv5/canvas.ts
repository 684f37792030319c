// The multitask canvas dataset's options (native: data/multitask_canvas.h): Fashion-MNIST items
// pasted without overlap at seeded random positions and sizes on a blank canvas, labelled for
// classification, segmentation and detection. Canvas i depends only on (seed, i) and the items.
import { z } from 'zod';
import type { NativeCanvasBatch, NativeCanvasSpec } from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNativeSync, fromZod, invalid } from '../errors';
import { native } from '../native';

export const CanvasOptionsSchema = z
  .object({
    size: z.number().int().positive().default(64),
    minItems: z.number().int().positive().default(1),
    maxItems: z.number().int().positive().max(8).default(3),
    minSide: z.number().int().min(4).default(16),
    maxSide: z.number().int().min(4).default(32),
    /** A pasted pixel brighter than this (0..255) is foreground: it gets a class in the mask and its box. */
    foreground: z.number().int().min(0).max(254).default(48),
  })
  .strict();

export type CanvasOptions = z.output<typeof CanvasOptionsSchema>;

/** Fashion-MNIST's pixel mean and std, in [0, 1] units (the canvas is mostly background). */
export const CANVAS_NORMALIZATION = { mean: 0.1, std: 0.25 };

export function resolveCanvasOptions(input: unknown = {}): CanvasOptions {
  const parsed = CanvasOptionsSchema.safeParse(input);
  if (!parsed.success) throw fromZod('canvas options', parsed.error);
  const c = parsed.data;
  if (c.maxSide > c.size) {
    throw invalid(
      `canvas.size ${c.size} is smaller than an item (canvas.maxSide ${c.maxSide}): enlarge the canvas or shrink the items`,
      ['canvas'],
    );
  }
  if (c.minSide > c.maxSide)
    throw invalid(`canvas.minSide ${c.minSide} is above canvas.maxSide ${c.maxSide}`, ['canvas']);
  if (c.minItems > c.maxItems)
    throw invalid(`canvas.minItems ${c.minItems} is above canvas.maxItems ${c.maxItems}`, ['canvas']);
  return c;
}

/** The native spec of one split: `count` canvases made from `seed`, normalized or raw ([0, 1]). */
export function nativeCanvasSpec(
  canvas: CanvasOptions,
  count: number,
  seed: number,
  normalize = true,
): NativeCanvasSpec {
  return { ...canvas, count, seed, ...(normalize ? CANVAS_NORMALIZATION : { mean: 0, std: 1 }) };
}

/** Canvases `indices` of a split, as typed arrays (for inspection and tests; training makes them natively). */
export function canvasBatch(
  items: Dataset,
  spec: NativeCanvasSpec,
  indices: readonly number[],
): NativeCanvasBatch {
  return callNativeSync(() =>
    native().canvasBatch({ items: items.handle, canvas: spec, indices: [...indices] }),
  );
}
