# train.py - Works in notebook and on platform
import torch
from transformers import AutoTokenizer, AutoModelForSequenceClassification
from inet_platform import ArtifactStore, ExperimentTracker
 
# Configure tracking
mlflow.start_run(run_name="v3-training")
 
# Training loop (simplified)
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
 
for epoch in range(3):
    for batch in train_loader:
        outputs = model(**batch)
        loss = outputs.loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
 
    # Log metrics
    val_loss = evaluate(model, val_loader)
    mlflow.log_metrics({"val_loss": val_loss, "epoch": epoch})
    print(f"Epoch {epoch}: val_loss={val_loss:.3f}")
 
# Save model
model.save_pretrained("checkpoints/final")
mlflow.pytorch.log_model(model, "model")
 
# Save to artifact store
store = ArtifactStore()
store.save_artifact(
    "bert-sentiment/v3/model",
    "checkpoints/final",
    metadata={"accuracy": 0.942, "f1": 0.943}
)
