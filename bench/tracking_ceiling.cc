// tracking_ceiling: what this machine allows for the tracking rows of bench/mlflow_compare.py,
// measured without a server. bench/mlflow_compare.py runs it in the same run as the servers and
// reports each server's throughput as a share of these ceilings.
//
// Rows (one JSON object a line on stdout):
//   sqlite_insert_few_keys   log_batch's points (1,000 a batch, one key, 4 runs) inserted
//                            straight into inet's SQLite schema with the server's connection
//                            settings (WAL, synchronous=NORMAL, its wal_autocheckpoint, no
//                            SQLite mutexes): prepared statements, one durable transaction per
//                            1,000 rows, the latest-metric upsert per key and batch
//   sqlite_insert_many_keys  the same with 1,000 distinct keys a batch (1,000 upserts a batch)
//   history_read             SELECT of one key's points in history order, the columns
//                            get-history answers with (as the server's query)
//   history_json             encoding those points as get-history's JSON, the same bytes as
//                            the server's (key, value, timestamp, step, run_id), with
//                            std::to_chars (shortest round-trip doubles), no DOM
//
//   tracking_ceiling [--batches N] [--history-points N] [--dir DIR]
#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_database.h"
#include "store/sqlite/sqlite_schema.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(std::string_view what, sqlite3* db) {
  std::fprintf(stderr, "tracking_ceiling: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               db != nullptr ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "tracking_ceiling: %s: %s\n", sql.substr(0, 80).c_str(), error);
    sqlite3_free(error);
    std::exit(1);
  }
}

// A prepared statement, reset after each step.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      Die(sql, db);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  sqlite3_stmt* get() { return stmt_; }
  void Run() {
    if (sqlite3_step(stmt_) != SQLITE_DONE) Die("step", db_);
    sqlite3_reset(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Opens a fresh database with inet's schema and its writer's connection settings (WAL,
// synchronous=NORMAL, the embedded default; its wal_autocheckpoint; no SQLite mutexes, as the
// server's connections are each used by one thread at a time).
sqlite3* OpenFresh(const std::filesystem::path& path) {
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    Die("open", db);
  }
  Exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = " +
               std::to_string(inet::store::sqlite::kWalAutocheckpointPages) + ";");
  for (const auto& migration : inet::store::sqlite::Migrations()) {
    Exec(db, "BEGIN;" + std::string(migration.sql) + "COMMIT;");
  }
  return db;
}

struct Point {
  std::string key;
  int64_t timestamp;
  int64_t step;
  double value;
  std::string model_id;
  std::string dataset_name;
  std::string dataset_digest;
};

void Report(std::string_view row, int64_t points, double seconds, std::string_view note) {
  std::printf(
      "{\"row\": \"%.*s\", \"points\": %lld, \"seconds\": %.6f, \"points_per_s\": %.1f, "
      "\"note\": \"%.*s\"}\n",
      static_cast<int>(row.size()), row.data(), static_cast<long long>(points), seconds,
      seconds > 0 ? static_cast<double>(points) / seconds : 0.0, static_cast<int>(note.size()),
      note.data());
  std::fflush(stdout);
}

// Inserts `batches` batches of 1,000 points, each batch one durable transaction, spread over 4
// runs as the benchmark's 4 workers do. With `distinct_keys` every point of a batch has its own
// key; otherwise all points share one key and consecutive steps.
void InsertRows(const std::filesystem::path& dir, std::string_view row, int batches,
                bool distinct_keys) {
  sqlite3* db = OpenFresh(dir / "insert.db");
  {
    Statement metric(
        db,
        "INSERT OR IGNORE INTO metrics (run_uuid, key, timestamp, step, value, is_nan, "
        "model_id, dataset_name, dataset_digest) VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL, "
        "NULL, NULL)");
    Statement latest(db,
                     "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT (run_uuid, key) DO UPDATE SET "
                     "value = excluded.value, timestamp = excluded.timestamp, step = excluded.step "
                     "WHERE (excluded.step, excluded.timestamp, excluded.value) > "
                     "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)");
    Statement begin(db, "BEGIN IMMEDIATE");
    Statement commit(db, "COMMIT");
    const std::string runs[4] = {
        "run0000000000000000000000000000a", "run0000000000000000000000000000b",
        "run0000000000000000000000000000c", "run0000000000000000000000000000d"};
    std::vector<std::string> keys;
    for (int k = 0; k < 1000; ++k)
      keys.push_back(distinct_keys ? "metric_" + std::to_string(k) : "m");
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> uniform(0, 1);

    const auto start = Clock::now();
    for (int b = 0; b < batches; ++b) {
      const std::string& run = runs[b % 4];
      begin.Run();
      for (int i = 0; i < 1000; ++i) {
        const int64_t step = distinct_keys ? b : static_cast<int64_t>(b) * 1000 + i;
        sqlite3_stmt* s = metric.get();
        sqlite3_bind_text(s, 1, run.data(), static_cast<int>(run.size()), SQLITE_STATIC);
        sqlite3_bind_text(s, 2, keys[i].data(), static_cast<int>(keys[i].size()), SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, 1'700'000'000'000 + step);
        sqlite3_bind_int64(s, 4, step);
        sqlite3_bind_double(s, 5, uniform(random));
        metric.Run();
        // The latest-metric summary: once per key and batch, for its last point.
        if (distinct_keys || i == 999) {
          sqlite3_stmt* l = latest.get();
          sqlite3_bind_text(l, 1, run.data(), static_cast<int>(run.size()), SQLITE_STATIC);
          sqlite3_bind_text(l, 2, keys[i].data(), static_cast<int>(keys[i].size()), SQLITE_STATIC);
          sqlite3_bind_double(l, 3, uniform(random));
          sqlite3_bind_int64(l, 4, 1'700'000'000'000 + step);
          sqlite3_bind_int64(l, 5, step);
          latest.Run();
        }
      }
      commit.Run();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    Report(row, static_cast<int64_t>(batches) * 1000, seconds,
           distinct_keys ? "1,000 distinct keys per transaction"
                         : "one key, 1,000 steps per transaction");
  }
  sqlite3_close(db);
}

// The history's run: a 32-hex-digit id like the server's, which get-history writes on every point.
constexpr const char* kRun = "0123456789abcdef0123456789abcdef";

// Stores `points` points of one key, then times reading them back in history order and
// encoding them as get-history's JSON.
void History(const std::filesystem::path& dir, int64_t points) {
  sqlite3* db = OpenFresh(dir / "history.db");
  {
    Statement insert(db,
                     "INSERT INTO metrics (run_uuid, key, timestamp, step, value, is_nan) VALUES "
                     "(?4, 'h', ?1, ?2, ?3, 0)");
    Exec(db, "BEGIN");
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> uniform(0, 1);
    for (int64_t i = 0; i < points; ++i) {
      sqlite3_bind_int64(insert.get(), 1, 1'700'000'000'000 + i);
      sqlite3_bind_int64(insert.get(), 2, i);
      sqlite3_bind_double(insert.get(), 3, uniform(random));
      sqlite3_bind_text(insert.get(), 4, kRun, -1, SQLITE_STATIC);
      insert.Run();
    }
    Exec(db, "COMMIT");

    Statement select(db,
                     "SELECT key, value, is_nan, timestamp, step, model_id, dataset_name, "
                     "dataset_digest FROM metrics WHERE run_uuid = ?1 AND key = 'h' ORDER BY "
                     "timestamp, step, is_nan, value");
    std::vector<Point> history;
    history.reserve(static_cast<size_t>(points));
    auto start = Clock::now();
    sqlite3_stmt* s = select.get();
    sqlite3_bind_text(s, 1, kRun, -1, SQLITE_STATIC);
    auto text = [s](int col) {
      const unsigned char* p = sqlite3_column_text(s, col);
      return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
    };
    while (sqlite3_step(s) == SQLITE_ROW) {
      history.push_back(
          Point{text(0), sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
                sqlite3_column_int(s, 2) != 0 ? std::nan("") : sqlite3_column_double(s, 1), text(5),
                text(6), text(7)});
    }
    sqlite3_reset(s);
    Report("history_read", static_cast<int64_t>(history.size()),
           std::chrono::duration<double>(Clock::now() - start).count(), "SELECT in history order");

    start = Clock::now();
    std::string out = "{\"metrics\":[";
    char number[32];
    for (size_t i = 0; i < history.size(); ++i) {
      const Point& p = history[i];
      if (i > 0) out += ',';
      out += "{\"key\":\"";
      out += p.key;
      out += "\",\"value\":";
      if (std::isnan(p.value)) {
        out += "\"NaN\"";
      } else {
        out.append(number, std::to_chars(number, number + sizeof(number), p.value).ptr);
      }
      out += ",\"timestamp\":";
      out.append(number, std::to_chars(number, number + sizeof(number), p.timestamp).ptr);
      out += ",\"step\":";
      out.append(number, std::to_chars(number, number + sizeof(number), p.step).ptr);
      out += ",\"run_id\":\"";
      out += kRun;
      out += '"';
      // The optional fields the server writes when set (none are, as in the benchmark).
      if (!p.model_id.empty() || !p.dataset_name.empty() || !p.dataset_digest.empty()) {
        Die("the history has optional fields this encoder does not write", nullptr);
      }
      out += '}';
    }
    out += "]}";
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    Report("history_json", static_cast<int64_t>(history.size()), seconds,
           std::to_string(out.size()) + " bytes");
  }
  sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  int batches = 200;
  int64_t history_points = 100'000;
  std::filesystem::path dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--batches") {
      batches = std::atoi(argv[i + 1]);
    } else if (flag == "--history-points") {
      history_points = std::atoll(argv[i + 1]);
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    } else {
      std::fprintf(stderr,
                   "usage: tracking_ceiling [--batches N] [--history-points N] [--dir DIR]\n");
      return 2;
    }
  }
  if (batches <= 0 || history_points <= 0) {
    std::fprintf(stderr, "tracking_ceiling: --batches and --history-points must be positive\n");
    return 2;
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = std::filesystem::temp_directory_path() /
          ("tracking_ceiling-" + std::to_string(std::random_device{}()));
  }
  std::filesystem::create_directories(dir);
  InsertRows(dir, "sqlite_insert_few_keys", batches, /*distinct_keys=*/false);
  InsertRows(dir, "sqlite_insert_many_keys", batches, /*distinct_keys=*/true);
  History(dir, history_points);
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
