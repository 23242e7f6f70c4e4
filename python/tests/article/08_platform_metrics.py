# Platform metrics
class PlatformMetrics:
    def __init__(self, db_connection):
        self.db = db_connection
 
    def get_adoption_metrics(self, period_days: int = 30):
        """Measure platform adoption"""
        return {
            "total_jobs_submitted": self.db.query(
                "SELECT COUNT(*) FROM jobs WHERE created > now() - interval '{}d'".format(period_days)
            ),
            "unique_users": self.db.query(
                "SELECT COUNT(DISTINCT user_id) FROM jobs WHERE created > now() - interval '{}d'".format(period_days)
            ),
            "total_gpu_hours": self.db.query(
                "SELECT SUM(duration_minutes * gpu_count / 60) FROM jobs WHERE created > now() - interval '{}d'".format(period_days)
            ),
            "avg_job_runtime_minutes": self.db.query(
                "SELECT AVG(duration_minutes) FROM jobs WHERE created > now() - interval '{}d'".format(period_days)
            ),
            "time_to_first_training_job": self.db.query(
                "SELECT AVG(days_to_first_submission) FROM user_onboarding_metrics"
            ),
        }
 
metrics = PlatformMetrics(db)
adoption = metrics.get_adoption_metrics(period_days=30)
 
print("""
Platform Metrics (Last 30 Days)
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
Jobs Submitted:        {total_jobs_submitted}
Unique Users:          {unique_users}
Total GPU Hours:       {total_gpu_hours:,.0f}
Avg Job Runtime:       {avg_job_runtime_minutes:.1f} min
Time to First Job:     {time_to_first_training_job:.1f} days
""".format(**adoption))
 
# Output:
# Platform Metrics (Last 30 Days)
# ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
# Jobs Submitted:        1247
# Unique Users:          42
# Total GPU Hours:       8493
# Avg Job Runtime:       87.3 min
# Time to First Job:     2.4 days
