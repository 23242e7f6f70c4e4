#include "store/sqlite/sqlite_schema.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "store/internal/job_backfill.h"
#include "store/job_types.h"
#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

// Version 1: the whole tracking schema. Times are integer milliseconds since the epoch.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE experiments (
  experiment_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL
);
CREATE INDEX experiments_creation ON experiments (creation_time);
CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
CREATE TABLE runs (
  run_uuid TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  artifact_uri TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  deleted_time INTEGER
);
CREATE INDEX runs_experiment_start ON runs (experiment_id, start_time DESC, run_uuid);
CREATE TABLE params (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
CREATE INDEX params_key_value ON params (key, value);
CREATE TABLE tags (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
CREATE INDEX tags_key_value ON tags (key, value);
CREATE TABLE metrics (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  model_id TEXT,
  dataset_name TEXT,
  dataset_digest TEXT,
  PRIMARY KEY (run_uuid, key, timestamp, step, value, is_nan)
) WITHOUT ROWID;
CREATE TABLE latest_metrics (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  step INTEGER NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  model_id TEXT,
  dataset_name TEXT,
  dataset_digest TEXT,
  PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value);
CREATE TABLE datasets (
  dataset_uuid TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source TEXT NOT NULL,
  schema TEXT,
  profile TEXT,
  UNIQUE (experiment_id, name, digest)
);
CREATE TABLE inputs (
  input_uuid TEXT PRIMARY KEY,
  dataset_uuid TEXT NOT NULL,
  run_uuid TEXT NOT NULL,
  UNIQUE (run_uuid, dataset_uuid)
);
CREATE INDEX inputs_dataset ON inputs (dataset_uuid);
CREATE TABLE input_tags (
  input_uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (input_uuid, name)
) WITHOUT ROWID;
CREATE TABLE model_inputs (
  run_uuid TEXT NOT NULL,
  model_id TEXT NOT NULL,
  PRIMARY KEY (run_uuid, model_id)
) WITHOUT ROWID;
CREATE TABLE model_outputs (
  run_uuid TEXT NOT NULL,
  model_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  PRIMARY KEY (run_uuid, model_id)
) WITHOUT ROWID;
CREATE TABLE logged_models (
  model_id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  creation_timestamp_ms INTEGER NOT NULL,
  last_updated_timestamp_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  status_message TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  model_type TEXT NOT NULL DEFAULT '',
  source_run_id TEXT NOT NULL DEFAULT '',
  creator_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_timestamp_ms);
CREATE TABLE logged_model_tags (
  model_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
) WITHOUT ROWID;
CREATE TABLE logged_model_params (
  model_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
) WITHOUT ROWID;
CREATE TABLE logged_model_metrics (
  model_id TEXT NOT NULL,
  key TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  run_uuid TEXT NOT NULL,
  dataset_name TEXT NOT NULL DEFAULT '',
  dataset_digest TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (model_id, key, timestamp, step, value, is_nan, run_uuid, dataset_name,
               dataset_digest)
) WITHOUT ROWID;
CREATE TABLE tokens (
  token_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_name TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
)sql";

// Version 2: platform jobs (store/job_types.h). States are stored by name; zero means "not
// set" for the optional times. `user_name` because "user" is reserved in PostgreSQL and both
// adapters keep the same column names.
constexpr std::string_view kJobsSchema = R"sql(
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  team TEXT NOT NULL,
  user_name TEXT NOT NULL,
  priority_class TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL,
  experiment_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  executor_state TEXT NOT NULL,
  result_json TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX jobs_created ON jobs (created_at DESC, job_id);
CREATE INDEX jobs_team_created ON jobs (team, created_at DESC, job_id);
CREATE INDEX jobs_user_created ON jobs (user_name, created_at DESC, job_id);
CREATE INDEX jobs_state ON jobs (state);
CREATE INDEX jobs_name ON jobs (name);
CREATE TABLE job_events (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
)sql";

// Version 3: a token's scope (auth/token_scope.h), opaque to the store; '' for unscoped tokens.
constexpr std::string_view kTokenScopeSchema = R"sql(
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT '';
)sql";

// Version 4: read paths served by their index without sorting.
// - metrics: the key in history order (timestamp, step, is_nan, value), so a history read is
//   one index range scan; the same columns, so the same rows are duplicates. SQLite cannot
//   change a key in place: the table is copied.
// - latest_metrics.experiment_id (a run never changes experiment) and an index on
//   (experiment_id, key, is_nan, value) replacing (key, value): a search that filters and
//   orders by a metric walks the experiment's values of that metric in order and stops at the
//   page's end instead of visiting every run of the experiment.
constexpr std::string_view kIndexedReadsSchema = R"sql(
CREATE TABLE metrics_v4 (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  model_id TEXT,
  dataset_name TEXT,
  dataset_digest TEXT,
  PRIMARY KEY (run_uuid, key, timestamp, step, is_nan, value)
) WITHOUT ROWID;
INSERT INTO metrics_v4 (run_uuid, key, timestamp, step, value, is_nan, model_id, dataset_name,
                        dataset_digest)
  SELECT run_uuid, key, timestamp, step, value, is_nan, model_id, dataset_name, dataset_digest
  FROM metrics;
DROP TABLE metrics;
ALTER TABLE metrics_v4 RENAME TO metrics;
ALTER TABLE latest_metrics ADD COLUMN experiment_id INTEGER NOT NULL DEFAULT -1;
UPDATE latest_metrics SET experiment_id = COALESCE(
  (SELECT r.experiment_id FROM runs r WHERE r.run_uuid = latest_metrics.run_uuid), -1);
DROP INDEX latest_metrics_key_value;
CREATE INDEX latest_metrics_experiment_key ON latest_metrics (experiment_id, key, is_nan, value);
)sql";

// Version 5: users, teams and memberships (store/identity_store.h), and a token's team and
// expiry. Everything made before
// teams belongs to team "default": every user a token or a job names becomes a member of it,
// and the users of admin tokens are platform admins.
constexpr std::string_view kTeamsSchema = R"sql(
CREATE TABLE users (
  user_name TEXT PRIMARY KEY,
  platform_admin INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE teams (
  team TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE team_members (
  team TEXT NOT NULL REFERENCES teams (team),
  user_name TEXT NOT NULL REFERENCES users (user_name),
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (team, user_name)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members (user_name, team);
ALTER TABLE tokens ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
INSERT INTO teams (team, created_at) VALUES ('default', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
INSERT INTO users (user_name, platform_admin, created_at)
  SELECT user_name, MAX(is_admin), MIN(created_at) FROM tokens WHERE scope = '' GROUP BY user_name;
INSERT INTO users (user_name, platform_admin, created_at)
  SELECT user_name, 0, MIN(created_at) FROM jobs GROUP BY user_name
  ON CONFLICT (user_name) DO NOTHING;
INSERT INTO team_members (team, user_name, role, created_at)
  SELECT 'default', user_name, 'member', created_at FROM users;
)sql";

// Version 6: typed job columns, so the controller never re-parses a spec on its passes: the
// requested resources (CPU millicores, memory bytes, GPUs) and the machine-readable stop
// reason. Existing jobs are filled in by FillJobColumns.
constexpr std::string_view kJobColumnsSchema = R"sql(
ALTER TABLE jobs ADD COLUMN cpu_millis INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN memory_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN gpus INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';
)sql";

Status FillJobColumns(Connection& tx) {
  struct Row {
    std::string job_id, spec_json, reason;
    JobState state;
  };
  std::vector<Row> rows;
  {
    ASSIGN_OR_RETURN(Statement q,
                     tx.PrepareUncached("SELECT job_id, spec_json, state, reason FROM jobs"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      // A state no binary wrote stays unknown to GetJob; here it just has no stop reason.
      rows.push_back(Row{q.Text(0), q.Text(1), q.Text(3),
                         ParseJobState(q.Text(2)).value_or(JobState::kPending)});
    }
  }
  ASSIGN_OR_RETURN(Statement upd,
                   tx.PrepareUncached("UPDATE jobs SET cpu_millis = ?1, memory_bytes = ?2, "
                                      "gpus = ?3, stop_reason = ?4 WHERE job_id = ?5"));
  for (const Row& row : rows) {
    const internal::BackfilledJobColumns c =
        internal::BackfillJobColumns(row.spec_json, row.state, row.reason);
    upd.Reset();
    RETURN_IF_ERROR(upd.Bind(1, c.resources.cpu_millis)
                        .Bind(2, c.resources.memory_bytes)
                        .Bind(3, static_cast<int64_t>(c.resources.gpus))
                        .Bind(4, StopReasonName(c.stop_reason))
                        .Bind(5, row.job_id)
                        .Run());
  }
  return OkStatus();
}

// Version 7: experiments belong to a team (an MLflow workspace), and names are unique per
// team. SQLite cannot change a UNIQUE constraint in place, so the table is rebuilt (foreign keys
// are off on every connection; nothing references experiments by constraint), keeping the ids
// and the AUTOINCREMENT counter so that no id of a deleted experiment is handed out again.
constexpr std::string_view kExperimentTeamsSchema = R"sql(
CREATE TABLE experiments_by_team (
  experiment_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL,
  team TEXT NOT NULL DEFAULT 'default',
  UNIQUE (team, name)
);
INSERT INTO experiments_by_team (experiment_id, name, artifact_location, lifecycle_stage,
                                 creation_time, last_update_time, team)
  SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time,
         last_update_time, 'default' FROM experiments;
DELETE FROM sqlite_sequence WHERE name = 'experiments_by_team';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'experiments_by_team', seq FROM sqlite_sequence WHERE name = 'experiments';
DROP TABLE experiments;
ALTER TABLE experiments_by_team RENAME TO experiments;
CREATE INDEX experiments_creation ON experiments (creation_time);
CREATE INDEX experiments_team ON experiments (team, creation_time);
)sql";

// Version 8: team quotas (ResourceQuota hard limits, LimitRange per-job maximums and defaults;
// NULL = no limit) and quota increase requests with their decision.
constexpr std::string_view kQuotasSchema = R"sql(
CREATE TABLE team_quotas (
  team TEXT PRIMARY KEY REFERENCES teams (team),
  hard_gpus INTEGER,
  hard_cpu_millis INTEGER,
  hard_memory_bytes INTEGER,
  hard_jobs INTEGER,
  max_gpus INTEGER,
  max_cpu_millis INTEGER,
  max_memory_bytes INTEGER,
  default_cpu_millis INTEGER,
  default_memory_bytes INTEGER,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE quota_requests (
  request_id TEXT PRIMARY KEY,
  team TEXT NOT NULL REFERENCES teams (team),
  user_name TEXT NOT NULL,
  resource TEXT NOT NULL,
  current_value INTEGER NOT NULL,
  requested_value INTEGER NOT NULL,
  justification TEXT NOT NULL,
  duration_weeks INTEGER NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  decided_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX quota_requests_team ON quota_requests (team, created_at DESC);
CREATE INDEX quota_requests_status ON quota_requests (status, expires_at);
)sql";

// Version 9: the cost ledger, team storage samples, team budgets and the budget warnings sent.
constexpr std::string_view kCostsSchema = R"sql(
CREATE TABLE attempt_costs (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  month TEXT NOT NULL,
  team TEXT NOT NULL,
  run_id TEXT NOT NULL,
  cost_micros INTEGER NOT NULL,
  accrued_until INTEGER NOT NULL,
  ended INTEGER NOT NULL,
  PRIMARY KEY (job_id, attempt, month)
);
CREATE INDEX attempt_costs_team_month ON attempt_costs (team, month);
CREATE TABLE storage_costs (
  team TEXT NOT NULL,
  month TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  gib_hours REAL NOT NULL,
  sampled_at INTEGER NOT NULL,
  PRIMARY KEY (team, month)
);
CREATE TABLE team_budgets (
  team TEXT PRIMARY KEY REFERENCES teams (team),
  monthly_micros INTEGER NOT NULL,
  allow_overrun INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE budget_warnings (
  team TEXT NOT NULL,
  month TEXT NOT NULL,
  percent INTEGER NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (team, month, percent)
);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial tracking schema", kInitialSchema},
    Migration{2, "platform jobs", kJobsSchema},
    Migration{3, "token scopes", kTokenScopeSchema},
    Migration{4, "indexed history and metric searches", kIndexedReadsSchema},
    Migration{5, "users, teams and memberships", kTeamsSchema},
    Migration{6, "typed job columns: resources and stop reason", kJobColumnsSchema, FillJobColumns},
    Migration{7, "experiments belong to teams", kExperimentTeamsSchema},
    Migration{8, "team quotas and quota requests", kQuotasSchema},
    Migration{9, "cost ledger, budgets and budget warnings", kCostsSchema},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace inet::store::sqlite
