// Output paths are checked before the work that fills them starts: a typo in a folder name must not
// cost an hour of measuring.
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../errors';

/** Makes sure `file` can be written: not a folder, its folder created if missing and writable. */
export function prepareOutputFile(file: string, flag: string): void {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new TorchnasError('E_IO', `${flag} '${file}' is a folder: give a file name`);
  }
  const folder = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (error) {
    throw new TorchnasError(
      'E_IO',
      `${flag} '${file}': cannot write in '${folder}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
