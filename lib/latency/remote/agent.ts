// `torchnas latency agent`: a small server on the device a network will be deployed to. It times what
// its host sends: ONNX models (a layer, or a whole network) in onnxruntime's CPU provider, or block
// descriptions in LibTorch where the torchnas addon is installed. One measurement at a time (two at once
// would time each other), a short queue behind it, and bounded requests: a body larger than the bound is
// refused as it arrives, never held. Every request carries the token. It reads and writes no files.
import * as http from 'http';
import type { ZodType } from 'zod';
import * as os from 'os';
import { createHash, randomBytes } from 'crypto';
import { tokenMatches } from '../../util/token';
import { invalid } from '../../errors';
import type { NativeBlock, NativeNetworkSpec } from '../../../binding';
import {
  AGENT_PROTOCOL,
  DEFAULT_AGENT_LIMITS,
  libtorchRequestSchema,
  onnxQuerySchema,
  type AgentDevice,
  type AgentLimits,
} from './agent-protocol';
import { timeOnnxModel, loadOnnxruntimeOrNull } from '../onnx-timing';

export interface AgentOptions {
  host?: string;
  port?: number;
  /** Every request must carry it; one is made up (and shown) when none is given. */
  token?: string;
  limits?: Partial<AgentLimits>;
  /** Each measurement as it finishes (what was timed, in ms): the CLI's log. */
  onMeasured?: (what: string, medianMs: number) => void;
}

export interface LatencyAgent {
  url: string;
  token: string;
  device: AgentDevice;
  close(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function libtorchVersion(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../info') as typeof import('../../info')).info().torchVersion;
  } catch {
    return null; // no addon on this device: ONNX only
  }
}

export function describeDevice(limits: AgentLimits): AgentDevice {
  const ort = loadOnnxruntimeOrNull();
  return {
    protocol: AGENT_PROTOCOL,
    hostname: os.hostname(),
    platform: os.platform(),
    arch: os.arch(),
    cpu: os.cpus()[0]?.model?.trim() ?? 'CPU',
    cores: os.availableParallelism(),
    node: process.versions.node,
    onnxruntime: ort?.env.versions.node ?? null,
    libtorch: libtorchVersion(),
    limits,
  };
}

/** The body, refused (and the connection dropped) as soon as it passes `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit)
    return Promise.reject(new Refusal(413, `the request is ${declared} bytes: at most ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.pause();
        reject(new Refusal(413, `the request passed ${limit} bytes: at most ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const tokenOk = (req: http.IncomingMessage, token: string) =>
  tokenMatches(req.headers.authorization?.replace(/^Bearer /, ''), token);

function parseWith<T>(schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`);
  throw new Refusal(400, why.join('; '));
}

/** One measurement at a time; at most `maxQueue` waiting. */
function serialQueue(maxQueue: number) {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return <T>(work: () => Promise<T>): Promise<T> => {
    if (waiting >= maxQueue + 1) throw new Refusal(503, 'the agent is busy: try again');
    waiting++;
    const run = tail.then(work, work);
    tail = run.catch(() => undefined).finally(() => waiting--);
    return run;
  };
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Times ONNX bytes at the given input shape. */
async function measureOnnx(url: URL, body: Buffer, limits: AgentLimits) {
  const { shape, timing } = parseWith(onnxQuerySchema(limits), Object.fromEntries(url.searchParams));
  const ort = loadOnnxruntimeOrNull();
  if (!ort)
    throw new Refusal(400, 'this agent has no onnxruntime-node: npm install onnxruntime-node where it runs');
  try {
    return await timeOnnxModel(ort, new Uint8Array(body), shape, timing);
  } catch (error) {
    throw new Refusal(400, `onnxruntime could not run the model: ${(error as Error).message}`);
  }
}

/** Times block descriptions with the addon's LibTorch modules. */
async function measureLibtorch(body: Buffer, device: AgentDevice) {
  const { limits } = device;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refusal(400, 'the request is not JSON');
  }
  const request = parseWith(libtorchRequestSchema(limits), value);
  if (device.libtorch === null)
    throw new Refusal(400, 'this agent has no torchnas addon (LibTorch): time with --runtime onnxruntime');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LatencyProfiler } = require('../profiler') as typeof import('../profiler');
  const profiler = await LatencyProfiler.open(request.options);
  try {
    const { conditions } = profiler;
    if (request.layers) {
      // An empty list asks for the conditions alone (what a host records before it measures).
      const probes = request.layers.map((l) => ({
        key: '',
        block: l.block as unknown as NativeBlock,
        input: l.input,
      }));
      return { layers: probes.length ? await profiler.layers(probes) : [], conditions };
    }
    return { stats: await profiler.networkSpec(request.network as unknown as NativeNetworkSpec), conditions };
  } catch (error) {
    throw new Refusal(400, `LibTorch could not time it: ${(error as Error).message}`);
  } finally {
    await profiler.close();
  }
}

function handler(token: string, device: AgentDevice, onMeasured: AgentOptions['onMeasured']) {
  const { limits } = device;
  const queue = serialQueue(limits.maxQueue);
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    try {
      if (!tokenOk(req, token))
        throw new Refusal(401, 'a wrong or missing token: give the one the agent printed');
      if (req.method === 'GET' && url.pathname === '/device') return sendJson(res, 200, device);
      if (req.method !== 'POST') throw new Refusal(404, `no ${req.method} ${url.pathname}`);
      if (url.pathname === '/onnx') {
        const body = await readBody(req, limits.maxModelBytes);
        const stats = await queue(() => measureOnnx(url, body, limits));
        const digest = createHash('sha256').update(body).digest('hex').slice(0, 12);
        onMeasured?.(`onnx ${digest} at ${url.searchParams.get('shape')}`, stats.median);
        return sendJson(res, 200, { stats });
      }
      if (url.pathname === '/libtorch') {
        const body = await readBody(req, limits.maxJsonBytes);
        const result = await queue(() => measureLibtorch(body, device));
        if ('stats' in result && result.stats) onMeasured?.('libtorch network', result.stats.median);
        else if (result.layers?.length) onMeasured?.('libtorch layer', result.layers[0].median);
        return sendJson(res, 200, result);
      }
      throw new Refusal(404, `no POST ${url.pathname}`);
    } catch (error) {
      const status = error instanceof Refusal ? error.status : 500;
      sendJson(res, status, { error: (error as Error).message });
      // The rest of an oversized body is never read: the connection closes a moment after the answer
      // (closing it at once could reset it before the sender has read why).
      if (status === 413) res.once('finish', () => setTimeout(() => req.socket.destroy(), 1000).unref());
    }
  };
}

/** Starts an agent; a host other than loopback is allowed (that is its use), always behind the token. */
export async function startLatencyAgent(options: AgentOptions = {}): Promise<LatencyAgent> {
  const host = options.host ?? '127.0.0.1';
  const limits: AgentLimits = { ...DEFAULT_AGENT_LIMITS, ...options.limits };
  if (options.token !== undefined && options.token.length < 8)
    throw invalid('--token must be at least 8 characters (or leave it out: the agent makes one up)', [
      '--token',
    ]);
  const token = options.token ?? randomBytes(18).toString('base64url');
  const device = describeDevice(limits);
  const server = http.createServer(handler(token, device, options.onMeasured));
  server.requestTimeout = 0; // a long measurement is not a stalled upload
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        invalid(
          `cannot listen on ${host}:${options.port ?? 0}: ` +
            `${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}; give another --port`,
          ['--port'],
        ),
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${host === '0.0.0.0' ? os.hostname() : shown}:${port}`,
    token,
    device,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
