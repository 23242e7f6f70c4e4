# Experiment tracking via platform-managed MLflow
from inet_platform import ExperimentTracker
import mlflow
 
tracker = ExperimentTracker(workspace="bert-experiments")
 
with mlflow.start_run(run_name="bert-v2-16bit") as run:
    # Log hyperparameters
    mlflow.log_params({
        "learning_rate": 1e-5,
        "batch_size": 32,
        "precision": "float16",
        "optimizer": "AdamW"
    })
 
    # Simulate training with metrics logging
    for epoch in range(3):
        train_loss = 2.1 - (epoch * 0.3)  # Simulated improvement
        val_loss = 2.0 - (epoch * 0.25)
 
        mlflow.log_metrics({
            "train_loss": train_loss,
            "val_loss": val_loss,
            "epoch": epoch
        })
        print(f"Epoch {epoch}: train={train_loss:.3f}, val={val_loss:.3f}")
 
    # Log model
    mlflow.pytorch.log_model(
        pytorch_model=None,  # In real scenario
        artifact_path="model",
        code_paths=["train.py"]
    )
 
    # Log tags for filtering
    mlflow.set_tags({
        "team": "nlp",
        "production_candidate": True,
        "git_sha": "a3f8d2c"
    })
 
print(f"Run ID: {run.info.run_id}")
# Output: Run ID: e8c3f9d2-a4b1-4e2f-9c7e-3d5f8a1b2c4d
 
# Query experiments
experiments = tracker.get_experiments(tags={"production_candidate": True})
for exp in experiments:
    print(f"{exp.name}: {exp.metrics['val_loss']:.3f}")
