// The published package as a consumer gets it: `npm pack`, the tarball unpacked into a fresh project's
// node_modules/torchnas, and the package's dependencies linked beside it.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');

/** A fresh project folder (under its own temporary `work` folder) holding the packed package. */
export function packedProject(): { work: string; project: string; unpacked: string } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnas-pack-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const project = path.join(work, 'consumer');
  const unpacked = path.join(project, 'node_modules', 'torchnas');
  fs.mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    path.join(work, packed[0].filename),
    '-C',
    unpacked,
    '--strip-components',
    '1',
  ]);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const name of [...Object.keys(pkg.dependencies), '@types/node', '@types/cli-progress']) {
    const target = path.join(project, 'node_modules', name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), target, 'dir');
  }
  return { work, project, unpacked };
}
