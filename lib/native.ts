// Loads the native addon (build/Release or a matching prebuild) once, typed by binding.d.ts.
import * as fs from 'fs';
import * as path from 'path';
import type { NativeBinding } from '../binding';
import { TorchnasError } from './errors';

/** The package root: the nearest folder above this file whose package.json is torchnas's. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'torchnas')
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('torchnas: cannot find the package root above ' + __dirname);
    dir = parent;
  }
}

let cached: NativeBinding | undefined;

export function native(): NativeBinding {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    cached = load(packageRoot());
  } catch (cause) {
    throw new TorchnasError(
      'E_NATIVE_LOAD',
      `the torchnas native addon could not be loaded (${(cause as Error).message}). ` +
        'Build it with `npm run build:native` (needs cmake and LibTorch: run scripts/setup.sh).',
    );
  }
  return cached;
}
