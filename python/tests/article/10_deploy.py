from inet_platform import ModelRegistry, InferenceEndpoint
 
# Register model
registry = ModelRegistry()
registry.register_model(
    name="bert-sentiment",
    version="v3",
    artifact_path="s3://ml-artifacts/bert-sentiment/v3/model",
    framework="pytorch",
    description="Sentiment classification with 94.2% accuracy"
)
 
# Deploy inference endpoint
endpoint = InferenceEndpoint.create(
    model_name="bert-sentiment",
    model_version="v3",
    replicas=3,  # 3 inference pods for HA
    gpu_per_replica=0,  # CPU inference is fine for this model
    max_batch_size=32
)
 
print(f"Model live at: {endpoint.url}")
# Output: https://bert-sentiment-api.internal/predict
