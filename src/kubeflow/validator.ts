/**
 * Validates a compiled pipeline YAML the way KFP would, and stricter: strict YAML parse (duplicate
 * keys are errors), the PipelineSpec schema (unknown fields, wrong types, bad enum names, the
 * pipeline name rule, schemaVersion 2.1.0), then the structure: every task's component and
 * executor exist, every dependency names a sibling, every declared input is wired from something
 * that exists and has a compatible type, every condition operand is a task input, and every
 * placeholder names a declared input/output of its component.
 *
 * A second YAML document may follow: the Kubernetes PlatformSpec the KFP SDK writes for
 * kfp-kubernetes features (a Secret as env, node selectors, ...). The API server parses it strictly
 * and reads its executor configs at run creation; here its shape is checked and each executor it
 * configures must exist in the PipelineSpec. Its issues have paths starting `doc2:`.
 */
import { parseAllDocuments } from 'yaml';
import { checkSchema, type SchemaIssue } from './schema.js';
import { pipelineSpecSchema, platformSpecSchema, type ComponentSpec, type PipelineSpec, type PipelineTaskSpec, type PlatformSpec } from './pipeline-spec.js';

export type ValidationIssue = SchemaIssue;

/** Parses the YAML strictly; returns the documents or the parse issues. */
export function parseYamlStrict(text: string): { docs: unknown[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const docs: unknown[] = [];
  for (const d of parseAllDocuments(text, { uniqueKeys: true, strict: true, prettyErrors: false, version: '1.2' })) {
    for (const e of [...d.errors, ...d.warnings]) issues.push({ path: `yaml:${e.linePos?.[0]?.line ?? '?'}`, message: `${e.code}: ${e.message.split('\n')[0]}` });
    if (!d.errors.length) docs.push(d.toJS({ maxAliasCount: 0 }));
  }
  return { docs, issues };
}

export function validatePipelineYaml(text: string): ValidationIssue[] {
  const { docs, issues } = parseYamlStrict(text);
  if (issues.length) return issues;
  if (docs.length === 0 || docs.length > 2) {
    const found = docs.length ? `${docs.length} documents (${docs.map(describeDocument).join('; ')})` : 'no document';
    return [{ path: '/', message: `expected the PipelineSpec, optionally followed by a Kubernetes PlatformSpec, as one or two YAML documents; found ${found}` }];
  }
  if (isPlatformSpecLike(docs[0])) {
    return [{ path: '/', message: 'the first YAML document is a PlatformSpec (platforms: ...); the PipelineSpec comes first, the PlatformSpec after it (as the KFP SDK writes them)' }];
  }
  const specIssues = validatePipelineSpec(docs[0]);
  if (docs.length === 1) return specIssues;
  return [...specIssues, ...validatePlatformSpec(docs[1], docs[0])];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlatformSpecLike = (doc: unknown): boolean => isPlainObject(doc) && 'platforms' in doc;

/** What a YAML document holds, for messages: `a PipelineSpec`, `a mapping with keys apiVersion, kind, ...`. */
function describeDocument(doc: unknown): string {
  if (doc === null || doc === undefined) return 'an empty document';
  if (Array.isArray(doc)) return 'a list';
  if (!isPlainObject(doc)) return `${typeof doc} ${JSON.stringify(doc).slice(0, 60)}`;
  if (isPlatformSpecLike(doc)) return 'a PlatformSpec';
  if ('pipelineInfo' in doc && 'root' in doc) return 'a PipelineSpec';
  const keys = Object.keys(doc);
  const kind = typeof doc.kind === 'string' ? `a Kubernetes ${doc.kind} manifest, ` : '';
  return `${kind}a mapping with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}`;
}

/**
 * The second document: a PlatformSpec (`platforms.kubernetes`, what kfp-kubernetes writes), whose
 * executor configs name executors of `pipelineSpec`. The open-source backend reads only the
 * `kubernetes` platform (another document or platform would be ignored, so it is refused here).
 */
export function validatePlatformSpec(doc: unknown, pipelineSpec: unknown): ValidationIssue[] {
  if (!isPlatformSpecLike(doc)) {
    return [{ path: 'doc2:/', message: `the second YAML document must be a Kubernetes PlatformSpec (platforms.kubernetes, as kfp-kubernetes writes it); found ${describeDocument(doc)}` }];
  }
  const issues = checkSchema(doc, platformSpecSchema, 'doc2:');
  if (issues.length) return issues;
  const { platforms } = doc as PlatformSpec;
  for (const name of Object.keys(platforms).sort()) {
    if (name !== 'kubernetes') issues.push({ path: `doc2:/platforms/${name}`, message: `platform '${name}' is not read by the open-source KFP backend (only 'kubernetes')` });
  }
  if (!platforms.kubernetes) issues.push({ path: 'doc2:/platforms', message: "no 'kubernetes' platform: the KFP API server would ignore this document" });
  const known = isPlainObject(pipelineSpec) && isPlainObject(pipelineSpec.deploymentSpec) && isPlainObject(pipelineSpec.deploymentSpec.executors) ? pipelineSpec.deploymentSpec.executors : {};
  for (const [label, cfg] of Object.entries(platforms.kubernetes?.deploymentSpec?.executors ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const p = `doc2:/platforms/kubernetes/deploymentSpec/executors/${label}`;
    if (!Object.hasOwn(known, label)) issues.push({ path: p, message: `executor '${label}' is not in the PipelineSpec's deploymentSpec (known: ${Object.keys(known).sort().join(', ') || 'none'})` });
    const deadline: unknown = cfg.activeDeadlineSeconds;
    // int64: protojson takes a JSON string of digits (what the SDK writes) or an integer number
    if (deadline !== undefined && !(typeof deadline === 'string' ? /^\d+$/.test(deadline) : Number.isSafeInteger(deadline) && (deadline as number) >= 0)) {
      issues.push({ path: `${p}/activeDeadlineSeconds`, message: `expected a whole number of seconds (the SDK writes a string, e.g. '3600'), got ${JSON.stringify(deadline)}` });
    }
  }
  return issues;
}

export function validatePipelineSpec(value: unknown): ValidationIssue[] {
  const schemaIssues = checkSchema(value, pipelineSpecSchema);
  if (schemaIssues.length) return schemaIssues;
  return checkStructure(value as PipelineSpec);
}

const PLACEHOLDER_RE = /\{\{\$[^}]*\}\}/g;

function checkStructure(spec: PipelineSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const push = (path: string, message: string) => issues.push({ path, message });
  const usedComponents = new Set<string>();
  const usedExecutors = new Set<string>();
  if (!spec.root.dag) push('/root', 'root must be a DAG component');

  const visitDag = (comp: ComponentSpec, path: string, seen: readonly string[]) => {
    const tasks = comp.dag?.tasks ?? {};
    const names = Object.keys(tasks);
    if (!names.length) push(`${path}/dag/tasks`, 'a DAG needs at least one task');
    for (const [key, task] of Object.entries(tasks).sort(([a], [b]) => a.localeCompare(b))) {
      const tp = `${path}/dag/tasks/${key}`;
      if (!/^[a-z0-9][a-z0-9-]*$/.test(key)) push(tp, `task key '${key}' must be lowercase letters, digits and '-'`);
      const ref = task.componentRef.name;
      const callee = spec.components[ref];
      if (!callee) {
        push(`${tp}/componentRef/name`, `component '${ref}' does not exist`);
        continue;
      }
      usedComponents.add(ref);
      if (callee.executorLabel !== undefined) {
        usedExecutors.add(callee.executorLabel);
        if (!spec.deploymentSpec.executors[callee.executorLabel]) push(`/components/${ref}/executorLabel`, `executor '${callee.executorLabel}' does not exist`);
      }
      for (const dep of task.dependentTasks ?? []) {
        if (dep === key) push(`${tp}/dependentTasks`, `task depends on itself`);
        else if (!tasks[dep]) push(`${tp}/dependentTasks`, `'${dep}' is not a sibling task in this DAG`);
      }
      checkTaskInputs(spec, comp, tasks, key, task, callee, tp, push);
      if (callee.dag) {
        if (seen.includes(ref)) push(tp, `component '${ref}' contains itself`);
        else visitDag(callee, `/components/${ref}`, [...seen, ref]);
      }
    }
    checkAcyclic(tasks, `${path}/dag/tasks`, push);
    for (const [out, sel] of Object.entries(comp.dag?.outputs?.artifacts ?? {})) {
      for (const s of sel.artifactSelectors) {
        const prod = tasks[s.producerSubtask];
        const prodComp = prod && spec.components[prod.componentRef.name];
        if (!prodComp) push(`${path}/dag/outputs/artifacts/${out}`, `producer '${s.producerSubtask}' is not a task of this DAG`);
        else if (!prodComp.outputDefinitions?.artifacts?.[s.outputArtifactKey]) push(`${path}/dag/outputs/artifacts/${out}`, `'${s.producerSubtask}' has no output artifact '${s.outputArtifactKey}'`);
      }
      if (!comp.outputDefinitions?.artifacts?.[out]) push(`${path}/dag/outputs/artifacts/${out}`, `DAG output '${out}' is not declared in outputDefinitions`);
    }
    for (const [out, sel] of Object.entries(comp.dag?.outputs?.parameters ?? {})) {
      const s = sel.valueFromParameter;
      const prod = tasks[s.producerSubtask];
      const prodComp = prod && spec.components[prod.componentRef.name];
      if (!prodComp) push(`${path}/dag/outputs/parameters/${out}`, `producer '${s.producerSubtask}' is not a task of this DAG`);
      else if (!prodComp.outputDefinitions?.parameters?.[s.outputParameterKey]) push(`${path}/dag/outputs/parameters/${out}`, `'${s.producerSubtask}' has no output parameter '${s.outputParameterKey}'`);
      if (!comp.outputDefinitions?.parameters?.[out]) push(`${path}/dag/outputs/parameters/${out}`, `DAG output '${out}' is not declared in outputDefinitions`);
    }
  };
  visitDag(spec.root, '/root', []);

  for (const [name, comp] of Object.entries(spec.components)) {
    if (!usedComponents.has(name)) push(`/components/${name}`, `component '${name}' is not used by any task`);
    if (comp.executorLabel) checkPlaceholders(spec, name, comp, push);
  }
  for (const label of Object.keys(spec.deploymentSpec.executors)) {
    if (!usedExecutors.has(label)) push(`/deploymentSpec/executors/${label}`, `executor '${label}' is not used by any component`);
  }
  return issues;
}

type Push = (path: string, message: string) => void;

function checkTaskInputs(
  spec: PipelineSpec, parent: ComponentSpec, siblings: Record<string, PipelineTaskSpec>, key: string,
  task: PipelineTaskSpec, callee: ComponentSpec, tp: string, push: Push,
): void {
  const declaredP = callee.inputDefinitions?.parameters ?? {};
  const declaredA = callee.inputDefinitions?.artifacts ?? {};
  const givenP = task.inputs?.parameters ?? {};
  const givenA = task.inputs?.artifacts ?? {};
  const itemInput = task.parameterIterator?.itemInput;
  const deps = new Set(task.dependentTasks ?? []);
  for (const [n, d] of Object.entries(declaredP)) {
    if (!(n in givenP) && n !== itemInput && !d.isOptional && d.defaultValue === undefined) push(`${tp}/inputs/parameters/${n}`, `required input parameter '${n}' of ${task.componentRef.name} is not wired`);
  }
  for (const [n, d] of Object.entries(declaredA)) {
    if (!(n in givenA) && !d.isOptional) push(`${tp}/inputs/artifacts/${n}`, `required input artifact '${n}' of ${task.componentRef.name} is not wired`);
  }
  for (const [n, src] of Object.entries(givenP)) {
    const ip = `${tp}/inputs/parameters/${n}`;
    const want = declaredP[n];
    if (!want) push(ip, `'${n}' is not an input parameter of ${task.componentRef.name}`);
    let got: string | undefined;
    if (src.componentInputParameter !== undefined) {
      got = parent.inputDefinitions?.parameters?.[src.componentInputParameter]?.parameterType;
      if (!got) push(ip, `'${src.componentInputParameter}' is not an input parameter of the enclosing component`);
    } else if (src.taskOutputParameter) {
      const { producerTask, outputParameterKey } = src.taskOutputParameter;
      const prod = siblings[producerTask];
      if (!prod) push(ip, `producer '${producerTask}' is not a sibling task`);
      else {
        if (!deps.has(producerTask)) push(ip, `reads '${producerTask}' but does not list it in dependentTasks`);
        got = spec.components[prod.componentRef.name]?.outputDefinitions?.parameters?.[outputParameterKey]?.parameterType;
        if (!got) push(ip, `'${producerTask}' has no output parameter '${outputParameterKey}'`);
      }
    }
    if (want && got && want.parameterType !== got && !(want.parameterType.startsWith('NUMBER_') && got.startsWith('NUMBER_'))) {
      push(ip, `type mismatch: input is ${want.parameterType}, source is ${got}`);
    }
  }
  for (const [n, src] of Object.entries(givenA)) {
    const ip = `${tp}/inputs/artifacts/${n}`;
    const want = declaredA[n];
    if (!want) push(ip, `'${n}' is not an input artifact of ${task.componentRef.name}`);
    let got: { schemaTitle: string; list: boolean } | undefined;
    if (src.componentInputArtifact !== undefined) {
      const d = parent.inputDefinitions?.artifacts?.[src.componentInputArtifact];
      if (!d) push(ip, `'${src.componentInputArtifact}' is not an input artifact of the enclosing component`);
      else got = { schemaTitle: d.artifactType.schemaTitle, list: d.isArtifactList === true };
    } else if (src.taskOutputArtifact) {
      const { producerTask, outputArtifactKey } = src.taskOutputArtifact;
      const prod = siblings[producerTask];
      if (!prod) push(ip, `producer '${producerTask}' is not a sibling task`);
      else {
        if (!deps.has(producerTask)) push(ip, `reads '${producerTask}' but does not list it in dependentTasks`);
        const d = spec.components[prod.componentRef.name]?.outputDefinitions?.artifacts?.[outputArtifactKey];
        if (!d) push(ip, `'${producerTask}' has no output artifact '${outputArtifactKey}'`);
        else got = { schemaTitle: d.artifactType.schemaTitle, list: d.isArtifactList === true };
      }
    }
    if (want && got) {
      const t = want.artifactType.schemaTitle;
      if (t !== got.schemaTitle && t !== 'system.Artifact' && got.schemaTitle !== 'system.Artifact') push(ip, `type mismatch: input is ${t}, source is ${got.schemaTitle}`);
      if ((want.isArtifactList === true) !== got.list) push(ip, `list-ness mismatch: input ${want.isArtifactList ? 'is' : 'is not'} a list`);
    }
  }
  if (task.parameterIterator) {
    const { itemInput, items } = task.parameterIterator;
    if (!declaredP[itemInput]) push(`${tp}/parameterIterator/itemInput`, `'${itemInput}' is not declared by ${task.componentRef.name}`);
    if (items.inputParameter !== undefined && !(items.inputParameter in givenP)) push(`${tp}/parameterIterator/items`, `'${items.inputParameter}' is not an input of the loop task`);
    if (items.raw !== undefined) {
      try {
        if (!Array.isArray(JSON.parse(items.raw))) throw new Error('not a list');
      } catch {
        push(`${tp}/parameterIterator/items/raw`, `raw items must be a JSON list`);
      }
    }
    if (!callee.dag) push(tp, 'a ParallelFor task must call a DAG component');
  }
  const cond = task.triggerPolicy?.condition;
  if (cond !== undefined) {
    const refs = [...cond.matchAll(/inputs\.parameter_values\['([^']+)'\]/g)].map((m) => m[1]);
    if (!refs.length) push(`${tp}/triggerPolicy/condition`, 'condition references no task input');
    for (const r of refs) if (!(r in givenP)) push(`${tp}/triggerPolicy/condition`, `operand '${r}' is not an input of task '${key}'`);
  }
}

function checkAcyclic(tasks: Record<string, PipelineTaskSpec>, path: string, push: Push): void {
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, stack: string[]): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      push(path, `dependency cycle: ${[...stack.slice(stack.indexOf(n)), n].join(' -> ')}`);
      return;
    }
    state.set(n, 1);
    for (const d of tasks[n]?.dependentTasks ?? []) if (tasks[d]) visit(d, [...stack, n]);
    state.set(n, 2);
  };
  for (const n of Object.keys(tasks).sort()) visit(n, []);
}

function checkPlaceholders(spec: PipelineSpec, name: string, comp: ComponentSpec, push: Push): void {
  const exec = spec.deploymentSpec.executors[comp.executorLabel!];
  if (!exec?.container) return;
  const lines = [...(exec.container.command ?? []), ...(exec.container.args ?? [])];
  const path = `/deploymentSpec/executors/${comp.executorLabel}/container`;
  for (const line of lines) {
    for (const ph of line.match(PLACEHOLDER_RE) ?? []) {
      const issue = placeholderIssue(ph, comp);
      if (issue) push(path, `${ph}: ${issue} (component ${name})`);
    }
  }
}

/** null when the placeholder names a declared input/output of the component. */
export function placeholderIssue(ph: string, comp: ComponentSpec): string | null {
  if (ph === '{{$}}' || ph === '{{$.outputs.output_file}}') return null;
  let m = /^\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}$/.exec(ph);
  if (m) return comp.inputDefinitions?.parameters?.[m[1]] ? null : `no input parameter '${m[1]}'`;
  m = /^\{\{\$\.inputs\.artifacts\['([^']+)'\]\.(path|uri)\}\}$/.exec(ph);
  if (m) {
    const a = comp.inputDefinitions?.artifacts?.[m[1]];
    if (!a) return `no input artifact '${m[1]}'`;
    return a.isArtifactList ? `'${m[1]}' is a list; read it from {{$}}` : null;
  }
  m = /^\{\{\$\.outputs\.artifacts\['([^']+)'\]\.(path|uri)\}\}$/.exec(ph);
  if (m) return comp.outputDefinitions?.artifacts?.[m[1]] ? null : `no output artifact '${m[1]}'`;
  m = /^\{\{\$\.outputs\.parameters\['([^']+)'\]\.output_file\}\}$/.exec(ph);
  if (m) return comp.outputDefinitions?.parameters?.[m[1]] ? null : `no output parameter '${m[1]}'`;
  return 'placeholder not substituted by the KFP launcher for our components';
}
