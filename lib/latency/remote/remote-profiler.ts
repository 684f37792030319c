// Latency measured on a latency agent (`torchnas latency agent` on the target device) instead of here,
// behind the same interface as the local profilers, so a table, a measurement or a predictor fit runs
// against a device exactly as it runs here: same keys, same method (the ONNX path exports the same
// models and subtracts the same call cost), and conditions that name the agent's machine.
import type { NativeTimingStats } from '../../../binding';
import { resolveNetwork, type Architecture } from '../../arch';
import { TorchnasError } from '../../errors';
import {
  measuredConditions,
  type LatencyConditions,
  type RemoteOptions,
  type ResolvedTimingOptions,
} from '../conditions';
import type { LayerProbe } from '../layer-keys';
import { checkOnnxOptions, OnnxRuntimeProfiler } from '../onnxruntime-profiler';
import type { LatencyTimer } from '../profiler';
import { AgentClient } from './agent-client';
import type { AgentDevice } from './agent-protocol';

const agentLabel = (d: AgentDevice) => `${d.hostname} (${d.platform} ${d.arch}, ${d.cores} cores)`;

/** onnxruntime on the agent: this machine exports each model, the agent times it. */
function remoteOnnx(client: AgentClient, device: AgentDevice, options: ResolvedTimingOptions): LatencyTimer {
  checkOnnxOptions(options);
  if (!device.onnxruntime)
    throw new TorchnasError(
      'E_REMOTE',
      `the agent at ${client.url} has no onnxruntime-node: install it there`,
      ['runtime'],
    );
  const conditions = measuredConditions(
    { ...options, device: 'cpu' },
    {
      device: 'cpu',
      deviceName: device.cpu,
      threads: options.threads,
      torchVersion: device.libtorch ?? 'none',
      runtime: `onnxruntime ${device.onnxruntime}`,
      agent: agentLabel(device),
    },
  );
  const timing = { threads: options.threads, warmup: options.warmup, repeats: options.repeats };
  return new OnnxRuntimeProfiler(
    (model, shape) => client.timeOnnx(model, shape, timing),
    options,
    conditions,
  );
}

/** LibTorch on the agent (its torchnas addon): block descriptions sent, one layer a request. */
async function remoteLibtorch(
  client: AgentClient,
  device: AgentDevice,
  options: ResolvedTimingOptions,
): Promise<LatencyTimer> {
  if (!device.libtorch)
    throw new TorchnasError(
      'E_REMOTE',
      `the agent at ${client.url} has no torchnas addon (LibTorch): time there with --runtime onnxruntime`,
      ['runtime'],
    );
  const { device: where, batch, precision, channelsLast, cudnnBenchmark, foldBatchNorm, cudaGraph } = options;
  const { threads, warmup, repeats } = options;
  const sent = {
    device: where,
    batch,
    precision,
    channelsLast,
    cudnnBenchmark,
    foldBatchNorm,
    cudaGraph,
    threads,
    warmup,
    repeats,
  };
  const described = await client.libtorch<{ conditions: LatencyConditions }>({ options: sent, layers: [] });
  const conditions = { ...described.conditions, agent: agentLabel(device) };
  return {
    options,
    conditions,
    async layers(probes: LayerProbe[], onProgress?: (p: { done: number; total: number }) => void) {
      const out: NativeTimingStats[] = [];
      for (const probe of probes) {
        const layer = { block: probe.block, input: probe.input };
        const { layers } = await client.libtorch<{ layers: NativeTimingStats[] }>({
          options: sent,
          layers: [layer],
        });
        out.push(layers[0]);
        onProgress?.({ done: out.length, total: probes.length });
      }
      return out;
    },
    async network(arch: Architecture) {
      const { spec } = resolveNetwork(arch);
      return (await client.libtorch<{ stats: NativeTimingStats }>({ options: sent, network: spec })).stats;
    },
    close: async () => {},
  };
}

/** Opens the agent's profiler; with no --threads given, the agent's cores (not this machine's). */
export async function openRemoteProfiler(
  options: ResolvedTimingOptions,
  remote: RemoteOptions,
  threadsGiven: boolean,
): Promise<LatencyTimer> {
  const client = new AgentClient(remote);
  const device = await client.describe();
  const resolved = { ...options, threads: threadsGiven ? options.threads : device.cores };
  return resolved.runtime === 'onnxruntime'
    ? remoteOnnx(client, device, resolved)
    : remoteLibtorch(client, device, resolved);
}
