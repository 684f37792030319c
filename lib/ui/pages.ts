// The dashboard's HTML: one shell per page (the script builds the page from the JSON API), and the
// self-contained report of one run (vega and the run's data inline; nothing fetched).
import * as fs from 'fs';
import { PAGE_SCRIPT } from './page-script';
import type { RunPageData } from './run-data';

export type PageName = 'index' | 'run' | 'compare';

const STYLE = `
body { font: 14px 'DejaVu Sans', sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
td { max-width: 420px; overflow-wrap: anywhere; }
th.sortable { cursor: pointer; }
tr.running td.status { color: #1565c0; } tr.failed td.status, tr.damaged td.status, .error { color: #c62828; }
tr.differs { background: #fff3cd; }
.chart { margin: 12px 0; } pre { background: #f6f6f6; padding: 8px; max-width: 1000px; overflow: auto; }
input#filter { width: 320px; }`;

/** The path of vega's browser build, served from the package (nothing from the network). */
export const VEGA_BUILD = require.resolve('vega/build/vega.min.js');

export function pageShell(page: PageName, title: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style>
<script src="/assets/vega.min.js"></script></head>
<body data-page="${page}"><div id="app"></div><script src="/assets/page.js"></script></body></html>
`;
}

/** JSON safe inside a <script> element. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const inlineScript = (code: string) => code.replace(/<\/script/gi, '<\\/script');

/** One run's page as a single HTML file: its data, vega and the page script inline. */
export function reportHtml(data: RunPageData): string {
  const title = `torchnas run ${data.entry.dir}`.replace(/[<>&"]/g, '');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style>
<script>${inlineScript(fs.readFileSync(VEGA_BUILD, 'utf8'))}</script></head>
<body data-page="run"><div id="app"></div>
<script type="application/json" id="run-data">${inlineJson(data)}</script>
<script>${inlineScript(PAGE_SCRIPT)}</script></body></html>
`;
}
