// npm run bench:deploy — where a searched network is deployed: LibTorch eager (the latency torchnas's
// tables measure) against onnxruntime's CPU execution provider (the exported ONNX), per network, at
// batch 1 and 8, side by side in one process; then how far the two runtimes agree on which networks
// are fast (Spearman and Kendall of the two latency rankings over the networks).
//
// Networks: random architectures of a chain space (seeded), with random weights (latency does not
// depend on their values). LibTorch runs in eval mode with BatchNorm folded and channels_last (its
// fastest CPU inference path here); onnxruntime with all graph optimizations, `--threads` intra-op
// threads and one inter-op thread. Each runtime's figure is the median of `--repeats` timed forwards
// after `--warmup`; the runtimes alternate per network, so load drifts hit both alike.
//
//   npm run bench:deploy -- [--space proxyless] [--resolution 96] [--networks 30] [--batches 1,8]
//       [--threads 2] [--warmup 5] [--repeats 20] [--seed 1] [--out file.json]
import * as fs from 'fs';
import { parseArgs } from 'util';
import * as ort from 'onnxruntime-node';
import {
  deriveArchitecture, exportOnnx, LatencyProfiler, loadSpace, randomChoice, resolveNetwork, resolveSpace, Session, type Architecture,
} from '../lib';
import { Rng } from '../lib/strategies/rng';
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

function whole(flag: keyof typeof args, min = 1): number {
  const n = Number(args[flag]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be a whole number >= ${min}`);
  return n;
}

async function weightsOf(arch: Architecture): Promise<Record<string, Float32Array>> {
  const s = new Session({ device: 'cpu', threads: 1, seed: 1, channelsLast: false });
  try {
    await s.buildNetwork(arch);
    return await s.stateTensors();
  } finally {
    await s.close();
  }
}

async function onnxruntimeMs(bytes: Uint8Array, shape: number[], threads: number, warmup: number, repeats: number): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const input = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
  for (let i = 0; i < warmup; i++) await session.run({ input });
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = process.hrtime.bigint();
    await session.run({ input });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await session.release();
  return median(times);
}

async function main() {
  const count = whole('networks', 2);
  const threads = whole('threads');
  const warmup = whole('warmup', 0);
  const repeats = whole('repeats');
  const batches = args.batches.split(',').map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b >= 1)) throw new Error(`--batches takes whole numbers, e.g. 1,8 (got '${args.batches}')`);
  const resolved = resolveSpace(args.space === 'proxyless' ? loadSpace('proxyless', whole('resolution')) : loadSpace(args.space));
  const rng = new Rng(whole('seed', 0));
  const archs = Array.from({ length: count }, (_, i) => deriveArchitecture(resolved, randomChoice(resolved, () => rng.next()), `net-${i}`));
  const rows: { name: string; macs: number; batch: number; libtorchMs: number; onnxruntimeMs: number }[] = [];
  for (const batch of batches) {
    const profiler = await LatencyProfiler.open({ device: 'cpu', threads, batch, warmup, repeats, channelsLast: true, foldBatchNorm: true });
    try {
      for (const arch of archs) {
        const libtorchMs = (await profiler.network(arch)).median;
        const onnx = exportOnnx(arch, await weightsOf(arch));
        const ms = await onnxruntimeMs(onnx, [batch, ...arch.input], threads, warmup, repeats);
        const { macs } = resolveNetwork(arch);
        rows.push({ name: arch.name, macs, batch, libtorchMs, onnxruntimeMs: ms });
        console.error(`batch ${batch} ${arch.name}: LibTorch ${libtorchMs.toFixed(2)} ms, onnxruntime ${ms.toFixed(2)} ms`);
      }
    } finally {
      await profiler.close();
    }
  }
  const lines = [`torchnas bench:deploy — ${new Date().toISOString()} — CPU, ${threads} threads; ${count} random networks of ` +
    `${resolved.space.name} (input ${resolved.space.input.join('x')}), median of ${repeats} forwards after ${warmup}; ` +
    `onnxruntime-node ${ort.env.versions.node}`, '',
    '| batch | LibTorch ms (median over nets) | onnxruntime ms | onnxruntime / LibTorch (median of per-net ratios) | Spearman | Kendall | Spearman with MACs (LibTorch / onnxruntime) |',
    '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const batch of batches) {
    const r = rows.filter((x) => x.batch === batch);
    const lt = r.map((x) => x.libtorchMs);
    const ox = r.map((x) => x.onnxruntimeMs);
    const macs = r.map((x) => x.macs);
    lines.push(`| ${batch} | ${median(lt).toFixed(2)} | ${median(ox).toFixed(2)} | ${median(r.map((x) => x.onnxruntimeMs / x.libtorchMs)).toFixed(2)} | ` +
      `${spearman(lt, ox).toFixed(3)} | ${kendall(lt, ox).toFixed(3)} | ${spearman(macs, lt).toFixed(3)} / ${spearman(macs, ox).toFixed(3)} |`);
  }
  console.log(lines.join('\n'));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ args, rows }, null, 1));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
