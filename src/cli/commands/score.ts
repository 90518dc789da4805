/**
 * `train-spam score`: P(spam) of raw RFC-822 e-mails with a trained model: a model artifact folder,
 * a run's artifact (`runs:/<run_id>/<path>`) or a registered version (`models:/<name>@<alias>`,
 * `models:/<name>/<version>`, `models:/<name>/<stage>`), by default the one in Staging. One JSON
 * line per e-mail on stdout, in input order; an e-mail that cannot be read or is no RFC-822 message
 * gets an error line (and a line on stderr) and the others are still scored; exit code 1 then.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isTrainSpamError, toErrorData, TrainSpamError } from '../../core/errors.js';
import { makeLogger, type Logger } from '../../core/ports.js';
import { escapeControls } from '../../core/terminal.js';
import { asRunId } from '../../core/ids.js';
import { PIPELINE_PARAMS } from '../../pipeline/definition.js';
import { isDecimalText } from '../../pipeline/params.js';
import { fetchVersionArtifact, STAGING_ALIAS } from '../../pipeline/steps/model-comparison.js';
import { loadScorer, type SpamScorer } from '../../serving/scorer.js';
import { MODEL_STAGES, type ModelStage, type ModelVersion } from '../../tracking/contract.js';
import { normalizeArtifactPath, validateAlias, validateId, validateModelName } from '../../tracking/validation.js';
import { cliTracking, localPaths } from '../wiring.js';

/** The model the pipeline promotes by default: its `model_name` default behind the Staging alias. */
export const DEFAULT_MODEL_REF = `models:/${String(PIPELINE_PARAMS.find((p) => p.name === 'model_name')!.default)}@${STAGING_ALIAS}`;

/** What `--model` names. */
export type ModelRef =
  | { readonly kind: 'folder'; readonly path: string }
  | { readonly kind: 'run'; readonly runId: string; readonly path: string }
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string }
  | { readonly kind: 'version'; readonly name: string; readonly version: string }
  | { readonly kind: 'stage'; readonly name: string; readonly stage: ModelStage };

function usage(message: string): TrainSpamError {
  return new TrainSpamError('INVALID_ARGUMENT', message, { parameter: '--model', usage: true });
}

/** A reference part the store would refuse (a run id like '..', a bad alias) is a usage error of --model. */
function checked(text: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    throw usage(`--model '${text}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Parses a `--model` value; anything without a `runs:/` or `models:/` scheme is a folder. */
export function parseModelRef(text: string): ModelRef {
  const t = text.trim();
  if (t === '') throw usage('--model is empty; expected a model folder, runs:/<run_id>/<path> or models:/<name>@<alias> | /<version> | /<stage>');
  if (t.startsWith('runs:/')) {
    const m = /^runs:\/([^/]+)\/(.+)$/.exec(t);
    if (!m) throw usage(`--model '${text}': expected runs:/<run_id>/<artifact path>`);
    checked(text, () => {
      validateId('run', m[1]);
      normalizeArtifactPath(m[2], false);
    });
    return { kind: 'run', runId: m[1], path: m[2] };
  }
  if (t.startsWith('models:/')) {
    const at = /^models:\/([^/@]+)@([^/@]+)$/.exec(t);
    if (at) {
      checked(text, () => {
        validateModelName(at[1]);
        validateAlias(at[2]);
      });
      return { kind: 'alias', name: at[1], alias: at[2] };
    }
    const m = /^models:\/([^/@]+)\/([^/@]+)$/.exec(t);
    if (!m) throw usage(`--model '${text}': expected models:/<name>@<alias>, models:/<name>/<version> or models:/<name>/<stage>`);
    checked(text, () => validateModelName(m[1]));
    if (/^[1-9]\d*$/.test(m[2])) return { kind: 'version', name: m[1], version: m[2] };
    const stage = MODEL_STAGES.find((s) => s.toLowerCase() === m[2].toLowerCase());
    if (!stage || stage === 'None' || stage === 'Archived') {
      throw usage(`--model '${text}': '${m[2]}' is neither a version number nor a stage (Staging, Production)`);
    }
    return { kind: 'stage', name: m[1], stage };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) throw usage(`--model '${text}': the scheme is not one of runs:/, models:/ (or a local folder)`);
  return { kind: 'folder', path: t };
}

function describeRef(ref: ModelRef): string {
  switch (ref.kind) {
    case 'folder':
      return ref.path;
    case 'run':
      return `runs:/${ref.runId}/${ref.path}`;
    case 'alias':
      return `models:/${ref.name}@${ref.alias}`;
    case 'version':
      return `models:/${ref.name}/${ref.version}`;
    case 'stage':
      return `models:/${ref.name}/${ref.stage}`;
  }
}

/**
 * An error of downloading or loading a referenced model, said with the reference and the store: the
 * store's own message names neither (`artifact 'x' not found`), and a load error names the temporary
 * download folder, which is removed at exit; that folder is shown as the reference instead.
 */
function namingRef(e: unknown, ref: string, store: string, dir: string | undefined, dirAs: string): unknown {
  if (!isTrainSpamError(e)) return e;
  const message = dir ? e.message.split(dir).join(dirAs) : e.message;
  return new TrainSpamError(e.code, message.includes(ref) ? `${message} (in ${store})` : `${ref} in ${store}: ${message}`, { ...e.details, model: ref });
}

/** Loads the scorer a reference names; registry and run references download into `scratch`. */
async function openModel(ref: ModelRef, trackingUri: string | undefined, logger: Logger, scratch: () => string): Promise<{ scorer: SpamScorer; label: string }> {
  if (ref.kind === 'folder') return { scorer: await loadScorer(ref.path), label: ref.path };
  const { handle, tracking } = cliTracking(trackingUri, logger);
  try {
    if (ref.kind === 'run') {
      let dir: string | undefined;
      try {
        dir = await tracking.store.downloadArtifacts(asRunId(ref.runId), ref.path, scratch());
        return { scorer: await loadScorer(dir), label: describeRef(ref) };
      } catch (e) {
        throw namingRef(e, describeRef(ref), tracking.description, dir, describeRef(ref));
      }
    }
    const registry = tracking.registry;
    const notFound = (why: string) =>
      new TrainSpamError('NOT_FOUND', `${describeRef(ref)}: no such model version in ${tracking.description} (${why})${ref.kind === 'alias' && ref.alias === STAGING_ALIAS ? '; has a run promoted a model yet?' : ''}`, {
        model: describeRef(ref),
      });
    let version: ModelVersion | null;
    try {
      if (ref.kind === 'version') version = await registry.getModelVersion(ref.name, ref.version);
      else if (ref.kind === 'alias') version = await registry.getVersionByAlias(ref.name, ref.alias);
      else version = (await registry.getLatestVersions(ref.name, [ref.stage]))[0] ?? null;
    } catch (e) {
      // the registry's own NOT_FOUND (no such registered model or version) said with the reference given
      if (isTrainSpamError(e) && e.code === 'NOT_FOUND') throw notFound(e.message);
      throw e;
    }
    if (!version) throw notFound(ref.kind === 'alias' ? `no version has the alias '${ref.alias}'` : ref.kind === 'stage' ? `no version is in ${ref.stage}` : 'none');
    const label = `${version.name} v${version.version}`;
    let dir: string | undefined;
    try {
      dir = await fetchVersionArtifact(tracking.store, version, scratch());
      return { scorer: await loadScorer(dir), label };
    } catch (e) {
      throw namingRef(e, `${describeRef(ref)} (${label})`, tracking.description, dir, version.source);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The e-mails under the inputs: a file itself, or a folder's entries, recursively, in name order.
 * Symbolic links are followed as if named directly. An entry that cannot be an e-mail (a dangling
 * link, a link back to a folder above it, a socket or a pipe inside a folder) is not dropped in
 * silence: it is listed with its problem and gets an error line, so the command exits 1.
 */
export interface InputFiles {
  readonly files: string[];
  readonly problems: Map<string, TrainSpamError>;
}

async function inputFiles(path: string, into: InputFiles = { files: [], problems: new Map() }): Promise<InputFiles> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new TrainSpamError(e.code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${path}: ${e.code === 'ENOENT' ? 'no such file or folder' : e.message}`, { file: path });
  });
  // a pipe or a device is one e-mail too (`train-spam score <(curl …)` names /dev/fd/63, a pipe)
  if (st.isFile() || st.isFIFO() || st.isCharacterDevice()) {
    into.files.push(path);
    return into;
  }
  if (!st.isDirectory()) throw new TrainSpamError('INVALID_ARGUMENT', `${path}: not a file or a folder`, { file: path, usage: true });
  await walkFolder(path, new Set([`${st.dev}:${st.ino}`]), into);
  return into;
}

async function walkFolder(path: string, ancestors: Set<string>, into: InputFiles): Promise<void> {
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const problem = (p: string, message: string) => {
    into.files.push(p);
    into.problems.set(p, new TrainSpamError('IO_ERROR', `${p}: ${message}`, { file: p }));
  };
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isFile()) {
      into.files.push(p);
      continue;
    }
    let st;
    if (e.isDirectory() || e.isSymbolicLink()) {
      try {
        st = await stat(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problem(p, code === 'ENOENT' ? 'a symbolic link to nothing (its target does not exist)' : `cannot follow (${code ?? (err as Error).message})`);
        continue;
      }
    }
    if (st?.isFile()) into.files.push(p);
    else if (st?.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (ancestors.has(id)) {
        problem(p, 'a symbolic link to a folder above it (a loop): not followed');
        continue;
      }
      ancestors.add(id);
      await walkFolder(p, ancestors, into);
      ancestors.delete(id);
    } else problem(p, 'not a regular file or a folder (a pipe, socket or device inside a folder is not read)');
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface ScoreLine {
  readonly file: string;
  readonly p_spam?: number;
  readonly spam?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Scores each input in order; a failure of one e-mail is its line's error, not the end of the others. */
export async function scoreInputs(
  scorer: SpamScorer,
  inputs: readonly string[],
  threshold: number,
  emit: (line: ScoreLine) => void,
  read: (input: string) => Promise<Uint8Array> = (f) => readFile(f),
): Promise<{ scored: number; failed: number }> {
  let scored = 0;
  let failed = 0;
  for (const file of inputs) {
    try {
      const raw = await read(file).catch((e: NodeJS.ErrnoException) => {
        if (isTrainSpamError(e)) throw e;
        throw new TrainSpamError('IO_ERROR', `cannot read ${file}: ${e.code ?? e.message}`, { file });
      });
      const p = await scorer.scoreRaw(raw, file);
      if (!Number.isFinite(p)) throw new TrainSpamError('INVALID_DATA', `e-mail ${file}: the model scored ${p}`, { file });
      emit({ file, p_spam: p, spam: p >= threshold });
      scored++;
    } catch (e) {
      if (!isTrainSpamError(e)) throw e;
      const d = toErrorData(e);
      emit({ file, error: { code: d.code, message: d.message } });
      failed++;
    }
  }
  return { scored, failed };
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('P(spam) of raw RFC-822 e-mails (files, folders, or - for stdin) with a trained model; one JSON line per e-mail')
    .argument('[inputs...]', 'e-mail files or folders of them (read recursively, in name order); - or none: one e-mail from stdin')
    .option('--model <ref>', 'model folder, runs:/<run_id>/<path>, models:/<name>@<alias>, models:/<name>/<version> or models:/<name>/<stage>', DEFAULT_MODEL_REF)
    .option('--tracking-uri <uri>', 'MLflow tracking URI or local store folder for runs:/ and models:/ (default: $MLFLOW_TRACKING_URI or ./mlruns)')
    .option('--threshold <p>', 'P(spam) at or above which an e-mail is called spam', '0.5')
    .action(async (inputs: string[], o: { model: string; trackingUri?: string; threshold: string }) => {
      const threshold = isDecimalText(o.threshold) ? Number(o.threshold) : NaN;
      if (!(threshold >= 0 && threshold <= 1)) {
        throw new TrainSpamError('INVALID_ARGUMENT', `--threshold must be a number in [0, 1]; got ${JSON.stringify(o.threshold)}`, { parameter: '--threshold', usage: true });
      }
      const ref = parseModelRef(o.model);
      if (ref.kind === 'folder') localPaths([['--model', ref.path]]);
      const stdin = inputs.length === 0 || (inputs.length === 1 && inputs[0] === '-');
      if (!stdin && inputs.includes('-')) throw new TrainSpamError('INVALID_ARGUMENT', "'-' (stdin) cannot be mixed with files", { usage: true });
      if (inputs.length === 0 && process.stdin.isTTY) {
        throw new TrainSpamError('INVALID_ARGUMENT', 'no e-mail given: name files or folders, or pipe one e-mail into stdin (-)', { usage: true });
      }
      const found: InputFiles = { files: [], problems: new Map() };
      if (!stdin) for (const i of inputs) await inputFiles(i, found);
      const files = found.files;
      // an empty folder is most likely the wrong one: say so rather than exit 0 having scored nothing
      if (!stdin && files.length === 0) throw new TrainSpamError('NOT_FOUND', `no e-mail file in ${inputs.join(', ')}`, { inputs });
      const logger = makeLogger((line) => process.stderr.write(line + '\n'), 'warn');
      let scratchDir: string | null = null;
      const scratch = () => (scratchDir ??= mkdtempSync(join(tmpdir(), 'train-spam-score-')));
      try {
        const { scorer, label } = await openModel(ref, o.trackingUri, logger, scratch);
        // names from the file system or the registry may hold control characters: escaped on the terminal (stdout is JSON)
        process.stderr.write(`score: model ${escapeControls(label)}; ${stdin ? 'one e-mail from stdin' : `${files.length} e-mail file(s)`}\n`);
        const emit = (line: ScoreLine) => {
          process.stdout.write(JSON.stringify(line) + '\n');
          if (line.error) process.stderr.write(escapeControls(`score: ${line.file}: ${line.error.code}: ${line.error.message}`) + '\n');
        };
        const r = stdin ? await scoreInputs(scorer, ['-'], threshold, emit, () => readStdin()) : await scoreInputs(scorer, files, threshold, emit, (f) => {
              const bad = found.problems.get(f);
              return bad ? Promise.reject(bad) : readFile(f);
            });
        if (r.failed > 0) {
          throw new TrainSpamError('INVALID_DATA', `${r.failed} of ${r.scored + r.failed} e-mail(s) could not be scored (see their lines)`, { failed: r.failed });
        }
      } finally {
        if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
      }
    });
}
