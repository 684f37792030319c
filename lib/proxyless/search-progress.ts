// Search progress for a terminal: one line per interval and per epoch, the derived network's cost
// beside its target; retraining reuses the training display.
import type { ProgressMode } from '../util/count-progress';
import { createProgress } from '../train/train-progress';
import type { DerivedCost, SearchEvent } from './proxyless';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * "8.108 M MACs, 1.3% from the target 8 M MACs (within ±5%; the space spans 3.615 M MACs to 17.99 M
 * MACs)": a derived network's cost with its unit and measure, beside the target and the space's range.
 */
export function describeCost(cost: DerivedCost): string {
  const f = (x: number) => `${Number(x.toPrecision(4))} ${cost.unit}`;
  const measure =
    cost.measure === 'MACs'
      ? ''
      : cost.measure === 'predictor'
        ? 'latency (table + fitted predictor) '
        : `latency (${cost.measure}) `;
  const span = `the space spans ${f(cost.cheapest)} to ${f(cost.largest)}`;
  if (cost.target === undefined) return `${measure}${f(cost.value)} (${span})`;
  const verdict = cost.withinTarget
    ? 'within'
    : 'NOT within: no network near it was found, the argmax is derived';
  return (
    `${measure}${f(cost.value)}, ${(100 * (cost.value / cost.target - 1)).toFixed(1)}% from the target ${f(cost.target)} ` +
    `(${verdict} ±${Number((100 * cost.tolerance!).toPrecision(3))}%; ${span})`
  );
}

/** Search progress: one line per interval and per epoch; retraining reuses the training display. */
export function createSearchProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr) {
  const retrain = createProgress(mode, stream);
  const write = (line: string) => mode !== 'none' && stream.write(line + '\n');
  let epochs = 0;
  let unit = '';
  return (event: SearchEvent) => {
    switch (event.type) {
      case 'start':
        epochs = event.epochs;
        unit = event.latencyUnit;
        write(
          `search ${event.runDir}: space ${event.space}, ${event.edges} edges of up to ${event.candidates} candidates, ` +
            `${(event.params / 1e6).toFixed(3)} M supernet params` +
            (event.startEpoch > 0 ? `; resuming after epoch ${event.startEpoch}` : ''),
        );
        break;
      case 'step':
        write(
          `epoch ${event.epoch + 1}/${epochs} step ${event.step}/${event.steps} loss ${event.loss.toFixed(4)} top1 ${pct(event.top1)} ` +
            `arch steps ${event.archSteps} entropy ${event.entropy.toFixed(3)} ${event.imagesPerSecond.toFixed(0)} img/s`,
        );
        break;
      case 'epoch': {
        const r = event.record;
        write(
          `epoch ${r.epoch}/${epochs}${r.updatedArch ? '' : ' (warm-up)'}  train loss ${r.train.loss.toFixed(4)} top1 ${pct(r.train.top1)}  ` +
            `valid top1 ${pct(r.valid.sampledTop1)} sampled, ${pct(r.valid.argmaxTop1)} argmax  E[latency] ${r.expectedLatency.toFixed(3)} ${unit}  ` +
            `entropy ${r.entropy.toFixed(3)}  mean max-p ${r.maxProbability.toFixed(3)}  ${r.train.seconds.toFixed(1)} s`,
        );
        write(`  derived: ${r.derived.join(' ')} (${r.derivedLatency.toFixed(3)} ${unit})`);
        if (r.argmax.join(' ') !== r.derived.join(' '))
          write(`  argmax:  ${r.argmax.join(' ')} (${r.argmaxLatency.toFixed(3)} ${unit})`);
        break;
      }
      case 'derived':
        write(`derived ${event.arch.name}: ${describeCost(event.cost)}`);
        // Each edge's choice with its probability beside uniform (and the most probable, where another).
        event.edges.forEach((edge, e) => {
          write(
            `  edge ${e}: ${edge.choice.padEnd(18)} p ${edge.p.toFixed(3)} (uniform ${edge.uniform.toFixed(3)})` +
              (edge.mostProbable === edge.choice
                ? ''
                : `; most probable ${edge.mostProbable} p ${edge.pMostProbable.toFixed(3)}`),
          );
        });
        break;
      case 'retrain':
        retrain(event.event);
        break;
    }
  };
}
