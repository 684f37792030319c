// The runs under some folders, read without writing anything: every folder holding a run.json is a
// run; its kind from run.json, progress from state.json, status from its lock, summary and error
// files. A run folder that cannot be read whole (torn JSON, missing state) is listed as damaged with
// the reason, never an error: one bad folder must not hide the others.
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../errors';
import { lockIsHeld } from '../run/run-lock';
import { ERROR_FILE, RUN_FILE, STATE_FILE, SUMMARY_FILE } from '../run/run-state';

export const RUN_STATUSES = ['running', 'finished', 'failed', 'stopped', 'damaged'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunEntry {
  /** The run's folder as found (under one of the folders given). */
  dir: string;
  kind: string;
  status: RunStatus;
  epochsDone: number;
  /** Epochs the run was asked for, when its options say. */
  epochs?: number;
  /** The best value of the run's main accuracy figure over its epochs (valid top-1 where it has one). */
  best?: { metric: string; value: number };
  started?: string;
  /** Seconds from run.json's writing to state.json's last commit (or now, while running). */
  seconds?: number;
  /** Why a damaged run could not be read, or a failed run's error. */
  reason?: string;
  options: Record<string, unknown>;
}

const SKIP = new Set(['node_modules', '.git']);
const MAX_DEPTH = 6;

/** Every run folder under `roots` (each a run itself or holding runs), sorted by path. */
export function findRunDirs(roots: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable: not ours to report
    }
    if (entries.some((e) => e.isFile() && e.name === RUN_FILE)) found.push(dir);
    if (depth >= MAX_DEPTH) return;
    for (const e of entries)
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
  };
  for (const root of roots) {
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory())
      throw new TorchnasError('E_IO', `runs folder '${root}' does not exist or is not a folder`);
    walk(root, 0);
  }
  return [...new Set(found)].sort();
}

function readJsonOr<T>(file: string): { value?: T; error?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    return { value: JSON.parse(text) as T };
  } catch (error) {
    return { error: `${path.basename(file)} is not valid JSON (${(error as Error).message})` };
  }
}

/** The figure a run's epochs are best judged by: valid top-1, else top-1, else train top-1, else the best leaf's. */
export function bestOf(history: readonly Record<string, unknown>[]): RunEntry['best'] {
  const pick = (r: Record<string, unknown>): [string, number] | undefined => {
    const valid = r.valid as { top1?: number } | undefined;
    const train = r.train as { top1?: number } | undefined;
    if (typeof valid?.top1 === 'number') return ['valid top-1', valid.top1];
    if (typeof r.top1 === 'number') return ['top-1', r.top1];
    if (typeof train?.top1 === 'number') return ['train top-1', train.top1];
    // GM-NAS: an epoch of several sub-supernets (leaves), each with its own top-1
    const leaves = Array.isArray(r.leaves) ? (r.leaves as { top1?: unknown }[]) : [];
    const tops = leaves.map((l) => l.top1).filter((v): v is number => typeof v === 'number');
    if (tops.length) return ['best leaf top-1', Math.max(...tops)];
    return undefined;
  };
  let best: RunEntry['best'];
  for (const r of history) {
    const p = pick(r);
    if (p && Number.isFinite(p[1]) && (!best || p[1] > best.value)) best = { metric: p[0], value: p[1] };
  }
  return best;
}

const mtime = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/** One run folder's entry. */
export function readRun(dir: string): RunEntry {
  const run = readJsonOr<{ kind?: string; options?: Record<string, unknown> }>(path.join(dir, RUN_FILE));
  const entry: RunEntry = { dir, kind: run.value?.kind ?? 'train', status: 'stopped', epochsDone: 0, options: {} };
  if (!run.value) return { ...entry, kind: 'unknown', status: 'damaged', reason: run.error ?? 'run.json unreadable' };
  entry.options = run.value.options ?? {};
  if (typeof entry.options.epochs === 'number') entry.epochs = entry.options.epochs;
  const startedMs = mtime(path.join(dir, RUN_FILE));
  if (startedMs !== undefined) entry.started = new Date(startedMs).toISOString();
  const state = readJsonOr<{ epochsDone?: number; history?: Record<string, unknown>[] }>(path.join(dir, STATE_FILE));
  if (state.error || (state.value && !Array.isArray(state.value.history)))
    return { ...entry, status: 'damaged', reason: state.error ?? 'state.json has no history' };
  entry.epochsDone = state.value?.epochsDone ?? 0;
  entry.best = bestOf(state.value?.history ?? []);
  const live = lockIsHeld(dir);
  const endMs = live ? Date.now() : (mtime(path.join(dir, SUMMARY_FILE)) ?? mtime(path.join(dir, STATE_FILE)));
  if (startedMs !== undefined && endMs !== undefined) entry.seconds = Math.max(0, (endMs - startedMs) / 1000);
  if (live) entry.status = 'running';
  else if (fs.existsSync(path.join(dir, SUMMARY_FILE))) entry.status = 'finished';
  else {
    const failure = readJsonOr<{ message?: string }>(path.join(dir, ERROR_FILE));
    if (failure.value || failure.error) {
      entry.status = 'failed';
      entry.reason = failure.value?.message ?? failure.error;
    }
  }
  return entry;
}

/** The runs under `roots`. */
export function indexRuns(roots: readonly string[]): RunEntry[] {
  return findRunDirs(roots).map(readRun);
}
