// Tests that spawn the CLI run the compiled dist/: compile it first so it matches the sources.
const { execFileSync } = require('child_process');
const path = require('path');
module.exports = async () => {
  const root = path.join(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const script of ['copy-binding-types.js', 'plain-declarations.js']) {
    execFileSync(process.execPath, [path.join(root, 'scripts', script)], { cwd: root, stdio: 'inherit' });
  }
};
