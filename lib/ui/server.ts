// `torchnas ui`: a local, read-only web server over run folders. The index, run and comparison pages
// are built in the browser from a JSON API; a run page follows its folder through server-sent events
// (fs.watch on the folder), so a committed epoch appears without reloading. Binds 127.0.0.1 unless a
// host is given, and then only with a token that every request carries. A run is named by its path as
// the index lists it and must lie inside the folders served; nothing is ever written.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { invalid } from '../errors';
import { tokenMatches } from '../util/token';
import { compareOptions } from '../runs/run-compare';
import { indexRuns, readRun } from '../runs/run-index';
import { RUN_FILE } from '../run/run-state';
import { PAGE_SCRIPT } from './page-script';
import { pageShell, VEGA_BUILD } from './pages';
import { comparePageData, runPageData } from './run-data';

export interface UiOptions {
  dirs: string[];
  host?: string;
  port?: number;
  token?: string;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const DEBOUNCE_MS = 100;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A run folder named by a request: inside a served folder (symbolic links resolved) and holding run.json. */
function servedRun(roots: string[], dir: string | null): string {
  if (!dir) throw new HttpError(400, "give the run's folder as ?dir=");
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(dir));
  } catch {
    throw new HttpError(404, `no run folder '${dir}'`);
  }
  if (!roots.some((root) => real === root || real.startsWith(root + path.sep)))
    throw new HttpError(403, `'${dir}' is outside the folders this server shows`);
  if (!fs.existsSync(path.join(real, RUN_FILE))) throw new HttpError(404, `'${dir}' is not a run folder`);
  return dir;
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function send(res: http.ServerResponse, type: string, body: string | Buffer): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Server-sent `update` events whenever something in the run's folder changes. */
function followRun(dir: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n\n');
  let timer: NodeJS.Timeout | undefined;
  const watcher = fs.watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(() => res.write(`event: update\ndata: {}\n\n`), DEBOUNCE_MS);
  });
  watcher.on('error', () => res.end());
  req.on('close', () => {
    clearTimeout(timer);
    watcher.close();
  });
}

const tokenOk = (given: string | null, token: string | undefined) => !token || tokenMatches(given, token);

function handler(roots: string[], dirs: string[], token: string | undefined) {
  const vega = fs.readFileSync(VEGA_BUILD);
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? null;
    try {
      if (req.method !== 'GET') throw new HttpError(405, 'this server is read-only');
      if (!tokenOk(url.searchParams.get('token') ?? bearer, token))
        throw new HttpError(401, 'a token is required');
      switch (url.pathname) {
        case '/':
          return send(res, 'text/html; charset=utf-8', pageShell('index', 'torchnas runs'));
        case '/run':
          return send(res, 'text/html; charset=utf-8', pageShell('run', 'torchnas run'));
        case '/compare':
          return send(res, 'text/html; charset=utf-8', pageShell('compare', 'torchnas comparison'));
        case '/assets/vega.min.js':
          return send(res, 'text/javascript; charset=utf-8', vega);
        case '/assets/page.js':
          return send(res, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
        case '/api/runs':
          return sendJson(res, 200, indexRuns(dirs));
        case '/api/run':
          return sendJson(res, 200, runPageData(servedRun(roots, url.searchParams.get('dir'))));
        case '/api/compare': {
          const runs = url.searchParams.getAll('dir').map((d) => servedRun(roots, d));
          if (runs.length < 2) throw new HttpError(400, 'compare two or more runs');
          return sendJson(res, 200, { ...comparePageData(runs), options: compareOptions(runs.map(readRun)) });
        }
        case '/api/events':
          return followRun(servedRun(roots, url.searchParams.get('dir')), req, res);
        default:
          throw new HttpError(404, `no page '${url.pathname}'`);
      }
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      sendJson(res, status, { error: (error as Error).message });
    }
  };
}

/** Starts the dashboard; a host other than loopback needs a token. */
export async function startUi(options: UiOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !options.token)
    throw invalid(
      `--host ${host} exposes your runs to the network: give --token too (every request must carry it)`,
      ['--token'],
    );
  indexRuns(options.dirs); // a missing folder is refused before the server starts
  const roots = options.dirs.map((d) => fs.realpathSync(d));
  const server = http.createServer(handler(roots, options.dirs, options.token));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use'
          : error.code === 'EACCES'
            ? 'needs privileges'
            : error.message;
      reject(
        invalid(
          `cannot listen on ${host}:${options.port ?? 0}: the port ${why}; give another --port (0: any free one)`,
          ['--port'],
        ),
      );
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
