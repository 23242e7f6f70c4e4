# Using MLflow as foundation
from mlflow.deployments import get_deploy_client
from mlflow import MlflowClient
 
# List all available models
client = MlflowClient()
models = client.search_registered_models()
 
for model in models:
    print(f"Model: {model.name}")
    for version in model.latest_versions:
        print(f"  Version {version.version}: {version.current_stage}")
