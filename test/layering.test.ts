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

const RUN_FILES = String.raw`(RUN_FILE|STATE_FILE|SUMMARY_FILE|'(run|state|summary)\.json')`;

/** Whether `text` writes a run's files: directly, through a variable holding the path, or by committing. */
function writesRunFiles(text: string): boolean {
  if (new RegExp(String.raw`(write\w*|append\w*)\([^;]*?${RUN_FILES}`, 's').test(text)) return true;
  if (/\bcommit(RunState|Epoch|Record)\(/.test(text)) return true;
  const held = [...text.matchAll(new RegExp(String.raw`(?:const|let) (\w+) = [^;]*?${RUN_FILES}`, 'gs'))];
  return held.some(([, name]) => new RegExp(String.raw`(write\w*|append\w*)\(\s*${name}\b`).test(text));
}

test('no file outside lib/run writes run.json, state.json or summary.json', () => {
  const writers = sources(LIB)
    .filter((f) => !rel(f).startsWith(`run${path.sep}`))
    .filter((f) => writesRunFiles(fs.readFileSync(f, 'utf8')));
  expect(writers.map(rel)).toEqual([]);
  // The check itself sees each way of writing.
  expect(writesRunFiles('writeJsonAtomic(path.join(dir, RUN_FILE), x);')).toBe(true);
  expect(writesRunFiles("const file = path.join(dir, 'summary.json');\nfs.writeFileSync(file, s);")).toBe(
    true,
  );
  expect(writesRunFiles('commitRunState(dir, next);')).toBe(true);
  expect(writesRunFiles('const file = path.join(dir, RUN_FILE);\nreadJson(file);')).toBe(false);
});

test('the core Session imports no benchmark, proxy, space or method module', () => {
  const families =
    /\/(benchmarks|proxies|search|proxyless|supernet|gmnas|fbnetv5|strategies|random-supernet|pnas|darts|spaces)\//;
  const found = importsOf(path.join(LIB, 'train', 'session.ts')).filter((m) => families.test(`${m}/`));
  expect(found).toEqual([]);
});

test('no space imports a session, a strategy or a method', () => {
  const above =
    /^(train|run|strategies|search|proxyless|supernet|gmnas|fbnetv5|benchmarks|proxies|random-supernet|pnas|darts)(\/|$)/;
  const spaces = sources(path.join(LIB, 'spaces'));
  // Every space kind lives in its own folder beside the interface.
  expect(new Set(spaces.map((f) => path.dirname(rel(f))))).toEqual(
    new Set(['spaces', 'spaces/chain', 'spaces/elastic', 'spaces/multires', 'spaces/nb201']),
  );
  const found = spaces.flatMap((f) =>
    importsOf(f)
      .filter((m) => m.startsWith('.') && above.test(rel(path.resolve(path.dirname(f), m))))
      .map((m) => `${rel(f)} -> ${m}`),
  );
  expect(found).toEqual([]);
});

// The native core (train/session*.cc, checkpoint.cc) holds no family's state: its files include no
// family's network, trainer or extension header (each family's extension includes the core instead).
test('the native core Session includes no search family header', () => {
  const train = path.join(LIB, '..', 'native', 'train');
  const core = fs.readdirSync(train).filter((f) => /^(session(_\w+)?\.(h|cc)|checkpoint\.cc)$/.test(f));
  const family =
    /"(spaces\/(supernet|elastic_net|nb201_supernet|multires_net)|search\/\w+|train\/(proxyless_search|elastic_training|path_supernet|multitask_training|darts_search))\.h"/;
  const found = core.flatMap((f) =>
    [...fs.readFileSync(path.join(train, f), 'utf8').matchAll(/^#include (".*")/gm)]
      .filter((m) => family.test(m[1]))
      .map((m) => `${f}: ${m[1]}`),
  );
  expect(core).toContain('session.h');
  expect(found).toEqual([]);
});
