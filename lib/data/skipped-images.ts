// Image files that cannot be decoded are skipped on the native loader threads and counted there
// (never a crash, never a silent label shift). This turns the count into a process warning: one line
// when the first ones turn up, naming them, and one more when the process is about to end if more did.
// The native side cannot call into JS from its loader threads, so the count is polled (cheaply, on an
// unref'd timer that never keeps the process alive).
import type { NativeDataset } from '../../binding';

const POLL_MS = 2000;

/** The datasets (splits, subsets) over one image folder's files: they share one skip count. */
export class SkipWatch {
  private readonly views: WeakRef<NativeDataset>[] = [];
  private reported = 0;

  constructor(readonly name: string) {}

  add(handle: NativeDataset): void {
    this.views.push(new WeakRef(handle));
    watches.add(this);
    timer ??= setInterval(() => reportSkippedImages(false), POLL_MS).unref();
    if (!exitHooked) {
      exitHooked = true;
      process.once('beforeExit', () => reportSkippedImages(true));
    }
  }

  /** The warning due now, if any; false when no dataset over the folder is left. */
  check(final: boolean): string | undefined | false {
    const live = this.views.map((v) => v.deref()).find((h) => h !== undefined);
    if (!live) return false;
    const { skippedImages = 0, skippedFiles = [] } = live.describe();
    if (skippedImages <= this.reported || (this.reported > 0 && !final)) return undefined;
    const first = this.reported === 0;
    this.reported = skippedImages;
    const more = skippedImages > skippedFiles.length ? `; ${skippedImages - skippedFiles.length} more` : '';
    return first
      ? `${this.name}: skipped ${skippedImages} image file(s) that could not be read or decoded (each dropped with ` +
          `its label): ${skippedFiles.join('; ')}${more}`
      : `${this.name}: ${skippedImages} image file(s) in all were skipped as unreadable`;
  }
}

const watches = new Set<SkipWatch>();
let timer: NodeJS.Timeout | undefined;
let exitHooked = false;

/**
 * Emits the warnings due now (the poll does this every 2 s; `final` also reports growth after the
 * first warning). Returns the lines emitted.
 */
export function reportSkippedImages(final = true): string[] {
  const lines: string[] = [];
  for (const watch of watches) {
    const due = watch.check(final);
    if (due === false) watches.delete(watch);
    else if (due) lines.push(due);
  }
  for (const line of lines) process.emitWarning(line, { type: 'TorchnasWarning', code: 'TORCHNAS_SKIPPED_IMAGES' });
  if (!watches.size && timer) {
    clearInterval(timer);
    timer = undefined;
  }
  return lines;
}
