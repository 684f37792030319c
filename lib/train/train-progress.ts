// Training progress for a terminal: a live bar on a TTY, one plain line per interval otherwise
// (logs, CI, pipes), or nothing.
import cliProgress from 'cli-progress';
import type { TrainEvent } from './trainer';
import type { ProgressMode } from '../util/count-progress';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function describeEpoch(event: Extract<TrainEvent, { type: 'epoch' }>, epochs: number): string {
  const r = event.record;
  const valid = r.valid ? `  valid loss ${r.valid.loss.toFixed(4)} top1 ${pct(r.valid.top1)}` : '';
  return (
    `epoch ${r.epoch}/${epochs}  train loss ${r.train.loss.toFixed(4)} top1 ${pct(r.train.top1)}${valid}  ` +
    `${r.train.imagesPerSecond.toFixed(0)} img/s  ${r.train.seconds.toFixed(1)} s`
  );
}

export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr) {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  let epochs = 0;
  let bar: cliProgress.SingleBar | undefined;
  const write = (line: string) => stream.write(line + '\n');
  return (event: TrainEvent) => {
    if (mode === 'none') return;
    switch (event.type) {
      case 'start':
        epochs = event.epochs;
        write(
          `run ${event.runDir}: ${event.arch.name}, ${(event.params / 1e6).toFixed(3)} M params, ` +
            `${(event.macs / 1e6).toFixed(1)} M MACs; ${event.trainSize} train / ${event.validSize} valid images` +
            (event.startEpoch > 0 ? `; resuming after epoch ${event.startEpoch}` : ''),
        );
        break;
      case 'step':
        if (useBar) {
          if (!bar) {
            bar = new cliProgress.SingleBar(
              {
                format: `epoch ${event.epoch + 1}/${epochs} [{bar}] {value}/{total} loss {loss} top1 {top1} {ips} img/s eta {eta}s`,
                hideCursor: true,
                stream,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(event.steps, 0, { loss: '-', top1: '-', ips: '-' });
          }
          bar.update(event.step, {
            loss: event.loss.toFixed(4),
            top1: pct(event.top1),
            ips: event.imagesPerSecond.toFixed(0),
          });
        } else {
          write(
            `epoch ${event.epoch + 1}/${epochs} step ${event.step}/${event.steps} loss ${event.loss.toFixed(4)} ` +
              `top1 ${pct(event.top1)} lr ${event.lr.toPrecision(3)} ${event.imagesPerSecond.toFixed(0)} img/s`,
          );
        }
        break;
      case 'epoch':
        bar?.stop();
        bar = undefined;
        write(describeEpoch(event, epochs));
        break;
      case 'test':
        write(
          `test loss ${event.test.loss.toFixed(4)} top1 ${pct(event.test.top1)} top5 ${pct(event.test.top5)} (${event.test.images} images)`,
        );
        break;
    }
  };
}
