// A latency agent on loopback in a child process, as on a target device: a table built through it equals
// one built here in keys and conditions (less the agent's name); tokens are checked; an oversized
// request is refused as it arrives, without the agent growing; an agent killed mid-table and restarted
// lets the host finish with no layer measured twice; an agent that is not there is a typed error after
// the stated wait, never a hang.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { buildLatencyTable, parseChainSpace, resolveSpace, type LatencyTable } from '../../lib';
import { tempDir, tinySpaceDescription } from '../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const TOKEN = 'loopback-test-token';
const space = () => resolveSpace(parseChainSpace(tinySpaceDescription()));
const timing = { runtime: 'onnxruntime' as const, batch: 1, threads: 1, warmup: 0, repeats: 2 };

interface Agent {
  child: ChildProcess;
  url: string;
  log: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `torchnas latency agent` and resolves once it listens; every output line lands in `log`. */
function startAgent(port: number, extra: string[] = [], log: string[] = []): Promise<Agent> {
  const child = spawn(process.execPath, [
    CLI,
    'latency',
    'agent',
    '--port',
    String(port),
    '--token',
    TOKEN,
    ...extra,
  ]);
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      log.push(...lines);
      const started = lines.find((l) => l.startsWith('latency agent on '));
      if (started) resolve({ child, url: started.split(' ')[3].replace(/:$/, ''), log });
    });
    child.once('exit', (code) => reject(new Error(`the agent exited (${code})`)));
  });
}

const stop = (agent: Agent) =>
  new Promise<void>((resolve) => {
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) return resolve();
    agent.child.once('exit', () => resolve());
    agent.child.kill('SIGKILL');
  });

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('latency agent', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startAgent(await freePort(), ['--max-model-mb', '1']);
  }, 30_000);
  afterAll(() => stop(agent));

  test('a table built on the agent equals one built here in keys and conditions', async () => {
    const dir = tempDir();
    // here: through the CLI (onnxruntime-node does not run inside jest's sandbox)
    fs.writeFileSync(path.join(dir, 'space.json'), JSON.stringify(tinySpaceDescription()));
    const built = spawnSync(
      process.execPath,
      [
        CLI,
        'latency',
        'table',
        '--space',
        path.join(dir, 'space.json'),
        '-o',
        path.join(dir, 'local.json'),
        '--runtime',
        'onnxruntime',
        '--batch-size',
        '1',
        '--threads',
        '1',
        '--warmup',
        '0',
        '--repeats',
        '2',
        '--progress',
        'none',
      ],
      { encoding: 'utf8' },
    );
    expect(built.stderr).toBe('');
    const local = JSON.parse(fs.readFileSync(path.join(dir, 'local.json'), 'utf8')) as LatencyTable;
    const remote = await buildLatencyTable(space(), path.join(dir, 'remote.json'), {
      ...timing,
      remote: { url: agent.url, token: TOKEN },
    });
    expect(Object.keys(remote.entries).sort()).toEqual(Object.keys(local.entries).sort());
    const { agent: where, ...conditions } = remote.conditions;
    expect(conditions).toEqual(local.conditions);
    expect(where).toMatch(/\(linux x64, \d+ cores\)$/);
    expect(remote.complete).toBe(true);
    // resumed here, it is refused: it was measured elsewhere
    await expect(
      buildLatencyTable(space(), path.join(dir, 'remote.json'), { ...timing, runtime: 'libtorch' }),
    ).rejects.toThrow(/measured on: .* vs this machine/);
  }, 120_000);

  test('a wrong or missing token is refused, at the agent and as a typed error on the host', async () => {
    expect((await fetch(`${agent.url}/device`)).status).toBe(401);
    const wrong = await fetch(`${agent.url}/device`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${agent.url}/device`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await right.json()) as { limits: { maxModelBytes: number } }).limits.maxModelBytes).toBe(
      2 ** 20,
    );
    const cli = spawnSync(
      process.execPath,
      [
        CLI,
        'latency',
        'table',
        '--space',
        'proxyless-28',
        '--runtime',
        'onnxruntime',
        '-o',
        path.join(tempDir(), 't.json'),
        '--remote',
        agent.url,
        '--token',
        'not-the-token',
        '--progress',
        'none',
      ],
      { encoding: 'utf8' },
    );
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toMatch(/refused the --token.*\[E_REMOTE\]/);
    expect(cli.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  }, 60_000);

  test('an oversized model is refused as it arrives, and the agent does not grow', async () => {
    const before = rssKb(agent.child.pid!);
    // a declared gigabyte: refused before its body is read
    const declared = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(agent.url);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/onnx?shape=1,1&threads=1&warmup=0&repeats=1',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(2 ** 30) },
        },
        (res) => (resolve(res.statusCode!), req.destroy()),
      );
      req.on('error', reject);
      req.write(Buffer.alloc(16));
    });
    expect(declared).toBe(413);
    // 200 MB sent in chunks without a declared length
    const { port } = new URL(agent.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/onnx?shape=1,1&threads=1&warmup=0&repeats=1',
          headers: { authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' },
        },
        (res) => (resolve(res.statusCode!), req.destroy()),
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1 << 20, 7);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && req.write(chunk)) sent++;
        if (sent < 200 && !req.destroyed) req.once('drain', () => (sent++, pump()));
        else req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(rssKb(agent.child.pid!) - before).toBeLessThan(30 * 1024);
    // still serving
    const after = await fetch(`${agent.url}/device`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(after.status).toBe(200);
  }, 60_000);
});

describe('an agent that goes away', () => {
  test('killed mid-table and restarted: the host waits, resumes, and measures no layer twice', async () => {
    const port = await freePort();
    const log: string[] = [];
    let agent = await startAgent(port, [], log);
    let restarted: Promise<Agent> | undefined;
    const file = path.join(tempDir(), 'table.json');
    const table = await buildLatencyTable(
      space(),
      file,
      { ...timing, remote: { url: agent.url, token: TOKEN, waitSeconds: 30 } },
      (p) => {
        if (p.done === 3 && !restarted) {
          agent.child.kill('SIGKILL');
          restarted = new Promise((r) => setTimeout(r, 1500)).then(() => startAgent(port, [], log));
        }
      },
    );
    agent = await restarted!;
    await stop(agent);
    expect(table.complete).toBe(true);
    const measured = log.filter((l) => / onnx [0-9a-f]{12} at /.test(l)).map((l) => l.split(' ')[2]);
    expect(measured.length).toBeGreaterThan(Object.keys(table.entries).length); // layers and call costs
    expect(new Set(measured).size).toBe(measured.length);
    expect(log.filter((l) => l.startsWith('latency agent on '))).toHaveLength(2);
  }, 120_000);

  test('an agent that is not there is a typed error after the stated wait', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(
      buildLatencyTable(space(), path.join(tempDir(), 't.json'), {
        ...timing,
        remote: { url, token: TOKEN, waitSeconds: 2 },
      }),
    ).rejects.toMatchObject({
      code: 'E_REMOTE',
      message: expect.stringMatching(/cannot be reached.*after 2 s/),
    });
    const took = Date.now() - started;
    expect(took).toBeGreaterThan(1000);
    expect(took).toBeLessThan(8000);
  }, 30_000);
});
