/**
 * An exclusive lock per registered model in the local store, for the read-check-write sequence of
 * a promotion (two runs promoting at once would otherwise both pass their "Staging is still what I
 * compared with" check). MLflow's registry has no compare-and-set, so the REST client has no lock.
 *
 * The lock is a folder `models/<name>/.promotion-lock`, made with an exclusive mkdir. Who holds it
 * is the owner file with the highest generation in it, `owner-<g>.json`: a random token, pid, host,
 * run, a heartbeat and what the holder is doing (`intent`). Every owner file is created by link(2),
 * which fails when the name exists: this is the compare-and-set that decides between two processes
 * taking over the same dead holder's lock (both link generation g+1; one wins). The holder rewrites
 * its own file (heartbeat, notes) only after checking that no higher generation exists, and
 * releases by renaming the folder aside and checking it again, so that a holder that was taken
 * over neither overwrites nor deletes the new holder's lock.
 *
 * Dead holder: its pid is gone on this host, it gave the lock up with its notes (`abandoned`), or
 * its heartbeat is older than STALE_LOCK_MS (the only rule that works across hosts, e.g. pods on a
 * shared volume). The next holder inherits its intent (`stale`) to finish or undo.
 *
 * What remains: a holder whose event loop stalls for longer than STALE_LOCK_MS, between its check
 * and its write, can still write once after being taken over; its next check finds it out. A
 * shared folder gives no stronger guarantee without a lock server.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import type { JsonValue } from '../../core/payload.js';
import type { ModelLock } from '../contract.js';
import { errno, ioError, mkdirExclusive } from './files.js';

export const LOCK_DIR = '.promotion-lock';
/** How often a holder rewrites its heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A holder whose heartbeat is older than this is taken to be dead, whatever its host. */
export const STALE_LOCK_MS = 60_000;
/** Default wait for a live holder: longer than STALE_LOCK_MS, so a dead holder's lock is always taken over in time. */
export const LOCK_WAIT_MS = STALE_LOCK_MS + 15_000;

/** The owner file written by train-spam before generations existed: generation 0. */
const LEGACY_OWNER = 'owner.json';
const OWNER_RE = /^owner-(\d+)\.json$/;
const ownerName = (gen: number) => (gen === 0 ? LEGACY_OWNER : `owner-${gen}.json`);

interface OwnerFile {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly owner: string;
  readonly since: number;
  /** Last heartbeat (holder's clock). */
  readonly beat: number;
  /** What this holder is doing (its last note). */
  readonly intent: JsonValue | null;
  /** A dead holder's intent this holder took over and has not yet replaced by its own note. */
  readonly inherited: JsonValue | null;
  /** Given up with its notes in place: the next taker may take it at once. */
  readonly abandoned?: boolean;
}

export interface LockOptions {
  readonly owner: string;
  /** How long to wait for a live holder (default LOCK_WAIT_MS), polling every `pollMs` (default 50). */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
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

function parseOwner(text: string): OwnerFile | null {
  try {
    const o = JSON.parse(text) as Partial<OwnerFile>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.since !== 'number') return null;
    return {
      token: String(o.token ?? ''),
      pid: o.pid,
      host: o.host,
      owner: String(o.owner ?? ''),
      since: o.since,
      beat: typeof o.beat === 'number' ? o.beat : o.since,
      intent: (o.intent ?? null) as JsonValue | null,
      inherited: (o.inherited ?? null) as JsonValue | null,
      abandoned: o.abandoned === true,
    };
  } catch {
    return null;
  }
}

/** The lock folder's current state: null when there is no folder. */
interface Current {
  /** Highest generation present (-1: the folder holds no owner file yet). */
  readonly gen: number;
  /** Its content (null: unreadable, or no owner file). */
  readonly holder: OwnerFile | null;
  /** When the owner file (or the empty folder) was last changed, for unreadable ones. */
  readonly mtimeMs: number;
}

async function highestGen(dir: string): Promise<number | null> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw ioError('list', dir, e);
  }
  let gen = -1;
  for (const n of names) {
    const m = OWNER_RE.exec(n);
    if (m) gen = Math.max(gen, Number(m[1]));
    else if (n === LEGACY_OWNER) gen = Math.max(gen, 0);
  }
  return gen;
}

async function readCurrent(dir: string): Promise<Current | null> {
  const gen = await highestGen(dir);
  if (gen === null) return null;
  const file = gen < 0 ? dir : path.join(dir, ownerName(gen));
  const st = await fs.stat(file).catch(() => null);
  if (!st) return readCurrent(dir); // changed under us (released, or a newer generation): look again
  let text: string | null = null;
  if (gen >= 0) text = await fs.readFile(file, 'utf8').catch(() => null);
  return { gen, holder: text === null ? null : parseOwner(text), mtimeMs: st.mtimeMs };
}

function tempFile(modelDir: string): string {
  return path.join(modelDir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Creates `dir/owner-<gen>.json` with `content` unless it exists (link(2)): false when another process has it, or the folder is gone. */
async function createOwnerFile(modelDir: string, dir: string, gen: number, content: OwnerFile): Promise<boolean> {
  const tmp = tempFile(modelDir);
  try {
    await fs.writeFile(tmp, JSON.stringify(content));
    await fs.link(tmp, path.join(dir, ownerName(gen)));
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST' || errno(e) === 'ENOENT') return false;
    throw ioError('write', path.join(dir, ownerName(gen)), e);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

function isDead(cur: Current, o: { host: string; now: number; alive: (pid: number) => boolean }): boolean {
  const h = cur.holder;
  if (!h) return o.now - cur.mtimeMs > STALE_LOCK_MS; // a folder made just now, or a file someone broke
  return h.abandoned === true || (h.host === o.host && !o.alive(h.pid)) || o.now - h.beat > STALE_LOCK_MS;
}

/** What a dead holder leaves to the next: its own note, else the one it had inherited and not yet replaced. */
function intentLeftBy(h: OwnerFile | null): JsonValue | null {
  return h ? (h.intent ?? h.inherited) : null;
}

function describeHolder(dir: string, h: OwnerFile | null, mtimeMs: number): string {
  if (!h) return `${dir}: another process holds this model's lock (no readable owner file); it is taken to be abandoned at ${new Date(mtimeMs + STALE_LOCK_MS).toISOString()}`;
  const stale = new Date(h.beat + STALE_LOCK_MS).toISOString();
  return (
    `${dir}: run ${h.owner} (pid ${h.pid} on ${h.host}, since ${new Date(h.since).toISOString()}) is promoting this model; ` +
    `if that process is gone, its lock is taken over from ${stale} (${STALE_LOCK_MS / 1000} s after its last heartbeat), ` +
    `or remove the folder by hand once no run is promoting`
  );
}

/** Waits for the lock of the model in `modelDir` (taking over a dead holder's), then holds it. */
export async function lockModel(modelDir: string, o: LockOptions): Promise<ModelLock> {
  const lock = await acquire(modelDir, o, false);
  return lock!;
}

/**
 * Takes over the model's lock only when a dead holder left one (its note to resolve is `stale`);
 * null when there is no lock or a live holder has it. For resolving an interrupted promotion
 * before reading the registry, without waiting for a live promotion.
 */
export async function takeStaleLock(modelDir: string, o: LockOptions): Promise<ModelLock | null> {
  return acquire(modelDir, o, true);
}

async function acquire(modelDir: string, o: LockOptions, onlyStale: boolean): Promise<ModelLock | null> {
  const now = o.now ?? Date.now;
  const alive = o.alive ?? processAlive;
  const waitMs = o.waitMs ?? LOCK_WAIT_MS;
  const dir = path.join(modelDir, LOCK_DIR);
  const deadline = now() + waitMs;
  const host = hostname();
  const token = randomBytes(12).toString('hex');
  const since = now();
  const content = (inherited: JsonValue | null): OwnerFile => ({ token, pid: process.pid, host, owner: o.owner, since, beat: now(), intent: null, inherited });
  if (!onlyStale) {
    try {
      await fs.mkdir(modelDir, { recursive: true });
    } catch (e) {
      throw ioError('create directory', modelDir, e);
    }
  }
  for (;;) {
    if (!onlyStale && (await mkdirExclusive(dir))) {
      let made = false;
      try {
        made = await createOwnerFile(modelDir, dir, 1, content(null));
      } catch (e) {
        await fs.rmdir(dir).catch(() => undefined); // no empty lock left behind
        throw e;
      }
      if (made) return new HeldLock(modelDir, dir, 1, content(null), null, o.heartbeatMs ?? HEARTBEAT_MS, now);
      continue; // a taker judged the folder abandoned and linked first (see isDead): look again
    }
    const cur = await readCurrent(dir);
    if (cur === null) {
      if (onlyStale) return null;
      continue; // released just now
    }
    if (isDead(cur, { host, now: now(), alive })) {
      const stale = intentLeftBy(cur.holder);
      const mine = content(stale);
      if (await createOwnerFile(modelDir, dir, cur.gen + 1, mine)) {
        // earlier generations are history now (best effort: they are never read again)
        for (let g = cur.gen; g >= Math.max(0, cur.gen - 2); g--) await fs.rm(path.join(dir, ownerName(g)), { force: true }).catch(() => undefined);
        return new HeldLock(modelDir, dir, cur.gen + 1, mine, stale, o.heartbeatMs ?? HEARTBEAT_MS, now);
      }
      continue; // another taker won this generation, or the folder went
    }
    if (onlyStale) return null;
    if (now() >= deadline) {
      throw new TrainSpamError('CONFLICT', `${describeHolder(dir, cur.holder, cur.mtimeMs)}; waited ${waitMs} ms for it`, { lock: dir });
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
  }
}

class HeldLock implements ModelLock {
  private state: OwnerFile;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null;
  private ended = false;
  /** Why this holder no longer holds the lock (taken over), once found out. */
  private lostReason: string | null = null;

  constructor(
    private readonly modelDir: string,
    private readonly dir: string,
    private readonly gen: number,
    initial: OwnerFile,
    readonly stale: JsonValue | null,
    heartbeatMs: number,
    private readonly now: () => number,
  ) {
    this.state = initial;
    this.timer = setInterval(() => void this.enqueue(() => this.write({ beat: this.now() })).catch(() => undefined), heartbeatMs);
    this.timer.unref();
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private stopBeating(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** CONFLICT when another process has taken the lock over (a higher generation, or the folder gone). */
  private async checkHeld(): Promise<void> {
    if (this.lostReason === null) {
      const top = await highestGen(this.dir);
      if (top !== null && top > this.gen) this.lostReason = `another process took over the lock ${this.dir} (no heartbeat from this one for ${STALE_LOCK_MS / 1000} s)`;
      else {
        const text = top === this.gen ? await fs.readFile(path.join(this.dir, ownerName(this.gen)), 'utf8').catch(() => null) : null;
        if (text === null || parseOwner(text)?.token !== this.state.token) this.lostReason = `the lock folder ${this.dir} was removed or replaced by another process`;
      }
    }
    if (this.lostReason !== null) {
      this.stopBeating();
      throw new TrainSpamError('CONFLICT', `model lock lost: ${this.lostReason}; whatever this run did to the model since may be undone by the new holder`, { lock: this.dir });
    }
  }

  private async write(change: Partial<OwnerFile>): Promise<void> {
    await this.checkHeld();
    const next = { ...this.state, ...change };
    const file = path.join(this.dir, ownerName(this.gen));
    const tmp = tempFile(this.modelDir);
    try {
      await fs.writeFile(tmp, JSON.stringify(next));
      // no mkdir on ENOENT: a missing folder means the lock is gone, not that it should be made again
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      if (errno(e) === 'ENOENT') {
        this.lostReason = `the lock folder ${this.dir} was removed by another process`;
        await this.checkHeld();
      }
      throw ioError('write', file, e);
    }
    this.state = next;
  }

  note(intent: JsonValue): Promise<void> {
    if (this.ended) return Promise.reject(new TrainSpamError('INTERNAL', `model lock ${this.dir}: note after release`));
    return this.enqueue(() => this.write({ intent, inherited: null, beat: this.now() }));
  }

  async release(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stopBeating();
    await this.enqueue(async () => {
      try {
        await this.checkHeld();
      } catch {
        return; // not ours any more: nothing to remove
      }
      const aside = path.join(this.modelDir, `.tmp-${process.pid}-released-lock-${randomBytes(4).toString('hex')}`);
      try {
        await fs.rename(this.dir, aside);
      } catch (e) {
        if (errno(e) === 'ENOENT') return;
        throw ioError('remove', this.dir, e);
      }
      // a taker linked a newer generation between the check and the rename: give its lock back
      const top = await highestGen(aside);
      if (top !== null && top > this.gen) {
        await fs.rename(aside, this.dir).catch(() => undefined);
        return;
      }
      await fs.rm(aside, { recursive: true, force: true });
    });
  }

  async abandon(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stopBeating();
    await this.enqueue(() => this.write({ abandoned: true }));
  }
}
