from inet_platform import QuotaManager
 
quota_mgr = QuotaManager()
 
# Check current quota
usage = quota_mgr.get_team_quota(team="nlp-team")
print(f"GPU allocation: {usage.gpu_allocated}/4")
print(f"GPU in-use: {usage.gpu_in_use}")
print(f"Available: {usage.gpu_available}")
 
# Output:
# GPU allocation: 4
# GPU in-use: 2 (bert-training, gpt-finetune)
# Available: 2
 
# Request additional quota (triggers approval workflow)
request = quota_mgr.request_quota_increase(
    team="nlp-team",
    resource="gpu",
    current=4,
    requested=8,
    justification="Scaling bert-finetuning to larger batches",
    duration_weeks=4
)
print(f"Request {request.id} submitted for approval")
