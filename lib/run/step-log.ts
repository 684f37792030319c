// steps.jsonl: the epoch in progress, step by step, so the dashboard can draw it while the epoch runs.
// Every method's progress events ({type: 'step' | 'progress'}) are flattened to their numbers and
// appended, at most one line a second; the file is emptied when an epoch commits (metrics.jsonl then
// holds it) and removed when the run ends. Only the process that writes the run's files keeps it.
import * as fs from 'fs';
import * as path from 'path';
import { STEPS_FILE } from './run-state';

const MIN_INTERVAL_MS = 1000;

/** The numbers of a progress event, its nested `progress` record flattened into it. */
export function stepNumbers(event: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const take = (record: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(record))
      if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  };
  take(event);
  if (event.progress && typeof event.progress === 'object') take(event.progress as Record<string, unknown>);
  return out;
}

export class StepLog {
  private file?: string;
  private last = 0;

  /** Starts writing into the run's folder (it exists now), dropping what an interrupted epoch left. */
  open(runDir: string): void {
    this.file = path.join(runDir, STEPS_FILE);
    this.clear();
  }

  record(event: unknown): void {
    if (!this.file || !event || typeof event !== 'object') return;
    const type = (event as { type?: unknown }).type;
    if (type !== 'step' && type !== 'progress') return;
    const now = Date.now();
    if (now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    const line = JSON.stringify({ ...stepNumbers(event as Record<string, unknown>), time: now });
    try {
      fs.appendFileSync(this.file, line + '\n');
    } catch {
      // a dashboard aid: a full disk must not stop the run (its epochs commit elsewhere)
    }
  }

  /** An epoch committed: its steps are in metrics.jsonl now. */
  clear(): void {
    if (!this.file) return;
    fs.rmSync(this.file, { force: true });
    this.last = 0;
  }

  close(): void {
    this.clear();
    this.file = undefined;
  }
}
