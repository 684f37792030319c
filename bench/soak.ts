// npm run bench:soak — does memory stay flat over a long session? Three phases in one process:
// 10,000 training steps of one network in one session, 2,000 search steps (a weight step and an
// architecture step each) of a supernet in another, then 200 sessions opened, used for a step and
// closed, and 200 more dropped without close() for the garbage collector (whose finalizer must not
// block the event loop: its longest stall is reported). The resident set (VmRSS) and the caching CPU
// allocator's cached bytes (or, on a GPU, the caching allocator's reserved bytes) are sampled
// throughout. The bound: after each phase's first tenth (warm-up: allocator pools, optimizer state,
// first-touch pages), RSS grows by at most 16 MiB to the phase's end.
//
//   npm run bench:soak -- [--steps 10000] [--search-steps 2000] [--sessions 200] [--dropped 200]
//       [--batch 32] [--device cpu|cuda] [--threads 1] [--phases train,search,sessions,dropped]
import { monitorEventLoopDelay } from 'perf_hooks';
import { parseArgs } from 'util';
import {
  augmentationFor,
  info,
  loadArchitecture,
  loadDataset,
  loadSpace,
  resolveSpace,
  Session,
  SPACES,
  type Dataset,
} from '../lib';
import { residentKiB } from './process-memory';
import { buildSupernet, configureSearch, searchEpoch } from '../lib/proxyless/proxyless-session';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    'search-steps': { type: 'string', default: '2000' },
    sessions: { type: 'string', default: '200' },
    dropped: { type: 'string', default: '200' },
    phases: { type: 'string', default: 'train,search,sessions,dropped' },
    batch: { type: 'string', default: '32' },
    device: { type: 'string', default: 'cpu' },
    threads: { type: 'string', default: '1' },
  },
});
const BOUND_MIB = 16;
const batch = Number(args.batch);
const threads = Number(args.threads);
const device = args.device!;
const augment = augmentationFor('fashion-mnist', false);

interface Sample {
  step: number;
  rssMiB: number;
  cachedMiB: number;
}

async function sample(step: number, session?: Session): Promise<Sample> {
  let cached = info().cpuAllocator.cachedBytes;
  if (session && device !== 'cpu') cached = (await session.memoryStats()).reservedBytes;
  const s = { step, rssMiB: residentKiB('VmRSS') / 1024, cachedMiB: cached / 2 ** 20 };
  process.stderr.write(
    `  ${new Date().toISOString().slice(11, 19)} ${step}: RSS ${s.rssMiB.toFixed(1)} MiB, cache ${s.cachedMiB.toFixed(1)} MiB\n`,
  );
  return s;
}

function verdict(name: string, samples: Sample[]): boolean {
  const warm = samples[Math.max(1, Math.floor(samples.length / 10))];
  const last = samples.at(-1)!;
  const growth = last.rssMiB - warm.rssMiB;
  const peak = Math.max(...samples.map((s) => s.rssMiB));
  const ok = growth <= BOUND_MIB;
  console.log(
    `${name}: RSS ${samples[0].rssMiB.toFixed(1)} MiB at start, ${warm.rssMiB.toFixed(1)} after warm-up ` +
      `(${warm.step}), ${last.rssMiB.toFixed(1)} at the end (${last.step}), peak ${peak.toFixed(1)}; growth after warm-up ` +
      `${growth.toFixed(1)} MiB (bound ${BOUND_MIB}) ${ok ? 'FLAT' : 'GROWS'}; allocator cache ${warm.cachedMiB.toFixed(1)} -> ` +
      `${last.cachedMiB.toFixed(1)} MiB`,
  );
  console.log(`  ${samples.map((s) => `${s.step}:${s.rssMiB.toFixed(0)}`).join(' ')}`);
  return ok;
}

async function trainingPhase(data: Dataset): Promise<boolean> {
  const steps = Number(args.steps);
  const perEpoch = Math.floor(data.size / batch);
  const session = new Session({ device, threads, seed: 1 });
  await session.buildNetwork(loadArchitecture('fmnist-cnn'));
  await session.configureTraining({ lr: 0.05, totalSteps: steps + perEpoch });
  const samples = [await sample(0, session)];
  for (let epoch = 0, done = 0; done < steps; epoch++) {
    done += (await session.trainEpoch(data, { batchSize: batch, seed: 1, epoch, augment })).steps;
    samples.push(await sample(done, session));
  }
  await session.close();
  return verdict(`training (fmnist-cnn, batch ${batch})`, samples);
}

async function searchPhase(data: Dataset, valid: Dataset): Promise<boolean> {
  const steps = Number(args['search-steps']);
  const perEpoch = Math.floor(data.size / batch);
  const session = new Session({ device, threads, seed: 1 });
  // proxyless-28 at half width: the same supernet code and step, at a quarter of the arithmetic.
  await buildSupernet(session, resolveSpace(loadSpace({ ...SPACES['proxyless-28'], widthMultiplier: 0.5 })));
  await session.configureTraining({ lr: 0.05, totalSteps: steps + perEpoch });
  await configureSearch(session, { mode: 'two', latencyLoss: 'none' });
  const samples = [await sample(0, session)];
  for (let epoch = 0, done = 0; done < steps; epoch++) {
    const stats = await searchEpoch(session, data, valid, {
      train: { batchSize: batch, seed: 1, epoch, augment },
      valid: { batchSize: batch, augment },
      archEvery: 1,
      updateArch: true,
    });
    done += stats.steps;
    samples.push(await sample(done, session));
  }
  await session.close();
  return verdict(`search (proxyless-28 at width 0.5, two, batch ${batch})`, samples);
}

async function sessionsPhase(data: Dataset): Promise<boolean> {
  const count = Number(args.sessions);
  const samples = [await sample(0)];
  const arch = loadArchitecture('fmnist-cnn');
  for (let i = 1; i <= count; i++) {
    const session = new Session({ device, threads: 1, seed: i });
    await session.buildNetwork(arch);
    await session.configureTraining({ lr: 0.05, totalSteps: 1 });
    await session.trainEpoch(data.subset(batch, i), { batchSize: batch, augment });
    await session.close();
    if (i % Math.max(1, Math.floor(count / 20)) === 0) samples.push(await sample(i));
  }
  return verdict(`${count} sessions opened, one step each, closed`, samples);
}

// Sessions left to the garbage collector without close(): a session is reachable while a call on it
// is pending, so they are dropped idle, after a step. The finalizer cancels and must not join (it
// used to, stalling the event loop); a later session reaps the ended workers.
async function droppedPhase(data: Dataset): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('dropped sessions: skipped (run node with --expose-gc)');
    return true;
  }
  const count = Number(args.dropped);
  const samples = [await sample(0)];
  const arch = loadArchitecture('fmnist-cnn');
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  for (let i = 1; i <= count; i++) {
    await (async () => {
      const session = new Session({ device, threads: 1, seed: i });
      await session.buildNetwork(arch);
      await session.configureTraining({ lr: 0.05, totalSteps: 1 });
      await session.trainEpoch(data.subset(batch, i), { batchSize: batch, augment });
    })();
    gc();
    if (i % Math.max(1, Math.floor(count / 20)) === 0) samples.push(await sample(i));
  }
  delay.disable();
  const stallMs = delay.max / 1e6;
  console.log(
    `dropped sessions: longest event-loop stall ${stallMs.toFixed(1)} ms while ${count} sessions were collected`,
  );
  return verdict(`${count} sessions dropped without close() and collected`, samples) && stallMs < 1000;
}

async function main() {
  const all = await loadDataset('fashion-mnist', 'train');
  const data = all.subset(batch * 200, 1);
  const valid = all.subset(batch * 50, 2);
  console.log(`bench:soak on ${device}, ${threads} threads, batch ${batch} (${new Date().toISOString()})`);
  const phases = new Set(args.phases!.split(','));
  const results: boolean[] = [];
  if (phases.has('train')) results.push(await trainingPhase(data));
  if (phases.has('search')) results.push(await searchPhase(data, valid));
  if (phases.has('sessions')) results.push(await sessionsPhase(data));
  if (phases.has('dropped')) results.push(await droppedPhase(data));
  console.log(results.every(Boolean) ? 'all phases flat' : 'memory grows in at least one phase');
  process.exitCode = results.every(Boolean) ? 0 : 1;
}

void main();
