"""A first training job: fits y = 3x + 2 by gradient descent and logs to MLflow.

Submit it from this directory with
    inet platform train --name quickstart --script train.py --output-artifacts model.pt --follow

The platform runs it with MLFLOW_TRACKING_URI and MLFLOW_RUN_ID set, so `mlflow.start_run()`
logs into the run created for the job. It checkpoints every epoch into INET_CHECKPOINT_DIR,
which survives retries, so a retried attempt resumes where the last one stopped.
"""

import json
import os
import random

import mlflow

EPOCHS = int(os.environ.get("EPOCHS", "20"))
LEARNING_RATE = 0.1

random.seed(0)
data = [(x, 3 * x + 2 + random.gauss(0, 0.1)) for x in (i / 100 for i in range(100))]

checkpoint = os.path.join(os.environ.get("INET_CHECKPOINT_DIR", "."), "checkpoint.json")
state = {"epoch": 0, "w": 0.0, "b": 0.0}
if os.path.exists(checkpoint):
    with open(checkpoint) as f:
        state = json.load(f)
    print(f"resuming from epoch {state['epoch']}")

with mlflow.start_run():
    mlflow.log_params({"learning_rate": LEARNING_RATE, "epochs": EPOCHS})
    w, b = state["w"], state["b"]
    for epoch in range(state["epoch"], EPOCHS):
        grad_w = sum(2 * (w * x + b - y) * x for x, y in data) / len(data)
        grad_b = sum(2 * (w * x + b - y) for x, y in data) / len(data)
        w, b = w - LEARNING_RATE * grad_w, b - LEARNING_RATE * grad_b
        loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        mlflow.log_metric("loss", loss, step=epoch)
        print(f"epoch {epoch:3d}  loss {loss:.4f}  w {w:.3f}  b {b:.3f}", flush=True)
        with open(checkpoint, "w") as f:
            json.dump({"epoch": epoch + 1, "w": w, "b": b}, f)

    with open("model.pt", "w") as f:  # the output artifact named on the command line
        json.dump({"w": w, "b": b}, f)
    print("saved model.pt")
