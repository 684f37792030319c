// The metrics each canvas task is judged by: top-1 (classification), mean IoU over the classes present
// (segmentation, background included) and box mAP at IoU 0.5 (detection, PASCAL VOC's all-point
// interpolated average precision, averaged over the classes that have ground-truth boxes).
import { invalid } from '../errors';

export interface Box {
  image: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  label: number;
}

export interface Detection extends Box {
  score: number;
}

export function boxIoU(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (box: Box) => Math.max(0, box.x1 - box.x0) * Math.max(0, box.y1 - box.y0);
  return inter / (area(a) + area(b) - inter);
}

/** Mean over classes with a non-empty union of TP / (TP + FP + FN); rows of `confusion` are the truth. */
export function meanIoU(confusion: ArrayLike<number>, classes: number): number {
  if (confusion.length !== classes * classes)
    throw invalid(
      `a confusion matrix of ${classes} classes needs ${classes * classes} cells, got ${confusion.length}`,
    );
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    let truth = 0;
    let predicted = 0;
    for (let k = 0; k < classes; k++) {
      truth += confusion[c * classes + k];
      predicted += confusion[k * classes + c];
    }
    const tp = confusion[c * classes + c];
    const union = truth + predicted - tp;
    if (union > 0) {
      sum += tp / union;
      present += 1;
    }
  }
  return present ? sum / present : NaN;
}

/** VOC all-point AP: area under the precision envelope (precision made non-increasing in recall). */
export function averagePrecision(recall: readonly number[], precision: readonly number[]): number {
  const r = [0, ...recall, 1];
  const p = [0, ...precision, 0];
  for (let i = p.length - 2; i >= 0; i--) p[i] = Math.max(p[i], p[i + 1]);
  let ap = 0;
  for (let i = 1; i < r.length; i++) ap += (r[i] - r[i - 1]) * p[i];
  return ap;
}

/** AP of one class: detections by falling score, each matched to the unmatched truth it overlaps most. */
function classAP(detections: readonly Detection[], truths: readonly Box[], iouThreshold: number): number {
  const byImage = new Map<number, { box: Box; used: boolean }[]>();
  for (const box of truths) {
    const list = byImage.get(box.image) ?? [];
    list.push({ box, used: false });
    byImage.set(box.image, list);
  }
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  sorted.forEach((d, i) => {
    let best: { box: Box; used: boolean } | undefined;
    let bestIoU = iouThreshold;
    for (const candidate of byImage.get(d.image) ?? []) {
      const iou = boxIoU(d, candidate.box);
      if (iou >= bestIoU) [best, bestIoU] = [candidate, iou];
    }
    // VOC: a detection whose best overlap is already matched is a false positive.
    if (best && !best.used) {
      best.used = true;
      tp += 1;
    }
    recall.push(tp / truths.length);
    precision.push(tp / (i + 1));
  });
  return averagePrecision(recall, precision);
}

/** mAP at one IoU threshold (0.5 by default) over the classes that have ground truth. */
export function meanAveragePrecision(
  detections: readonly Detection[],
  truths: readonly Box[],
  iouThreshold = 0.5,
): number {
  const labels = [...new Set(truths.map((t) => t.label))].sort((a, b) => a - b);
  if (!labels.length) return NaN;
  const aps = labels.map((label) =>
    classAP(
      detections.filter((d) => d.label === label),
      truths.filter((t) => t.label === label),
      iouThreshold,
    ),
  );
  return aps.reduce((a, b) => a + b, 0) / aps.length;
}

/** Rows (image, x0, y0, x1, y1, score, class) as the addon returns them. */
export function detectionsOf(rows: Float32Array): Detection[] {
  const out: Detection[] = [];
  for (let i = 0; i + 7 <= rows.length; i += 7) {
    out.push({
      image: rows[i],
      x0: rows[i + 1],
      y0: rows[i + 2],
      x1: rows[i + 3],
      y1: rows[i + 4],
      score: rows[i + 5],
      label: rows[i + 6],
    });
  }
  return out;
}

/** Rows (image, x0, y0, x1, y1, class). */
export function truthsOf(rows: Float32Array): Box[] {
  const out: Box[] = [];
  for (let i = 0; i + 6 <= rows.length; i += 6) {
    out.push({
      image: rows[i],
      x0: rows[i + 1],
      y0: rows[i + 2],
      x1: rows[i + 3],
      y1: rows[i + 4],
      label: rows[i + 5],
    });
  }
  return out;
}
