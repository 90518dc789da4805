/**
 * The KFP API pages `GET /pipelines/{id}/versions` (page_size, next_page_token). A pipeline with
 * more versions than one page must still find an existing version by name, or re-submitting an
 * older YAML would upload a version whose name exists (KFP refuses it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KfpClient } from '../../../src/kubeflow/kfp-client.js';

const NAME = 'spam-detection-pipeline';
const OLD_YAML = 'pipelineInfo:\n  name: old\n';
const versionName = (yaml: string) => `${NAME}-${createHash('sha256').update(yaml).digest('hex').slice(0, 12)}`;

describe('KfpClient with a paged versions list', () => {
  // 250 versions, newest first; the oldest one is OLD_YAML's.
  const versions = Array.from({ length: 250 }, (_, i) => ({ id: `v${250 - i}`, name: i === 249 ? versionName(OLD_YAML) : `${NAME}-other${i}` }));
  const uploads: string[] = [];
  const listCalls: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const reply = (code: number, body: unknown) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (url.pathname === '/apis/v2beta1/healthz') return reply(200, {});
      if (url.pathname === `/apis/v2beta1/pipelines/names/${NAME}`) return reply(200, { pipeline_id: 'p1' });
      if (url.pathname === '/apis/v2beta1/pipelines/p1/versions') {
        listCalls.push(Object.fromEntries(url.searchParams));
        const size = Number(url.searchParams.get('page_size') ?? 20);
        const start = Number(url.searchParams.get('page_token') || 0);
        const page = versions.slice(start, start + size);
        const next = start + size < versions.length ? String(start + size) : '';
        return reply(200, { pipeline_versions: page.map((v) => ({ pipeline_version_id: v.id, display_name: v.name })), total_size: versions.length, ...(next ? { next_page_token: next } : {}) });
      }
      if (url.pathname === '/apis/v2beta1/pipelines/upload_version') {
        const name = url.searchParams.get('name')!;
        uploads.push(name);
        if (versions.some((v) => v.name === name)) return reply(409, { error_message: `pipeline version ${name} already exists` });
        return reply(200, { pipeline_version_id: 'v-new' });
      }
      if (url.pathname === '/apis/v2beta1/runs') return reply(200, { run_id: 'r1' });
      return reply(404, { error_message: `no route ${url.pathname}` });
    });
  });
  let host = '';
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('lists every version across pages, newest first', async () => {
    const client = new KfpClient({ host });
    try {
      const all = await client.listVersions('p1');
      expect(all.map((v) => v.id)).toEqual(versions.map((v) => v.id));
    } finally {
      await client.close();
    }
    expect(listCalls.map((q) => q.page_token ?? '')).toEqual(['', '100', '200']);
    expect(listCalls[0].sort_by).toBe('created_at desc');
  });

  it('reuses an existing version that is not on the first page instead of uploading it again', async () => {
    const client = new KfpClient({ host });
    try {
      const r = await client.uploadAndRun({ yaml: OLD_YAML, pipelineName: NAME, runName: 'r', parameters: {} });
      expect(r.pipelineVersionId).toBe('v1');
    } finally {
      await client.close();
    }
    expect(uploads).toEqual([]);
  });
});
