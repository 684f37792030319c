// The dashboard: its JSON API over a fixture folder (damaged runs never break it, paths outside the
// folders refused, a token where the host is exposed, read-only), live updates by server-sent events,
// the self-contained report, and the pages in a real browser (Debian's chromium through
// puppeteer-core; skipped with a message where none is installed).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { startUi, type UiServer } from '../../lib/ui/server';
import { reportHtml } from '../../lib/ui/pages';
import { runPageData } from '../../lib/ui/run-data';
import { parseArchitecture } from '../../lib/arch/architecture';
import { architectureLayers } from '../../lib/latency/layer-keys';
import { latencyTableOf, TINY_ARCH, tempDir } from '../helpers/fixtures';
import { epochRecord, metricsLines, runsFixture, runState, writeRun } from '../helpers/run-fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

describe('dashboard API', () => {
  let root: string;
  let ui: UiServer;
  beforeEach(async () => {
    root = runsFixture();
    ui = await startUi({ dirs: [root], port: 0 });
  });
  afterEach(() => ui.close());
  const api = (p: string) => get(new URL(p, ui.url).href);

  test('lists every run; a damaged one is a row, not an error; pages and assets come from the package', async () => {
    const runs = JSON.parse((await api('/api/runs')).body);
    expect(runs.map((r: { status: string }) => r.status).sort()).toEqual([
      'damaged',
      'damaged',
      'failed',
      'finished',
      'running',
      'stopped',
    ]);
    const torn = await api(`/api/run?dir=${encodeURIComponent(path.join(root, 'torn'))}`);
    expect(torn.status).toBe(200);
    expect(JSON.parse(torn.body).entry.status).toBe('damaged');
    const page = await api('/');
    expect(page.body).not.toMatch(/https?:\/\//); // nothing from the network
    expect((await api('/assets/vega.min.js')).body.length).toBeGreaterThan(100_000);
  });

  test('a run page carries compiled charts of its epochs', async () => {
    const data = JSON.parse((await api(`/api/run?dir=${encodeURIComponent(path.join(root, 'done'))}`)).body);
    expect(data.history).toHaveLength(3);
    expect(data.charts).toHaveLength(1);
    expect(data.charts[0].$schema).toMatch(/vega\/v5/); // compiled vega, not vega-lite
  });

  test('paths outside the served folders, folders that are not runs, writes and unknown pages are refused', async () => {
    const outside = writeOutsideRun();
    expect((await api(`/api/run?dir=${encodeURIComponent(outside)}`)).status).toBe(403);
    expect(
      (await api(`/api/run?dir=${encodeURIComponent(path.join(root, 'done', '..', '..'))}`)).status,
    ).toBe(403);
    expect((await api(`/api/run?dir=${encodeURIComponent(path.join(root, 'not-a-run'))}`)).status).toBe(404);
    fs.symlinkSync(outside, path.join(root, 'link'));
    expect((await api(`/api/run?dir=${encodeURIComponent(path.join(root, 'link'))}`)).status).toBe(403);
    const post = await fetch(new URL('/api/runs', ui.url), { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await api('/nothing')).status).toBe(404);
  });

  test('a line committed to a running run reaches a follower as an update within 3 seconds', async () => {
    const live = path.join(root, 'nested', 'live');
    const url = new URL(`/api/events?dir=${encodeURIComponent(live)}`, ui.url);
    const started = Date.now();
    const update = new Promise<number>((resolve, reject) => {
      const req = http.get(url, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (chunk.includes('event: update')) {
            resolve(Date.now() - started);
            req.destroy();
          }
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      setTimeout(() => {
        fs.appendFileSync(path.join(live, 'metrics.jsonl'), JSON.stringify(epochRecord(2, 0.5)) + '\n');
      }, 300);
    });
    expect(await update).toBeLessThan(3000);
  });
});

/** A run folder outside every fixture. */
function writeOutsideRun(): string {
  const dir = path.join(tempDir(), 'elsewhere');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ kind: 'train', options: {} }));
  return dir;
}

describe('run pages by kind', () => {
  test("a method's own charts and the trained network come from the run's folder", () => {
    const root = tempDir();
    const alphas = Array.from({ length: 6 }, () => [0.1, 0.2, 0.3, 0.4, 0.5]);
    const darts = [1, 2].map((epoch) => ({ type: 'darts-epoch', epoch, loss: 1, top1: 0.5, alphas }));
    writeRun(path.join(root, 'darts'), {
      'run.json': { kind: 'darts', options: { epochs: 2 } },
      'state.json': runState(darts),
      'metrics.jsonl': metricsLines(darts),
    });
    expect(runPageData(path.join(root, 'darts')).charts).toHaveLength(2); // curves, operation weights

    const split = { decision: 0, groups: [[0], [1, 2]], score: 0.3, criterion: 'gradient' };
    writeRun(path.join(root, 'gm'), {
      'run.json': {
        kind: 'gm-nas',
        options: { epochs: 2 },
        decisions: [{ name: 'e0', options: ['a', 'b', 'c'] }],
      },
      'summary.json': {
        tree: [
          { id: 0, parent: null, depth: 0, children: [1, 2], split },
          { id: 1, parent: 0, depth: 1 },
          { id: 2, parent: 0, depth: 1 },
        ],
        leaves: [
          { id: 1, best: { top1: 0.8 } },
          { id: 2, best: { top1: 0.7 } },
        ],
      },
    });
    const gm = runPageData(path.join(root, 'gm'));
    expect(gm.charts).toHaveLength(1);
    expect(JSON.stringify(gm.charts[0])).toContain('e0: {a}');

    writeRun(path.join(root, 'trained'), {
      'run.json': { kind: 'train', options: { epochs: 1 } },
      'arch.json': TINY_ARCH,
    });
    const network = runPageData(path.join(root, 'trained')).network!;
    expect(network.layers).toHaveLength(TINY_ARCH.blocks.length);
    expect(network.macs).toBe(network.layers.reduce((s, l) => s + l.macs, 0));
    expect(network.latency).toBeUndefined();
  });

  test("a searched network's blocks carry their latency from the run's table; a block it lacks says so", () => {
    const root = tempDir();
    const layers = architectureLayers(parseArchitecture(TINY_ARCH));
    const medians = Object.fromEntries(layers.slice(1).map((l, i) => [l.key, 0.5 + i]));
    const table = path.join(root, 'table.json');
    fs.writeFileSync(table, JSON.stringify(latencyTableOf(medians)));
    writeRun(path.join(root, 'searched'), {
      'run.json': { kind: 'search', options: { epochs: 1, latencyTable: table } },
      'arch.json': TINY_ARCH,
    });
    const network = runPageData(path.join(root, 'searched')).network!;
    expect(network.latency!.layers).toEqual([null, ...layers.slice(1).map((_, i) => 0.5 + i)]);
    fs.rmSync(table); // moved since the run: costs still shown, latency not
    expect(runPageData(path.join(root, 'searched')).network!.latency).toBeUndefined();
  });
});

describe('exposing the dashboard', () => {
  test('a host other than loopback needs --token; then every request must carry it', async () => {
    const root = runsFixture();
    await expect(startUi({ dirs: [root], host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/--host 0\.0\.0\.0 .*give --token/),
    });
    const ui = await startUi({ dirs: [root], host: '0.0.0.0', port: 0, token: 's3cret' });
    try {
      const port = new URL(ui.url).port;
      expect((await get(`http://127.0.0.1:${port}/api/runs`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/api/runs?token=wrong`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/api/runs?token=s3cret`)).status).toBe(200);
      expect(
        (await get(`http://127.0.0.1:${port}/api/runs`, { authorization: 'Bearer s3cret' })).status,
      ).toBe(200);
    } finally {
      await ui.close();
    }
  });

  test('a port in use is a typed error naming --port', async () => {
    const root = runsFixture();
    const first = await startUi({ dirs: [root], port: 0 });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startUi({ dirs: [root], port })).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
        message: expect.stringMatching(/the port is in use; give another --port/),
      });
    } finally {
      await first.close();
    }
  });

  test('a folder that does not exist is refused before the server starts', async () => {
    await expect(startUi({ dirs: [path.join(tempDir(), 'none')] })).rejects.toThrow(/does not exist/);
  });
});

describe('torchnas report', () => {
  test('one self-contained HTML file: data and vega inline, nothing fetched', () => {
    const root = runsFixture();
    const out = path.join(tempDir(), 'page.html');
    const ok = spawnSync(process.execPath, [CLI, 'report', path.join(root, 'done'), '-o', out], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script src=/);
    expect(html).toContain('id="run-data"');
    expect(html).toContain('"epochsDone":3');
    const bad = spawnSync(process.execPath, [CLI, 'report', path.join(root, 'not-a-run'), '-o', out], {
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/is not a run folder/);
  });

  test('text from a run cannot close the data script', () => {
    const root = runsFixture();
    const data = runPageData(path.join(root, 'done'));
    data.entry.options.note = '</script><script>alert(1)</script>';
    expect(reportHtml(data)).not.toContain('</script><script>alert(1)');
  });
});

const browserTest = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM) console.warn('dashboard browser tests skipped: no chromium (apt-get install chromium)');

browserTest('dashboard in a browser (chromium)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const puppeteer = require('puppeteer-core') as typeof import('puppeteer-core');
  let browser: import('puppeteer-core').Browser;
  let root: string;
  let ui: UiServer;
  beforeAll(async () => {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }, 60_000);
  afterAll(() => browser?.close());
  beforeEach(async () => {
    root = runsFixture();
    ui = await startUi({ dirs: [root], port: 0 });
  });
  afterEach(() => ui.close());

  const open = async (p: string) => {
    const page = await browser.newPage();
    await page.goto(new URL(p, ui.url).href);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 });
    return page;
  };
  const points = (page: import('puppeteer-core').Page) =>
    page.$$eval('#charts g.mark-symbol.role-mark path', (nodes) => nodes.length);

  test('the index lists the runs with their kinds and statuses', async () => {
    const page = await open('/');
    const rows = await page.$$eval('tr.run', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-dir'), tr.querySelector('.kind')!.textContent, tr.className]),
    );
    const by = Object.fromEntries(rows.map(([dir, kind, cls]) => [path.relative(root, dir!), [kind, cls]]));
    expect(by['nested/live']).toEqual(['darts', 'run running']);
    expect(by.done).toEqual(['train', 'run finished']);
    expect(by.failed[1]).toBe('run failed');
    expect(by.torn[1]).toBe('run damaged');
    await page.close();
  }, 60_000);

  test('a run page draws its curves: one point per epoch and figure', async () => {
    const page = await open(`/run?dir=${encodeURIComponent(path.join(root, 'done'))}`);
    // 3 epochs x (train loss, train top-1, valid top-1)
    expect(await points(page)).toBe(9);
    await page.close();
  }, 60_000);

  test('a comparison overlays two runs and marks the options that differ', async () => {
    const a = encodeURIComponent(path.join(root, 'done'));
    const b = encodeURIComponent(path.join(root, 'nested', 'live'));
    const page = await open(`/compare?dir=${a}&dir=${b}`);
    expect(await points(page)).toBe(9 + 3);
    const differs = await page.$$eval('tr.differs th', (ths) => ths.map((th) => th.textContent));
    expect(differs).toEqual(['lr']);
    await page.close();
  }, 60_000);

  test("hovering a point of a supernet's Pareto front names its subnet", async () => {
    const dir = writeRun(path.join(root, 'supernet'), {
      'run.json': { kind: 'supernet', options: { epochs: 1 } },
      'pareto.json': {
        costUnit: 'MMACs',
        front: [
          { subnet: 'r28|w16:k3e3', cost: 2, top1: 0.8 },
          { subnet: 'r28|w24:k5e6', cost: 5, top1: 0.85 },
        ],
      },
    });
    const page = await open(`/run?dir=${encodeURIComponent(dir)}`);
    const front = await page.$$('#charts g.mark-symbol.role-mark path');
    expect(front.length).toBeGreaterThanOrEqual(2);
    const titles: string[] = [];
    for (const point of front) {
      await point.hover();
      titles.push(await page.$eval('#charts .chart', (c) => c.getAttribute('title') ?? ''));
    }
    expect(titles.join('\n')).toContain('r28|w24:k5e6');
    await page.close();
  }, 60_000);

  test('an epoch appended to a running run appears on the open page within 3 seconds', async () => {
    const live = path.join(root, 'nested', 'live');
    const page = await open(`/run?dir=${encodeURIComponent(live)}`);
    expect(await points(page)).toBe(3);
    await new Promise((r) => setTimeout(r, 300)); // the page's event stream is open
    const appended = Date.now();
    fs.appendFileSync(path.join(live, 'metrics.jsonl'), JSON.stringify(epochRecord(2, 0.55)) + '\n');
    await page.waitForSelector('#epochs[data-count="2"]', { timeout: 3000 });
    expect(Date.now() - appended).toBeLessThan(3000);
    expect(await points(page)).toBe(6);
    await page.close();
  }, 60_000);

  test('steps of the epoch in progress are drawn as they are written, and go when it commits', async () => {
    const live = path.join(root, 'nested', 'live');
    const page = await open(`/run?dir=${encodeURIComponent(live)}`);
    await new Promise((r) => setTimeout(r, 300));
    const step = (n: number) =>
      JSON.stringify({ epoch: 1, step: n, steps: 10, loss: 2 / n, top1: 0.1 * n }) + '\n';
    fs.appendFileSync(path.join(live, 'steps.jsonl'), step(1) + step(2));
    await page.waitForSelector('#epochs[data-steps="2"]', { timeout: 3000 });
    fs.appendFileSync(path.join(live, 'steps.jsonl'), step(3));
    await page.waitForSelector('#epochs[data-steps="3"]', { timeout: 3000 });
    expect(await page.$eval('#epochs', (p) => p.textContent)).toContain('epoch 2 at step 3');
    // 3 steps x (loss, top-1) in the step chart, beside the epoch curves' 3 points
    expect(await points(page)).toBe(6 + 3);
    fs.rmSync(path.join(live, 'steps.jsonl'));
    fs.appendFileSync(path.join(live, 'metrics.jsonl'), JSON.stringify(epochRecord(2, 0.55)) + '\n');
    await page.waitForSelector('#epochs[data-count="2"][data-steps="0"]', { timeout: 3000 });
    expect(await points(page)).toBe(6);
    await page.close();
  }, 60_000);
});
