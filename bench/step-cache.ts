// Benchmarks that resume step by step: a finished step's result is read back from its JSON file, an
// unfinished one is made and written atomically.
import * as fs from 'fs';
import { writeJsonAtomic } from '../lib/util/atomic-file';

export function readOr<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (fs.existsSync(file)) return Promise.resolve(JSON.parse(fs.readFileSync(file, 'utf8')) as T);
  return make().then((value) => (writeJsonAtomic(file, value), value));
}
