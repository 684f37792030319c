// The table of a side-by-side bench: torchnas and its reference measured in alternating rounds, each
// round's figures and their ratio, then the medians (the figure to quote on a noisy machine).
import { median } from '../lib/util/statistics';

/** `columns`: the two figures' and the ratio's headers; `ratio` says which side is faster. */
export function roundsTable(
  columns: [string, string, string],
  ours: number[],
  theirs: number[],
  ratio: (ours: number, theirs: number) => number,
): string[] {
  const ratios = ours.map((o, i) => ratio(o, theirs[i]));
  return [
    `| round | ${columns.join(' | ')} |`,
    '| --- | --- | --- | --- |',
    ...ours.map(
      (o, i) => `| ${i + 1} | ${o.toFixed(3)} | ${theirs[i].toFixed(3)} | ${ratios[i].toFixed(2)} |`,
    ),
    `| median | ${median(ours).toFixed(3)} | ${median(theirs).toFixed(3)} | ${median(ratios).toFixed(2)} |`,
  ];
}
