// tsc does not emit .d.ts inputs: the compiled declarations in dist/lib import '../../binding', so
// the native addon's types go next to them as dist/binding.d.ts.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
fs.copyFileSync(path.join(root, 'binding.d.ts'), path.join(root, 'dist', 'binding.d.ts'));
