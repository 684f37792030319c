// Reads the shipped benchmark tables (data/benchmarks/*.json.gz, built by
// scripts/build-benchmark-data.js) once each, on first use, and checks them against a schema so a
// truncated or stale file fails with E_DATA instead of answering queries with undefined.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { z } from 'zod';
import { TorchnasError } from '../errors';
import { packageRoot } from '../native';

const cache = new Map<string, unknown>();

export function benchmarkDataDir(): string {
  return path.join(packageRoot(), 'data', 'benchmarks');
}

export function readTableFile<T extends z.ZodType>(name: string, schema: T): z.infer<T> {
  if (cache.has(name)) return cache.get(name) as z.infer<T>;
  const file = path.join(benchmarkDataDir(), name);
  let json: unknown;
  try {
    json = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_IO' : 'E_DATA';
    throw new TorchnasError(
      code,
      `cannot read benchmark table ${file}: ${(error as Error).message} (rebuild it with node scripts/build-benchmark-data.js)`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TorchnasError(
      'E_DATA',
      `benchmark table ${file} is malformed at ${issue.path.join('.') || 'top level'}: ${issue.message}`,
    );
  }
  cache.set(name, parsed.data);
  return parsed.data;
}

/**
 * A column of `length` finite numbers (at least `min`). Checked in one plain loop: zod's per-element
 * checks take half a second on the 27 latency columns, longer than reading them.
 */
export function numberColumn(length: number, min = -Infinity) {
  return z.custom<number[]>(
    (value) =>
      Array.isArray(value) &&
      value.length === length &&
      value.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= min),
    { message: `expected ${length} finite numbers${min > -Infinity ? ` >= ${min}` : ''}` },
  );
}
