// Screenshots of the dashboard for the README: the index of a runs folder, one run's page and a
// comparison of two runs, taken in Debian's chromium (puppeteer-core).
//
//   node dist/bench/ui-screenshots.js --dir RUNS --run RUNS/a --compare RUNS/a,RUNS/b [--out docs]
import * as path from 'path';
import { parseArgs } from 'util';
import { chromiumPath } from './chromium';
import { startUi } from '../lib/ui/server';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    run: { type: 'string' },
    compare: { type: 'string' },
    out: { type: 'string', default: 'docs' },
  },
});

async function main() {
  if (!args.dir || !args.run || !args.compare) throw new Error('give --dir, --run and --compare');
  const chromium = chromiumPath();
  if (!chromium) throw new Error('no chromium: apt-get install chromium');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const puppeteer = require('puppeteer-core') as typeof import('puppeteer-core');
  const ui = await startUi({ dirs: [args.dir], port: 0 });
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const shoot = async (url: string, file: string) => {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 800, deviceScaleFactor: 1 });
      await page.goto(new URL(url, ui.url).href);
      await page.waitForSelector('body[data-loaded="true"]');
      await page.screenshot({ path: path.join(args.out, file), fullPage: true });
      await page.close();
      process.stdout.write(`${path.join(args.out, file)}\n`);
    };
    const dirs = args.compare.split(',');
    await shoot('/', 'ui-index.png');
    await shoot(`/run?dir=${encodeURIComponent(args.run)}`, 'ui-run.png');
    await shoot(`/compare?${dirs.map((d) => `dir=${encodeURIComponent(d)}`).join('&')}`, 'ui-compare.png');
  } finally {
    await browser.close();
    await ui.close();
  }
}

void main();
