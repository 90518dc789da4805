// One contender of the model-lock stress test (model-lock-processes.test.ts).
// mode 'contend': for `secs` seconds, takes the lock (every third round only a dead holder's),
//   claims an exclusive marker file while holding it, notes, then releases or abandons it.
// mode 'die': takes the lock, notes { dead: pid }, and exits without letting it go (killed).
// Prints one JSON line: rounds, violations (marker already claimed), lost notes, and the pids of
// the dead holders whose notes it inherited.
import { promises as fs } from 'node:fs';
const [moduleUrl, dir, secs, mode = 'contend'] = process.argv.slice(2);
const { lockModel, takeStaleLock } = await import(moduleUrl);
const marker = `${dir}/held`;
const owner = String(process.pid);
let rounds = 0;
let violations = 0;
let lost = 0;
const inherited = [];
const report = () => process.stdout.write(JSON.stringify({ pid: process.pid, rounds, violations, lost, inherited }) + '\n');

async function critical(lock) {
  if (lock.stale && typeof lock.stale.dead === 'number') inherited.push(lock.stale.dead);
  try {
    await fs.writeFile(marker, owner, { flag: 'wx' });
  } catch {
    violations++;
  }
  await new Promise((r) => setImmediate(r));
  if ((await fs.readFile(marker, 'utf8').catch(() => '')) === owner) await fs.rm(marker, { force: true });
}

if (mode === 'die') {
  const lock = await lockModel(dir, { owner, waitMs: 30_000, pollMs: 1 });
  rounds = 1;
  await critical(lock);
  await lock.note({ dead: process.pid });
  report();
  process.exit(0); // no release: the next holder finds a dead pid and inherits the note
}

const end = Date.now() + Number(secs) * 1000;
while (Date.now() < end) {
  rounds++;
  const lock = rounds % 3 === 0 ? await takeStaleLock(dir, { owner }) : await lockModel(dir, { owner, waitMs: 30_000, pollMs: 1 });
  if (!lock) continue;
  await critical(lock);
  await lock.note({ round: rounds }).catch(() => lost++);
  await (rounds % 2 ? lock.abandon() : lock.release()).catch(() => lost++);
}
report();
