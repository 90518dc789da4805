/**
 * An exclusive lock per registered model in the local store, for the read-check-write sequence of
 * a promotion (two runs promoting at once would otherwise both pass their "Staging is still what I
 * compared with" check). MLflow's registry has no compare-and-set, so the REST client has no lock.
 *
 * The lock is a folder `models/<name>/.promotion-lock` that is made once and never removed. Its
 * state is the owner file with the highest generation, `owner-<g>.json`: held (random token, pid,
 * host, run, heartbeat, what the holder is doing), released, or abandoned (given up with its note
 * for the next holder). Every change of state (take a free lock, take over a dead holder's,
 * release, abandon) creates generation g+1 with link(2), which fails when the name exists: of two
 * processes that read the same top generation, exactly one moves it on. Generations only go up and
 * the folder stays, so a slow process's compare-and-set can never land in a later lock's history
 * (session 11's first version removed the folder at release and started again at 1; a taker that
 * had read generation 3 could then link 4 into the new holder's folder while it held generation 1).
 * A holder rewrites only its own generation's file (heartbeat, notes), after checking that it is
 * still the top one: a holder taken over meanwhile writes a file nobody reads any more.
 *
 * Dead holder: abandoned, or its heartbeat is older than STALE_LOCK_MS (the only rule across hosts,
 * e.g. pods on a shared volume), or its pid is gone on this host and in this pid namespace (two
 * containers with one hostname share neither pids nor the right to judge each other's).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import type { JsonValue } from '../../core/payload.js';
import type { ModelLock } from '../contract.js';
import { errno, ioError } from './files.js';
import { makeDirs } from '../../io/dirs.js';
import { processAlive } from '../../io/process.js';

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
/** Generations kept below the top one (older ones are never read again). */
const KEEP_GENERATIONS = 3;
/** A temp file in the lock folder older than this was left by a killed writer. */
const STALE_TEMP_MS = 60_000;

type LockState = 'held' | 'released' | 'abandoned';

interface OwnerFile {
  readonly state: LockState;
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  /** Boot and pid-namespace identity: the pid rule applies only within the same one. */
  readonly ns?: string;
  readonly owner: string;
  readonly since: number;
  /** Last heartbeat (holder's clock). */
  readonly beat: number;
  /** What this holder is doing (its last note). */
  readonly intent: JsonValue | null;
  /** A dead holder's intent this holder took over and has not yet replaced by its own note. */
  readonly inherited: JsonValue | null;
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

let namespaceId: string | null | undefined;
/** This boot and pid namespace (Linux), null elsewhere. */
function ownNamespace(): string | null {
  if (namespaceId === undefined) {
    try {
      namespaceId = `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
    } catch {
      namespaceId = null;
    }
  }
  return namespaceId;
}

function parseOwner(text: string): OwnerFile | null {
  try {
    const o = JSON.parse(text) as Partial<OwnerFile> & { abandoned?: boolean };
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.since !== 'number') return null;
    const state: LockState = o.state === 'released' || o.state === 'abandoned' ? o.state : o.abandoned === true ? 'abandoned' : 'held';
    return {
      state,
      token: String(o.token ?? ''),
      pid: o.pid,
      host: o.host,
      ...(typeof o.ns === 'string' ? { ns: o.ns } : {}),
      owner: String(o.owner ?? ''),
      since: o.since,
      beat: typeof o.beat === 'number' ? o.beat : o.since,
      intent: (o.intent ?? null) as JsonValue | null,
      inherited: (o.inherited ?? null) as JsonValue | null,
    };
  } catch {
    return null;
  }
}

/** The lock's current state: the top generation (-1: none yet) and its content (null: none, or unreadable). */
interface Current {
  readonly gen: number;
  readonly holder: OwnerFile | null;
  /** The top owner file's text (null: none). */
  readonly text: string | null;
  /** When the top owner file was last changed, for an unreadable one. */
  readonly mtimeMs: number;
}

async function listGenerations(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return [];
    throw ioError('list', dir, e);
  }
  const gens: number[] = [];
  for (const n of names) {
    const m = OWNER_RE.exec(n);
    if (m) gens.push(Number(m[1]));
    else if (n === LEGACY_OWNER) gens.push(0);
  }
  return gens.sort((a, b) => a - b);
}

async function topGeneration(dir: string): Promise<number> {
  const gens = await listGenerations(dir);
  return gens.length ? gens[gens.length - 1] : -1;
}

/** Public for tests and tools: the lock's top generation and state ('free': never held, or released). */
export async function readLock(modelDir: string): Promise<{ gen: number; state: 'free' | 'held' | 'abandoned' | 'unreadable'; owner: string | null }> {
  const cur = await readCurrent(path.join(modelDir, LOCK_DIR));
  const h = cur.holder;
  if (cur.gen < 0) return { gen: -1, state: 'free', owner: null };
  if (!h) return { gen: cur.gen, state: 'unreadable', owner: null };
  return { gen: cur.gen, state: h.state === 'released' ? 'free' : h.state, owner: h.owner };
}

async function readCurrent(dir: string): Promise<Current> {
  for (let attempt = 0; ; attempt++) {
    const gen = await topGeneration(dir);
    if (gen < 0) return { gen, holder: null, text: null, mtimeMs: 0 };
    const file = path.join(dir, ownerName(gen));
    try {
      const st = await fs.stat(file);
      const text = await fs.readFile(file, 'utf8');
      return { gen, holder: parseOwner(text), text, mtimeMs: st.mtimeMs };
    } catch (e) {
      // gone between the listing and the read (the folder removed by hand): look again
      if (errno(e) !== 'ENOENT' || attempt >= 10) throw ioError('read', file, e);
    }
  }
}

function tempFile(dir: string): string {
  return path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** What the top owner file said when a taker read it: its next generation counts only if it still says so. */
interface ReadAs {
  readonly gen: number;
  readonly holder: OwnerFile | null;
  readonly text: string | null;
}

/** Same holder, same state, same note left for the next (a heartbeat alone does not count). */
function sameAsRead(read: ReadAs, text: string | null): boolean {
  if (text === null) return false;
  const h = parseOwner(text);
  if (!read.holder || !h) return text === read.text;
  return h.token === read.holder.token && h.state === read.holder.state && JSON.stringify(intentLeftBy(h)) === JSON.stringify(intentLeftBy(read.holder));
}

/**
 * Creates `dir/owner-<gen>.json` with `content` unless it exists (link(2)): false when another
 * process made that generation first, or when the link did not land on the top of the lock it
 * read (`below`: the generation it read, for a take-over): a higher generation exists (the name
 * was a pruned old one: this process read the top long ago), or the file below is no longer what
 * was read (the folder was removed and made again, or the holder wrote a new note meanwhile).
 */
async function createGeneration(dir: string, gen: number, content: OwnerFile, below: ReadAs | null): Promise<boolean> {
  const file = path.join(dir, ownerName(gen));
  const tmp = tempFile(dir);
  try {
    await fs.writeFile(tmp, JSON.stringify(content));
    await fs.link(tmp, file);
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw ioError('write', file, e);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  // history, not the top: left for prune (removing it could pull the ground from under a process
  // that has already built the next generation on it)
  if ((await topGeneration(dir)) > gen) return false;
  if (below && below.gen >= 0) {
    const now = await fs.readFile(path.join(dir, ownerName(below.gen)), 'utf8').catch(() => null);
    if (!sameAsRead(below, now)) {
      // nobody builds on a generation whose predecessor is not what its maker read: take it back
      await fs.rm(file, { force: true });
      return false;
    }
  }
  await prune(dir, gen);
  return true;
}

/** Best effort: generations nobody reads any more, and temp files of killed writers. */
async function prune(dir: string, top: number): Promise<void> {
  try {
    for (const g of await listGenerations(dir)) if (g < top - KEEP_GENERATIONS) await fs.rm(path.join(dir, ownerName(g)), { force: true });
    for (const n of await fs.readdir(dir)) {
      if (!n.startsWith('.tmp-')) continue;
      const st = await fs.stat(path.join(dir, n)).catch(() => null);
      if (st && Date.now() - st.mtimeMs > STALE_TEMP_MS) await fs.rm(path.join(dir, n), { force: true });
    }
  } catch {
    // left for the next one
  }
}

function isDead(cur: Current, o: { host: string; ns: string | null; now: number; alive: (pid: number) => boolean }): boolean {
  const h = cur.holder;
  if (!h) return o.now - cur.mtimeMs > STALE_LOCK_MS; // a file someone broke by hand
  if (h.state === 'abandoned') return true;
  // the pid rule only where pids mean the same (an owner file without ns: written by an older version)
  const samePids = h.host === o.host && (h.ns === undefined || h.ns === o.ns);
  return (samePids && !o.alive(h.pid)) || o.now - h.beat > STALE_LOCK_MS;
}

/** What a dead holder leaves to the next: its own note, else the one it had inherited and not yet replaced. */
function intentLeftBy(h: OwnerFile | null): JsonValue | null {
  return h ? (h.intent ?? h.inherited) : null;
}

function describeHolder(dir: string, h: OwnerFile | null, mtimeMs: number): string {
  if (!h) return `${dir}: the lock's owner file is unreadable; it is taken to be abandoned at ${new Date(mtimeMs + STALE_LOCK_MS).toISOString()}`;
  const stale = new Date(h.beat + STALE_LOCK_MS).toISOString();
  return (
    `${dir}: run ${h.owner} (pid ${h.pid} on ${h.host}, since ${new Date(h.since).toISOString()}) is promoting this model; ` +
    `if that process is gone, its lock is taken over from ${stale} (${STALE_LOCK_MS / 1000} s after its last heartbeat), or at once on this host`
  );
}

/** Waits for the lock of the model in `modelDir` (taking over a dead holder's), then holds it. */
export async function lockModel(modelDir: string, o: LockOptions): Promise<ModelLock> {
  const lock = await acquire(modelDir, o, false);
  return lock!;
}

/**
 * Takes over the model's lock only when a dead holder left one (its note to resolve is `stale`);
 * null when it is free or a live holder has it. For resolving an interrupted promotion before
 * reading the registry, without waiting for a live promotion.
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
  const ns = ownNamespace();
  const token = randomBytes(12).toString('hex');
  const since = now();
  const content = (inherited: JsonValue | null): OwnerFile => ({
    state: 'held', token, pid: process.pid, host, ...(ns ? { ns } : {}), owner: o.owner, since, beat: now(), intent: null, inherited,
  });
  if (onlyStale && !existsSync(dir)) return null; // never locked: nothing to resolve, and no folder made for it
  try {
    await makeDirs(dir);
  } catch (e) {
    throw ioError('create directory', dir, e);
  }
  for (;;) {
    const cur = await readCurrent(dir);
    const free = cur.gen < 0 || cur.holder?.state === 'released';
    if (free && onlyStale) return null;
    if (free || isDead(cur, { host, ns, now: now(), alive })) {
      const stale = free ? null : intentLeftBy(cur.holder);
      const mine = content(stale);
      const gen = Math.max(cur.gen, 0) + 1; // owner.json (generation 0) is only ever an older version's
      if (await createGeneration(dir, gen, mine, cur)) return new HeldLock(dir, gen, mine, stale, o.heartbeatMs ?? HEARTBEAT_MS, now);
      continue; // another process moved the lock on first: look again
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

  /** CONFLICT when the lock has moved on past this holder's generation (another process took it over). */
  private async checkHeld(): Promise<void> {
    if (this.lostReason === null) {
      const top = await topGeneration(this.dir);
      if (top === this.gen) {
        // the same number in a folder made again (removed by hand meanwhile): not this holder's
        const text = await fs.readFile(path.join(this.dir, ownerName(this.gen)), 'utf8').catch(() => null);
        if (text === null || parseOwner(text)?.token !== this.state.token) this.lostReason = `the lock folder ${this.dir} was removed and made again by another process`;
      } else if (top < 0) {
        this.lostReason = `the lock folder ${this.dir} was removed by another process`;
      } else {
        const cur = await readCurrent(this.dir).catch(() => null);
        const who = cur?.holder ? `run ${cur.holder.owner} (pid ${cur.holder.pid} on ${cur.holder.host})` : 'another process';
        this.lostReason = `${who} took over the lock ${this.dir} (generation ${top}, after this holder's ${this.gen}), having judged this holder dead`;
      }
    }
    if (this.lostReason !== null) {
      this.stopBeating();
      throw new TrainSpamError('CONFLICT', `model lock lost: ${this.lostReason}; whatever this run did to the model since may be undone by the new holder`, { lock: this.dir });
    }
  }

  /** Rewrites this holder's own generation file (never another's: a holder taken over meanwhile writes a file nobody reads). */
  private async write(change: Partial<OwnerFile>): Promise<void> {
    await this.checkHeld();
    const next = { ...this.state, ...change };
    const file = path.join(this.dir, ownerName(this.gen));
    const tmp = tempFile(this.dir);
    try {
      await fs.writeFile(tmp, JSON.stringify(next));
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw ioError('write', file, e);
    }
    // taken over between the check and the rename: the taker read the file before this write
    // (or checks it again and backs off), so this note is not recorded: say so
    await this.checkHeld();
    this.state = next;
  }

  /** Moves the lock on to `state` (released or abandoned) as the next generation; nothing when it was taken over. */
  private async handOn(state: LockState, intent: JsonValue | null): Promise<void> {
    this.ended = true;
    this.stopBeating();
    await this.enqueue(async () => {
      try {
        await this.checkHeld();
      } catch {
        return; // not ours any more
      }
      const next: OwnerFile = { ...this.state, state, beat: this.now(), intent, inherited: null };
      // EEXIST: a taker moved it on between the check and now; the lock is its now
      await createGeneration(this.dir, this.gen + 1, next, null);
    });
  }

  note(intent: JsonValue): Promise<void> {
    if (this.ended) return Promise.reject(new TrainSpamError('INTERNAL', `model lock ${this.dir}: note after release`));
    return this.enqueue(() => this.write({ intent, inherited: null, beat: this.now() }));
  }

  async release(): Promise<void> {
    if (this.ended) return;
    await this.handOn('released', null);
  }

  async abandon(): Promise<void> {
    if (this.ended) return;
    await this.handOn('abandoned', intentLeftBy(this.state));
  }
}
