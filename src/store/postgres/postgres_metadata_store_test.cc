// Runs the metadata-store conformance suite against a real PostgreSQL server, plus tests of
// what only this adapter has: migrations under concurrent openers, connection errors, and
// recovery from dropped connections. Every test works in a fresh schema of the database named
// by INET_TEST_POSTGRES_URI and drops it afterwards; without that variable the tests skip.
#include "store/postgres/postgres_metadata_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_migrations.h"
#include "store/testing/cost_store_conformance.h"
#include "store/testing/identity_store_conformance.h"
#include "store/testing/job_store_conformance.h"
#include "store/testing/lease_store_conformance.h"
#include "store/testing/migration_data.h"
#include "store/testing/quota_store_conformance.h"
#include "store/testing/token_store_conformance.h"
#include "store/testing/tracking_store_conformance.h"

namespace inet::store {
namespace {

using postgres::PgConnection;
using postgres::PgResult;

constexpr char kHowToStart[] =
    "INET_TEST_POSTGRES_URI is not set; start a throwaway server with "
    "`export INET_TEST_POSTGRES_URI=$(scripts/postgres-test-server.sh | tail -n1)`";

std::string ServerUri() {
  const char* uri = std::getenv("INET_TEST_POSTGRES_URI");
  return uri != nullptr ? uri : "";
}

// `uri` with extra libpq query options appended.
std::string WithOptions(const std::string& uri, const std::string& options) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + options;
}

// A schema created for one test and dropped when this goes out of scope.
class ScratchSchema {
 public:
  static StatusOr<std::unique_ptr<ScratchSchema>> Create() {
    std::string uri = ServerUri();
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> admin, PgConnection::Connect(uri));
    std::string name = "t_" + RandomHex(8);
    RETURN_IF_ERROR(admin->ExecScript("CREATE SCHEMA " + name));
    return std::unique_ptr<ScratchSchema>(new ScratchSchema(uri, name));
  }
  ~ScratchSchema() {
    StatusOr<std::unique_ptr<PgConnection>> admin = PgConnection::Connect(server_uri_);
    if (admin.ok()) (void)(*admin)->ExecScript("DROP SCHEMA " + name_ + " CASCADE");
  }

  // A store URI whose connections use only this schema.
  std::string StoreUri(const std::string& extra = "") const {
    std::string uri = WithOptions(server_uri_, "options=-csearch_path%3D" + name_);
    return extra.empty() ? uri : WithOptions(uri, extra);
  }
  // A direct connection to this schema, for checks behind the store's back.
  std::unique_ptr<PgConnection> Connect() const {
    StatusOr<std::unique_ptr<PgConnection>> c = PgConnection::Connect(StoreUri());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  const std::string& name() const { return name_; }

 private:
  ScratchSchema(std::string server_uri, std::string name)
      : server_uri_(std::move(server_uri)), name_(std::move(name)) {}
  std::string server_uri_;
  std::string name_;
};

void SkipWithoutServer() { GTEST_SKIP() << kHowToStart; }

StatusOr<testing::StoreUnderTest> OpenFreshStore(std::string_view artifact_root) {
  if (ServerUri().empty()) {
    SkipWithoutServer();
    return FailedPreconditionError("no PostgreSQL server configured");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ScratchSchema> schema, ScratchSchema::Create());
  ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> store,
                   OpenPostgresMetadataStore(schema->StoreUri(), artifact_root));
  std::shared_ptr<ScratchSchema> owned(std::move(schema));  // shared: std::function copies
  const std::string uri = owned->StoreUri();
  return testing::StoreUnderTest{
      std::move(store), [owned]() mutable { owned.reset(); },
      [uri, root = std::string(artifact_root)] { return OpenPostgresMetadataStore(uri, root); }};
}

Experiment NamedExperiment(const std::string& name) {
  Experiment e;
  e.name = name;
  return e;
}

// A run in a new experiment of `store` (run_id empty when the experiment could not be made).
RunInfo NewRunInNewExperiment(TrackingStore& store) {
  RunInfo info;
  StatusOr<std::string> experiment_id = store.CreateExperiment(NamedExperiment(NewRunId()));
  EXPECT_TRUE(experiment_id.ok()) << experiment_id.status().ToString();
  if (!experiment_id.ok()) return info;
  info.run_id = NewRunId();
  info.experiment_id = *experiment_id;
  info.run_name = "r";
  info.user_id = "u";
  return info;
}

Metric Point(const std::string& key, double value, int64_t timestamp, int64_t step) {
  Metric m;
  m.key = key;
  m.value = value;
  m.timestamp = timestamp;
  m.step = step;
  return m;
}

}  // namespace

// Always instantiated, so that the list of tests does not depend on the environment at build
// time; each case skips in OpenFreshStore when no server is configured.
namespace testing {
INSTANTIATE_TEST_SUITE_P(Postgres, TrackingStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
INSTANTIATE_TEST_SUITE_P(Postgres, TokenStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
INSTANTIATE_TEST_SUITE_P(Postgres, JobStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
INSTANTIATE_TEST_SUITE_P(Postgres, IdentityStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
INSTANTIATE_TEST_SUITE_P(Postgres, LeaseStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
INSTANTIATE_TEST_SUITE_P(Postgres, QuotaStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
INSTANTIATE_TEST_SUITE_P(Postgres, CostStoreConformanceTest,
                         ::testing::Values(ConformanceTarget{"postgres", &OpenFreshStore}),
                         ConformanceTargetName);
}  // namespace testing

namespace {

// Undoes migration 9 (the cost ledger, budgets and budget warnings).
constexpr char kUndoCosts[] =
    "DROP TABLE budget_warnings; DROP TABLE team_budgets; DROP TABLE storage_costs; "
    "DROP TABLE attempt_costs; "
    "DELETE FROM schema_migrations WHERE version >= 9; ";

// Undoes migrations 9 and 8 (team quotas).
constexpr char kUndoQuotas[] =
    "DROP TABLE budget_warnings; DROP TABLE team_budgets; DROP TABLE storage_costs; "
    "DROP TABLE attempt_costs; "
    "DROP TABLE quota_requests; DROP TABLE team_quotas; "
    "DELETE FROM schema_migrations WHERE version >= 8; ";

// Undoes migrations 9, 8, 7 (experiments of teams) and 6 (the typed job columns), first in
// every roll-back.
constexpr char kDropJobColumns[] =
    "DROP TABLE budget_warnings; DROP TABLE team_budgets; DROP TABLE storage_costs; "
    "DROP TABLE attempt_costs; "
    "DROP TABLE quota_requests; DROP TABLE team_quotas; "
    "ALTER TABLE experiments DROP CONSTRAINT experiments_team_name_key; "
    "DROP INDEX experiments_team_idx; ALTER TABLE experiments DROP COLUMN team; "
    "ALTER TABLE experiments ADD CONSTRAINT experiments_name_key UNIQUE (name); "
    "DELETE FROM schema_migrations WHERE version >= 7; "
    "ALTER TABLE jobs DROP COLUMN cpu_millis, DROP COLUMN memory_bytes, DROP COLUMN gpus, "
    "DROP COLUMN stop_reason; ";

class PostgresMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ServerUri().empty()) GTEST_SKIP() << kHowToStart;
    StatusOr<std::unique_ptr<ScratchSchema>> schema = ScratchSchema::Create();
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
    schema_ = std::move(schema).value();
  }

  // Runs `sql` on the schema directly, as an older binary's schema would be restored.
  void RollBack(const std::string& sql) {
    std::unique_ptr<PgConnection> c = schema_->Connect();
    ASSERT_NE(c, nullptr);
    Status rolled_back = c->ExecScript(sql);
    ASSERT_TRUE(rolled_back.ok()) << rolled_back.ToString();
  }

  // Fills the schema through the current store, rolls it back with `undo`, and checks with
  // `expect` what reopening it (which applies the undone migrations again) made of the data.
  void ExpectMigratedAfterRollBack(void (*fill)(MetadataStore&), const std::string& undo,
                                   void (*expect)(MetadataStore&)) {
    {
      StatusOr<std::unique_ptr<MetadataStore>> store =
          OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      fill(**store);
    }
    RollBack(undo);
    StatusOr<std::unique_ptr<MetadataStore>> store =
        OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(CountRows("SELECT count(*) FROM schema_migrations"), postgres::LatestSchemaVersion());
    expect(**store);
  }

  int64_t CountRows(const std::string& sql) {
    std::unique_ptr<PgConnection> c = schema_->Connect();
    if (c == nullptr) return -1;
    StatusOr<PgResult> res = c->ExecUnprepared(sql);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? res->GetInt64(0, 0) : -1;
  }

  std::unique_ptr<ScratchSchema> schema_;
};

// The session holding a lease ends (the server restarted, or the connection was cut): the
// holder learns the lease is lost, and another store can take it at once.
TEST_F(PostgresMetadataStoreTest, ALeaseWhoseSessionEndsIsLostAndFree) {
  StatusOr<std::unique_ptr<MetadataStore>> store =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<std::unique_ptr<Lease>> held = (*store)->leases().TryAcquire("job-controller");
  ASSERT_TRUE(held.ok() && *held != nullptr) << held.status().ToString();
  ASSERT_TRUE((*held)->Check().ok());
  EXPECT_EQ(CountRows("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_locks "
                      "WHERE locktype = 'advisory' AND classid = hashtext('" +
                      schema_->name() + "')::oid) AS t"),
            1);
  Status lost = (*held)->Check();
  EXPECT_EQ(lost.code(), StatusCode::kUnavailable) << lost.ToString();
  EXPECT_FALSE((*held)->Check().ok()) << "a lost lease stays lost";
  StatusOr<std::unique_ptr<MetadataStore>> other =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  StatusOr<std::unique_ptr<Lease>> taken = (*other)->leases().TryAcquire("job-controller");
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_NE(*taken, nullptr);
}

TEST_F(PostgresMetadataStoreTest, ReopeningAppliesNoMigrationAndKeepsData) {
  std::string experiment_id;
  {
    StatusOr<std::unique_ptr<MetadataStore>> store =
        OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StatusOr<std::string> id = (*store)->tracking().CreateExperiment(NamedExperiment("kept"));
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    experiment_id = *id;
  }
  StatusOr<std::unique_ptr<MetadataStore>> again =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///elsewhere");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(CountRows("SELECT count(*) FROM schema_migrations"), postgres::LatestSchemaVersion());
  StatusOr<Experiment> kept = (*again)->tracking().GetExperiment(experiment_id);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->name, "kept");
  // The location the experiment got at creation is not rewritten by a later open.
  EXPECT_EQ(kept->artifact_location, "file:///artifacts/" + experiment_id);
  // The store makes no experiment of its own (the default one is the tracking service's).
  EXPECT_EQ((*again)->tracking().GetExperiment("0").status().code(), StatusCode::kNotFound);
}

TEST_F(PostgresMetadataStoreTest, ConcurrentOpenersMigrateExactlyOnce) {
  constexpr int kOpeners = 8;
  std::vector<Status> results(kOpeners);
  std::vector<std::thread> threads;
  threads.reserve(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      StatusOr<std::unique_ptr<MetadataStore>> store =
          OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
      results[i] = store.status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountRows("SELECT count(*) FROM schema_migrations"), postgres::LatestSchemaVersion());
  EXPECT_EQ(CountRows("SELECT count(*) FROM experiments"), 0);
}

TEST_F(PostgresMetadataStoreTest, SchemaFromNewerBinaryIsRefused) {
  ASSERT_TRUE(OpenPostgresMetadataStore(schema_->StoreUri(), "file:///a").ok());
  std::unique_ptr<PgConnection> c = schema_->Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->ExecScript("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  StatusOr<std::unique_ptr<MetadataStore>> store =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///a");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("version 999"), std::string::npos)
      << store.status().message();
}

// A schema at version 4 with tokens and jobs: after the teams migration every user a user
// token or a job names is a member of team "default", and admin tokens' users are platform
// admins.
TEST_F(PostgresMetadataStoreTest, VersionFourSchemaIsMigratedToTeams) {
  ExpectMigratedAfterRollBack(testing::FillBeforeTeams,
                              std::string(kDropJobColumns) +
                                  "DROP TABLE team_members; DROP TABLE teams; DROP TABLE users; "
                                  "ALTER TABLE tokens DROP COLUMN team; "
                                  "ALTER TABLE tokens DROP COLUMN expires_at; "
                                  "DELETE FROM schema_migrations WHERE version >= 5",
                              testing::ExpectMigratedToTeams);
}

// A schema at version 8 with teams and jobs gains the cost ledger and budgets on open: no
// costs, budgets or warnings until recorded.
TEST_F(PostgresMetadataStoreTest, VersionEightSchemaIsMigratedToCosts) {
  ExpectMigratedAfterRollBack(testing::FillBeforeCosts, kUndoCosts, testing::ExpectMigratedToCosts);
}

// A schema at version 7 with teams gains quotas on open: its teams have none until set.
TEST_F(PostgresMetadataStoreTest, VersionSevenSchemaIsMigratedToQuotas) {
  ExpectMigratedAfterRollBack(testing::FillBeforeQuotas, kUndoQuotas,
                              testing::ExpectMigratedToQuotas);
}

// A schema at version 5 holding jobs gains the typed job columns on open, filled in from each
// job's spec ("500m", "16Gi") and from its state and reason.
TEST_F(PostgresMetadataStoreTest, VersionFiveSchemaIsMigratedToTypedJobColumns) {
  ExpectMigratedAfterRollBack(
      testing::FillBeforeTypedJobColumns,
      std::string(kDropJobColumns) + "DELETE FROM schema_migrations WHERE version >= 6",
      testing::ExpectMigratedToTypedJobColumns);
}

// A schema migrated before jobs existed (version 1, with data) gains the jobs tables on open.
TEST_F(PostgresMetadataStoreTest, VersionOneSchemaIsMigratedToJobs) {
  std::string experiment_id;
  {
    StatusOr<std::unique_ptr<MetadataStore>> store =
        OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    experiment_id = *(*store)->tracking().CreateExperiment(NamedExperiment("before-jobs"));
  }
  {
    RollBack(std::string(kDropJobColumns) +
             "DROP TABLE team_members; DROP TABLE teams; DROP TABLE users; "
             "ALTER TABLE tokens DROP COLUMN team; ALTER TABLE tokens DROP COLUMN expires_at; "
             "DROP INDEX latest_metrics_experiment_key_idx; "
             "ALTER TABLE latest_metrics DROP COLUMN experiment_id; "
             "CREATE INDEX latest_metrics_key_value_idx ON latest_metrics (key, value); "
             "ALTER TABLE metrics DROP CONSTRAINT metrics_pkey; "
             "ALTER TABLE metrics ADD PRIMARY KEY (run_uuid, key, timestamp, step, value, is_nan); "
             "DROP TABLE job_events; DROP TABLE jobs; ALTER TABLE tokens DROP COLUMN scope; "
             "DELETE FROM schema_migrations WHERE version >= 2");
  }
  StatusOr<std::unique_ptr<MetadataStore>> store =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///artifacts");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(CountRows("SELECT count(*) FROM schema_migrations"), postgres::LatestSchemaVersion());
  EXPECT_EQ((*store)->tracking().GetExperiment(experiment_id)->name, "before-jobs");
  JobRecord job;
  job.job_id = "train-000001";
  job.name = "train";
  job.team = "default";
  job.user = "alice";
  job.priority_class = "batch";
  job.spec_json = "{}";
  ASSERT_TRUE((*store)->jobs().CreateJob(job, JobEvent{}).ok());
  EXPECT_EQ(CountRows("SELECT count(*) FROM job_events WHERE job_id = 'train-000001'"), 1);
}

TEST_F(PostgresMetadataStoreTest, WrongPasswordIsUnavailableWithoutLeakingIt) {
  std::string uri = schema_->StoreUri();
  size_t at = uri.find('@');
  size_t colon = uri.rfind(':', at);
  ASSERT_NE(at, std::string::npos);
  std::string wrong = uri.substr(0, colon + 1) + "not-the-password" + uri.substr(at);
  StatusOr<std::unique_ptr<MetadataStore>> store = OpenPostgresMetadataStore(wrong, "file:///a");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.status().message().find("not-the-password"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("password authentication failed"), std::string::npos)
      << store.status().message();
}

TEST_F(PostgresMetadataStoreTest, RecoversWhenTheServerDropsPooledConnections) {
  std::string app = "inet_test_" + RandomHex(6);
  StatusOr<std::unique_ptr<MetadataStore>> store =
      OpenPostgresMetadataStore(schema_->StoreUri("application_name=" + app), "file:///a");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<std::string> experiment_id =
      (*store)->tracking().CreateExperiment(NamedExperiment("pooled"));
  ASSERT_TRUE(experiment_id.ok()) << experiment_id.status().ToString();
  // Fill the pool with several connections (more than the retry count).
  std::vector<std::thread> readers;
  readers.reserve(8);
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        EXPECT_TRUE((*store)->tracking().GetExperiment(*experiment_id).ok());
      }
    });
  }
  for (std::thread& t : readers) t.join();
  // What a server restart or an idle-connection reaper does to the pool.
  EXPECT_GE(CountRows("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                      "application_name = '" +
                      app + "'"),
            1);
  StatusOr<Experiment> after = (*store)->tracking().GetExperiment(*experiment_id);
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST_F(PostgresMetadataStoreTest, ConcurrentBatchesOnOneRunAllLand) {
  StatusOr<std::unique_ptr<MetadataStore>> opened =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///a");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  TrackingStore& store = (*opened)->tracking();
  RunInfo info = NewRunInNewExperiment(store);
  ASSERT_TRUE(store.CreateRun(info, {}).ok());
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Metric> metrics;
      metrics.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        metrics.push_back(Point("loss", t * 1000.0 + i, 5, t * kPerThread + i));
      }
      // Every thread logs the same param and tag: idempotent, never a conflict.
      results[t] = store.LogBatch(info.run_id, metrics, {{"lr", "0.1"}}, {{"team", "x"}});
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  StatusOr<Page<Metric>> history = store.GetMetricHistory(info.run_id, "loss", 0, 0);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(history->items.size(), static_cast<size_t>(kThreads * kPerThread));
  StatusOr<store::Run> run = store.GetRun(info.run_id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->latest_metrics.size(), 1u);
  EXPECT_EQ(run->latest_metrics[0].step, kThreads * kPerThread - 1);
  EXPECT_EQ(run->latest_metrics[0].value, (kThreads - 1) * 1000.0 + kPerThread - 1);
}

TEST_F(PostgresMetadataStoreTest, ParamConflictRollsBackTheWholeBatch) {
  StatusOr<std::unique_ptr<MetadataStore>> opened =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///a");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  TrackingStore& store = (*opened)->tracking();
  RunInfo info = NewRunInNewExperiment(store);
  ASSERT_TRUE(store.CreateRun(info, {}).ok());
  ASSERT_TRUE(store.LogBatch(info.run_id, {}, {{"lr", "0.1"}}, {}).ok());
  Status s = store.LogBatch(info.run_id, {Point("m", 1, 1, 0)}, {{"depth", "3"}, {"lr", "0.2"}},
                            {{"t", "v"}});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("'lr'"), std::string::npos) << s.message();
  StatusOr<store::Run> run = store.GetRun(info.run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->params, (std::vector<Param>{{"lr", "0.1"}}));
  EXPECT_TRUE(run->latest_metrics.empty());
  EXPECT_EQ(CountRows("SELECT count(*) FROM tags WHERE key = 't'"), 0);
}

TEST_F(PostgresMetadataStoreTest, TextPostgresCannotStoreIsInvalidArgument) {
  StatusOr<std::unique_ptr<MetadataStore>> opened =
      OpenPostgresMetadataStore(schema_->StoreUri(), "file:///a");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  // PostgreSQL text cannot hold NUL bytes or invalid UTF-8: a caller error, not a 5xx.
  for (const std::string& bad : {std::string("bad\xff"), std::string("nul\0byte", 8)}) {
    StatusOr<std::string> id = (*opened)->tracking().CreateExperiment(NamedExperiment(bad));
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument) << id.status().ToString();
  }
  // Nothing was stored under a truncated name either.
  EXPECT_FALSE((*opened)->tracking().GetExperimentByName("default", "nul").ok());
}

// --- Errors that need no server ---------------------------------------------------------------

TEST(PostgresOpenTest, UnreachableServerIsUnavailableWithAClearMessage) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  StatusOr<std::unique_ptr<MetadataStore>> store = OpenPostgresMetadataStore(
      "postgresql://inet:secret@127.0.0.1:1/inet?connect_timeout=5", "file:///a");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  const std::string& m = store.status().message();
  EXPECT_NE(m.find("cannot connect to PostgreSQL"), std::string::npos) << m;
  EXPECT_NE(m.find("127.0.0.1"), std::string::npos) << m;
  EXPECT_EQ(m.find("secret"), std::string::npos) << m;
}

TEST(PostgresOpenTest, MalformedUriIsInvalidArgument) {
  for (const char* uri : {"mysql://u:p@h/db", "postgresql://u:p@h/db?no_such_option=1"}) {
    StatusOr<std::unique_ptr<MetadataStore>> store = OpenPostgresMetadataStore(uri, "file:///a");
    ASSERT_FALSE(store.ok()) << uri;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << uri;
    EXPECT_EQ(store.status().message().find(":p@"), std::string::npos) << store.status().message();
  }
}

}  // namespace
}  // namespace inet::store
