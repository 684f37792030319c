// npm run bench:deploy — where a searched network is deployed: LibTorch eager (the latency torchnas's
// tables measure) against onnxruntime's CPU execution provider (the exported ONNX), per network, at
// batch 1 and 8, side by side in one process; then how far the two runtimes agree on which networks
// are fast (Spearman and Kendall of the two latency rankings over the networks).
//
// Networks: random architectures of a chain space (seeded), with random weights (latency does not
// depend on their values). LibTorch runs in eval mode with BatchNorm folded and channels_last (its
// fastest CPU inference path here); onnxruntime (lib/latency/onnxruntime-profiler.ts) with all graph
// optimizations, `--threads` intra-op threads and one inter-op thread. Each runtime's figure is the
// median of `--repeats` timed forwards after `--warmup`; the runtimes alternate per network, so load
// drifts hit both alike.
//
//   npm run bench:deploy -- [--space proxyless] [--resolution 96] [--networks 30] [--batches 1,8]
//       [--threads 2] [--warmup 5] [--repeats 20] [--seed 1] [--out file.json]
import * as fs from 'fs';
import { parseArgs } from 'util';
import {
  deriveArchitecture,
  loadSpace,
  randomChoice,
  resolveNetwork,
  resolveSpace,
  withProfiler,
} from '../lib';
import { Rng } from '../lib/util/rng';
import { wholeFlag } from './flags';
import { kendall, median, spearman } from '../lib/util/statistics';

const { values: args } = parseArgs({
  options: {
    space: { type: 'string', default: 'proxyless' },
    resolution: { type: 'string', default: '96' },
    networks: { type: 'string', default: '30' },
    batches: { type: 'string', default: '1,8' },
    threads: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});

const whole = (flag: keyof typeof args, min = 1) => wholeFlag(args[flag] as string | undefined, flag, min);

async function main() {
  const count = whole('networks', 2);
  const threads = whole('threads');
  const warmup = whole('warmup', 0);
  const repeats = whole('repeats');
  const batches = args.batches.split(',').map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b >= 1))
    throw new Error(`--batches takes whole numbers, e.g. 1,8 (got '${args.batches}')`);
  const resolved = resolveSpace(
    args.space === 'proxyless' ? loadSpace('proxyless', whole('resolution')) : loadSpace(args.space),
  );
  const rng = new Rng(whole('seed', 0));
  const archs = Array.from({ length: count }, (_, i) =>
    deriveArchitecture(
      resolved,
      randomChoice(resolved, () => rng.next()),
      `net-${i}`,
    ),
  );
  const rows: { name: string; macs: number; batch: number; libtorchMs: number; onnxruntimeMs: number }[] = [];
  let runtime = '';
  for (const batch of batches) {
    const timing = { device: 'cpu', threads, batch, warmup, repeats, foldBatchNorm: true };
    await withProfiler({ ...timing, channelsLast: true }, (libtorch) =>
      withProfiler({ ...timing, runtime: 'onnxruntime' }, async (onnxruntime) => {
        runtime = onnxruntime.conditions.runtime ?? '';
        for (const arch of archs) {
          const libtorchMs = (await libtorch.network(arch)).median;
          const ms = (await onnxruntime.network(arch)).median;
          rows.push({
            name: arch.name,
            macs: resolveNetwork(arch).macs,
            batch,
            libtorchMs,
            onnxruntimeMs: ms,
          });
          console.error(
            `batch ${batch} ${arch.name}: LibTorch ${libtorchMs.toFixed(2)} ms, onnxruntime ${ms.toFixed(2)} ms`,
          );
        }
      }),
    );
  }
  const lines = [
    `torchnas bench:deploy — ${new Date().toISOString()} — CPU, ${threads} threads; ${count} random networks of ` +
      `${resolved.space.name} (input ${resolved.space.input.join('x')}), median of ${repeats} forwards after ${warmup}; ` +
      `${runtime} (onnxruntime-node)`,
    '',
    '| batch | LibTorch ms (median over nets) | onnxruntime ms | onnxruntime / LibTorch (median of per-net ratios) | Spearman | Kendall | Spearman with MACs (LibTorch / onnxruntime) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const batch of batches) {
    const r = rows.filter((x) => x.batch === batch);
    const lt = r.map((x) => x.libtorchMs);
    const ox = r.map((x) => x.onnxruntimeMs);
    const macs = r.map((x) => x.macs);
    lines.push(
      `| ${batch} | ${median(lt).toFixed(2)} | ${median(ox).toFixed(2)} | ${median(r.map((x) => x.onnxruntimeMs / x.libtorchMs)).toFixed(2)} | ` +
        `${spearman(lt, ox).toFixed(3)} | ${kendall(lt, ox).toFixed(3)} | ${spearman(macs, lt).toFixed(3)} / ${spearman(macs, ox).toFixed(3)} |`,
    );
  }
  console.log(lines.join('\n'));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ args, rows }, null, 1));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
