/**
 * Serves recorded MLflow exchanges (../shared/fixtures/mlflow/*.json) from 127.0.0.1. A request
 * matches an exchange when method and path are equal and every recorded query parameter is sent
 * with the same (decoded) value; extra parameters (e.g. our `max_results`) are allowed. Each
 * exchange is used once, first match first. Unmatched requests get 599 so a test fails loudly.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures/mlflow');

export interface Exchange {
  readonly exchange?: string;
  readonly request: { method: string; path: string; content_type: string | null; body: unknown };
  readonly response: { status: number; content_type: string | null; body: unknown };
}

export function loadExchange(rel: string): Exchange {
  return JSON.parse(readFileSync(path.join(FIXTURES, rel), 'utf8')) as Exchange;
}

/** A recorded response answering a different request (to compose scenarios from captures). */
export function withRequest(base: Exchange, method: string, pathAndQuery: string): Exchange {
  return { ...base, request: { ...base.request, method, path: pathAndQuery } };
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  json(): any;
}

function matchesRecorded(recorded: Exchange, method: string, url: string): boolean {
  const want = new URL(recorded.request.path, 'http://x');
  const got = new URL(url, 'http://x');
  if (recorded.request.method !== method || decodeURIComponent(want.pathname) !== decodeURIComponent(got.pathname)) return false;
  return [...want.searchParams.keys()].every((k) => JSON.stringify(want.searchParams.getAll(k)) === JSON.stringify(got.searchParams.getAll(k)));
}

export class ReplayServer {
  readonly received: Received[] = [];
  private readonly pending: Exchange[];
  private server: http.Server | null = null;
  url = '';

  constructor(exchanges: readonly Exchange[]) {
    this.pending = [...exchanges];
  }

  get unused(): readonly Exchange[] {
    return this.pending;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.received.push({ method: req.method!, url: req.url!, headers: req.headers, body, json: () => JSON.parse(body.toString('utf8')) });
        const i = this.pending.findIndex((x) => matchesRecorded(x, req.method!, req.url!));
        if (i < 0) {
          res.writeHead(599, { 'content-type': 'text/plain' });
          return void res.end(`no recorded exchange for ${req.method} ${req.url}`);
        }
        const [ex] = this.pending.splice(i, 1);
        const b = ex.response.body;
        const isJsonType = (ex.response.content_type ?? '').includes('json');
        const text = typeof b === 'string' && !isJsonType ? b : JSON.stringify(b, null, 2);
        res.writeHead(ex.response.status, { 'content-type': ex.response.content_type ?? 'application/octet-stream' });
        res.end(text);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
