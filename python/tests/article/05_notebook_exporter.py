# In Jupyter notebook
from inet_platform import NotebookExporter
 
# ... train model in notebook ...
 
exporter = NotebookExporter()
 
# Export notebook as production pipeline
pipeline = exporter.to_pipeline(
    notebook_path="bert_training.ipynb",
    entry_point="train_model",  # Function name in notebook
    parameters={
        "learning_rate": 1e-5,
        "batch_size": 32,
        "dataset_path": "/data/wikitext"
    },
    dependencies=["transformers>=4.25", "torch>=2.0"],
    output_artifacts=["model.pt", "metrics.json"]
)
 
# This generates an Argo Workflow template and a CLI command
print(pipeline.cli_command)
# Output: inet platform train --config bert_pipeline.yaml
