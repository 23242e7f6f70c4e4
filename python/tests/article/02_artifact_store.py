# Unified artifact storage (works with S3, MinIO, Ceph)
from inet_platform import ArtifactStore
 
store = ArtifactStore(backend="minio")
 
# Save training artifacts
store.save_artifact(
    path="bert-finetuning/v2/model.pt",
    local_file="/workspace/checkpoints/final_model.pt",
    metadata={
        "model_type": "BERT",
        "framework": "pytorch",
        "dataset": "wikitext-103",
        "hyperparams": {
            "lr": 1e-5,
            "batch_size": 32,
            "epochs": 3
        }
    }
)
 
# List artifacts in a namespace
artifacts = store.list_artifacts(prefix="bert-finetuning/")
for artifact in artifacts:
    print(f"{artifact.path} - {artifact.size_mb}MB - {artifact.created}")
 
# Output:
# bert-finetuning/v1/model.pt - 438MB - 2026-02-20 14:32:10
# bert-finetuning/v2/model.pt - 445MB - 2026-02-27 09:15:33
# bert-finetuning/v2/training_log.json - 2MB - 2026-02-27 09:18:22
