// The house's layering, checked on the sources: the run skeleton alone writes a run's files, the core
// Session imports no family module, and spaces import no session, strategy or method.
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.join(__dirname, '..', 'lib');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

const importsOf = (file: string) =>
  [...fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^;]*?from '([^']+)';/gms)].map((m) => m[1]);
const rel = (file: string) => path.relative(LIB, file);

test('no file outside lib/run writes run.json, state.json or summary.json', () => {
  const write =
    /(write\w*|commitRunState)\([^;]*?(RUN_FILE|STATE_FILE|SUMMARY_FILE|'(run|state|summary)\.json')/s;
  const writers = sources(LIB)
    .filter((f) => !rel(f).startsWith(`run${path.sep}`))
    .filter(
      (f) => write.test(fs.readFileSync(f, 'utf8')) || /\bcommitRunState\(/.test(fs.readFileSync(f, 'utf8')),
    );
  expect(writers.map(rel)).toEqual([]);
});

test('the core Session imports no benchmark, proxy or method module', () => {
  const families = /\/(benchmarks|proxies|search|supernet|gmnas|fbnetv5|strategies|random-supernet)\//;
  const found = importsOf(path.join(LIB, 'train', 'session.ts')).filter((m) => families.test(`${m}/`));
  expect(found).toEqual([]);
});

test('no space imports a session, a strategy or a method', () => {
  const above =
    /^\.\.\/(train|run|strategies|search|supernet|gmnas|fbnetv5|benchmarks|proxies|random-supernet)(\/|$)/;
  const found = sources(path.join(LIB, 'spaces')).flatMap((f) =>
    importsOf(f)
      .filter((m) => above.test(m))
      .map((m) => `${rel(f)} -> ${m}`),
  );
  expect(found).toEqual([]);
});
