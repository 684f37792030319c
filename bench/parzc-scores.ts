// The per-layer zero-cost scores bench:parzc learns from: grad_norm, snip and synflow of every layer of
// NB201 networks (C = 16, N = 5, built natively, one batch of 16 Fashion-MNIST images fitted to
// 3x32x32: the reference uses 16 CIFAR-10 images), with params for each layer's weight count. Scored
// in chunks appended to <out>/scores.jsonl, so a stopped run resumes where it was.
import * as fs from 'fs';
import * as path from 'path';
import { augmentationFor, loadDataset } from '../lib/data/datasets';
import { nb201LayerSlots, runNb201ProxyStudy, type Nb201ScoredArch } from '../lib/proxies';
import type { Nb201SlotScores } from '../lib/proxies/parametric/nb201-node-features';

export const SCORED_PROXIES = ['grad_norm', 'snip', 'synflow', 'params'] as const;
const CHUNK = 125;
const CLASSES = 10;

/** One scored network: per proxy its value in every aligned layer slot (null: no such layer). */
export interface ScoredNetwork {
  index: number;
  slots: Record<(typeof SCORED_PROXIES)[number], (number | null)[]>;
  totals: Record<(typeof SCORED_PROXIES)[number], number>;
}

function slotRow(arch: Nb201ScoredArch, slots: string[]): ScoredNetwork {
  const row = { index: arch.index, slots: {}, totals: {} } as ScoredNetwork;
  for (const p of SCORED_PROXIES) {
    const layers = arch.layers![p]!;
    row.slots[p] = slots.map((s) => (s in layers ? layers[s] : null));
    row.totals[p] = arch.scores[p]!;
  }
  return row;
}

/** The node-feature input of one scored network: weight counts are params less the classifier's bias. */
export function slotScores(row: ScoredNetwork): Nb201SlotScores {
  const last = row.slots.params.length - 1;
  const weights = row.slots.params.map((n, i) => (n === null ? null : i === last ? n - CLASSES : n));
  const { grad_norm, snip, synflow } = row.slots;
  return { values: { grad_norm, snip, synflow }, weights };
}

/** Scores `indices` (those not in the file yet), then returns every row of the file for them. */
export async function scoreNetworks(
  indices: number[],
  out: string,
  workers: number,
  log: (line: string) => void,
): Promise<Map<number, ScoredNetwork>> {
  const file = path.join(out, 'scores.jsonl');
  const rows = new Map<number, ScoredNetwork>();
  if (fs.existsSync(file))
    for (const line of fs.readFileSync(file, 'utf8').split('\n'))
      if (line.trim()) {
        try {
          const row = JSON.parse(line) as ScoredNetwork;
          rows.set(row.index, row);
        } catch {
          // a line cut short when a run was stopped mid-write: scored again below
        }
      }
  const todo = indices.filter((i) => !rows.has(i));
  if (todo.length === 0) return rows;
  const { mean, std } = augmentationFor('fashion-mnist', false);
  const data = { dataset: await loadDataset('fashion-mnist', 'train'), normalize: { mean, std } };
  const slots = nb201LayerSlots();
  const started = Date.now();
  for (let at = 0; at < todo.length; at += CHUNK) {
    const chunk = todo.slice(at, at + CHUNK);
    const study = await runNb201ProxyStudy(
      {
        proxies: [...SCORED_PROXIES],
        indices: chunk.length > 1 ? chunk : [chunk[0], chunk[0]], // a study takes two or more
        keepLayers: true,
        batchSize: 16,
        seed: 0,
        device: 'cpu',
        workers,
        threads: 1,
      },
      data,
    );
    const lines = study.archs.map((a) => slotRow(a, slots));
    fs.appendFileSync(file, lines.map((r) => JSON.stringify(r) + '\n').join(''));
    for (const r of lines) rows.set(r.index, r);
    const done = Math.min(at + CHUNK, todo.length);
    const seconds = (Date.now() - started) / 1000;
    log(
      `scored ${done}/${todo.length} (${seconds.toFixed(0)} s, ${((1000 * seconds) / done).toFixed(0)} ms each)`,
    );
  }
  return rows;
}
