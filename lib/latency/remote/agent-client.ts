// The host's side of a latency agent: each request retried with backoff while the agent cannot be
// reached (restarting, or the network dropped), until `waitSeconds` have passed without an answer; then
// a typed error. A refusal (a bad token, a request out of bounds) is final at once. A measurement must
// answer within ten waits, so a hung agent ends in an error, never in a hang.
import type { NativeTimingStats } from '../../../binding';
import { TorchnasError } from '../../errors';
import type { RemoteOptions } from '../conditions';
import { AGENT_PROTOCOL, type AgentDevice } from './agent-protocol';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A status the agent answers while it cannot measure yet: worth trying again. */
const retryable = (status: number) => status === 503 || status === 502 || status === 504;

export class AgentClient {
  readonly url: string;
  private readonly token: string;
  private readonly waitMs: number;

  constructor(remote: RemoteOptions) {
    this.url = remote.url.replace(/\/+$/, '');
    this.token = remote.token;
    this.waitMs = 1000 * (remote.waitSeconds ?? 60);
  }

  async describe(): Promise<AgentDevice> {
    const device = await this.request<AgentDevice>('GET', '/device');
    if (device.protocol !== AGENT_PROTOCOL)
      throw this.error(
        `it speaks '${String(device.protocol)}', this torchnas '${AGENT_PROTOCOL}': ` +
          'install the same torchnas version on both',
      );
    return device;
  }

  async timeOnnx(
    model: Uint8Array,
    shape: number[],
    timing: { threads: number; warmup: number; repeats: number },
  ): Promise<NativeTimingStats> {
    const query = new URLSearchParams({
      shape: shape.join(','),
      threads: String(timing.threads),
      warmup: String(timing.warmup),
      repeats: String(timing.repeats),
    });
    const { stats } = await this.request<{ stats: NativeTimingStats }>('POST', `/onnx?${query}`, model);
    return stats;
  }

  libtorch<T>(body: object): Promise<T> {
    return this.request<T>('POST', '/libtorch', JSON.stringify(body));
  }

  private error(why: string): TorchnasError {
    return new TorchnasError('E_REMOTE', `the latency agent at ${this.url}: ${why}`, ['remote']);
  }

  private async request<T>(method: string, path: string, body?: Uint8Array | string): Promise<T> {
    const started = Date.now();
    let delay = FIRST_DELAY_MS;
    for (;;) {
      let why: string;
      try {
        const res = await fetch(this.url + path, {
          method,
          body,
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream',
          },
          signal: AbortSignal.timeout(10 * this.waitMs),
        });
        const text = await res.text();
        let value: { error?: string } & T;
        try {
          value = JSON.parse(text);
        } catch {
          throw this.error(
            `answered ${res.status} with something other than JSON: is ${this.url} a torchnas latency agent?`,
          );
        }
        if (res.ok) return value;
        if (res.status === 401)
          throw new TorchnasError(
            'E_REMOTE',
            `the latency agent at ${this.url} refused the token: pass the one the agent printed`,
            ['token'],
          );
        if (!retryable(res.status))
          throw this.error(`refused the request (${res.status}): ${value.error ?? text}`);
        why = value.error ?? `status ${res.status}`;
      } catch (error) {
        if (error instanceof TorchnasError) throw error;
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        if ((error as Error).name === 'TimeoutError')
          throw this.error(
            `no answer to a measurement within ${(10 * this.waitMs) / 1000} s: is it stopped? ` +
              'restart it and run the command again (what was measured is kept)',
          );
        why = cause ?? (error as Error).message;
      }
      if (Date.now() - started + delay > this.waitMs)
        throw this.error(
          `cannot be reached (${why}) after ${(this.waitMs / 1000).toFixed(0)} s of retrying: start it again ` +
            '(torchnas latency agent) and run the same command: what was measured is kept',
        );
      await sleep(delay);
      delay = Math.min(MAX_DELAY_MS, 2 * delay);
    }
  }
}
