/** The second YAML document kfp-kubernetes writes: MLflow credentials from a Secret as env of one step (docs/kubeflow.md). */
export const SECRET_PLATFORM = `platforms:
  kubernetes:
    deploymentSpec:
      executors:
        exec-baseline-training:
          secretAsEnv:
          - keyToEnv:
            - envVar: MLFLOW_TRACKING_TOKEN
              secretKey: token
            optional: false
            secretName: mlflow-creds
            secretNameParameter:
              runtimeValue:
                constant: mlflow-creds
`;
