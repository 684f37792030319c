// Progress of a counted job (table builds, measurements) for a terminal: a live bar on a TTY, a plain
// line every few items otherwise (logs, CI, pipes), or nothing.
import cliProgress from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/** A bar (on a TTY) or a line every `every` items for a counted job: table builds, measurements. */
export function createCountProgress(
  mode: ProgressMode,
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  every = 10,
) {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done: number, total: number) {
      if (mode === 'none') return;
      if (!useBar) {
        if (done === total || done % every === 0) stream.write(`${label} ${done}/${total}\n`);
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {value}/{total} eta {eta}s`, hideCursor: true, stream },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
