/**
 * The versioned, self-contained model artifact: one directory holding the fitted feature pipeline
 * and the fitted model, so a single artifact scores raw e-mails.
 *
 * The same directory format holds any set of named payloads (`savePayloads` / `loadPayloads`):
 * a model artifact is the case with exactly the slots `featurePipeline` and `model`; a feature
 * pipeline artifact (the `feature_pipeline` output of the feature-retrieval step) has the slot
 * `featurePipeline` only.
 *
 *   <dir>/artifact.json  format name + version, created_at, user metadata, both payloads' kind,
 *                        version and JSON meta, and a manifest of every typed array
 *                        (payload, name, dtype, offset, length, byteLength, shape, sha256)
 *   <dir>/arrays.bin     all typed arrays, little-endian, each starting on an 8-byte boundary
 *
 * Writing is atomic: both files go to a temporary sibling directory that is renamed into place.
 * Loading only parses JSON and copies bytes into typed arrays (never evaluates code), and checks
 * the format name and version, every manifest field, that the arrays tile arrays.bin in order
 * (no overlap, no bytes but alignment padding outside them, so loading costs at most the file's
 * size once), the size of arrays.bin and each array's SHA-256; any problem is a FORMAT_ERROR
 * naming the file and what is wrong.
 */
import { createHash } from 'node:crypto';
import { isSha256Hex, sha256Hex } from './checksum.js';
import { mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainSpamError, invalidArgument } from '../core/errors.js';
import type { JsonValue, NumericArray, Payload } from '../core/payload.js';

export const ARTIFACT_FORMAT = 'train-spam/model-artifact';
export const ARTIFACT_FORMAT_VERSION = 1;
export const ARTIFACT_JSON = 'artifact.json';
export const ARRAYS_BIN = 'arrays.bin';

export type ArtifactMetadata = { [k: string]: JsonValue };

export interface ModelArtifact {
  readonly featurePipeline: Payload;
  readonly model: Payload;
  readonly metadata: ArtifactMetadata;
}

export interface LoadedModelArtifact extends ModelArtifact {
  readonly formatVersion: number;
  /** ISO-8601 time the artifact was written. */
  readonly createdAt: string;
}

export interface SaveArtifactOptions {
  /** Replace an existing directory (default false: ALREADY_EXISTS). */
  readonly overwrite?: boolean;
  /** Timestamp to record (default: now); pass one for reproducible bytes. */
  readonly createdAt?: Date;
}

/** Payload slot names: identifiers such as `featurePipeline`, `model`. */
type Slot = string;
const MODEL_SLOTS: readonly Slot[] = ['featurePipeline', 'model'];
const SLOT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export interface ArrayEntry {
  readonly payload: Slot;
  readonly name: string;
  readonly dtype: DType;
  /** Byte offset in arrays.bin (multiple of 8). */
  readonly offset: number;
  /** Number of elements. */
  readonly length: number;
  readonly byteLength: number;
  readonly shape: number[];
  readonly sha256: string;
}

export interface ArtifactManifest {
  readonly format: string;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly byteOrder: 'little';
  readonly metadata: ArtifactMetadata;
  readonly payloads: Record<Slot, { kind: string; version: number; meta: { [k: string]: JsonValue } }>;
  readonly arrays: ArrayEntry[];
  readonly bin: { readonly file: string; readonly byteLength: number };
}

const DTYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;
type DType = keyof typeof DTYPES;

/** Arrays start on 8-byte boundaries in arrays.bin (the writer's layout, checked by the reader). */
const align8 = (n: number): number => Math.ceil(n / 8) * 8;

function dtypeOf(a: unknown): DType | null {
  for (const [name, ctor] of Object.entries(DTYPES)) if (a instanceof ctor && a.constructor === ctor) return name as DType;
  return null;
}

function formatError(file: string, message: string, details: Record<string, unknown> = {}): TrainSpamError {
  return new TrainSpamError('FORMAT_ERROR', `${file}: ${message}`, { file, ...details });
}

/**
 * sha256 of a payload's content (kind, version, meta as JSON, then each array's name, type and
 * bytes in name order): two payloads with the same fingerprint describe the same fitted object.
 */
export function payloadFingerprint(p: Payload): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([p.kind, p.version, p.meta]));
  for (const name of Object.keys(p.arrays).sort()) {
    const a = p.arrays[name];
    h.update(`\0${name}\0${a.constructor.name}\0${a.length}\0`);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new TrainSpamError('INTERNAL', 'model artifacts are little-endian; this host is big-endian');
}

/** Throws INVALID_ARGUMENT naming the path of the first value JSON cannot carry losslessly. */
function checkJson(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalidArgument(`model artifact: ${path} is ${v}; JSON holds only finite numbers`, { path });
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(x, `${path}[${i}]`));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkJson(x, `${path}.${k}`);
    return;
  }
  throw invalidArgument(`model artifact: ${path} is a ${typeof v === 'object' ? (v as object).constructor?.name : typeof v}; expected a JSON value`, { path });
}

function checkPayload(p: Payload, slot: Slot): void {
  if (typeof p?.kind !== 'string' || p.kind === '') throw invalidArgument(`model artifact: ${slot}.kind must be a non-empty string`);
  if (!Number.isInteger(p.version) || p.version < 1) throw invalidArgument(`model artifact: ${slot}.version is ${p.version}; expected an integer >= 1`);
  checkJson(p.meta, `${slot}.meta`);
  for (const [name, a] of Object.entries(p.arrays)) {
    if (dtypeOf(a) === null) throw invalidArgument(`model artifact: ${slot}.arrays['${name}'] is not a supported typed array (${Object.keys(DTYPES).join(', ')})`);
  }
}

/** Builds the manifest and the binary blob (deterministic for equal inputs and createdAt). */
export function encodeModelArtifact(artifact: ModelArtifact, createdAt: Date): { manifest: ArtifactManifest; bin: Uint8Array } {
  return encodePayloads({ featurePipeline: artifact.featurePipeline, model: artifact.model }, artifact.metadata, createdAt);
}

/** Builds the manifest and the blob for any named payloads (slots in the given key order). */
export function encodePayloads(slots: Readonly<Record<string, Payload>>, metadata: ArtifactMetadata, createdAt: Date): { manifest: ArtifactManifest; bin: Uint8Array } {
  const names = Object.keys(slots);
  if (names.length === 0) throw invalidArgument('model artifact: at least one payload is required');
  for (const slot of names) {
    if (!SLOT_NAME.test(slot)) throw invalidArgument(`model artifact: payload slot name '${slot}' must be an identifier (letters, digits, _)`);
    checkPayload(slots[slot], slot);
  }
  checkJson(metadata, 'metadata');
  const pending: Array<{ slot: Slot; name: string; bytes: Uint8Array; dtype: DType; length: number }> = [];
  for (const slot of names) {
    const arrays = slots[slot].arrays;
    for (const name of Object.keys(arrays).sort()) {
      const a = arrays[name];
      pending.push({ slot, name, dtype: dtypeOf(a) as DType, length: a.length, bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) });
    }
  }
  let size = 0;
  const entries: ArrayEntry[] = pending.map((p) => {
    const offset = size;
    size = align8(offset + p.bytes.length);
    return { payload: p.slot, name: p.name, dtype: p.dtype, offset, length: p.length, byteLength: p.bytes.length, shape: [p.length], sha256: sha256Hex(p.bytes) };
  });
  const bin = new Uint8Array(size);
  pending.forEach((p, i) => bin.set(p.bytes, entries[i].offset));
  const payloadMeta = (p: Payload) => ({ kind: p.kind, version: p.version, meta: p.meta });
  const payloads: ArtifactManifest['payloads'] = {};
  for (const slot of names) payloads[slot] = payloadMeta(slots[slot]);
  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    createdAt: createdAt.toISOString(),
    byteOrder: 'little',
    metadata,
    payloads,
    arrays: entries,
    bin: { file: ARRAYS_BIN, byteLength: size },
  };
  return { manifest, bin };
}

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function ioError(what: string, e: unknown): TrainSpamError {
  return new TrainSpamError('IO_ERROR', `${what}: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
}

/**
 * Writes the artifact directory atomically (temporary sibling directory, then rename). Returns
 * the manifest written to artifact.json.
 */
export async function saveModelArtifact(dir: string, artifact: ModelArtifact, options: SaveArtifactOptions = {}): Promise<ArtifactManifest> {
  return savePayloads(dir, { featurePipeline: artifact.featurePipeline, model: artifact.model }, artifact.metadata, options);
}

/**
 * Writes any named payloads in the artifact directory format, atomically. Returns the manifest.
 * (`saveModelArtifact` is this with the slots `featurePipeline` and `model`.)
 */
export async function savePayloads(
  dir: string,
  slots: Readonly<Record<string, Payload>>,
  metadata: ArtifactMetadata = {},
  options: SaveArtifactOptions = {},
): Promise<ArtifactManifest> {
  assertLittleEndian();
  const target = resolve(dir);
  const { manifest, bin } = encodePayloads(slots, metadata, options.createdAt ?? new Date());
  if (!options.overwrite && (await exists(target))) {
    throw new TrainSpamError('ALREADY_EXISTS', `model artifact directory ${target} already exists (pass overwrite to replace it)`, { dir: target });
  }
  let tmp: string;
  try {
    tmp = await mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`));
  } catch (e) {
    throw ioError(`cannot create a temporary directory beside ${target}`, e);
  }
  try {
    await writeSynced(join(tmp, ARRAYS_BIN), bin);
    await writeSynced(join(tmp, ARTIFACT_JSON), `${JSON.stringify(manifest, null, 2)}\n`);
    if (await exists(target)) {
      // overwrite: move the old directory aside, put the new one in place, then delete the old.
      const old = `${tmp}.old`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e instanceof TrainSpamError ? e : ioError(`cannot write model artifact ${target}`, e);
  }
  return manifest;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Validates the parsed artifact.json; `file` names it in errors. `requiredSlots` (default the
 * model artifact's two) must be present; any other well-formed slot is accepted.
 */
export function parseManifest(json: unknown, file: string, requiredSlots: readonly string[] = MODEL_SLOTS): ArtifactManifest {
  if (!isObject(json)) throw formatError(file, 'expected a JSON object');
  if (json.format !== ARTIFACT_FORMAT) throw formatError(file, `format is ${JSON.stringify(json.format)}; expected '${ARTIFACT_FORMAT}'`);
  if (json.formatVersion !== ARTIFACT_FORMAT_VERSION) {
    throw formatError(file, `format version ${JSON.stringify(json.formatVersion)} is not supported; this build reads version ${ARTIFACT_FORMAT_VERSION}`, {
      formatVersion: json.formatVersion as never,
    });
  }
  if (json.byteOrder !== 'little') throw formatError(file, `byteOrder is ${JSON.stringify(json.byteOrder)}; expected 'little'`);
  if (typeof json.createdAt !== 'string' || Number.isNaN(Date.parse(json.createdAt))) throw formatError(file, 'createdAt is not an ISO-8601 time');
  if (!isObject(json.metadata)) throw formatError(file, 'metadata must be an object');
  if (!isObject(json.payloads)) throw formatError(file, 'payloads must be an object');
  for (const slot of requiredSlots) if (!isObject(json.payloads[slot])) throw formatError(file, `payloads.${slot} is missing`);
  for (const slot of Object.keys(json.payloads)) {
    const p = json.payloads[slot];
    if (!SLOT_NAME.test(slot)) throw formatError(file, `payload slot name ${JSON.stringify(slot)} is not an identifier`);
    if (!isObject(p)) throw formatError(file, `payloads.${slot} must be an object`);
    if (typeof p.kind !== 'string' || p.kind === '') throw formatError(file, `payloads.${slot}.kind must be a non-empty string`);
    if (!Number.isInteger(p.version) || (p.version as number) < 1) throw formatError(file, `payloads.${slot}.version must be an integer >= 1`);
    if (!isObject(p.meta)) throw formatError(file, `payloads.${slot}.meta must be an object`);
  }
  if (!isObject(json.bin) || json.bin.file !== ARRAYS_BIN || !nonNegInt(json.bin.byteLength)) {
    throw formatError(file, `bin must be {"file": "${ARRAYS_BIN}", "byteLength": <bytes>}`);
  }
  const binLength = json.bin.byteLength;
  if (!Array.isArray(json.arrays)) throw formatError(file, 'arrays must be a list');
  const seen = new Set<string>();
  // The arrays tile arrays.bin in the order listed, as the writer lays them out: each starts at the
  // first 8-byte boundary after the one before it, and the blob ends at the boundary after the
  // last. So every byte belongs to at most one array and the file holds nothing else: entries that
  // overlap (a crafted manifest listed 40 arrays each claiming the whole 32 MiB blob, and loading
  // copied and hashed it 40 times: 1.4 GiB) or bytes no array owns are refused here.
  let end = 0; // first byte after the previous array
  let previous = '';
  json.arrays.forEach((e: unknown, i: number) => {
    const at = `arrays[${i}]`;
    if (!isObject(e)) throw formatError(file, `${at} must be an object`);
    if (typeof e.payload !== 'string' || !isObject((json.payloads as Record<string, unknown>)[e.payload])) {
      throw formatError(file, `${at}.payload ${JSON.stringify(e.payload)} is not one of the payloads (${Object.keys(json.payloads as object).join(', ')})`);
    }
    if (typeof e.name !== 'string') throw formatError(file, `${at}.name must be a string`);
    const id = `${e.payload}/${e.name}`;
    if (seen.has(id)) throw formatError(file, `array ${id} is listed twice`);
    seen.add(id);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPES)) throw formatError(file, `array ${id}: dtype ${JSON.stringify(e.dtype)} is not one of ${Object.keys(DTYPES).join(', ')}`);
    const size = DTYPES[e.dtype as DType].BYTES_PER_ELEMENT;
    if (!nonNegInt(e.offset) || e.offset % 8 !== 0) throw formatError(file, `array ${id}: offset ${JSON.stringify(e.offset)} must be a non-negative multiple of 8`);
    if (!nonNegInt(e.length) || e.byteLength !== e.length * size) {
      throw formatError(file, `array ${id}: length ${JSON.stringify(e.length)} and byteLength ${JSON.stringify(e.byteLength)} disagree for ${e.dtype}`);
    }
    if (!Array.isArray(e.shape) || !e.shape.every(nonNegInt) || e.shape.reduce((a: number, b: number) => a * b, 1) !== e.length) {
      throw formatError(file, `array ${id}: shape ${JSON.stringify(e.shape)} does not hold ${e.length} elements`);
    }
    if (e.offset + e.byteLength > binLength) throw formatError(file, `array ${id}: bytes ${e.offset}..${e.offset + e.byteLength} lie beyond the declared ${binLength}-byte ${ARRAYS_BIN}`);
    if (!isSha256Hex(e.sha256)) throw formatError(file, `array ${id}: sha256 must be 64 lowercase hex digits`);
    const start = align8(end);
    if (e.offset < start) {
      throw formatError(file, `array ${id}: bytes ${e.offset}..${e.offset + e.byteLength} overlap the arrays listed before it (${previous} ends at byte ${end}); each byte of ${ARRAYS_BIN} belongs to at most one array`, {
        array: id, previous,
      });
    }
    if (e.offset > start) {
      throw formatError(file, `array ${id}: starts at byte ${e.offset}, expected ${start} (${previous ? `${previous} ends at byte ${end}` : 'the first array starts at 0'}); arrays follow each other in ${ARRAYS_BIN} with only 8-byte alignment padding between them`, {
        array: id, previous: previous || null,
      });
    }
    end = e.offset + e.byteLength;
    previous = id;
  });
  if (binLength !== align8(end)) {
    throw formatError(file, `bin.byteLength is ${binLength}, but ${previous ? `the arrays end at byte ${end} (${previous})` : 'there are no arrays'}, so ${ARRAYS_BIN} must hold ${align8(end)} bytes; it holds nothing but the arrays and their alignment padding`, {
      byteLength: binLength, expected: align8(end),
    });
  }
  return json as unknown as ArtifactManifest;
}

/**
 * Reads and validates an artifact directory. NOT_FOUND when the directory does not exist;
 * FORMAT_ERROR naming the file for anything missing, corrupt, truncated or of another version.
 */
export async function loadModelArtifact(dir: string): Promise<LoadedModelArtifact> {
  const loaded = await loadPayloads(dir, MODEL_SLOTS);
  return {
    formatVersion: loaded.formatVersion,
    createdAt: loaded.createdAt,
    metadata: loaded.metadata,
    featurePipeline: loaded.slots.featurePipeline,
    model: loaded.slots.model,
  };
}

export interface LoadedPayloads {
  readonly slots: Readonly<Record<string, Payload>>;
  readonly metadata: ArtifactMetadata;
  readonly formatVersion: number;
  readonly createdAt: string;
}

/**
 * Reads and validates any payload directory written by `savePayloads`; `requiredSlots` must be
 * present (FORMAT_ERROR naming the missing one otherwise). Same checks as `loadModelArtifact`.
 */
export async function loadPayloads(dir: string, requiredSlots: readonly string[] = []): Promise<LoadedPayloads> {
  assertLittleEndian();
  const root = resolve(dir);
  if (!(await exists(root))) throw new TrainSpamError('NOT_FOUND', `model artifact directory ${root} does not exist`, { dir: root });
  const jsonFile = join(root, ARTIFACT_JSON);
  const binFile = join(root, ARRAYS_BIN);
  let text: string;
  try {
    text = await readFile(jsonFile, 'utf8');
  } catch (e) {
    throw formatError(jsonFile, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); not a complete model artifact`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw formatError(jsonFile, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const manifest = parseManifest(parsed, jsonFile, requiredSlots);
  let bin: Buffer;
  try {
    bin = await readFile(binFile);
  } catch (e) {
    throw formatError(binFile, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); not a complete model artifact`);
  }
  if (bin.length !== manifest.bin.byteLength) {
    throw formatError(binFile, `${bin.length < manifest.bin.byteLength ? 'is truncated' : 'is longer than declared'}: ${bin.length} bytes, ${ARTIFACT_JSON} declares ${manifest.bin.byteLength}`, {
      bytes: bin.length,
      expected: manifest.bin.byteLength,
    });
  }
  // maps without a prototype: names come from the file, and one named __proto__ must stay a name
  const arrays: Record<Slot, Record<string, NumericArray>> = Object.create(null) as Record<Slot, Record<string, NumericArray>>;
  for (const slot of Object.keys(manifest.payloads)) arrays[slot] = Object.create(null) as Record<string, NumericArray>;
  for (const e of manifest.arrays) {
    const bytes = bin.subarray(e.offset, e.offset + e.byteLength);
    const digest = sha256Hex(bytes);
    if (digest !== e.sha256) {
      throw formatError(binFile, `checksum mismatch for array ${e.payload}/${e.name} (bytes ${e.offset}..${e.offset + e.byteLength}): expected sha256 ${e.sha256}, got ${digest}`, {
        array: `${e.payload}/${e.name}`,
      });
    }
    const copy = new Uint8Array(e.byteLength); // fresh, aligned buffer
    copy.set(bytes);
    arrays[e.payload][e.name] = new DTYPES[e.dtype](copy.buffer, 0, e.length);
  }
  const slots: Record<string, Payload> = Object.create(null) as Record<string, Payload>;
  for (const slot of Object.keys(manifest.payloads)) slots[slot] = { ...manifest.payloads[slot], arrays: arrays[slot] };
  return { formatVersion: manifest.formatVersion, createdAt: manifest.createdAt, metadata: manifest.metadata, slots };
}

/**
 * The digest that identifies a model artifact's content: sha256 of its artifact.json (which holds
 * every array's sha256, the payloads' metadata and the artifact's) with `createdAt` left out, so the
 * same model written twice (a Kubeflow step retried or run again) has the same digest. Throws
 * FORMAT_ERROR naming the file when it is not a JSON object.
 */
export async function artifactContentDigest(dir: string): Promise<string> {
  const file = join(resolve(dir), ARTIFACT_JSON);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw formatError(file, `cannot be read as JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw formatError(file, 'is not a JSON object');
  const { createdAt: _createdAt, ...content } = parsed as Record<string, unknown>;
  return sha256Hex(Buffer.from(JSON.stringify(content), 'utf8'));
}

