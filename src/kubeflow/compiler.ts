/**
 * Pipeline definition → KFP v2 PipelineSpec (the structure KFP SDK 2.15 emits for a pipeline of
 * this shape; see ../shared/fixtures/kfp/). Pure: same definition and options → same object.
 *
 * - one component + executor per step (`comp-<step>`, `exec-<step>`);
 * - `fanOut: 'shards'` steps go into a ParallelFor group (`for-loop-N`) iterating over the LIST
 *   output of `hpo-plan` (so `hpo_shards` stays a run-time parameter), with a parallelism limit;
 * - `collected` inputs read the loop group's list outputs (`dsl.Collected`);
 * - `when` gates become nested If groups (`condition-N`), operands passed in as
 *   `pipelinechannel--<producer>-<output>` inputs, like the SDK;
 * - data crossing a group boundary travels as `pipelinechannel--…` inputs of the group component.
 */
import { TrainSpamError } from '../core/errors.js';
import {
  type ArtifactType, type ConditionDef, type ParamType, type ParamValue, type PipelineDefinition,
  type ResourceSpec, type StepDef, stepCommandLine,
} from '../pipeline/definition.js';
import type {
  ComponentSpec, ExecutorSpec, InputArtifactSpec, InputParameterSpec, PipelineSpec, PipelineTaskSpec,
  ResourcesSpec, TaskInputArtifact, TaskInputParameter,
} from './pipeline-spec.js';
import { PIPELINE_NAME_RE, SCHEMA_VERSION } from './pipeline-spec.js';
import { checkImageTag, checkPipelineTrackingUri, COMPILE_TRACKING_URI } from './param-checks.js';
import type { JsonValue } from './schema.js';

export const SDK_VERSION = 'train-spam-0.1.0';
export const IMAGE_PREFIX = 'train-spam-';

export interface CompileOptions {
  /** Tag of the three images, also the default of the `image_tag` parameter. */
  readonly imageTag: string;
  /** Registry/namespace prefix, e.g. `ghcr.io/acme` (empty: local names). */
  readonly registry?: string;
  /** Baked into the images' env (`MLFLOW_TRACKING_URI`) and the parameter default. */
  readonly mlflowTrackingUri?: string;
  readonly sdkVersion?: string;
}

/** host[:port] then lowercase path components (Docker's reference grammar, simplified); empty allowed. */
const REGISTRY_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

/**
 * Throws an INVALID_ARGUMENT naming --registry or --image-tag when the prefix or the tag cannot
 * make an image reference (rather than a schema error of the compiled output).
 */
export function checkImageOptions(opts: Pick<CompileOptions, 'imageTag' | 'registry'>): void {
  const reg = (opts.registry ?? '').replace(/\/+$/, '');
  if (reg !== '' && !REGISTRY_RE.test(reg)) {
    throw fail(`--registry '${opts.registry}' is not an image prefix: expected host[:port][/path], path in lowercase letters, digits and . _ - (e.g. ghcr.io/acme)`, { parameter: 'registry', usage: true });
  }
  checkImageTag(opts.imageTag, { flag: '--image-tag', parameter: 'image-tag' });
}

/** `<registry>/train-spam-<image>:<tag>` (checked by checkImageOptions). */
export function imageRef(image: string, opts: Pick<CompileOptions, 'imageTag' | 'registry'>): string {
  checkImageOptions(opts);
  const reg = (opts.registry ?? '').replace(/\/+$/, '');
  return `${reg ? reg + '/' : ''}${IMAGE_PREFIX}${image}:${opts.imageTag}`;
}

const CHANNEL = 'pipelinechannel--';

interface Group {
  readonly key: string; // task key in the parent DAG and suffix of the component key
  readonly displayName: string;
  readonly parent: Group | null;
  readonly kind: 'root' | 'loop' | 'condition';
  readonly condition?: ConditionDef;
  readonly tasks: Record<string, PipelineTaskSpec>;
  readonly inputs: { parameters: Record<string, InputParameterSpec>; artifacts: Record<string, InputArtifactSpec> };
  readonly outputs: { parameters: Record<string, { parameterType: 'LIST' }>; artifacts: Record<string, { artifactType: ArtifactTypeSpec; isArtifactList: true }> };
  readonly dagOutputs: NonNullable<NonNullable<ComponentSpec['dag']>['outputs']>;
  readonly iterator?: { itemInput: string; listChannel: string };
}
type ArtifactTypeSpec = { schemaTitle: string; schemaVersion: string };

/** A value producer visible in some group: a task output or a pipeline parameter. */
type Producer =
  | { kind: 'param'; name: string; type: ParamType }
  | { kind: 'task-param'; task: string; group: Group; key: string; channel: string; type: ParamType }
  | { kind: 'task-artifact'; task: string; group: Group; key: string; channel: string; type: ArtifactType; list: boolean };

const fail = (message: string, details: Record<string, unknown> = {}) => new TrainSpamError('INVALID_ARGUMENT', message, details);
const artifactType = (t: ArtifactType): ArtifactTypeSpec => ({ schemaTitle: t, schemaVersion: '0.0.1' });

export function compilePipeline(def: PipelineDefinition, opts: CompileOptions): PipelineSpec {
  if (!PIPELINE_NAME_RE.test(def.name)) throw fail(`pipeline name '${def.name}' does not match ${PIPELINE_NAME_RE}`);
  checkImageOptions(opts); // before anything is built
  // The URI becomes a default value in the compiled spec, readable by anyone who sees the pipeline,
  // and the env of each step's own pod (param-checks.ts; `kfp run --param` applies the same check).
  if (opts.mlflowTrackingUri !== undefined) checkPipelineTrackingUri(opts.mlflowTrackingUri, COMPILE_TRACKING_URI);
  const params = new Map(def.params.map((x) => [x.name, x]));
  const stepByName = new Map(def.steps.map((s) => [s.name, s]));
  let counter = 0;
  const newGroup = (kind: Group['kind'], parent: Group | null, displayName: string, condition?: ConditionDef): Group => {
    const key = kind === 'root' ? 'root' : `${kind === 'loop' ? 'for-loop' : 'condition'}-${++counter}`;
    return { key, displayName, parent, kind, condition, tasks: {}, inputs: { parameters: {}, artifacts: {} }, outputs: { parameters: {}, artifacts: {} }, dagOutputs: {} };
  };
  const root = newGroup('root', null, 'root');
  const allGroups: Group[] = [];
  const stepGroup = new Map<string, Group>();
  const conditionGroups = new Map<string, Group>(); // by path of condition names

  // --- resolve a producer into an input spec usable inside group g (forwarding through groups) ---
  const ancestors = (g: Group): Group[] => (g.parent ? [...ancestors(g.parent), g] : [g]);
  const addDep = (task: PipelineTaskSpec, dep: string) => {
    const deps = task.dependentTasks ?? (task.dependentTasks = []);
    if (!deps.includes(dep)) deps.push(dep);
  };
  const groupTask = (g: Group): PipelineTaskSpec => {
    const t = g.parent?.tasks[g.key];
    if (!t) throw fail(`internal: group ${g.key} has no task`);
    return t;
  };
  const paramIn = (p: Producer & { kind: 'param' | 'task-param' }, g: Group, consumer: PipelineTaskSpec): TaskInputParameter => {
    if (p.kind === 'param' && g === root) return { componentInputParameter: p.name };
    if (p.kind === 'task-param' && p.group === g) {
      addDep(consumer, p.task);
      return { taskOutputParameter: { producerTask: p.task, outputParameterKey: p.key } };
    }
    if (p.kind === 'task-param' && !ancestors(g).includes(p.group)) throw fail(`step output ${p.task}.${p.key} is not visible where it is used`);
    const channel = p.kind === 'param' ? CHANNEL + p.name : p.channel;
    if (!g.inputs.parameters[channel]) {
      g.inputs.parameters[channel] = { parameterType: p.type };
      const gt = groupTask(g);
      (gt.inputs!.parameters ??= {})[channel] = paramIn(p, g.parent!, gt);
    }
    return { componentInputParameter: channel };
  };
  const artifactIn = (p: Producer & { kind: 'task-artifact' }, g: Group, consumer: PipelineTaskSpec): TaskInputArtifact => {
    if (p.group === g) {
      addDep(consumer, p.task);
      return { taskOutputArtifact: { producerTask: p.task, outputArtifactKey: p.key } };
    }
    if (!ancestors(g).includes(p.group)) throw fail(`artifact ${p.task}.${p.key} is not visible where it is used`);
    if (!g.inputs.artifacts[p.channel]) {
      g.inputs.artifacts[p.channel] = { artifactType: artifactType(p.type), ...(p.list ? { isArtifactList: true } : {}) };
      const gt = groupTask(g);
      (gt.inputs!.artifacts ??= {})[p.channel] = artifactIn(p, g.parent!, gt);
    }
    return { componentInputArtifact: p.channel };
  };
  const stepParamProducer = (stepName: string, output: string): Producer & { kind: 'task-param' } => {
    const s = stepByName.get(stepName as StepDef['name']);
    const o = s?.outputs.parameters.find((x) => x.name === output);
    const g = stepGroup.get(stepName);
    if (!s || !o || !g) throw fail(`input refers to ${stepName}.${output}, which is not an output parameter of an earlier step`);
    return { kind: 'task-param', task: stepName, group: g, key: output, channel: `${CHANNEL}${stepName}-${output}`, type: o.type };
  };

  // --- place each step in its group ---
  const groupFor = (step: StepDef): Group => {
    let g = root;
    const path: string[] = [];
    for (const c of step.when) {
      path.push(c.name);
      const id = path.join('/');
      let cg = conditionGroups.get(id);
      if (!cg) {
        cg = newGroup('condition', g, c.name, c);
        conditionGroups.set(id, cg);
        allGroups.push(cg);
        g.tasks[cg.key] = { taskInfo: { name: c.name }, componentRef: { name: `comp-${cg.key}` }, inputs: {} };
        const operand = paramIn(stepParamProducer(c.step, c.output), g, g.tasks[cg.key]);
        const channel = `${CHANNEL}${c.step}-${c.output}`;
        g.tasks[cg.key].inputs!.parameters = { ...(g.tasks[cg.key].inputs!.parameters ?? {}), [channel]: operand };
        const operandType = stepParamProducer(c.step, c.output).type;
        cg.inputs.parameters[channel] = { parameterType: operandType };
        // The SDK forwards the operands of the enclosing conditions too.
        for (const outer of ancestors(g).filter((a) => a.kind === 'condition')) {
          const oc = outer.condition!;
          paramIn(stepParamProducer(oc.step, oc.output), cg, g.tasks[cg.key]);
        }
        g.tasks[cg.key].triggerPolicy = { condition: conditionExpression(c, channel) };
      }
      g = cg;
    }
    if (step.fanOut === 'shards') {
      if (g !== root) throw fail(`step ${step.name}: a fan-out step cannot be gated`);
      let loop = allGroups.find((x) => x.kind === 'loop');
      if (!loop) {
        const plan = stepParamProducer('hpo-plan', 'shard_indices');
        const listChannel = plan.channel;
        const created: Group = { ...newGroup('loop', root, 'hpo-shards'), iterator: { itemInput: `${listChannel}-loop-item`, listChannel } };
        loop = created;
        allGroups.push(loop);
        const task: PipelineTaskSpec = {
          taskInfo: { name: 'hpo-shards' }, componentRef: { name: `comp-${loop.key}` }, inputs: {},
          parameterIterator: { itemInput: created.iterator!.itemInput, items: { inputParameter: listChannel } },
          ...(def.hpoParallelism > 0 ? { iteratorPolicy: { parallelismLimit: def.hpoParallelism } } : {}),
        };
        root.tasks[loop.key] = task;
        paramIn(plan, loop, task); // declares the list channel and wires it from hpo-plan
        loop.inputs.parameters[created.iterator!.itemInput] = { parameterType: 'NUMBER_INTEGER' };
      }
      g = loop;
    }
    return g;
  };

  const components: Record<string, ComponentSpec> = {};
  const executors: Record<string, ExecutorSpec> = {};

  for (const step of def.steps) {
    if (stepGroup.has(step.name)) throw fail(`duplicate step ${step.name}`);
    const g = groupFor(step);
    const task: PipelineTaskSpec = {
      taskInfo: { name: step.name }, componentRef: { name: `comp-${step.name}` },
      cachingOptions: step.caching ? { enableCache: true } : {},
    };
    const inParams: Record<string, TaskInputParameter> = {};
    for (const i of step.inputs.parameters) {
      const src = i.source;
      if (src.kind === 'pipeline') {
        const pd = params.get(src.param);
        if (!pd) throw fail(`step ${step.name}: input ${i.name} reads unknown pipeline parameter ${src.param}`);
        if (pd.type !== i.type) throw fail(`step ${step.name}: input ${i.name} is ${i.type} but ${src.param} is ${pd.type}`);
        inParams[i.name] = paramIn({ kind: 'param', name: pd.name, type: pd.type }, g, task);
      } else if (src.kind === 'step') {
        inParams[i.name] = paramIn(stepParamProducer(src.step, src.output), g, task);
      } else {
        if (!g.iterator) throw fail(`step ${step.name}: input ${i.name} is a shard index outside a fan-out`);
        inParams[i.name] = { componentInputParameter: g.iterator.itemInput };
      }
    }
    const inArtifacts: Record<string, TaskInputArtifact> = {};
    for (const a of step.inputs.artifacts) {
      const src = a.source;
      const producer = stepByName.get(src.step);
      const out = producer?.outputs.artifacts.find((x) => x.name === src.output);
      const pg = stepGroup.get(src.step);
      if (!producer || !out || !pg) throw fail(`step ${step.name}: input ${a.name} refers to ${src.step}.${src.output}, not an output artifact of an earlier step`);
      if (out.type !== a.type && a.type !== 'system.Artifact') throw fail(`step ${step.name}: input ${a.name} is ${a.type} but ${src.step}.${src.output} is ${out.type}`);
      if (src.kind === 'step') {
        if (producer.fanOut && pg !== g) throw fail(`step ${step.name}: read shard outputs of ${src.step} with a 'collected' source`);
        inArtifacts[a.name] = artifactIn({ kind: 'task-artifact', task: src.step, group: pg, key: src.output, channel: `${CHANNEL}${src.step}-${src.output}`, type: out.type, list: false }, g, task);
      } else {
        if (pg.kind !== 'loop' || a.list !== true) throw fail(`step ${step.name}: collected input ${a.name} must be a list read from a fan-out step`);
        const channel = `${CHANNEL}${src.step}-${src.output}`;
        pg.outputs.artifacts[channel] = { artifactType: artifactType(out.type), isArtifactList: true };
        (pg.dagOutputs.artifacts ??= {})[channel] = { artifactSelectors: [{ producerSubtask: src.step, outputArtifactKey: src.output }] };
        inArtifacts[a.name] = artifactIn({ kind: 'task-artifact', task: pg.key, group: pg.parent!, key: channel, channel: `${CHANNEL}${pg.key}-${channel}`, type: out.type, list: true }, g, task);
      }
    }
    for (const dep of step.after) {
      if (stepGroup.get(dep) !== g) throw fail(`step ${step.name}: after(${dep}) must name a step in the same group`);
      addDep(task, dep);
    }
    if (Object.keys(inParams).length || Object.keys(inArtifacts).length) {
      task.inputs = {
        ...(Object.keys(inArtifacts).length ? { artifacts: inArtifacts } : {}),
        ...(Object.keys(inParams).length ? { parameters: inParams } : {}),
      };
    }
    if (step.retry) {
      task.retryPolicy = {
        backoffDuration: `${step.retry.backoffSeconds}s`, backoffFactor: step.retry.backoffFactor,
        backoffMaxDuration: `${step.retry.backoffMaxSeconds}s`, maxRetryCount: step.retry.maxRetryCount,
      };
    }
    g.tasks[step.name] = task;
    stepGroup.set(step.name, g);
    components[`comp-${step.name}`] = stepComponent(step);
    executors[`exec-${step.name}`] = stepExecutor(step, opts);
  }

  for (const g of allGroups) {
    const inputDefinitions = definitionsOf(g.inputs);
    const outputDefinitions = definitionsOf(g.outputs);
    components[`comp-${g.key}`] = {
      dag: { ...(Object.keys(g.dagOutputs).length ? { outputs: g.dagOutputs } : {}), tasks: g.tasks },
      ...(inputDefinitions ? { inputDefinitions } : {}),
      ...(outputDefinitions ? { outputDefinitions } : {}),
    };
  }
  for (const t of [root, ...allGroups].flatMap((g) => Object.values(g.tasks))) {
    t.dependentTasks?.sort();
    if (t.inputs && !t.inputs.parameters && !t.inputs.artifacts) delete t.inputs;
  }

  const rootParams: Record<string, InputParameterSpec> = {};
  for (const pd of def.params) {
    let dflt: ParamValue = pd.default;
    if (pd.name === 'image_tag') dflt = opts.imageTag;
    if (pd.name === 'mlflow_tracking_uri' && opts.mlflowTrackingUri !== undefined) dflt = opts.mlflowTrackingUri;
    rootParams[pd.name] = { defaultValue: dflt as JsonValue, isOptional: true, parameterType: pd.type };
  }
  return {
    components,
    deploymentSpec: { executors },
    pipelineInfo: { description: def.description, name: def.name },
    root: { dag: { tasks: root.tasks }, inputDefinitions: { parameters: rootParams } },
    schemaVersion: SCHEMA_VERSION,
    sdkVersion: opts.sdkVersion ?? SDK_VERSION,
  };
}

function definitionsOf(io: { parameters: Record<string, unknown>; artifacts: Record<string, unknown> }) {
  const out: { parameters?: Record<string, never>; artifacts?: Record<string, never> } = {};
  if (Object.keys(io.artifacts).length) out.artifacts = io.artifacts as Record<string, never>;
  if (Object.keys(io.parameters).length) out.parameters = io.parameters as Record<string, never>;
  return Object.keys(out).length ? out : undefined;
}

/** CEL-like trigger condition as the SDK writes it. */
export function conditionExpression(c: ConditionDef, channel: string): string {
  const lhs = `inputs.parameter_values['${channel}']`;
  const rhs = typeof c.value === 'boolean' ? String(c.value) : `'${c.value.replace(/'/g, "\\'")}'`;
  return `${lhs} ${c.op} ${rhs}`;
}

function stepComponent(step: StepDef): ComponentSpec {
  const inputs: { parameters?: Record<string, InputParameterSpec>; artifacts?: Record<string, InputArtifactSpec> } = {};
  if (step.inputs.parameters.length) {
    inputs.parameters = Object.fromEntries(step.inputs.parameters.map((i) => [i.name, { parameterType: i.type }]));
  }
  if (step.inputs.artifacts.length) {
    inputs.artifacts = Object.fromEntries(step.inputs.artifacts.map((a) => [a.name, { artifactType: artifactType(a.type), ...(a.list ? { isArtifactList: true } : {}) }]));
  }
  const outputs: NonNullable<ComponentSpec['outputDefinitions']> = {};
  if (step.outputs.parameters.length) outputs.parameters = Object.fromEntries(step.outputs.parameters.map((o) => [o.name, { parameterType: o.type }]));
  if (step.outputs.artifacts.length) outputs.artifacts = Object.fromEntries(step.outputs.artifacts.map((o) => [o.name, { artifactType: artifactType(o.type) }]));
  return {
    executorLabel: `exec-${step.name}`,
    ...(Object.keys(inputs).length ? { inputDefinitions: inputs } : {}),
    ...(Object.keys(outputs).length ? { outputDefinitions: outputs } : {}),
  };
}

function stepExecutor(step: StepDef, opts: CompileOptions): ExecutorSpec {
  const { command, args } = stepCommandLine(step);
  const env: { name: string; value: string }[] = [
    { name: 'NODE_OPTIONS', value: `--max-old-space-size=${heapMiB(step.resources.memoryLimit)}` },
    { name: 'TRAIN_SPAM_LOG_FORMAT', value: 'json' },
  ];
  if (step.mlflow && opts.mlflowTrackingUri) env.push({ name: 'MLFLOW_TRACKING_URI', value: opts.mlflowTrackingUri });
  return {
    container: { args, command, env, image: imageRef(step.image, opts), resources: resourcesOf(step.resources) },
  };
}

/** Kubernetes quantity → bytes (memory) or cores (cpu). */
/** A Kubernetes resource quantity (grammar in parseQuantity); groups: number, exponent, suffix. */
export const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?$/;

export function parseQuantity(q: string): number {
  // Kubernetes' grammar: <number><suffix>, number "1", "1.5", "1." or ".5" (a leading + allowed;
  // resources cannot be negative), suffix binary SI (Ki..Ei), decimal SI (m, k, M..E) or a decimal
  // exponent (e3, E-2). "1E" is exa; "1E3" is the exponent.
  const m = QUANTITY.exec(q);
  if (!m) throw fail(`'${q}' is not a Kubernetes quantity (e.g. 500m, 2, 4Gi, 1e9)`);
  const mult: Record<string, number> = {
    '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
  };
  return m[2] !== undefined ? Number(`${m[1]}e${m[2].slice(1)}`) : Number(m[1]) * mult[m[3] ?? ''];
}

/** Whole CPUs of a Kubernetes cpu quantity ('2' → 2, '2500m' → 2), at least 1: the trial threads a pod with that limit runs. */
export function wholeCpus(q: string): number {
  return Math.max(1, Math.floor(parseQuantity(q)));
}

/** V8 old-space limit: 75% of the container memory limit, in MiB (Node does not read cgroups for it). */
export function heapMiB(memoryLimit: string): number {
  return Math.floor((parseQuantity(memoryLimit) * 0.75) / 1024 ** 2);
}

function resourcesOf(r: ResourceSpec): ResourcesSpec {
  const gb = (q: string) => Number((parseQuantity(q) / 1e9).toPrecision(12));
  return {
    cpuLimit: parseQuantity(r.cpuLimit), cpuRequest: parseQuantity(r.cpuRequest),
    memoryLimit: gb(r.memoryLimit), memoryRequest: gb(r.memoryRequest),
    resourceCpuLimit: r.cpuLimit, resourceCpuRequest: r.cpuRequest,
    resourceMemoryLimit: r.memoryLimit, resourceMemoryRequest: r.memoryRequest,
  };
}
