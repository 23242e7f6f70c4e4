// The composition root of `inet server`: turns configuration into concrete adapters (metadata
// store, artifact store), services and routes, serves until SIGINT/SIGTERM, then shuts down
// cleanly. This is the only place that names concrete adapters.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "common/status.h"
#include "jobs/pricing.h"

namespace inet::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port (printed in the banner)
  std::string data_dir;  // default ~/.inet
  std::string db_uri;    // default sqlite:///<data_dir>/inet.db
  // Where artifact bytes are stored (served through the mlflow-artifacts proxy).
  // Default file://<data_dir>/artifacts.
  std::string artifacts_root;
  // The root URI handed to clients in experiments' artifact locations. The default,
  // "mlflow-artifacts:/", makes clients upload through the server, so they need no shared disk.
  std::string default_artifact_root = "mlflow-artifacts:/";
  int workers = 0;  // handler threads; 0 = automatic
  bool access_log = true;
  // Open connections in total and from one client address (>= 1); past them, 503.
  int max_connections = 1024;
  int max_connections_per_client = 256;

  // --- Jobs (local executor) ---
  std::string jobs_dir;            // job workspaces and logs; default <data_dir>/jobs
  int gpus = -1;                   // -1 = discover (NVML, nvidia-smi); >= 0 = this many, configured
  std::string python = "python3";  // interpreter for .py job scripts
  // The URL jobs use to reach this server (MLFLOW_TRACKING_URI, INET_URL) and the base of run
  // links; default: the listening address.
  std::string external_url;
  // The user jobs run as. "auto": inet-job when the server runs as root and that user exists
  // (scripts/setup.sh creates it), else the server's own user; "" = the server's own user.
  // Jobs running as the server's user are confined with Landlock where the kernel has it.
  std::string job_user = "auto";
  int64_t max_log_bytes = 256LL << 20;      // a job's log stops growing past this; 0 = no cap
  int64_t job_max_processes = 4096;         // RLIMIT_NPROC for jobs; 0 = no limit
  int64_t job_max_file_bytes = 64LL << 30;  // RLIMIT_FSIZE for jobs; 0 = no limit
  // How long a finished job's workspace is kept after its outputs and log are stored: "0"
  // (remove at once), "<n>s", "<n>m", "<n>h", "<n>d", or "never".
  std::string workspace_retention = "1h";
  int64_t workspace_retention_millis = 3'600'000;  // set by ResolveConfig; -1 = never
  // A code snapshot may unpack to max(64 MiB, this many times its size); 0 = only 16 GiB.
  int snapshot_unpack_ratio = 20;

  // Costs and budgets (docs/costs.md). The price flags as given ("" = the default), resolved
  // into `prices` by ResolveConfig.
  std::string price_gpu_hour;           // "H100=4.50,A100=3.00,*=2.50"
  std::string price_cpu_hour;           // USD per vCPU-hour
  std::string price_memory_gib_hour;    // USD per GiB-hour
  std::string price_storage_gib_month;  // USD per GiB-month
  jobs::PriceTable prices = jobs::DefaultPrices();
  // The hard ceiling in percent of a team's monthly budget: past it the team's running jobs
  // are stopped. 0 = none.
  int budget_ceiling_percent = 0;
  int cost_accrual_seconds = 60;    // how often running jobs' costs are written and checked
  int storage_sample_minutes = 60;  // how often teams' artifact storage is measured
  std::string alert_webhook;        // Slack-compatible URL budget and runaway alerts are POSTed to
};

// The inet version, also served at /api/v1/version and printed in the banner (/version
// answers the MLflow API version, api::kMlflowApiVersion).
const char* Version();

// Fills defaults from the data dir and validates. kInvalidArgument with a message that says
// which flag to fix.
StatusOr<ServerConfig> ResolveConfig(ServerConfig config);

// Starts the server and the job controller, prints the banner (URL, stores, executor, how jobs
// are isolated, admin token location, the export line) to `out`, and blocks until SIGINT or
// SIGTERM; in-flight requests then finish and the stores are closed; running jobs keep running (a
// restart re-attaches them). The caller must have blocked SIGINT and SIGTERM in every thread
// (BlockShutdownSignals) before any thread was started.
Status RunServer(const ServerConfig& config, std::ostream& out);

// Blocks SIGINT/SIGTERM/SIGPIPE in the calling thread (and threads it starts later) so that
// RunServer can wait for them synchronously. Call first thing in main().
void BlockShutdownSignals();

}  // namespace inet::server
