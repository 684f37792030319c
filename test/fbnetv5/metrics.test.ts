import {
  averagePrecision,
  boxIoU,
  meanAveragePrecision,
  meanIoU,
  type Box,
  type Detection,
} from '../../lib/fbnetv5/metrics';

const box = (image: number, x0: number, y0: number, x1: number, y1: number, label = 0): Box => ({
  image,
  x0,
  y0,
  x1,
  y1,
  label,
});
const det = (b: Box, score: number): Detection => ({ ...b, score });

describe('segmentation and detection metrics, on hand-worked cases', () => {
  test('box IoU: disjoint, nested, half-overlapping', () => {
    expect(boxIoU(box(0, 0, 0, 2, 2), box(0, 2, 0, 4, 2))).toBe(0); // touching edges share no area
    expect(boxIoU(box(0, 0, 0, 4, 4), box(0, 1, 1, 3, 3))).toBeCloseTo(4 / 16, 12);
    // 2x2 boxes overlapping in a 1x2 strip: 2 / (4 + 4 - 2).
    expect(boxIoU(box(0, 0, 0, 2, 2), box(0, 1, 0, 3, 2))).toBeCloseTo(1 / 3, 12);
  });

  test('mean IoU over the classes present, background included', () => {
    // Truth rows, prediction columns, 3 classes: class 0: tp 5, fn 1, fp 2 -> 5/8; class 1: tp 3, fn 2,
    // fp 1 -> 3/6; class 2 never appears in truth nor prediction -> left out.
    const confusion = [5, 1, 0, 2, 3, 0, 0, 0, 0];
    expect(meanIoU(confusion, 3)).toBeCloseTo((5 / 8 + 3 / 6) / 2, 12);
    expect(() => meanIoU([1, 2, 3], 2)).toThrow(/needs 4 cells, got 3/);
  });

  test('AP is the area under the precision envelope', () => {
    // Recall 0.5 at precision 1, then 1.0 at 2/3: area 0.5 * 1 + 0.5 * 2/3.
    expect(averagePrecision([0.5, 0.5, 1], [1, 0.5, 2 / 3])).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  test('mAP@0.5: ranking, duplicates and misses, per class then averaged', () => {
    const truths = [box(0, 0, 0, 10, 10, 1), box(1, 0, 0, 10, 10, 1), box(1, 20, 20, 30, 30, 2)];
    const detections = [
      det(box(0, 0, 0, 10, 10, 1), 0.9), // TP
      det(box(0, 1, 1, 10, 10, 1), 0.8), // duplicate of the matched box: FP
      det(box(1, 0, 0, 10, 11, 1), 0.7), // TP (IoU 100/110)
      det(box(1, 20, 20, 30, 30, 1), 0.95), // right place, wrong class: FP for class 1
      det(box(1, 24, 24, 34, 34, 2), 0.6), // IoU 36/164 < 0.5: FP for class 2
    ];
    // Class 1 ranked: FP(.95) TP(.9) FP(.8) TP(.7): recall .5 at precision 1/2, 1.0 at 2/4 -> AP 0.5.
    // Class 2: no true positive -> AP 0.
    expect(meanAveragePrecision(detections, truths)).toBeCloseTo(0.25, 12);
    // Without the wrong-class box: TP FP TP -> recall .5 at 1, then 1.0 at 2/3.
    const classOne = detections.filter((d) => d.score !== 0.95 && d.label === 1);
    expect(
      meanAveragePrecision(
        classOne,
        truths.filter((t) => t.label === 1),
      ),
    ).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(meanAveragePrecision([], truths)).toBe(0);
  });
});
