// NAS-Bench-201 accuracy tables: every one of the 15,625 cells, addressed by its architecture string,
// its NATS-Bench index (row order of the NATS-Bench tss API) or its list of ops. Accuracies (%) are
// the benchmark's means over seeds: test and validation after the 200-epoch schedule, and after the
// 12-epoch schedule that NAS-Bench-201's own search baselines used as their cheap signal.
import { z } from 'zod';
import { invalid, TorchnasError } from '../errors';
import {
  formatNb201Cell,
  NB201_OPS,
  NB201_SIZE,
  nb201CellCode,
  nb201CellFromCode,
  parseNb201Cell,
  type Nb201Cell,
} from '../spaces/nb201/nb201-cell';
import { numberColumn, readTableFile } from './table-files';
import {
  nb201CellCost,
  type Nb201NetworkCost,
  type Nb201NetworkOptions,
} from '../spaces/nb201/nb201-network';

export const NB201_DATASETS = ['cifar10', 'cifar100', 'ImageNet16-120'] as const;
export type Nb201Dataset = (typeof NB201_DATASETS)[number];
export type Nb201Split = 'valid' | 'test';
export const NB201_EPOCHS = [12, 200] as const;
export type Nb201Epochs = (typeof NB201_EPOCHS)[number];
/** An NB201 architecture: its string, its NATS-Bench index, or its six ops. */
export type Nb201Arch = string | number | Nb201Cell;

const column = numberColumn(NB201_SIZE);
const byDataset = z.object({ cifar10: column, cifar100: column, 'ImageNet16-120': column });
const Nb201FileSchema = z.object({
  format: z.literal('torchnas/nb201@1'),
  ops: z.tuple([
    z.literal(NB201_OPS[0]),
    z.literal(NB201_OPS[1]),
    z.literal(NB201_OPS[2]),
    z.literal(NB201_OPS[3]),
    z.literal(NB201_OPS[4]),
  ]),
  codes: numberColumn(NB201_SIZE, 0),
  metrics: z.object({ test200: byDataset, valid200: byDataset, test12: byDataset, valid12: byDataset }),
});

interface Nb201Table {
  file: z.infer<typeof Nb201FileSchema>;
  indexOfCode: Int32Array;
}

let table: Nb201Table | undefined;

function nb201Table(): Nb201Table {
  if (table) return table;
  const file = readTableFile('nb201.json.gz', Nb201FileSchema);
  const indexOfCode = new Int32Array(NB201_SIZE).fill(-1);
  file.codes.forEach((code, index) => {
    indexOfCode[code] = index;
  });
  if (indexOfCode.includes(-1))
    throw new TorchnasError(
      'E_DATA',
      'nb201.json.gz does not list every NB201 cell once: rebuild it with node scripts/build-benchmark-data.js',
    );
  table = { file, indexOfCode };
  return table;
}

/** The NATS-Bench index (0..15624) of an architecture. */
export function nb201Index(arch: Nb201Arch): number {
  if (typeof arch === 'number') {
    if (!Number.isInteger(arch) || arch < 0 || arch >= NB201_SIZE) {
      throw invalid(`NB201 index must be an integer in 0..${NB201_SIZE - 1}, got ${arch}`);
    }
    return arch;
  }
  const cell = typeof arch === 'string' ? parseNb201Cell(arch) : arch;
  return nb201Table().indexOfCode[nb201CellCode(cell)];
}

export function nb201CellOf(arch: Nb201Arch): Nb201Cell {
  if (typeof arch === 'string') return parseNb201Cell(arch);
  if (typeof arch !== 'number') return arch;
  return nb201CellFromCode(nb201Table().file.codes[nb201Index(arch)]);
}

/** The canonical architecture string. */
export function nb201ArchString(arch: Nb201Arch): string {
  return formatNb201Cell(nb201CellOf(arch));
}

/** nb201CellCost of an architecture given any way the benchmark names it (an index too). */
export function nb201NetworkCost(arch: Nb201Arch, options: Nb201NetworkOptions = {}): Nb201NetworkCost {
  return nb201CellCost(nb201ArchString(arch), options);
}

export function checkNb201Dataset(dataset: string): Nb201Dataset {
  if (!(NB201_DATASETS as readonly string[]).includes(dataset)) {
    throw invalid(`unknown NB201 dataset '${dataset}' (known: ${NB201_DATASETS.join(', ')})`);
  }
  return dataset as Nb201Dataset;
}

/** All 15,625 accuracies (%) of one table, indexed by NATS-Bench index. */
export function nb201AccuracyColumn(
  dataset: string,
  split: Nb201Split,
  epochs: Nb201Epochs = 200,
): readonly number[] {
  const d = checkNb201Dataset(dataset);
  if (split !== 'test' && split !== 'valid')
    throw invalid(`NB201 split must be 'test' or 'valid', got '${split}'`);
  if (!(NB201_EPOCHS as readonly number[]).includes(epochs))
    throw invalid(`NB201 epochs must be 12 or 200, got ${epochs}`);
  return nb201Table().file.metrics[`${split}${epochs}`][d];
}

/** Accuracy (%) of one architecture: `split` accuracy after the `epochs`-epoch schedule. */
export function nb201Accuracy(
  arch: Nb201Arch,
  dataset: string,
  split: Nb201Split = 'test',
  epochs: Nb201Epochs = 200,
): number {
  const values = nb201AccuracyColumn(dataset, split, epochs);
  return values[nb201Index(arch)];
}

/** The best architecture of a table (the lowest index among ties). */
export function nb201Best(
  dataset: string,
  split: Nb201Split = 'test',
  epochs: Nb201Epochs = 200,
): { index: number; arch: string; accuracy: number } {
  const values = nb201AccuracyColumn(dataset, split, epochs);
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return { index: best, arch: nb201ArchString(best), accuracy: values[best] };
}

/** A cell's NB201 CIFAR-10 test accuracy (200 epochs) and its percentile among all cells: a transfer figure. */
export function nb201Cifar10Transfer(ops: Nb201Arch): { accuracy: number; percentile: number } {
  const accuracy = nb201Accuracy(ops, 'cifar10', 'test');
  const column = nb201AccuracyColumn('cifar10', 'test');
  return { accuracy, percentile: column.filter((a) => a <= accuracy).length / column.length };
}
