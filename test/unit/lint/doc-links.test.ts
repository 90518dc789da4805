/**
 * The documentation's relative links and the files it names under docs/ point at files that
 * exist: README.md, bench/README.md and docs/*.md (a section moved to another file must take its
 * links along).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const PAGES = ['README.md', 'bench/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Relative markdown link targets of a page (anchors and URLs left out), resolved from its folder. */
function linkTargets(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const targets = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/i.test(t));
  return targets.map((t) => join(dirname(page), t));
}

/** `docs/<name>.md` mentioned in a page's text. */
function docMentions(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  return [...text.matchAll(/\bdocs\/[\w.-]+\.md\b/g)].map((m) => m[0]);
}

describe('documentation links', () => {
  it.each(PAGES)('%s links only to files that exist', (page) => {
    const missing = [...linkTargets(page), ...docMentions(page)].filter((t) => !existsSync(join(ROOT, t)));
    expect(missing).toEqual([]);
  });

  it('finds the links it checks (the pattern still matches the pages)', () => {
    expect(linkTargets('README.md')).toContain('docs/performance.md');
    expect(docMentions('README.md')).toContain('docs/hpo.md');
  });
});
