/**
 * Marks the package's bin targets (package.json "bin") executable after `tsc` has written them.
 * tsc creates files with mode 0644; npm sets the executable bit only while it links a package,
 * so a cached `npx train-spam` link to a rebuilt dist/ would otherwise fail with "Permission denied".
 */
import { chmodSync, readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
for (const bin of bins) {
  const path = new URL(`../${bin}`, import.meta.url);
  const mode = statSync(path).mode;
  chmodSync(path, mode | 0o111);
}
