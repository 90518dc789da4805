/**
 * Credentials never shown: user-info is hidden even when the password holds an unencoded '/'
 * (which URL parsing reads as a path, or as no URL at all), URIs carrying it are recognised, and a
 * server echoing the base64 credential of a Basic header gets it scrubbed.
 */
import { describe, expect, it } from 'vitest';
import { checkPipelineTrackingUri, COMPILE_TRACKING_URI, RUN_TRACKING_URI } from '../../../src/kubeflow/param-checks.js';
import { KfpClient } from '../../../src/kubeflow/kfp-client.js';
import { hasCredentials, redactUrl, scrub } from '../../../src/tracking/redact.js';

describe('credential hygiene', () => {
  it("hides user-info with a '/' in the password, parseable as a URL or not", () => {
    for (const [raw, shown] of [
      ['http://alice:S3cret/Pass@mlflow.example:5000', 'http://***@mlflow.example:5000'],
      ['http://bob:123/S3cret@mlflow.example:5000/api', 'http://***@mlflow.example:5000/api'],
      ['https://u:p@h.example/x?token=t0k', 'https://***@h.example/x?token=***'],
      ['connect failed for http://a:b/c@h:1 (ECONNREFUSED)', 'connect failed for http://***@h:1 (ECONNREFUSED)'],
    ]) {
      expect(redactUrl(raw)).toBe(shown);
      expect(redactUrl(raw)).not.toMatch(/S3cret|123\/|u:p|a:b/);
    }
    expect(hasCredentials('http://alice:S3cret/Pass@mlflow.example:5000')).toBe(true);
    expect(hasCredentials('http://bob:123/S3cret@mlflow.example:5000')).toBe(true);
    expect(hasCredentials('http://mlflow.example:5000/api')).toBe(false);
    // a '#' or '?' in the password (URL parsing sees a fragment or a query, or no URL)
    for (const raw of ['https://alice:s3cr#t@mlflow.example.com', 'https://alice:1234?x@mlflow.invalid']) {
      expect(hasCredentials(raw)).toBe(true);
      expect(redactUrl(raw)).toMatch(/^https:\/\/\*\*\*@mlflow\.(example\.com|invalid)$/);
    }
    // a '@' after a host's path, query or fragment is no user-info: accepted, and shown as it is
    for (const raw of ['https://mlflow.example.com/team@corp/', 'https://mlflow.example.com?owner=a@b.com', 'file:///home/a@b/mlruns']) {
      expect(hasCredentials(raw)).toBe(false);
      expect(redactUrl(raw)).not.toContain('***');
    }
    expect(redactUrl('http://mlflow.example:5000')).toBe('http://mlflow.example:5000');
  });

  it('compile-pipeline and kfp run refuse such a URI without printing it; KFP_HOST with user-info is refused likewise', () => {
    for (const src of [COMPILE_TRACKING_URI, RUN_TRACKING_URI]) {
      let message = '';
      try {
        checkPipelineTrackingUri('http://alice:S3cret/Pass@mlflow.example:5000', src);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('carries credentials');
      expect(message).not.toContain('S3cret');
    }
    expect(() => new KfpClient({ host: 'http://alice:S3cret/Pass@kfp.example' })).toThrow(/KFP_HOST 'http:\/\/\*\*\*@kfp\.example' carries credentials/);
    expect(() => new KfpClient({ host: 'http://alice:S3cretPass@127.0.0.1:1' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('S3cretPass') }));
  });

  it('scrubs the secrets and their base64 forms (an echoed Basic credential)', () => {
    const b64 = Buffer.from('alice:S3cretPass').toString('base64');
    expect(scrub(`credential ${b64} rejected for alice:S3cretPass`, ['S3cretPass', 'alice:S3cretPass'])).toBe('credential *** rejected for ***');
  });
});
