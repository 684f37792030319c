// The packed package imported as an ES module: an .mjs file and a "type": "module" project both import
// named exports and the default export from 'torchnas' through its exports map (Node reads the
// CommonJS build's names) and run info() on the native addon.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packedProject, ROOT } from '../helpers/packed-package';

const CONSUMER = `
import { info, TorchnasError } from 'torchnas';
import torchnas from 'torchnas';
const about = info();
console.log(JSON.stringify({ torch: about.torchVersion, error: typeof TorchnasError, train: typeof torchnas.train }));
`;

test('an .mjs file and a "type": "module" project import torchnas and run info()', () => {
  const { work, project, unpacked } = packedProject();
  try {
    // The addon this checkout built, where an install would have built or fetched it.
    fs.symlinkSync(path.join(ROOT, 'build'), path.join(unpacked, 'build'), 'dir');
    fs.writeFileSync(path.join(project, 'consumer.mjs'), CONSUMER);
    const moduleProject = path.join(project, 'esm-project');
    fs.mkdirSync(moduleProject);
    fs.writeFileSync(path.join(moduleProject, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(path.join(moduleProject, 'index.js'), CONSUMER);
    for (const file of [path.join(project, 'consumer.mjs'), path.join(moduleProject, 'index.js')]) {
      const out = execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({
        torch: expect.stringMatching(/^\d+\.\d+/),
        error: 'function',
        train: 'function',
      });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 180_000);
