// vega lays a chart out around its text (titles, legends, axis labels) before drawing it. Without a
// canvas it guesses 0.8 em per character, about a third wider than DejaVu Sans, the font the charts
// are drawn in: titles then pushed the picture wide and left blank space. vega takes a measuring
// function in its place (textMetrics.width, the hook vl-convert uses too); this one adds up DejaVu
// Sans's advance widths.
import * as vega from 'vega';

// Advance widths of printable ASCII (32..126) in thousandths of an em, from the hmtx tables of
// DejaVu Sans and DejaVu Sans Bold 2.37.
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636,
  636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295,
  295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838,
  500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521,
  392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
  696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
  372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
  500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
  478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
// Anything else (±, …, letters with accents) counts as a wide glyph: better a little space than overlap.
const OTHER = 838;
const DEFAULT_FONT_SIZE = 11; // vega's

/** Width in pixels of one line of text in DejaVu Sans. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const widths = bold ? BOLD : REGULAR;
  let thousandths = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    thousandths += code >= 32 && code <= 126 ? widths[code - 32] : OTHER;
  }
  return (thousandths * fontSize) / 1000;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

const isBold = (weight: TextItem['fontWeight']) =>
  weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;

/** Makes vega measure text as DejaVu Sans; idempotent. */
export function useDejaVuTextWidths(): void {
  const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } })
    .textMetrics;
  metrics.width = (item, text) => {
    const width = textWidth(
      text == null ? '' : String(text).trim(),
      item.fontSize ?? DEFAULT_FONT_SIZE,
      isBold(item.fontWeight),
    );
    return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
  };
}
