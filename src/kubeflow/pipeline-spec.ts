/**
 * The subset of the KFP v2 `PipelineSpec` (schemaVersion 2.1.0) that train-spam emits, as a
 * declarative schema: the TypeScript types are inferred from it, and the validator checks parsed
 * YAML against the same schema (unknown fields, wrong JSON types, bad enum names are errors, like
 * the API server's strict protojson parse). Field names are the lowerCamelCase JSON names the SDK
 * writes. Numbers are doubles (`google.protobuf.Value`, deprecated resource doubles) except the
 * int32 fields marked `int`, which the YAML emitter writes without a fraction.
 */
import { bool, enm, int, json, list, map, num, obj, opt, req, str, type Infer } from './schema.js';

export const SCHEMA_VERSION = '2.1.0';
/** Name rule of the SDK compiler and of the API server's pipeline records. */
export const PIPELINE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,127}$/;

export const PARAMETER_TYPES = ['NUMBER_DOUBLE', 'NUMBER_INTEGER', 'STRING', 'BOOLEAN', 'LIST', 'STRUCT'] as const;

const artifactTypeSchema = obj({ schemaTitle: req(str(/^system\.[A-Za-z]+$/)), schemaVersion: req(str(/^\d+\.\d+\.\d+$/)) });

const inputParameterSpec = obj({
  parameterType: req(enm(PARAMETER_TYPES)),
  defaultValue: opt(json),
  isOptional: opt(bool),
  description: opt(str()),
});
const outputParameterSpec = obj({ parameterType: req(enm(PARAMETER_TYPES)), description: opt(str()) });
const inputArtifactSpec = obj({
  artifactType: req(artifactTypeSchema),
  isArtifactList: opt(bool),
  isOptional: opt(bool),
  description: opt(str()),
});
const outputArtifactSpec = obj({ artifactType: req(artifactTypeSchema), isArtifactList: opt(bool), description: opt(str()) });

const componentInputsSpec = obj({ parameters: opt(map(inputParameterSpec)), artifacts: opt(map(inputArtifactSpec)) });
const componentOutputsSpec = obj({ parameters: opt(map(outputParameterSpec)), artifacts: opt(map(outputArtifactSpec)) });

const taskInputParameter = obj(
  {
    componentInputParameter: opt(str()),
    taskOutputParameter: opt(obj({ producerTask: req(str()), outputParameterKey: req(str()) })),
    runtimeValue: opt(obj({ constant: req(json) })),
    parameterExpressionSelector: opt(str()),
  },
  { oneOf: [['componentInputParameter', 'taskOutputParameter', 'runtimeValue']] },
);
const taskInputArtifact = obj(
  {
    taskOutputArtifact: opt(obj({ producerTask: req(str()), outputArtifactKey: req(str()) })),
    componentInputArtifact: opt(str()),
  },
  { oneOf: [['taskOutputArtifact', 'componentInputArtifact']] },
);

const pipelineTaskSpec = obj(
  {
    taskInfo: req(obj({ name: req(str()) })),
    componentRef: req(obj({ name: req(str()) })),
    inputs: opt(obj({ parameters: opt(map(taskInputParameter)), artifacts: opt(map(taskInputArtifact)) })),
    dependentTasks: opt(list(str())),
    cachingOptions: opt(obj({ enableCache: opt(bool), cacheKey: opt(str()) })),
    triggerPolicy: opt(obj({ condition: opt(str()), strategy: opt(enm(['ALL_UPSTREAM_TASKS_SUCCEEDED', 'ALL_UPSTREAM_TASKS_COMPLETED'])) })),
    parameterIterator: opt(
      obj({
        itemInput: req(str()),
        items: req(obj({ raw: opt(str()), inputParameter: opt(str()) }, { oneOf: [['raw', 'inputParameter']] })),
      }),
    ),
    iteratorPolicy: opt(obj({ parallelismLimit: opt(int) })),
    retryPolicy: opt(
      obj({
        maxRetryCount: req(int),
        backoffDuration: opt(str(/^\d+(\.\d+)?s$/)),
        backoffFactor: opt(num),
        backoffMaxDuration: opt(str(/^\d+(\.\d+)?s$/)),
      }),
    ),
  },
);

const dagSpec = obj({
  tasks: req(map(pipelineTaskSpec)),
  outputs: opt(
    obj({
      artifacts: opt(map(obj({ artifactSelectors: req(list(obj({ producerSubtask: req(str()), outputArtifactKey: req(str()) }))) }))),
      parameters: opt(map(obj({ valueFromParameter: req(obj({ producerSubtask: req(str()), outputParameterKey: req(str()) })) }))),
    }),
  ),
});

export const componentSpecSchema = obj(
  {
    inputDefinitions: opt(componentInputsSpec),
    outputDefinitions: opt(componentOutputsSpec),
    dag: opt(dagSpec),
    executorLabel: opt(str()),
  },
  { oneOf: [['dag', 'executorLabel']] },
);

const resourcesSpec = obj({
  cpuLimit: opt(num),
  cpuRequest: opt(num),
  memoryLimit: opt(num),
  memoryRequest: opt(num),
  resourceCpuLimit: opt(str()),
  resourceCpuRequest: opt(str()),
  resourceMemoryLimit: opt(str()),
  resourceMemoryRequest: opt(str()),
});

const containerSpec = obj({
  image: req(str(/^\S+$/)),
  command: opt(list(str())),
  args: opt(list(str())),
  env: opt(list(obj({ name: req(str(/^[A-Za-z_][A-Za-z0-9_]*$/)), value: req(str()) }))),
  resources: opt(resourcesSpec),
});

export const executorSpecSchema = obj({ container: opt(containerSpec) }, { oneOf: [['container']] });

export const pipelineSpecSchema = obj({
  pipelineInfo: req(obj({ name: req(str(PIPELINE_NAME_RE)), displayName: opt(str()), description: opt(str()) })),
  components: req(map(componentSpecSchema)),
  deploymentSpec: req(obj({ executors: req(map(executorSpecSchema)) })),
  root: req(componentSpecSchema),
  schemaVersion: req(enm([SCHEMA_VERSION])),
  sdkVersion: opt(str()),
  defaultPipelineRoot: opt(str()),
});

/**
 * The second YAML document the SDK writes when kfp-kubernetes features are used: a `PlatformSpec`
 * (`platforms.<platform>` = `SinglePlatformSpec`) whose `deploymentSpec.executors.<label>` are
 * `KubernetesExecutorConfig`s (kfp-kubernetes `kubernetes_executor_config.proto`). Every field name
 * is checked (the server parses them strictly at run creation), the contents of most fields only as
 * lists / mappings; `secretAsEnv`, the way to hand the steps MLflow credentials, in full.
 */
const mapping = map(json);
const kubernetesExecutorConfig = obj({
  secretAsVolume: opt(list(mapping)),
  secretAsEnv: opt(
    list(
      obj({
        secretName: opt(str()),
        keyToEnv: opt(list(obj({ secretKey: req(str()), envVar: req(str(/^[A-Za-z_][A-Za-z0-9_]*$/)) }))),
        optional: opt(bool),
        secretNameParameter: opt(taskInputParameter),
      }),
    ),
  ),
  pvcMount: opt(list(mapping)),
  nodeSelector: opt(mapping),
  podMetadata: opt(obj({ labels: opt(map(str())), annotations: opt(map(str())) })),
  imagePullSecret: opt(list(mapping)),
  imagePullPolicy: opt(enm(['Always', 'Never', 'IfNotPresent'])),
  configMapAsVolume: opt(list(mapping)),
  configMapAsEnv: opt(list(mapping)),
  activeDeadlineSeconds: opt(json), // int64: a string of digits or a number (the validator checks it)
  fieldPathAsEnv: opt(list(mapping)),
  tolerations: opt(list(mapping)),
  genericEphemeralVolume: opt(list(mapping)),
  nodeAffinity: opt(list(mapping)),
  podAffinity: opt(list(mapping)),
  enabledSharedMemory: opt(mapping),
  emptyDirMounts: opt(list(mapping)),
  securityContext: opt(mapping),
  initContainers: opt(list(mapping)),
  podResourceClaims: opt(list(mapping)),
});

export const platformSpecSchema = obj({
  platforms: req(
    map(
      obj({
        deploymentSpec: opt(obj({ executors: opt(map(kubernetesExecutorConfig)) })),
        platform: opt(str()),
        config: opt(mapping),
        pipelineConfig: opt(mapping),
      }),
    ),
  ),
});

export type PipelineSpec = Infer<typeof pipelineSpecSchema>;
export type PlatformSpec = Infer<typeof platformSpecSchema>;
export type ComponentSpec = Infer<typeof componentSpecSchema>;
export type ExecutorSpec = Infer<typeof executorSpecSchema>;
export type DagSpec = Infer<typeof dagSpec>;
export type PipelineTaskSpec = Infer<typeof pipelineTaskSpec>;
export type TaskInputParameter = Infer<typeof taskInputParameter>;
export type TaskInputArtifact = Infer<typeof taskInputArtifact>;
export type InputParameterSpec = Infer<typeof inputParameterSpec>;
export type InputArtifactSpec = Infer<typeof inputArtifactSpec>;
export type OutputParameterSpec = Infer<typeof outputParameterSpec>;
export type OutputArtifactSpec = Infer<typeof outputArtifactSpec>;
export type ComponentInputsSpec = Infer<typeof componentInputsSpec>;
export type ComponentOutputsSpec = Infer<typeof componentOutputsSpec>;
export type ContainerSpec = Infer<typeof containerSpec>;
export type ResourcesSpec = Infer<typeof resourcesSpec>;
