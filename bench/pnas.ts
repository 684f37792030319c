// npm run bench:pnas — PNAS beside REINFORCE, REA and random search on the tables, at equal numbers of
// models evaluated (issue 32). Each strategy runs with seeds 0..runs-1 on NAS-Bench-201 (CIFAR-10,
// CIFAR-100, ImageNet16-120; search on 12-epoch validation accuracy, report the chosen cell's 200-epoch
// test accuracy) and on TransNAS-Bench-101 micro (two tasks; the table's one figure is both seen and
// reported). Reported per objective: the final figure (mean, std, and the paired bootstrap interval of
// the difference to REINFORCE over seeds), the anytime curves, and the number of models each strategy
// needs for its mean curve to reach REINFORCE's mean at its full budget, with a bootstrap interval over
// runs (the paper's claim: up to 5x fewer for PNAS than RL). For PNAS, how well its surrogate ranked the
// cells it chose at each level (Kendall tau of predicted against measured), and plots of both.
// Resumable: each (objective, strategy) is saved whole in --out and skipped when there.
//
//   npm run bench:pnas -- [--runs 100] [--models 100] [--beam 16] [--out runs/bench-pnas] [--plots docs/plots]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { nb201Objective, tnb101Objective } from '../lib/benchmarks';
import { anytimeChart, anytimeSeries, renderChart, type VegaLiteSpec } from '../lib/report';
import { createStrategy, Pnas, runSearch, type SearchObjective, type SearchResult } from '../lib/strategies';
import { writeJsonAtomic } from '../lib/util/atomic-file';
import { Rng } from '../lib/util/rng';
import { kendall, meanAndStd, pairedBootstrap } from '../lib/util/statistics';
import { wholeFlag } from './flags';

const STRATEGIES = ['random', 'rea', 'reinforce', 'pnas'] as const;
type Strategy = (typeof STRATEGIES)[number];

interface Target {
  name: string;
  objective: SearchObjective;
  /** Simulated cost of one model (NB201: 12 epochs; TNB101: one query). */
  cost: number;
}

const targets = (): Target[] => [
  ...['cifar10', 'cifar100', 'ImageNet16-120'].map((dataset) => ({
    name: `nb201-${dataset}`,
    objective: nb201Objective({ dataset }),
    cost: 12,
  })),
  ...['class_scene', 'segmentsemantic'].map((task) => ({
    name: `tnb101-micro-${task}`,
    objective: tnb101Objective('micro', task),
    cost: 1,
  })),
];

interface LevelFit {
  level: number;
  /** Kendall tau of the surrogate's predictions against the table over every candidate of the batch. */
  candidateTau: number;
  candidates: number;
  /** The trained cells' predictions and measured figures. */
  predicted: number[];
  measured: number[];
}

interface StrategyRuns {
  strategy: Strategy;
  /** Per run, the incumbent's reported figure after each model (index n - 1). */
  curves: number[][];
  /** PNAS only: per run, each batch's predictions against what was measured. */
  fits?: LevelFit[][];
}

/** Runs seeds 0..runs-1, saving every run to `partial` as it ends, so that a killed bench loses at most one. */
function runStrategy(
  target: Target,
  strategy: Strategy,
  settings: { runs: number; models: number; beam: number },
  partial: string,
): StrategyRuns {
  const { runs, models, beam } = settings;
  const saved = fs.existsSync(partial)
    ? (JSON.parse(fs.readFileSync(partial, 'utf8')) as StrategyRuns)
    : undefined;
  const curves: number[][] = saved?.curves ?? [];
  const fits: LevelFit[][] = saved?.fits ?? [];
  const { objective } = target;
  for (let seed = curves.length; seed < runs; seed++) {
    const context = { space: objective.space, fidelities: objective.fidelities, seed };
    const search = strategy === 'pnas' ? new Pnas(context, { beam }) : createStrategy(strategy, context);
    const result: SearchResult = runSearch(search, objective, { maxCost: models * target.cost });
    curves.push(result.curve.map((p) => p.reported));
    if (search instanceof Pnas) {
      fits.push(
        search.levels
          .filter((l) => l.level > 1)
          .map((l) => ({
            level: l.level,
            candidateTau: kendall(
              l.ranked.map((r) => r.predicted),
              l.ranked.map((r) => objective.score(r.genome, 0)),
            ),
            candidates: l.candidates,
            predicted: l.trained.map((t) => t.predicted),
            measured: l.trained.map((t) => objective.score(t.genome, 0)),
          })),
      );
    }
    writeJsonAtomic(partial, { strategy, curves, ...(strategy === 'pnas' && { fits }) });
    if ((seed + 1) % 10 === 0) process.stderr.write(`${target.name} ${strategy}: ${seed + 1}/${runs} runs\n`);
  }
  return { strategy, curves, ...(strategy === 'pnas' && { fits }) };
}

/** The mean curve over runs (a run shorter than n keeps its last value). */
function meanCurve(curves: readonly number[][], models: number): number[] {
  return Array.from({ length: models }, (_, n) => {
    const at = curves.map((c) => c[Math.min(n, c.length - 1)]);
    return at.reduce((a, b) => a + b, 0) / at.length;
  });
}

/** The fewest models whose mean figure reaches `target` (Infinity: never within the budget). */
function modelsToReach(curve: readonly number[], target: number): number {
  const n = curve.findIndex((v) => v >= target);
  return n < 0 ? Infinity : n + 1;
}

/**
 * Models each strategy needs to reach REINFORCE's final mean, and its 95% interval: runs resampled
 * with replacement (the same seeds for every strategy), the target recomputed on each resample.
 */
function modelsNeeded(all: readonly StrategyRuns[], models: number, resamples = 1000) {
  const reinforce = all.find((s) => s.strategy === 'reinforce')!;
  const runs = reinforce.curves.length;
  const estimate = (pick: readonly number[]) => {
    const target = meanCurve(
      pick.map((i) => reinforce.curves[i]),
      models,
    ).at(-1)!;
    return all.map((s) =>
      modelsToReach(
        meanCurve(
          pick.map((i) => s.curves[i]),
          models,
        ),
        target,
      ),
    );
  };
  const point = estimate(Array.from({ length: runs }, (_, i) => i));
  const rng = new Rng(7);
  const draws = Array.from({ length: resamples }, () =>
    estimate(Array.from({ length: runs }, () => rng.int(runs))),
  );
  return all.map((s, k) => {
    const sorted = draws.map((d) => d[k]).sort((a, b) => a - b);
    return {
      strategy: s.strategy,
      models: point[k],
      lo: sorted[Math.floor(0.025 * resamples)],
      hi: sorted[Math.ceil(0.975 * resamples) - 1],
    };
  });
}

function surrogateSummary(fits: readonly LevelFit[][]) {
  const byLevel = new Map<string, { tau: number[]; candidateTau: number[]; mae: number[] }>();
  for (const run of fits) {
    run.forEach((fit, batch) => {
      const label = batch < 2 ? `level ${fit.level}` : 'after the last level';
      const entry = byLevel.get(label) ?? { tau: [], candidateTau: [], mae: [] };
      if (Number.isFinite(fit.candidateTau)) entry.candidateTau.push(fit.candidateTau);
      if (fit.measured.length > 2 && new Set(fit.measured).size > 1)
        entry.tau.push(kendall(fit.predicted, fit.measured));
      entry.mae.push(
        fit.predicted.reduce((s, p, i) => s + Math.abs(p - fit.measured[i]), 0) / fit.predicted.length,
      );
      byLevel.set(label, entry);
    });
  }
  return [...byLevel.entries()].map(([label, e]) => ({
    batches: label,
    candidatesKendallTau: e.candidateTau.length ? meanAndStd(e.candidateTau) : null,
    trainedKendallTau: e.tau.length ? meanAndStd(e.tau) : null,
    meanAbsoluteError: meanAndStd(e.mae),
  }));
}

function predictedChart(name: string, fits: readonly LevelFit[][]): VegaLiteSpec {
  const values = fits
    .slice(0, 20)
    .flatMap((run) =>
      run
        .map((fit, batch) => ({ fit, label: batch < 2 ? `level ${fit.level}` : 'after the last level' }))
        .flatMap(({ fit, label }) =>
          fit.predicted.map((p, i) => ({ predicted: p, measured: fit.measured[i], batch: label })),
        ),
    );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `PNAS surrogate on ${name}`, subtitle: 'the cells each batch trained, first 20 runs' },
    width: 360,
    height: 300,
    data: { values },
    mark: { type: 'point', opacity: 0.5 },
    encoding: {
      x: { field: 'predicted', type: 'quantitative', scale: { zero: false }, title: 'predicted' },
      y: { field: 'measured', type: 'quantitative', scale: { zero: false }, title: 'measured' },
      color: { field: 'batch', type: 'nominal' },
    },
  } as VegaLiteSpec;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '100' },
      models: { type: 'string', default: '100' },
      beam: { type: 'string', default: '16' },
      out: { type: 'string', default: 'runs/bench-pnas' },
      plots: { type: 'string' },
    },
  });
  const runs = wholeFlag(values.runs, 'runs', 2);
  const models = wholeFlag(values.models, 'models');
  const beam = wholeFlag(values.beam, 'beam');
  const summary: object[] = [];
  for (const target of targets()) {
    const all: StrategyRuns[] = [];
    for (const strategy of STRATEGIES) {
      const file = path.join(values.out!, target.name, `${strategy}.json`);
      let done: StrategyRuns | undefined;
      if (fs.existsSync(file)) {
        const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StrategyRuns & {
          runs: number;
          models: number;
          beam: number;
        };
        if (stored.runs === runs && stored.models === models && stored.beam === beam) done = stored;
      }
      if (!done) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const partial = file.replace(/\.json$/, `.partial-${runs}-${models}-${beam}.json`);
        done = runStrategy(target, strategy, { runs, models, beam }, partial);
        writeJsonAtomic(file, { ...done, runs, models, beam });
        fs.rmSync(partial, { force: true });
      }
      all.push(done);
    }
    const finals = all.map((s) => s.curves.map((c) => c.at(-1)!));
    const reinforce = finals[STRATEGIES.indexOf('reinforce')];
    const entry = {
      objective: target.name,
      final: all.map((s, k) => ({
        strategy: s.strategy,
        ...meanAndStd(finals[k]),
        minusReinforce: pairedBootstrap(finals[k], reinforce, { seed: 3 }),
      })),
      modelsToReachReinforce: modelsNeeded(all, models),
      surrogate: surrogateSummary(all.find((s) => s.strategy === 'pnas')!.fits!),
    };
    summary.push(entry);
    console.log(`\n## ${target.name} (${runs} runs, ${models} models, beam ${beam})`);
    for (const f of entry.final) {
      const d = f.minusReinforce;
      console.log(
        `${f.strategy.padEnd(10)} ${f.mean.toFixed(3)} ± ${f.std.toFixed(3)}  vs reinforce ${d.mean.toFixed(3)} [${d.lo.toFixed(3)}, ${d.hi.toFixed(3)}]`,
      );
    }
    for (const m of entry.modelsToReachReinforce)
      console.log(
        `${m.strategy.padEnd(10)} reaches reinforce's final mean after ${m.models} models [${m.lo}, ${m.hi}]`,
      );
    for (const s of entry.surrogate) {
      const tau = (t: { mean: number; std: number } | null) =>
        t ? `${t.mean.toFixed(3)} ± ${t.std.toFixed(3)}` : 'n/a';
      console.log(
        `surrogate ${s.batches}: tau over candidates ${tau(s.candidatesKendallTau)}, over the trained ` +
          `${tau(s.trainedKendallTau)}, MAE of the trained ${s.meanAbsoluteError.mean.toFixed(3)}`,
      );
    }
    if (values.plots) {
      const toResult = (s: StrategyRuns) =>
        s.curves.map((c) => ({
          curve: c.map((reported, i) => ({ evaluations: i + 1, cost: i + 1, reported })),
        }));
      const series = all.map((s) => anytimeSeries(s.strategy, toResult(s) as unknown as SearchResult[]));
      await renderChart(
        anytimeChart(series, {
          title: `${target.name}: anytime, ${runs} runs`,
          xTitle: 'models evaluated',
          yTitle: 'reported figure of the incumbent',
        }),
        path.join(values.plots, `pnas-anytime-${target.name}.png`),
      );
      await renderChart(
        predictedChart(target.name, all.find((s) => s.strategy === 'pnas')!.fits!),
        path.join(values.plots, `pnas-surrogate-${target.name}.png`),
      );
    }
  }
  writeJsonAtomic(path.join(values.out!, 'summary.json'), summary);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
