/**
 * An exclusive lock per registered model in the local store, for the read-check-write sequence of
 * a promotion (two runs promoting at once would otherwise both pass their "Staging is still what I
 * compared with" check). MLflow's registry has no compare-and-set, so the REST client has no lock.
 *
 * The lock is a folder `models/<name>/.promotion-lock` made with an exclusive mkdir; its
 * `owner.json` says who holds it (pid, host, owner, since) and what the holder is doing (`intent`,
 * rewritten atomically as it goes). A holder that died (its pid is gone on this host, or the lock is
 * older than STALE_LOCK_MS) leaves its intent to the next holder, which takes the folder over by an
 * atomic rename (two takers: one wins) and gets the intent to resolve.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import type { JsonValue } from '../../core/payload.js';
import type { ModelLock } from '../contract.js';
import { atomicWrite, mkdirExclusive, readOptional } from './files.js';

export const LOCK_DIR = '.promotion-lock';
/** A lock held longer than this is taken to be a dead holder's, whatever its pid (other hosts). */
export const STALE_LOCK_MS = 10 * 60 * 1000;

interface OwnerFile {
  readonly pid: number;
  readonly host: string;
  readonly owner: string;
  readonly since: number;
  readonly intent: JsonValue | null;
}

export interface LockOptions {
  readonly owner: string;
  /** How long to wait for a live holder (default 30 s), polling every `pollMs` (default 50). */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly now?: () => number;
  /** Whether a process runs on this host (tests); default: signal 0. */
  readonly alive?: (pid: number) => boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string | null): OwnerFile | null {
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as Partial<OwnerFile>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.since !== 'number') return null;
    return { pid: o.pid, host: o.host, owner: String(o.owner ?? ''), since: o.since, intent: (o.intent ?? null) as JsonValue | null };
  } catch {
    return null;
  }
}

export async function lockModel(modelDir: string, o: LockOptions): Promise<ModelLock> {
  const now = o.now ?? Date.now;
  const alive = o.alive ?? processAlive;
  const dir = path.join(modelDir, LOCK_DIR);
  const file = path.join(dir, 'owner.json');
  const deadline = now() + (o.waitMs ?? 30_000);
  const me: OwnerFile = { pid: process.pid, host: hostname(), owner: o.owner, since: now(), intent: null };
  let stale: JsonValue | null = null;
  await fs.mkdir(modelDir, { recursive: true });
  for (;;) {
    if (await mkdirExclusive(dir)) break;
    const text = await readOptional(file);
    const holder = parseOwner(text);
    // an owner.json not written yet (the holder is between mkdir and write): a fresh lock, unless
    // the folder itself is old (the holder died right there)
    const since = holder?.since ?? (await fs.stat(dir).then((s) => s.mtimeMs, () => now()));
    const dead = holder ? (holder.host === me.host && !alive(holder.pid)) || now() - holder.since > STALE_LOCK_MS : now() - since > STALE_LOCK_MS;
    if (dead) {
      const aside = path.join(modelDir, `${LOCK_DIR}-stale-${randomBytes(4).toString('hex')}`);
      const took = await fs.rename(dir, aside).then(() => true, () => false);
      if (took) {
        stale = parseOwner(await readOptional(path.join(aside, 'owner.json')))?.intent ?? null;
        await fs.rm(aside, { recursive: true, force: true });
      }
      continue;
    }
    if (now() >= deadline) {
      const who = holder ? `run ${holder.owner} (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()})` : 'another process';
      throw new TrainSpamError('CONFLICT', `${dir}: ${who} is promoting this model; waited ${o.waitMs ?? 30_000} ms for it`, { lock: dir });
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
  }
  const write = (intent: JsonValue | null) => atomicWrite(file, JSON.stringify({ ...me, intent }), dir);
  // a dead holder's intent stays recorded until this holder notes its own: if this one dies while
  // resolving it, the next holder gets it again (resolving it must be repeatable)
  await write(stale);
  let released = false;
  return {
    stale,
    note: async (intent) => {
      if (!released) await write(intent);
    },
    release: async () => {
      if (released) return;
      released = true;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
