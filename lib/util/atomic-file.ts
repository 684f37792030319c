// Small files that must never be seen half-written (run state, summaries): write a temporary file
// beside the target, flush it to disk, rename it over the target, flush the directory.
import * as fs from 'fs';
import * as path from 'path';
import { writeError } from '../errors';

/** Every failure is a typed E_IO naming the file and its cause; no temporary file is left behind. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  try {
    writeAndRename(file, data);
  } catch (error) {
    throw writeError(file, error);
  }
}

function writeAndRename(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w');
  try {
    try {
      fs.writeFileSync(fd, data); // unlike one writeSync, writes all of a large buffer
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true }); // a failed write (disk full) leaves no partial file behind
    throw error;
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
