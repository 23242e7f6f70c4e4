# iNet Platform Compute Client
from inet_platform import ComputeClient
 
client = ComputeClient(namespace="data-team")
 
# Submit a training job with auto-scaling
job = client.submit_training(
    name="bert-finetuning-v2",
    image="registry.internal/ml-training:latest",
    command=["python", "train.py"],
    cpu_request="4",
    memory_request="16Gi",
    gpu_request="1",  # Automatic GPU quota management
    timeout_hours=24,
    output_artifacts={
        "model": "/workspace/checkpoints/final_model.pt",
        "metrics": "/workspace/metrics.json"
    }
)
 
# Poll for completion
while not job.is_complete():
    print(f"Status: {job.status}")
    time.sleep(10)
 
print(f"Model saved to: {job.artifacts['model']}")
