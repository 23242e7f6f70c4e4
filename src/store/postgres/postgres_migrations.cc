#include "store/postgres/postgres_migrations.h"

#include <string>
#include <vector>

#include "store/internal/job_backfill.h"
#include "store/job_types.h"

namespace inet::store::postgres {
namespace {

// Column names follow the schema shared with the SQLite adapter (store/internal/sql_search.h)
// so both run the same search SQL. Times are BIGINT milliseconds; a NaN metric is stored as
// value 0 with is_nan = true so that it can take part in primary keys and comparisons.
// Long values (params up to 6000 chars, tags 8000) are never in a btree key: btree entries
// are limited to about 2.7 kB, so params and tags are indexed by key only.
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE experiments (
  experiment_id BIGINT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time BIGINT NOT NULL,
  last_update_time BIGINT NOT NULL
);
CREATE INDEX experiments_creation_idx ON experiments (creation_time);
CREATE SEQUENCE experiments_id_seq START 1 OWNED BY experiments.experiment_id;
CREATE TABLE experiment_tags (
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);
CREATE TABLE runs (
  run_uuid TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT,
  artifact_uri TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  deleted_time BIGINT
);
CREATE INDEX runs_experiment_start_idx ON runs (experiment_id, start_time DESC, run_uuid);
CREATE TABLE metrics (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan BOOLEAN NOT NULL,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL,
  model_id TEXT,
  dataset_name TEXT,
  dataset_digest TEXT,
  PRIMARY KEY (run_uuid, key, timestamp, step, value, is_nan)
);
CREATE INDEX metrics_run_key_step_idx ON metrics (run_uuid, key, step);
CREATE TABLE latest_metrics (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan BOOLEAN NOT NULL,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL,
  model_id TEXT,
  dataset_name TEXT,
  dataset_digest TEXT,
  PRIMARY KEY (run_uuid, key)
);
CREATE INDEX latest_metrics_key_value_idx ON latest_metrics (key, value);
CREATE TABLE params (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
);
CREATE INDEX params_key_idx ON params (key);
CREATE TABLE tags (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
);
CREATE INDEX tags_key_idx ON tags (key);
CREATE TABLE datasets (
  dataset_uuid TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
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
  seq BIGINT GENERATED ALWAYS AS IDENTITY,  -- insertion order, for reading inputs back
  dataset_uuid TEXT NOT NULL REFERENCES datasets(dataset_uuid) ON DELETE CASCADE,
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  UNIQUE (run_uuid, dataset_uuid)
);
CREATE INDEX inputs_dataset_idx ON inputs (dataset_uuid);
CREATE TABLE input_tags (
  input_uuid TEXT NOT NULL REFERENCES inputs(input_uuid) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (input_uuid, name)
);
CREATE TABLE model_inputs (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  PRIMARY KEY (run_uuid, model_id)
);
CREATE TABLE model_outputs (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  step BIGINT NOT NULL,
  PRIMARY KEY (run_uuid, model_id)
);
CREATE TABLE logged_models (
  model_id TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  creation_timestamp_ms BIGINT NOT NULL,
  last_updated_timestamp_ms BIGINT NOT NULL,
  status TEXT NOT NULL,
  status_message TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  model_type TEXT NOT NULL DEFAULT '',
  source_run_id TEXT NOT NULL DEFAULT '',
  creator_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX logged_models_experiment_idx ON logged_models (experiment_id, creation_timestamp_ms);
CREATE TABLE logged_model_tags (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE TABLE logged_model_params (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE TABLE logged_model_metrics (
  model_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan BOOLEAN NOT NULL,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL,
  run_uuid TEXT NOT NULL,
  dataset_name TEXT NOT NULL DEFAULT '',
  dataset_digest TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (model_id, key, timestamp, step, run_uuid, dataset_name, dataset_digest, value,
               is_nan)
);
CREATE TABLE tokens (
  token_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_name TEXT NOT NULL,
  is_admin BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
)sql";

// Version 2: platform jobs (store/job_types.h), the same columns as the SQLite adapter's.
// States are stored by name; zero means "not set" for the optional times.
constexpr std::string_view kMigration2 = R"sql(
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
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  cancel_requested BOOLEAN NOT NULL,
  experiment_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  executor_state TEXT NOT NULL,
  result_json TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC, job_id);
CREATE INDEX jobs_team_created_idx ON jobs (team, created_at DESC, job_id);
CREATE INDEX jobs_user_created_idx ON jobs (user_name, created_at DESC, job_id);
CREATE INDEX jobs_state_idx ON jobs (state);
CREATE INDEX jobs_name_idx ON jobs (name);
CREATE TABLE job_events (
  job_id TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  timestamp BIGINT NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
)sql";

// Version 3: a token's scope (auth/token_scope.h), opaque to the store; '' for unscoped tokens.
constexpr std::string_view kMigration3 = R"sql(
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT '';
)sql";

// Version 4: read paths served by their index without sorting (as SQLite's version 4): the
// metrics key in history order (timestamp, step, is_nan, value); latest_metrics.experiment_id
// (a run never changes experiment) with an index on (experiment_id, key, is_nan, value)
// replacing (key, value), so a search that filters and orders by a metric walks the
// experiment's values of that metric in order.
constexpr std::string_view kMigration4 = R"sql(
ALTER TABLE metrics DROP CONSTRAINT metrics_pkey;
ALTER TABLE metrics ADD PRIMARY KEY (run_uuid, key, timestamp, step, is_nan, value);
ALTER TABLE latest_metrics ADD COLUMN experiment_id BIGINT NOT NULL DEFAULT -1;
UPDATE latest_metrics l SET experiment_id = r.experiment_id FROM runs r
  WHERE r.run_uuid = l.run_uuid;
DROP INDEX latest_metrics_key_value_idx;
CREATE INDEX latest_metrics_experiment_key_idx ON latest_metrics (experiment_id, key, is_nan,
  value);
)sql";

// Version 5: users, teams and memberships, and a token's team and expiry (as SQLite's
// version 5). Everything made before teams
// belongs to team "default": every user a token or a job names becomes a member of it, and the
// users of admin tokens are platform admins.
constexpr std::string_view kMigration5 = R"sql(
CREATE TABLE users (
  user_name TEXT PRIMARY KEY,
  platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL
);
CREATE TABLE teams (
  team TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
  team TEXT NOT NULL REFERENCES teams (team),
  user_name TEXT NOT NULL REFERENCES users (user_name),
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (team, user_name)
);
CREATE INDEX team_members_user_idx ON team_members (user_name, team);
ALTER TABLE tokens ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at BIGINT;
INSERT INTO teams (team, created_at)
  VALUES ('default', (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
INSERT INTO users (user_name, platform_admin, created_at)
  SELECT user_name, bool_or(is_admin), MIN(created_at) FROM tokens WHERE scope = ''
  GROUP BY user_name;
INSERT INTO users (user_name, platform_admin, created_at)
  SELECT user_name, FALSE, MIN(created_at) FROM jobs GROUP BY user_name
  ON CONFLICT (user_name) DO NOTHING;
INSERT INTO team_members (team, user_name, role, created_at)
  SELECT 'default', user_name, 'member', created_at FROM users;
)sql";

// Version 6: typed job columns (as SQLite's version 6), so the controller never re-parses a
// spec on its passes: the requested resources and the machine-readable stop reason. Existing
// jobs are filled in by FillJobColumns.
constexpr std::string_view kMigration6 = R"sql(
ALTER TABLE jobs ADD COLUMN cpu_millis BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN memory_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN gpus INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';
)sql";

Status FillJobColumns(PgConnection& conn) {
  ASSIGN_OR_RETURN(PgResult rows,
                   conn.ExecUnprepared("SELECT job_id, spec_json, state, reason FROM jobs"));
  for (int i = 0; i < rows.rows(); ++i) {
    // A state no binary wrote stays unknown to GetJob; here it just has no stop reason.
    const internal::BackfilledJobColumns c = internal::BackfillJobColumns(
        rows.GetString(i, 1), ParseJobState(rows.GetString(i, 2)).value_or(JobState::kPending),
        rows.GetString(i, 3));
    RETURN_IF_ERROR(
        conn.ExecUnprepared("UPDATE jobs SET cpu_millis = $1::bigint, memory_bytes = $2::bigint, "
                            "gpus = $3::integer, stop_reason = $4::text WHERE job_id = $5::text",
                            {PgInt(c.resources.cpu_millis), PgInt(c.resources.memory_bytes),
                             PgInt(c.resources.gpus), std::string(StopReasonName(c.stop_reason)),
                             rows.GetString(i, 0)})
            .status());
  }
  return OkStatus();
}

// Version 7: experiments belong to a team (an MLflow workspace), and names are unique per team
// (as SQLite's version 7).
constexpr std::string_view kMigration7 = R"sql(
ALTER TABLE experiments ADD COLUMN team TEXT NOT NULL DEFAULT 'default';
ALTER TABLE experiments DROP CONSTRAINT experiments_name_key;
ALTER TABLE experiments ADD CONSTRAINT experiments_team_name_key UNIQUE (team, name);
CREATE INDEX experiments_team_idx ON experiments (team, creation_time);
)sql";

// Version 8: team quotas and quota increase requests (as SQLite's version 8).
constexpr std::string_view kMigration8 = R"sql(
CREATE TABLE team_quotas (
  team TEXT PRIMARY KEY REFERENCES teams (team),
  hard_gpus BIGINT,
  hard_cpu_millis BIGINT,
  hard_memory_bytes BIGINT,
  hard_jobs BIGINT,
  max_gpus BIGINT,
  max_cpu_millis BIGINT,
  max_memory_bytes BIGINT,
  default_cpu_millis BIGINT,
  default_memory_bytes BIGINT,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE quota_requests (
  request_id TEXT PRIMARY KEY,
  team TEXT NOT NULL REFERENCES teams (team),
  user_name TEXT NOT NULL,
  resource TEXT NOT NULL,
  current_value BIGINT NOT NULL,
  requested_value BIGINT NOT NULL,
  justification TEXT NOT NULL,
  duration_weeks INTEGER NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX quota_requests_team_idx ON quota_requests (team, created_at DESC);
CREATE INDEX quota_requests_status_idx ON quota_requests (status, expires_at);
)sql";

// Version 9: the cost ledger, storage samples, budgets and warnings sent (as SQLite's 9).
constexpr std::string_view kMigration9 = R"sql(
CREATE TABLE attempt_costs (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  month TEXT NOT NULL,
  team TEXT NOT NULL,
  run_id TEXT NOT NULL,
  cost_micros BIGINT NOT NULL,
  accrued_until BIGINT NOT NULL,
  ended BOOLEAN NOT NULL,
  PRIMARY KEY (job_id, attempt, month)
);
CREATE INDEX attempt_costs_team_month_idx ON attempt_costs (team, month);
CREATE TABLE storage_costs (
  team TEXT NOT NULL,
  month TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  gib_hours DOUBLE PRECISION NOT NULL,
  sampled_at BIGINT NOT NULL,
  PRIMARY KEY (team, month)
);
CREATE TABLE team_budgets (
  team TEXT PRIMARY KEY REFERENCES teams (team),
  monthly_micros BIGINT NOT NULL,
  allow_overrun BOOLEAN NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE budget_warnings (
  team TEXT NOT NULL,
  month TEXT NOT NULL,
  percent INTEGER NOT NULL,
  sent_at BIGINT NOT NULL,
  PRIMARY KEY (team, month, percent)
);
)sql";

// A migration: its DDL script and, where SQL cannot compute the data (quantities such as
// "16Gi"), a C++ backfill run right after it in the same transaction.
struct Migration {
  std::string_view sql;
  Status (*backfill)(PgConnection& conn) = nullptr;
};

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {kMigration1}, {kMigration2}, {kMigration3},
      {kMigration4}, {kMigration5}, {kMigration6, FillJobColumns},
      {kMigration7}, {kMigration8}, {kMigration9}};
  return kMigrations;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

std::string JoinArtifactUri(std::string_view root, std::string_view id) {
  while (!root.empty() && root.back() == '/') {
    root.remove_suffix(1);
  }
  std::string out(root);
  out += '/';
  out += id;
  return out;
}

namespace {

Status MigrateInTransaction(PgConnection& conn, int64_t now_ms) {
  // Serialises concurrent openers of the same schema; released at COMMIT / ROLLBACK.
  RETURN_IF_ERROR(
      conn.Exec("SELECT pg_advisory_xact_lock(1768846708, hashtext(current_schema()))").status());
  RETURN_IF_ERROR(
      conn.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
  ASSIGN_OR_RETURN(PgResult current,
                   conn.ExecUnprepared("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  int version = static_cast<int>(current.GetInt64(0, 0));
  if (version > LatestSchemaVersion()) {
    return FailedPreconditionError("the PostgreSQL metadata schema is at version " +
                                   std::to_string(version) +
                                   ", newer than this inet binary supports (" +
                                   std::to_string(LatestSchemaVersion()) + "); upgrade inet");
  }
  for (int v = version + 1; v <= LatestSchemaVersion(); ++v) {
    const Migration& m = Migrations()[static_cast<size_t>(v - 1)];
    Status applied = conn.ExecScript(m.sql);
    if (applied.ok() && m.backfill != nullptr) applied = m.backfill(conn);
    if (!applied.ok()) {
      return applied.WithContext("applying schema migration " + std::to_string(v));
    }
    RETURN_IF_ERROR(
        conn.ExecUnprepared("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                            {PgInt(v), PgInt(now_ms)})
            .status());
  }
  return OkStatus();
}

}  // namespace

Status MigrateSchema(PgConnection& conn, int64_t now_ms) {
  RETURN_IF_ERROR(conn.ExecScript("BEGIN"));
  Status s = MigrateInTransaction(conn, now_ms);
  if (s.ok()) {
    s = conn.ExecScript("COMMIT");
  }
  if (!s.ok()) {
    (void)conn.ExecScript("ROLLBACK");
    return s.WithContext("migrating the PostgreSQL metadata schema");
  }
  return OkStatus();
}

}  // namespace inet::store::postgres
