// The published package's types, as a consumer sees them: `npm pack`, unpack the tarball into a
// fresh project's node_modules, and compile a strict consumer against it without skipLibCheck. A
// declaration that imports a file the tarball lacks fails with TS2307, and native result types that
// decay to `any` fail the @ts-expect-error lines below. The declarations name nothing of zod: a consumer
// compiled without esModuleInterop would otherwise fail inside zod's own declarations (TS1259).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packedProject } from '../helpers/packed-package';

const CONSUMER = `
import { archState, proxyless, Session, TorchnasError, type ProxylessResult, type SearchRecord } from 'torchnas';

async function main(): Promise<void> {
  const result: ProxylessResult = await proxyless({ epochs: 1, warmupEpochs: 0, latencyLoss: 'none' });
  const record: SearchRecord = result.history[0];
  const top1: number = record.valid.sampledTop1;
  // @ts-expect-error a native result's field is a number, not a string (fails if the type is any)
  const wrong: string = record.train.top1;
  const session = new Session({ threads: 1 });
  const state = await archState(session);
  // @ts-expect-error probabilities are number[][] (fails if the native types did not resolve)
  const bad: string = state.probabilities[0][0];
  const stats = await session.trainEpoch(undefined as never, { batchSize: 8 });
  // @ts-expect-error NativeEpochStats has no such field
  stats.notAField;
  console.log(top1, wrong, bad, stats.loss, TorchnasError.name);
}
void main();
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'ES2022',
    module: 'commonjs',
    moduleResolution: 'node',
    types: ['node'],
    esModuleInterop: true,
  },
  files: ['consumer.ts'],
};

function compileErrors(project: string): string {
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], {
      encoding: 'utf8',
    });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout);
  }
}

function declarationFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return declarationFiles(full);
    return e.name.endsWith('.d.ts') ? [full] : [];
  });
}

test('a strict consumer compiles against the packed package, with the native types resolved', () => {
  const { work, project, unpacked } = packedProject();
  try {
    expect(fs.existsSync(path.join(unpacked, 'dist', 'binding.d.ts'))).toBe(true);
    const namingZod = declarationFiles(path.join(unpacked, 'dist')).filter((f) =>
      /from 'zod'|\bz\.[A-Za-z]|\bZod[A-Z]/.test(fs.readFileSync(f, 'utf8')),
    );
    expect(namingZod.map((f) => path.relative(unpacked, f))).toEqual([]);
    fs.writeFileSync(path.join(project, 'consumer.ts'), CONSUMER);
    for (const esModuleInterop of [true, false]) {
      const compilerOptions = { ...TSCONFIG.compilerOptions, esModuleInterop };
      fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, compilerOptions }));
      expect(compileErrors(project)).toBe('');
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 180000);
