// TensorBoard event files beside metrics.jsonl: TFRecord framing (length, masked CRC-32C of the
// length, the serialized tensorflow.Event, masked CRC-32C of it) around Events whose Summary holds
// simple scalar values, one Event per epoch record. `tensorboard --logdir runs` reads them.
import * as fs from 'fs';
import * as path from 'path';
import { crc32c } from '@aws-crypto/crc32c';
import { Reader, Writer } from 'protobufjs/minimal';
import { writeFileAtomic } from '../util/atomic-file';

/** One name for the file: rewritten whole at every commit, so it always matches state.json. */
export const EVENTS_FILE = 'events.out.tfevents.0.torchnas';
const FILE_VERSION = 'brain.Event:2';
const MASK_DELTA = 0xa282ead8;
const MAX_SCALARS = 512; // per record: a larger numeric array is not a curve anyone plots

/** TFRecord's masked CRC: rotated right by 15 bits, plus a constant. */
export function maskedCrc(data: Uint8Array): number {
  const crc = crc32c(data);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

export interface TbEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: [string, number][];
}

function encodeEvent(e: TbEvent): Uint8Array {
  const w = Writer.create();
  w.uint32((1 << 3) | 1).double(e.wallTime);
  w.uint32((2 << 3) | 0).int64(e.step);
  if (e.fileVersion) w.uint32((3 << 3) | 2).string(e.fileVersion);
  if (e.scalars) {
    w.uint32((5 << 3) | 2).fork(); // summary
    for (const [tag, value] of e.scalars) {
      w.uint32((1 << 3) | 2).fork(); // Summary.Value
      w.uint32((1 << 3) | 2).string(tag);
      w.uint32((2 << 3) | 5).float(value);
      w.ldelim();
    }
    w.ldelim();
  }
  return w.finish();
}

function frame(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc(data), 0);
  return Buffer.concat([header, data, footer]);
}

function decodeEvent(data: Uint8Array): TbEvent {
  const r = Reader.create(data);
  const e: TbEvent = { wallTime: 0, step: 0 };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 1)) e.wallTime = r.double();
    else if (tag === ((2 << 3) | 0)) e.step = Number(r.int64());
    else if (tag === ((3 << 3) | 2)) e.fileVersion = r.string();
    else if (tag === ((5 << 3) | 2)) e.scalars = decodeSummary(r.bytes());
    else r.skipType(tag & 7);
  }
  return e;
}

function decodeSummary(data: Uint8Array): [string, number][] {
  const r = Reader.create(data);
  const out: [string, number][] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag !== ((1 << 3) | 2)) {
      r.skipType(tag & 7);
      continue;
    }
    const v = Reader.create(r.bytes());
    let name = '';
    let value = NaN;
    while (v.pos < v.len) {
      const t = v.uint32();
      if (t === ((1 << 3) | 2)) name = v.string();
      else if (t === ((2 << 3) | 5)) value = v.float();
      else v.skipType(t & 7);
    }
    out.push([name, value]);
  }
  return out;
}

/** The events of a file, each record's two checksums verified; a torn or corrupt record throws. */
export function readEvents(file: string): TbEvent[] {
  const bytes = fs.readFileSync(file);
  const events: TbEvent[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (at + 12 > bytes.length) throw new Error(`${file}: a record header is cut short at byte ${at}`);
    const length = Number(bytes.readBigUInt64LE(at));
    if (bytes.readUInt32LE(at + 8) !== maskedCrc(bytes.subarray(at, at + 8)))
      throw new Error(`${file}: the length checksum of the record at byte ${at} does not match`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (data.length !== length || at + 16 + length > bytes.length)
      throw new Error(`${file}: the record at byte ${at} is cut short`);
    if (bytes.readUInt32LE(at + 12 + length) !== maskedCrc(data))
      throw new Error(`${file}: the data checksum of the record at byte ${at} does not match`);
    events.push(decodeEvent(data));
    at += 16 + length;
  }
  return events;
}

const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/**
 * The scalars of an epoch record: every finite number under its path ('train/loss', 'valid/top1'),
 * arrays by index; architecture logits ('alphas', rows of numbers) also as their softmax, under
 * 'probabilities'. Counters (epoch, globalStep) are the step, not curves.
 */
export function recordScalars(record: Record<string, unknown>): [string, number][] {
  const out: [string, number][] = [];
  const visit = (value: unknown, tag: string) => {
    if (out.length >= MAX_SCALARS) return;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out.push([tag, value]);
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${tag}/${i}`));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(v, tag ? `${tag}/${k}` : k);
  };
  for (const [key, value] of Object.entries(record)) {
    if (key === 'epoch' || key === 'globalStep') continue;
    visit(value, key);
    const rows = value as unknown[];
    if (key === 'alphas' && Array.isArray(value) && rows.every((r) => Array.isArray(r) && r.every(Number.isFinite)))
      visit((value as number[][]).map(softmax), 'probabilities');
  }
  return out;
}

/**
 * Rewrites the run's event file from its committed history: one Event per record at step = its epoch,
 * keeping the wall time an earlier write gave each epoch (a new epoch gets now).
 */
export function writeRunEvents(runDir: string, history: readonly unknown[]): void {
  const file = path.join(runDir, EVENTS_FILE);
  const known = new Map<number, number>();
  let opened: number | undefined;
  try {
    for (const e of readEvents(file)) {
      if (e.fileVersion) opened = e.wallTime;
      else known.set(e.step, e.wallTime);
    }
  } catch {
    // none yet, or torn by a crash: times start over
  }
  const now = Date.now() / 1000;
  const events: TbEvent[] = [{ wallTime: opened ?? now, step: 0, fileVersion: FILE_VERSION }];
  history.forEach((r, i) => {
    const record = r as Record<string, unknown>;
    const step = typeof record.epoch === 'number' ? record.epoch : i + 1;
    events.push({ wallTime: known.get(step) ?? now, step, scalars: recordScalars(record) });
  });
  writeFileAtomic(file, Buffer.concat(events.map((e) => frame(encodeEvent(e)))));
}
