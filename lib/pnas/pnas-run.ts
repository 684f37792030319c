// `torchnas search pnas`: PNAS (lib/strategies/pnas.ts) with real training instead of a table. The
// space is the NAS-Bench-201 cell, grown node by node; each model PNAS proposes is a small NB201 network
// trained from scratch on Fashion-MNIST's training part with one recipe and scored by top-1 on the
// held-out part. A method on the run skeleton: each run epoch trains one model and commits it. The
// strategy holds no state of its own worth saving: on resume it is rebuilt from its seed and the
// committed models replayed into it (proposal checked against proposal), so it goes on exactly.
import { z } from 'zod';
import { invalid } from '../errors';
import { NB201_SPACE, nb201CellOfGenome } from '../benchmarks/nb201-objective';
import {
  nb201SearchData,
  trainNb201Cell,
  type Nb201SearchData,
  type RunningSession,
} from '../benchmarks/nb201-training';
import { formatNb201Cell } from '../spaces/nb201/nb201-cell';
import { RUN_FIELDS } from '../run/run-fields';
import {
  parseWith,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { Pnas, type Genome } from '../strategies';

export const PnasSearchOptionsSchema = z
  .object({
    /** Models to train, one per run epoch (level 1's 5, then `beam` per level and after). */
    epochs: z.number().int().positive().default(21),
    /** PNAS's K: models trained per level after the first. */
    beam: z.number().int().positive().default(4),
    /** The recipe every model trains with. */
    epochsPerModel: z.number().int().positive().default(1),
    batchSize: z.number().int().positive().default(128),
    lr: z.number().positive().default(0.05),
    /** NB201 network size: C (the first stage's width) and N (cells per stage). */
    channels: z.number().int().positive().default(8),
    cells: z.number().int().positive().default(1),
    validFraction: z.number().gt(0).lt(1).default(0.2),
    dataDir: z.string().optional(),
    restart: z.boolean().default(false),
    ...RUN_FIELDS,
  })
  .strict();

export type PnasSearchOptions = z.input<typeof PnasSearchOptionsSchema>;
type Resolved = z.output<typeof PnasSearchOptionsSchema>;

export interface PnasModelRecord {
  type: 'pnas-model';
  /** Models trained so far (the run epoch). */
  epoch: number;
  globalStep: number;
  genome: number[];
  arch: string;
  /** The PNAS level whose batch proposed it, and what the surrogate predicted (null at level 1). */
  level: number;
  predicted: number | null;
  validTop1: number;
  seconds: number;
}

export interface PnasSearchResult {
  runDir: string;
  best: PnasModelRecord;
  history: PnasModelRecord[];
}

export type PnasSearchEvent =
  | { type: 'start'; runDir: string; startEpoch: number; epochs: number }
  | { type: 'epoch'; record: PnasModelRecord };

export function searchPnas(
  options: PnasSearchOptions,
  onEvent?: (e: PnasSearchEvent) => void,
  control?: RunControl,
): Promise<PnasSearchResult> {
  return runMethod(PNAS_METHOD, options, onEvent, control);
}

const PNAS_METHOD: RunMethod<Resolved, PnasModelRecord, PnasSearchResult, PnasSearchEvent> = {
  kind: 'pnas',
  parse: parseWith(PnasSearchOptionsSchema, 'pnas options'),
  // Each model trains on its own session; one process, whole batches.
  honours: { command: 'search pnas', parallel: false },
  folder: () => 'pnas',
  open: openPnas,
};

/** Where the last proposal came from, read off the strategy's batches. */
function provenance(pnas: Pnas, genome: Genome): { level: number; predicted: number | null } {
  const k = genome.join(',');
  for (let i = pnas.levels.length - 1; i >= 0; i--) {
    const found = pnas.levels[i].trained.find((t) => t.genome.join(',') === k);
    if (found)
      return {
        level: pnas.levels[i].level,
        predicted: Number.isNaN(found.predicted) ? null : found.predicted,
      };
  }
  return { level: 0, predicted: null };
}

/** Rebuilds the strategy from its seed and the committed models, checking each proposal against them. */
function replay(o: Resolved, history: readonly PnasModelRecord[]): Pnas {
  const pnas = new Pnas(
    { space: NB201_SPACE, fidelities: [{ name: 'trained', cost: 1 }], seed: o.seed },
    {
      beam: o.beam,
    },
  );
  for (const record of history) {
    const { genome } = pnas.propose();
    if (genome.join(',') !== record.genome.join(',')) {
      throw invalid(
        `the run's model ${record.epoch} (${record.arch}) is not what PNAS proposes from its seed and the models ` +
          'before it: the run was made by another version or its state was edited; give another --out',
        ['runDir'],
      );
    }
    pnas.observe({ genome, fidelity: 0, score: record.validTop1 });
  }
  return pnas;
}

function trainModel(o: Resolved, genome: Genome, data: Nb201SearchData, running: RunningSession) {
  const recipe = {
    epochs: o.epochsPerModel,
    batchSize: o.batchSize,
    lr: o.lr,
    channels: o.channels,
    cells: o.cells,
    seed: o.seed,
  };
  return trainNb201Cell([...nb201CellOfGenome(genome)], { ...data, score: data.valid }, recipe, o, running);
}

async function openPnas({
  opts: o,
  runDir,
  emit,
}: RunContext<Resolved, PnasModelRecord, PnasSearchEvent>): Promise<
  OpenedRun<Resolved, PnasModelRecord, PnasSearchResult>
> {
  const data = await nb201SearchData(o);
  let pnas = replay(o, []);
  const running: RunningSession = {};
  return {
    ready: async (state) => {
      pnas = replay(o, state.history);
    },
    start: (startEpoch) => emit({ type: 'start', runDir, startEpoch, epochs: o.epochs }),
    epoch: async (epoch, state) => {
      const t0 = Date.now();
      const { genome } = pnas.propose();
      const { top1: validTop1, steps } = await trainModel(o, genome, data, running);
      pnas.observe({ genome, fidelity: 0, score: validTop1 });
      return {
        type: 'pnas-model',
        epoch: epoch + 1,
        globalStep: (state.history.at(-1)?.globalStep ?? 0) + steps,
        genome: [...genome],
        arch: formatNb201Cell(nb201CellOfGenome(genome)),
        ...provenance(pnas, genome),
        validTop1,
        seconds: (Date.now() - t0) / 1000,
      };
    },
    finish: async (state) => ({
      runDir,
      best: state.history.reduce((a, b) => (b.validTop1 > a.validTop1 ? b : a)),
      history: state.history,
    }),
    cancel: () => running.session?.cancel(),
    close: async () => {},
  };
}
