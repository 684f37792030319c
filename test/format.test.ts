// One layout for all code (`npm run format` applies it): prettier for TypeScript and JavaScript at 110
// columns, clang-format (Google style, 110 columns) for C++. A file out of format fails here, by name.
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

test('TypeScript and JavaScript are as prettier writes them', () => {
  const r = spawnSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--check', '.'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  expect(r.stdout + r.stderr).not.toMatch(/\[warn\]/);
  expect(r.status).toBe(0);
}, 300_000);

test('C++ is as clang-format writes it', () => {
  const files = spawnSync('git', ['ls-files', 'native/*.cc', 'native/*.h'], { cwd: ROOT, encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  expect(files.length).toBeGreaterThan(50);
  const r = spawnSync('clang-format', ['--dry-run', '--Werror', ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  expect(r.error).toBeUndefined(); // clang-format is installed by scripts/setup.sh
  expect(
    r.stderr
      .split('\n')
      .filter((l) => l.includes('error:'))
      .slice(0, 5),
  ).toEqual([]);
  expect(r.status).toBe(0);
}, 300_000);
