// Reading a JSON file a user named: a missing path or a folder is E_IO, unparsable text E_DATA.
import * as fs from 'fs';
import { TorchnasError } from '../errors';

/** Throws E_IO when `file` is missing or a folder; `what` names it in the message. */
export function requireFile(file: string, what: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new TorchnasError('E_IO', `${what} '${file}' does not exist`);
  }
  if (stat.isDirectory()) throw new TorchnasError('E_IO', `${what} '${file}' is a folder, not a file`);
}

export function readJson<T>(file: string, what: string): T {
  requireFile(file, what);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new TorchnasError('E_IO', `cannot read ${what} '${file}': ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TorchnasError('E_DATA', `${what} '${file}' is not valid JSON: ${(error as Error).message}`);
  }
}
