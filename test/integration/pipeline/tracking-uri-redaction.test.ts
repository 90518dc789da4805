/**
 * A tracking URI with a password (or a token in its query) is a pipeline parameter too: the
 * MLflow params, the HTML report and everything else the run stores must carry it redacted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/ports.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { buildReportData } from '../../../src/pipeline/report.js';
import { runPipeline } from '../../../src/pipeline/runner.js';
import { openTracking, type TrackingHandle } from '../../../src/tracking/factory.js';

const URI = 'https://alice:S3CRET-pw@mlflow.example.com:5000/base?access_token=TOK-123456&x=1';
const SECRETS = ['S3CRET', 'TOK-123456', 'alice'];

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out;
}

let root: string;
let handle: TrackingHandle;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'uri-redaction-'));
  // the run records to a local store; the URI with credentials is only a parameter here
  handle = openTracking({ trackingUri: join(root, 'mlruns') });
});
afterAll(async () => {
  await handle.close();
  rmSync(root, { recursive: true, force: true });
});

describe('tracking URI credentials', () => {
  it('are redacted in the logged params, the report and every file the run stores', async () => {
    const params = resolvePipelineParams({ mlflow_tracking_uri: URI, entity_data_path: join(root, 'missing.parquet') });
    const res = await runPipeline({
      params,
      logger: silentLogger,
      progress: silentProgress,
      tracking: { store: handle.store, registry: handle.registry, description: 'test' },
      outRoot: join(root, 'runs'),
      workers: 1,
    });
    // the data step fails (no such file), after the params are logged and before the report
    expect(res.exitCode).not.toBe(0);
    const run = await handle.store.getRun(res.runId as never);
    expect(run.data.params.mlflow_tracking_uri).toBe('https://***@mlflow.example.com:5000/base?access_token=***&x=1');
    expect(res.reportPath).toBeTruthy();
    const html = readFileSync(res.reportPath as string, 'utf8');
    expect(html).toContain('mlflow.example.com:5000/base');
    const stored = [...filesUnder(join(root, 'mlruns')), ...filesUnder(join(root, 'runs'))];
    // the params file and the report at least: the scan below must have something to scan
    expect(stored.some((f) => f.endsWith(join('params', 'mlflow_tracking_uri')))).toBe(true);
    expect(stored).toContain(res.reportPath);
    for (const file of stored) {
      const text = readFileSync(file, 'latin1');
      for (const s of SECRETS) expect(text.includes(s), `${s} in ${file}`).toBe(false);
    }
  });

  it('are redacted in report data built for a single step (the KFP model-evaluation report)', () => {
    const params = resolvePipelineParams({ mlflow_tracking_uri: URI });
    const data = buildReportData({ runId: 'kfp-step', startedAt: new Date(0).toISOString(), params, timings: [] }, new Date(0).toISOString());
    expect(data.parameters.mlflow_tracking_uri).toBe('https://***@mlflow.example.com:5000/base?access_token=***&x=1');
    expect(JSON.stringify(data)).not.toMatch(/S3CRET|TOK-123456|alice/);
    // an empty URI (the image's MLFLOW_TRACKING_URI) stays empty
    expect(buildReportData({ runId: 'r', startedAt: '', params: resolvePipelineParams({}), timings: [] }, '').parameters.mlflow_tracking_uri).toBe('');
  });
});
