#include "store/sqlite/sqlite_metadata_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/ids.h"
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

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("inet-sqlite-" + RandomHex(8))) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

StatusOr<testing::StoreUnderTest> OpenFreshStore(std::string_view artifact_root) {
  fs::path dir = fs::temp_directory_path() / ("inet-sqlite-conf-" + RandomHex(8));
  std::string uri = "sqlite:///" + (dir / "nested" / "store.db").string();
  ASSIGN_OR_RETURN(auto store, OpenSqliteMetadataStore(uri, artifact_root));
  return testing::StoreUnderTest{
      std::move(store),
      [dir] {
        std::error_code ec;
        fs::remove_all(dir, ec);
      },
      [uri, root = std::string(artifact_root)] { return OpenSqliteMetadataStore(uri, root); }};
}

using testing::CostStoreConformanceTest;
using testing::IdentityStoreConformanceTest;
using testing::JobStoreConformanceTest;
using testing::LeaseStoreConformanceTest;
using testing::QuotaStoreConformanceTest;
using testing::TokenStoreConformanceTest;
using testing::TrackingStoreConformanceTest;

// Instantiates one conformance suite; the target's braced initialiser is the variadic part.
#define INSTANTIATE_STORE_CONFORMANCE(prefix, suite, ...)                             \
  INSTANTIATE_TEST_SUITE_P(prefix, suite,                                             \
                           ::testing::Values(testing::ConformanceTarget __VA_ARGS__), \
                           testing::ConformanceTargetName)

INSTANTIATE_STORE_CONFORMANCE(Sqlite, TrackingStoreConformanceTest, {"sqlite", &OpenFreshStore});
INSTANTIATE_STORE_CONFORMANCE(Sqlite, TokenStoreConformanceTest, {"sqlite", &OpenFreshStore});
INSTANTIATE_STORE_CONFORMANCE(Sqlite, JobStoreConformanceTest, {"sqlite", &OpenFreshStore});
INSTANTIATE_STORE_CONFORMANCE(Sqlite, LeaseStoreConformanceTest, {"sqlite", &OpenFreshStore});
INSTANTIATE_STORE_CONFORMANCE(Sqlite, IdentityStoreConformanceTest, {"sqlite", &OpenFreshStore});
INSTANTIATE_STORE_CONFORMANCE(Sqlite, QuotaStoreConformanceTest, {"sqlite", &OpenFreshStore});
INSTANTIATE_STORE_CONFORMANCE(Sqlite, CostStoreConformanceTest, {"sqlite", &OpenFreshStore});

StatusOr<testing::StoreUnderTest> OpenInMemoryStore(std::string_view artifact_root) {
  ASSIGN_OR_RETURN(auto store, OpenSqliteMetadataStore("sqlite://", artifact_root));
  return testing::StoreUnderTest{std::move(store), nullptr, nullptr};
}

INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, TrackingStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});
INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, TokenStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});
INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, JobStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});
INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, LeaseStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});
INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, IdentityStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});
INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, QuotaStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});
INSTANTIATE_STORE_CONFORMANCE(SqliteInMemory, CostStoreConformanceTest,
                              {"sqlite_memory", &OpenInMemoryStore});

// The kernel drops a dead process's lock: a server killed with kill -9 leaves no lease behind.
TEST(SqliteLeaseTest, ALeaseDiesWithItsProcess) {
  TempDir dir;
  const std::string uri = "sqlite:///" + (dir.path() / "store.db").string();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    StatusOr<std::unique_ptr<MetadataStore>> store = OpenSqliteMetadataStore(uri, "file:///a");
    if (!store.ok()) _exit(1);
    StatusOr<std::unique_ptr<Lease>> held = (*store)->leases().TryAcquire("job-controller");
    if (!held.ok() || *held == nullptr) _exit(2);
    const char byte = 'x';
    if (write(ready[1], &byte, 1) != 1) _exit(3);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the child could not take the lease";
  close(ready[0]);
  StatusOr<std::unique_ptr<MetadataStore>> store = OpenSqliteMetadataStore(uri, "file:///a");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<std::unique_ptr<Lease>> while_alive = (*store)->leases().TryAcquire("job-controller");
  ASSERT_TRUE(while_alive.ok()) << while_alive.status().ToString();
  EXPECT_EQ(*while_alive, nullptr);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  StatusOr<std::unique_ptr<Lease>> after = (*store)->leases().TryAcquire("job-controller");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_NE(*after, nullptr);
}

// A lock on a file that is no longer the lease file guards nothing: another process could lock
// the new one.
TEST(SqliteLeaseTest, ALeaseWhoseFileWasRemovedIsLost) {
  TempDir dir;
  const fs::path db = dir.path() / "store.db";
  StatusOr<std::unique_ptr<MetadataStore>> store =
      OpenSqliteMetadataStore("sqlite:///" + db.string(), "file:///a");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<std::unique_ptr<Lease>> held = (*store)->leases().TryAcquire("job-controller");
  ASSERT_TRUE(held.ok() && *held != nullptr) << held.status().ToString();
  EXPECT_TRUE((*held)->Check().ok());
  EXPECT_EQ(fs::status(db.string() + ".lease-job-controller").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  fs::remove(db.string() + ".lease-job-controller");
  EXPECT_EQ((*held)->Check().code(), StatusCode::kUnavailable);
}

TEST(ParseSqliteUriTest, FollowsSqlAlchemyPathRules) {
  EXPECT_EQ(ParseSqliteUri("sqlite:///mlflow.db")->path, "mlflow.db");
  EXPECT_EQ(ParseSqliteUri("sqlite:////tmp/x/mlflow.db")->path, "/tmp/x/mlflow.db");
  EXPECT_EQ(ParseSqliteUri("sqlite://rel/dir.db")->path, "rel/dir.db");
  EXPECT_EQ(ParseSqliteUri("/abs/bare.db")->path, "/abs/bare.db");
  EXPECT_EQ(ParseSqliteUri("bare.db")->path, "bare.db");
  EXPECT_EQ(ParseSqliteUri("sqlite://")->path, ":memory:");
  EXPECT_EQ(ParseSqliteUri("sqlite:///:memory:")->path, ":memory:");
  EXPECT_FALSE(ParseSqliteUri("sqlite:////tmp/a.db")->synchronous_full);
  EXPECT_TRUE(ParseSqliteUri("sqlite:////tmp/a.db?synchronous=full")->synchronous_full);
  EXPECT_EQ(ParseSqliteUri("sqlite:////tmp/a.db?synchronous=full")->path, "/tmp/a.db");
  EXPECT_EQ(ParseSqliteUri("sqlite:////tmp/a.db?bogus=1").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSqliteUri("mysql://host/db").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSqliteUri("sqlite:nope").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSqliteUri("").status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteMetadataStoreTest, ReopenKeepsEverythingAndMigrationsAreIdempotent) {
  TempDir dir;
  std::string uri = "sqlite:///" + (dir.path() / "a" / "b" / "store.db").string();
  std::string exp_id;
  std::string run_id = NewRunId();
  {
    auto store = OpenSqliteMetadataStore(uri, "file:///art");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Experiment e;
    e.name = "persisted";
    exp_id = *(*store)->tracking().CreateExperiment(e);
    RunInfo info;
    info.run_id = run_id;
    info.experiment_id = exp_id;
    info.run_name = "r";
    ASSERT_TRUE((*store)->tracking().CreateRun(info, {}).ok());
    Metric m;
    m.key = "m";
    m.value = 1.5;
    m.timestamp = 10;
    m.step = 2;
    ASSERT_TRUE((*store)->tracking().LogBatch(run_id, {m}, {{"p", "v"}}, {}).ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto store = OpenSqliteMetadataStore(uri, "file:///other-root");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Experiment e = *(*store)->tracking().GetExperiment(exp_id);
    EXPECT_EQ(e.name, "persisted");
    EXPECT_EQ(e.artifact_location, "file:///art/" + exp_id);
    // The store makes no experiment of its own (the default one is the tracking service's).
    EXPECT_EQ((*store)->tracking().GetExperiment("0").status().code(), StatusCode::kNotFound);
    store::Run run = *(*store)->tracking().GetRun(run_id);
    ASSERT_EQ(run.latest_metrics.size(), 1u);
    EXPECT_EQ(run.latest_metrics[0].value, 1.5);
    EXPECT_EQ(run.params.size(), 1u);
    // A new experiment gets the next id, not a reused one.
    Experiment next;
    next.name = "next" + std::to_string(i);
    EXPECT_GT(std::stoll(*(*store)->tracking().CreateExperiment(next)), std::stoll(exp_id));
  }
  // Each migration was recorded exactly once.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "a" / "b" / "store.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_migrations", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), SqliteSchemaVersion());
  EXPECT_EQ(sqlite3_column_int(stmt, 1), SqliteSchemaVersion());
  sqlite3_finalize(stmt);
  char* journal = nullptr;
  sqlite3_stmt* mode = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &mode, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(mode), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(mode, 0)), "wal");
  sqlite3_finalize(mode);
  (void)journal;
  sqlite3_close(db);
}

// A write that returned OK survives the process being killed right after (synchronous=NORMAL
// in WAL mode is durable against process crashes).
TEST(SqliteMetadataStoreTest, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  std::string uri = "sqlite:///" + (dir.path() / "crash.db").string();
  std::string run_id = NewRunId();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = OpenSqliteMetadataStore(uri, "file:///art");
    if (!store.ok()) _exit(2);
    Experiment experiment;
    experiment.name = "crash";
    StatusOr<std::string> experiment_id = (*store)->tracking().CreateExperiment(experiment);
    if (!experiment_id.ok()) _exit(6);
    RunInfo info;
    info.run_id = run_id;
    info.experiment_id = *experiment_id;
    info.run_name = "doomed";
    if (!(*store)->tracking().CreateRun(info, {}).ok()) _exit(3);
    std::vector<Metric> batch;
    for (int i = 0; i < 1000; ++i) {
      Metric m;
      m.key = "loss";
      m.value = i;
      m.timestamp = i;
      m.step = i;
      batch.push_back(m);
    }
    if (!(*store)->tracking().LogBatch(run_id, batch, {{"p", "v"}}, {}).ok()) _exit(4);
    raise(SIGKILL);  // no destructors, no checkpoint, no close
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto store = OpenSqliteMetadataStore(uri, "file:///art");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto run = (*store)->tracking().GetRun(run_id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->info.run_name, "doomed");
  EXPECT_EQ(run->params.size(), 1u);
  EXPECT_EQ((*store)->tracking().GetMetricHistory(run_id, "loss", 0, 0)->items.size(), 1000u);
}

// The writer checkpoints the WAL only after kWalAutocheckpointPages pages, not after SQLite's
// default 1,000: batches of many distinct keys dirty about 1,000 pages each, and the default
// checkpointed after nearly every one of them. The WAL therefore grows past 1,000 pages, and
// what it holds is durable as before.
TEST(SqliteMetadataStoreTest, WalIsCheckpointedLessOftenThanSqlitesDefault) {
  TempDir dir;
  const fs::path path = dir.path() / "wal.db";
  {
    auto store = OpenSqliteMetadataStore("sqlite:///" + path.string(), "file:///art");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Experiment experiment;
    experiment.name = "wal";
    StatusOr<std::string> experiment_id = (*store)->tracking().CreateExperiment(experiment);
    ASSERT_TRUE(experiment_id.ok()) << experiment_id.status().ToString();
    RunInfo info;
    info.run_id = NewRunId();
    info.experiment_id = *experiment_id;
    ASSERT_TRUE((*store)->tracking().CreateRun(info, {}).ok());
    for (int b = 0; b < 25; ++b) {
      std::vector<Metric> batch;
      for (int k = 0; k < 1000; ++k) {
        Metric m;
        m.key = "metric_" + std::to_string(k);
        m.value = b;
        m.timestamp = b;
        m.step = b;
        batch.push_back(m);
      }
      ASSERT_TRUE((*store)->tracking().LogBatch(info.run_id, batch, {}, {}).ok());
    }
    // With SQLite's default the WAL restarts from its beginning once it holds 1,000 pages, so
    // it never exceeds 1,000 pages plus one commit's (each of these dirties a few hundred).
    EXPECT_GT(fs::file_size(path.string() + "-wal"), 2000u * 4096u);
  }
  auto reopened = OpenSqliteMetadataStore("sqlite:///" + path.string(), "file:///art");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
}

// A page larger than SQLite's per-statement parameter budget for one bulk query still gets
// every run's children (the id list is chunked).
TEST(SqliteMetadataStoreTest, LargePagesLoadAllChildren) {
  auto opened = OpenSqliteMetadataStore("sqlite://", "file:///r");
  ASSERT_TRUE(opened.ok());
  TrackingStore& store = (*opened)->tracking();
  Experiment experiment;
  experiment.name = "large";
  StatusOr<std::string> experiment_id = store.CreateExperiment(experiment);
  ASSERT_TRUE(experiment_id.ok());
  constexpr int kRuns = 1100;
  for (int i = 0; i < kRuns; ++i) {
    RunInfo info;
    info.run_id = NewRunId();
    info.experiment_id = *experiment_id;
    info.run_name = "r" + std::to_string(i);
    info.start_time = i;
    ASSERT_TRUE(store.CreateRun(info, {{"mlflow.runName", info.run_name}}).ok());
    Metric m;
    m.key = "m";
    m.value = i;
    ASSERT_TRUE(store.LogBatch(info.run_id, {m}, {{"i", std::to_string(i)}}, {}).ok());
  }
  RunQuery q;
  q.experiment_ids = {*experiment_id};
  q.max_results = 5000;
  auto page = store.SearchRuns(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), static_cast<size_t>(kRuns));
  EXPECT_TRUE(page->next_page_token.empty());
  for (const store::Run& r : page->items) {
    ASSERT_EQ(r.params.size(), 1u) << r.info.run_id;
    ASSERT_EQ(r.latest_metrics.size(), 1u) << r.info.run_id;
    EXPECT_EQ(r.params[0].value, std::to_string(static_cast<int>(r.latest_metrics[0].value)));
    EXPECT_EQ(r.tags.size(), 1u);  // mlflow.runName
  }
}

TEST(SqliteMetadataStoreTest, DatabaseFromNewerBinaryIsRejected) {
  TempDir dir;
  fs::path file = dir.path() / "store.db";
  std::string uri = "sqlite:///" + file.string();
  ASSERT_TRUE(OpenSqliteMetadataStore(uri, "file:///art").ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::string sql = "INSERT INTO schema_migrations VALUES (" +
                    std::to_string(SqliteSchemaVersion() + 1) + ", 'future', 0)";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteMetadataStore(uri, "file:///art");
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.status().message(), HasSubstr("newer than this inet binary"));
}

TEST(SqliteMetadataStoreTest, UnopenableFileIsUnavailable) {
  TempDir dir;
  fs::path blocker = dir.path() / "file";
  { std::ofstream(blocker) << "x"; }
  // A path below a regular file cannot be created.
  auto store = OpenSqliteMetadataStore("sqlite:///" + (blocker / "sub" / "db").string(), "r");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
}

TEST(SqliteMetadataStoreTest, NotADatabaseIsReported) {
  TempDir dir;
  fs::path file = dir.path() / "garbage.db";
  { std::ofstream(file) << std::string(4096, 'g'); }
  auto store = OpenSqliteMetadataStore("sqlite:///" + file.string(), "r");
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("garbage.db"));
}

TEST(SqliteMetadataStoreTest, UsesInjectedClock) {
  FakeClock clock(5'000);
  auto store = OpenSqliteMetadataStore("sqlite://", "file:///r", &clock);
  ASSERT_TRUE(store.ok());
  Experiment e;
  e.name = "timed";
  std::string id = *(*store)->tracking().CreateExperiment(e);
  EXPECT_EQ((*store)->tracking().GetExperiment(id)->creation_time, 5'000);
  clock.Set(9'000);
  ASSERT_TRUE((*store)->tracking().RenameExperiment(id, "timed2").ok());
  EXPECT_EQ((*store)->tracking().GetExperiment(id)->last_update_time, 9'000);
}

// What a version-3 binary left behind in place of migration 4: the metrics key in
// (timestamp, step, value, is_nan) order, no latest_metrics.experiment_id, the (key, value)
// index.
// What a version-8 binary left behind: no cost ledger, budgets or budget warnings.
constexpr char kDropCosts[] =
    "DROP TABLE budget_warnings; DROP TABLE team_budgets; DROP TABLE storage_costs; "
    "DROP TABLE attempt_costs; ";
const std::string kUndoCosts =
    std::string(kDropCosts) + "DELETE FROM schema_migrations WHERE version >= 9; ";

// What a version-7 binary left behind: no team quotas (and what came after).
const std::string kDropQuotas =
    std::string(kDropCosts) + "DROP TABLE quota_requests; DROP TABLE team_quotas; ";
const std::string kUndoQuotas = kDropQuotas + "DELETE FROM schema_migrations WHERE version >= 8; ";

// What a version-5 binary left behind: jobs without the typed columns (and what came after).
const std::string kDropJobColumns =
    kDropQuotas +
    "ALTER TABLE jobs DROP COLUMN cpu_millis; ALTER TABLE jobs DROP COLUMN memory_bytes; "
    "ALTER TABLE jobs DROP COLUMN gpus; ALTER TABLE jobs DROP COLUMN stop_reason; ";
const std::string kUndoJobColumns =
    kDropJobColumns + "DELETE FROM schema_migrations WHERE version >= 6; ";

// What a version-4 binary left behind: no users, teams or memberships.
const std::string kUndoTeams =
    std::string(kDropJobColumns) +
    "DROP TABLE team_members; DROP TABLE teams; DROP TABLE users; "
    "ALTER TABLE tokens DROP COLUMN team; ALTER TABLE tokens DROP COLUMN expires_at; "
    "DELETE FROM schema_migrations WHERE version >= 5; ";

const std::string kUndoVersion4 =
    std::string(kDropJobColumns) +
    "DROP TABLE team_members; DROP TABLE teams; DROP TABLE users; "
    "ALTER TABLE tokens DROP COLUMN team; ALTER TABLE tokens DROP COLUMN expires_at; "
    "DROP INDEX latest_metrics_experiment_key; "
    "ALTER TABLE latest_metrics DROP COLUMN experiment_id; "
    "CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value); "
    "CREATE TABLE metrics_v3 (run_uuid TEXT NOT NULL, key TEXT NOT NULL, timestamp INTEGER NOT "
    "NULL, step INTEGER NOT NULL, value REAL NOT NULL, is_nan INTEGER NOT NULL DEFAULT 0, "
    "model_id TEXT, dataset_name TEXT, dataset_digest TEXT, PRIMARY KEY (run_uuid, key, "
    "timestamp, step, value, is_nan)) WITHOUT ROWID; "
    "INSERT INTO metrics_v3 SELECT run_uuid, key, timestamp, step, value, is_nan, model_id, "
    "dataset_name, dataset_digest FROM metrics; "
    "DROP TABLE metrics; ALTER TABLE metrics_v3 RENAME TO metrics; "
    "DELETE FROM schema_migrations WHERE version >= 4; ";

// Runs `sql` on the database file directly, as an older binary's schema would be restored.
void RollBack(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// A version-3 database with metrics gains migration 4 on open: its history reads in order
// (numbers of one step before NaN), and its latest metrics carry their experiment, so a search
// filtered and ordered by a metric finds the runs logged before the upgrade.
TEST(SqliteMetadataStoreTest, VersionThreeDatabaseIsMigratedToIndexedReads) {
  TempDir dir;
  fs::path file = dir.path() / "v3.db";
  std::string uri = "sqlite:///" + file.string();
  std::string exp_id;
  std::string run_id = NewRunId();
  {
    auto store = OpenSqliteMetadataStore(uri, "file:///art");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Experiment e;
    e.name = "before-v4";
    exp_id = *(*store)->tracking().CreateExperiment(e);
    RunInfo info;
    info.run_id = run_id;
    info.experiment_id = exp_id;
    info.start_time = 1;
    ASSERT_TRUE((*store)->tracking().CreateRun(info, {}).ok());
    Metric nan_point;
    nan_point.key = "loss";
    nan_point.value = std::nan("");
    nan_point.timestamp = 5;
    nan_point.step = 1;
    Metric number = nan_point;
    number.value = 0.25;
    Metric latest = number;  // a NaN ranks above a number of the same step
    latest.step = 2;
    ASSERT_TRUE((*store)->tracking().LogBatch(run_id, {nan_point, number, latest}, {}, {}).ok());
  }
  RollBack(file, kUndoVersion4);
  auto store = OpenSqliteMetadataStore(uri, "file:///art");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<Metric> history = (*store)->tracking().GetMetricHistory(run_id, "loss", 0, 0)->items;
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].value, 0.25);
  EXPECT_TRUE(std::isnan(history[1].value));
  EXPECT_EQ(history[2].step, 2);
  RunQuery q;
  q.experiment_ids = {exp_id};
  q.filter.clauses = {
      search::Comparison{search::Entity::kMetric, "loss", search::Comparator::kLt, 1.0}};
  q.order_by = {{search::Entity::kMetric, "loss", true}};
  StatusOr<Page<store::Run>> page = (*store)->tracking().SearchRuns(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].info.run_id, run_id);
}

// Fills a database through the current store, rolls its schema back with `undo`, and checks
// with `expect` what reopening it (which applies the undone migrations again) made of the data.
void ExpectMigratedAfterRollBack(void (*fill)(MetadataStore&), const std::string& undo,
                                 void (*expect)(MetadataStore&)) {
  TempDir dir;
  fs::path file = dir.path() / "old.db";
  std::string uri = "sqlite:///" + file.string();
  {
    auto store = OpenSqliteMetadataStore(uri, "file:///art");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    fill(**store);
  }
  RollBack(file, undo);
  auto store = OpenSqliteMetadataStore(uri, "file:///art");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  expect(**store);
}

// A version-7 database with teams gains quotas on open: its teams have none (no limits) until
// a platform admin sets one.
TEST(SqliteMetadataStoreTest, VersionSevenDatabaseIsMigratedToQuotas) {
  ExpectMigratedAfterRollBack(testing::FillBeforeQuotas, kUndoQuotas,
                              testing::ExpectMigratedToQuotas);
}

// A version-8 database with teams and jobs gains the cost ledger and budgets on open: no
// costs, no budgets, no warnings sent, and each can be recorded.
TEST(SqliteMetadataStoreTest, VersionEightDatabaseIsMigratedToCosts) {
  ExpectMigratedAfterRollBack(testing::FillBeforeCosts, kUndoCosts, testing::ExpectMigratedToCosts);
}

TEST(SqliteMetadataStoreTest, VersionFourDatabaseIsMigratedToTeams) {
  ExpectMigratedAfterRollBack(testing::FillBeforeTeams, kUndoTeams, testing::ExpectMigratedToTeams);
}

// A version-5 database holding jobs gains the typed job columns on open, filled in from each
// job's spec ("500m", "16Gi") and from its state and reason.
TEST(SqliteMetadataStoreTest, VersionFiveDatabaseIsMigratedToTypedJobColumns) {
  ExpectMigratedAfterRollBack(testing::FillBeforeTypedJobColumns, kUndoJobColumns,
                              testing::ExpectMigratedToTypedJobColumns);
}

// A database written before jobs existed (schema version 1, with data) gains the jobs tables
// on open, keeps its data, and jobs then persist across reopening.
TEST(SqliteMetadataStoreTest, VersionOneDatabaseIsMigratedToJobs) {
  TempDir dir;
  fs::path file = dir.path() / "old.db";
  std::string uri = "sqlite:///" + file.string();
  std::string exp_id;
  {
    auto store = OpenSqliteMetadataStore(uri, "file:///art");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Experiment e;
    e.name = "before-jobs";
    exp_id = *(*store)->tracking().CreateExperiment(e);
  }
  {
    // Roll the file back to what a version-1 binary left behind.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           (kUndoVersion4 + "DROP TABLE job_events; DROP TABLE jobs; "
                                            "ALTER TABLE tokens DROP COLUMN scope; "
                                            "DELETE FROM schema_migrations WHERE version >= 2")
                               .c_str(),
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  JobRecord job;
  job.job_id = "train-000001";
  job.name = "train";
  job.team = "default";
  job.user = "alice";
  job.priority_class = "batch";
  job.spec_json = "{}";
  job.created_at = 100;
  JobEvent event;
  event.reason = "submitted";
  event.timestamp = 100;
  {
    auto store = OpenSqliteMetadataStore(uri, "file:///art");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->tracking().GetExperiment(exp_id)->name, "before-jobs");
    ASSERT_TRUE((*store)->jobs().CreateJob(job, event).ok());
  }
  auto store = OpenSqliteMetadataStore(uri, "file:///art");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<JobRecord> got = (*store)->jobs().GetJob("train-000001");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->version, 1);
  StatusOr<std::vector<JobEvent>> events = (*store)->jobs().ListJobEvents("train-000001");
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].reason, "submitted");
}

}  // namespace
}  // namespace inet::store
