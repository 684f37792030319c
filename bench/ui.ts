// npm run bench:ui — the dashboard at scale: --runs run folders (20 epochs each; a tenth of them held
// by a live process, so the index checks their locks) served by `torchnas ui` in a child process.
// Measured: the index API's time (first request, then the median of 10), the server's resident
// memory after it, a run page's data time, and the live-update latency: a line appended to a running
// run's metrics.jsonl until the server's `update` event reaches a follower (median and max of 20).
//
//   npm run bench:ui -- [--runs 1000]
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { chromiumPath } from './chromium';
import { median } from '../lib/util/statistics';
import { wholeFlag } from './flags';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '1000' } } });
const RUNS = wholeFlag(args.runs, 'runs', 1);
const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const EPOCHS = 20;

const record = (epoch: number) => ({
  type: 'epoch',
  epoch,
  train: { loss: 2 / epoch, top1: 0.5 + epoch / 50 },
  valid: { loss: 2.2 / epoch, top1: 0.48 + epoch / 50 },
  seconds: 30,
});

function makeRuns(root: string): string {
  for (let i = 0; i < RUNS; i++) {
    const dir = path.join(root, `run-${String(i).padStart(4, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    const history = Array.from({ length: EPOCHS }, (_, e) => record(e + 1));
    const kind = ['train', 'search', 'supernet', 'darts'][i % 4];
    fs.writeFileSync(
      path.join(dir, 'run.json'),
      JSON.stringify({ kind, options: { epochs: EPOCHS, lr: 0.1, seed: i } }),
    );
    fs.writeFileSync(
      path.join(dir, 'state.json'),
      JSON.stringify({ version: 1, epochsDone: EPOCHS, globalStep: 0, checkpoint: '', history }),
    );
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), history.map((r) => JSON.stringify(r) + '\n').join(''));
    if (i % 10 === 0)
      fs.writeFileSync(
        path.join(dir, '.torchnas-lock'),
        JSON.stringify({ pid: process.pid, host: os.hostname(), started: '', command: '' }),
      );
    else fs.writeFileSync(path.join(dir, 'summary.json'), '{}');
  }
  return root;
}

async function timed(url: string): Promise<{ ms: number; bytes: number }> {
  const started = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, bytes: body.byteLength };
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Appends an epoch to a running run and resolves when the follower's stream says `update`. */
function updateLatency(base: string, dir: string, epoch: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/api/events?dir=${encodeURIComponent(dir)}`, (res) => {
      let appended = 0n;
      res.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (text.startsWith('retry') && !appended) {
          setTimeout(() => {
            appended = process.hrtime.bigint();
            fs.appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify(record(epoch)) + '\n');
          }, 100);
        } else if (text.includes('event: update') && appended) {
          resolve(Number(process.hrtime.bigint() - appended) / 1e6);
          req.destroy();
        }
      });
    });
    req.on('error', reject);
  });
}

/** The index page in chromium (where installed): navigation until its table is drawn, median of 5. */
async function pageLoad(base: string): Promise<number | undefined> {
  const chromium = chromiumPath();
  if (!chromium) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const puppeteer = require('puppeteer-core') as typeof import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.newPage();
      const started = Date.now();
      await page.goto(`${base}/`);
      await page.waitForSelector('body[data-loaded="true"]');
      times.push(Date.now() - started);
      if ((await page.$$('tr.run')).length !== RUNS) throw new Error('the index did not list every run');
      await page.close();
    }
    return median(times);
  } finally {
    await browser.close();
  }
}

async function main() {
  const root = makeRuns(fs.mkdtempSync(path.join(os.tmpdir(), 'torchnas-bench-ui-')));
  const child = spawn(process.execPath, [CLI, 'ui', root, '--port', '0']);
  const base = await new Promise<string>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      const m = /torchnas ui: (http:\/\/[^/]+)/.exec(d.toString());
      if (m) resolve(m[1]);
    }),
  );
  try {
    const idle = rssMb(child.pid!);
    const first = await timed(`${base}/api/runs`);
    const again: number[] = [];
    for (let i = 0; i < 10; i++) again.push((await timed(`${base}/api/runs`)).ms);
    const rss = rssMb(child.pid!);
    const live = path.join(root, 'run-0000');
    const page = await timed(`${base}/api/run?dir=${encodeURIComponent(live)}`);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) latencies.push(await updateLatency(base, live, EPOCHS + 1 + i));
    const browserLoad = await pageLoad(base);
    const lines = [
      `${RUNS} run folders of ${EPOCHS} epochs (${RUNS / 10} running), ${os.cpus()[0].model}, ${new Date().toISOString().slice(0, 10)}`,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| index API, first request | ${first.ms.toFixed(0)} ms (${(first.bytes / 1024).toFixed(0)} KiB) |`,
      `| index API, median of 10 more | ${median(again).toFixed(0)} ms |`,
      `| server resident memory: started / after the index | ${idle.toFixed(0)} / ${rss.toFixed(0)} MiB |`,
      `| one run page's data (compiled charts) | ${page.ms.toFixed(0)} ms |`,
      `| index page in chromium, navigation to table drawn (median of 5) | ${browserLoad === undefined ? 'no chromium' : `${browserLoad.toFixed(0)} ms`} |`,
      `| live update, appended line to \`update\` event: median / max of 20 | ${median(latencies).toFixed(0)} / ${Math.max(...latencies).toFixed(0)} ms |`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    child.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
