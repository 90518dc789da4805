// One contender of the model-lock stress test: for `secs` seconds, takes the lock (or, every third
// round, only a dead holder's), claims an exclusive marker file while it holds it, notes, then
// releases or abandons. Prints one JSON line: rounds, violations (marker already claimed).
import { promises as fs } from 'node:fs';
const [moduleUrl, dir, secs] = process.argv.slice(2);
const { lockModel, takeStaleLock } = await import(moduleUrl);
const end = Date.now() + Number(secs) * 1000;
let rounds = 0;
let violations = 0;
let lost = 0;
const marker = `${dir}/held`;
while (Date.now() < end) {
  rounds++;
  const lock = rounds % 3 === 0 ? await takeStaleLock(dir, { owner: String(process.pid) }) : await lockModel(dir, { owner: String(process.pid), waitMs: 30_000, pollMs: 1 });
  if (!lock) continue;
  try {
    await fs.writeFile(marker, String(process.pid), { flag: 'wx' });
  } catch {
    violations++;
  }
  await new Promise((r) => setImmediate(r));
  if ((await fs.readFile(marker, 'utf8').catch(() => '')) === String(process.pid)) await fs.rm(marker, { force: true });
  await lock.note({ round: rounds }).catch(() => lost++);
  await (rounds % 2 ? lock.abandon() : lock.release()).catch(() => lost++);
}
process.stdout.write(JSON.stringify({ pid: process.pid, rounds, violations, lost }) + '\n');
