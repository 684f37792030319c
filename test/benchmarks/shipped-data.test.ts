// The committed tables must be exactly what scripts/build-benchmark-data.js makes from the CSVs.
// The CSVs live outside the package, so the check runs only where they are.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { benchmarkDataDir } from '../../lib/benchmarks';

// The third-party CSVs sit in ../shared/data beside a checkout (see its README).
const SOURCE =
  process.env.TORCHNAS_BENCHMARK_SOURCE ?? path.join(__dirname, '..', '..', '..', 'shared', 'data');
const FILES = [
  'nb201.json.gz',
  'nb201-zero-cost.json.gz',
  'nb201-latency.json.gz',
  'tnb101-micro.json.gz',
  'tnb101-macro.json.gz',
];

describe('shipped benchmark data', () => {
  test('is small enough to ship', () => {
    const bytes = FILES.reduce((sum, f) => sum + fs.statSync(path.join(benchmarkDataDir(), f)).size, 0);
    expect(bytes).toBeLessThan(6 * 1024 * 1024);
    expect(fs.existsSync(path.join(benchmarkDataDir(), 'ATTRIBUTION.md'))).toBe(true);
  });

  (fs.existsSync(SOURCE) ? test : test.skip)(`rebuilds byte for byte from ${SOURCE}`, () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnas-benchmarks-'));
    try {
      const script = path.join(__dirname, '..', '..', 'scripts', 'build-benchmark-data.js');
      execFileSync(process.execPath, [script, '--source', SOURCE, '--out', out], { stdio: 'pipe' });
      for (const f of FILES)
        expect(
          fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(benchmarkDataDir(), f))),
        ).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
