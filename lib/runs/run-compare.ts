// Runs side by side: their options key by key with the keys whose values differ marked, and their
// progress and best figures; what `torchnas runs compare` prints and a page can draw.
import type { RunEntry } from './run-index';

export interface OptionRow {
  key: string;
  values: (string | undefined)[];
  differs: boolean;
}

/** Keys that say where and how a run ran, not what it was. */
const PLACE_KEYS = new Set(['runDir', 'progressEvery', 'threads', 'device', 'decodeThreads']);

const show = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

/** Every option key of any run, sorted; `differs` when two runs disagree (a missing key counts). */
export function compareOptions(runs: readonly RunEntry[]): OptionRow[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.options)))].filter((k) => !PLACE_KEYS.has(k)).sort();
  return keys.map((key) => {
    const values = runs.map((r) => show(r.options[key]));
    return { key, values, differs: new Set(values).size > 1 };
  });
}
