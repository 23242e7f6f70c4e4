// The `inet` binary: `inet server` runs the control plane; every other subcommand is a client
// of its API (more arrive with later issues).
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/login_command.h"
#include "cli/platform_commands.h"
#include "client/client_config.h"
#include "exec/local/supervisor.h"
#include "server/server.h"

namespace {

void AddServerCommand(CLI::App& app, inet::server::ServerConfig& config, bool& quiet) {
  CLI::App* cmd = app.add_subcommand(
      "server",
      "Run the control plane: the MLflow REST API (tracking, artifacts proxy), the platform "
      "API and the local job executor. With no flags it keeps everything under ~/.inet (SQLite, "
      "a local artifact directory, job workspaces).");
  cmd->add_option("--host", config.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", config.port, "Port to listen on (0 picks a free one)")
      ->capture_default_str();
  cmd->add_option("--data-dir", config.data_dir,
                  "Directory for the embedded database, artifacts and the admin token "
                  "[default: ~/.inet]");
  cmd->add_option("--db,--backend-store-uri", config.db_uri,
                  "Metadata store: sqlite:///path/to.db or postgresql://user:pw@host:port/db "
                  "[default: sqlite:///<data-dir>/inet.db]");
  cmd->add_option("--artifacts-root,--artifacts-destination", config.artifacts_root,
                  "Where artifact bytes are stored: file:///dir or a path "
                  "[default: file://<data-dir>/artifacts]");
  cmd->add_option("--default-artifact-root", config.default_artifact_root,
                  "Artifact root URI given to clients; mlflow-artifacts:/ (the default) sends "
                  "uploads through this server, file:///shared/dir makes clients write there "
                  "directly")
      ->capture_default_str();
  cmd->add_option("--workers", config.workers,
                  "Request handler threads (0 = twice the CPU count, at least 4)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-connections", config.max_connections,
                  "Open connections the server accepts; past it a new one gets 503")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-connections-per-client", config.max_connections_per_client,
                  "Open connections from one client address; past it a new one gets 503")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", quiet, "No access log line per request");
  cmd->add_option("--jobs-dir", config.jobs_dir,
                  "Where the local executor keeps job workspaces and logs "
                  "[default: <data-dir>/jobs]");
  cmd->add_option("--gpus", config.gpus,
                  "GPUs the local executor hands out: a count (0 on machines without GPUs, or "
                  "to simulate some in tests) [default: discovered through NVML or nvidia-smi]")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--python", config.python,
                  "Python interpreter for .py job scripts (it needs mlflow for jobs that log)")
      ->capture_default_str();
  cmd->add_option("--job-user", config.job_user,
                  "User that jobs run as (the server must run as root); '' = the server's own "
                  "user, confined with Landlock where the kernel has it [default: inet-job when "
                  "running as root and that user exists (scripts/setup.sh creates it), else the "
                  "server's user]");
  cmd->add_option("--max-log-bytes", config.max_log_bytes,
                  "Largest job log in bytes; past it the log says it was truncated and the rest "
                  "is discarded (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--job-max-processes", config.job_max_processes,
                  "RLIMIT_NPROC for jobs: processes and threads of the job user (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--job-max-file-bytes", config.job_max_file_bytes,
                  "RLIMIT_FSIZE for jobs: the largest file a job may write, in bytes (0 = no "
                  "limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--external-url", config.external_url,
                  "URL jobs and links use to reach this server [default: the listening "
                  "address]");
  cmd->add_option("--workspace-retention", config.workspace_retention,
                  "How long a finished job's workspace (code, outputs, checkpoints) is kept "
                  "once its outputs and log are stored: 0, 90s, 30m, 12h, 7d or never")
      ->capture_default_str();
  cmd->add_option("--snapshot-unpack-ratio", config.snapshot_unpack_ratio,
                  "A job's code snapshot may unpack to at most this many times its size "
                  "(and at least 64 MiB); 0 = no ratio, only the 16 GiB bound")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--price-gpu-hour", config.price_gpu_hour,
                  "USD per GPU-hour by GPU model, e.g. 'H100=4.50,A100=3.00,*=2.50' (a model "
                  "matches GPU names containing it; '*' prices the rest; models left out keep "
                  "their default) [default: see docs/costs.md]");
  cmd->add_option("--price-cpu-hour", config.price_cpu_hour,
                  "USD per vCPU-hour a job requests [default: 0.0316]");
  cmd->add_option("--price-memory-gib-hour", config.price_memory_gib_hour,
                  "USD per GiB-hour of memory a job requests [default: 0.0042]");
  cmd->add_option("--price-storage-gib-month", config.price_storage_gib_month,
                  "USD per GiB-month of a team's artifact storage [default: 0.023]");
  cmd->add_option("--budget-ceiling-percent", config.budget_ceiling_percent,
                  "Hard ceiling in percent of a team's monthly budget: past it the team's "
                  "running jobs are stopped, even when it allows overrun (0 = none)")
      ->capture_default_str();
  cmd->add_option("--cost-accrual-seconds", config.cost_accrual_seconds,
                  "How often running jobs' costs are written to the ledger and checked against "
                  "budgets and --max-cost (an attempt's end is always written)")
      ->capture_default_str();
  cmd->add_option("--storage-sample-minutes", config.storage_sample_minutes,
                  "How often each team's artifact storage is measured (one listing of the "
                  "artifact store) for its monthly storage cost")
      ->capture_default_str();
  cmd->add_option("--alert-webhook", config.alert_webhook,
                  "URL budget warnings and runaway stops are POSTed to as Slack-compatible JSON "
                  "{\"text\": ...} (a Slack incoming webhook, say)");
}

}  // namespace

int main(int argc, char** argv) {
  // The local executor's job supervisor keeps default signal handling, so it runs before the
  // signals are blocked for the server.
  if (argc > 1 && std::string_view(argv[1]) == "__supervise") {
    return inet::exec::local::SupervisorMain(argc, argv);
  }
  // Before any thread exists, so that every thread inherits the mask (see RunServer).
  inet::server::BlockShutdownSignals();

  CLI::App app("inet: a self-service ML platform (MLflow-compatible tracking, jobs, quotas)",
               "inet");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("inet ") + inet::server::Version());

  inet::server::ServerConfig config;
  bool quiet = false;
  AddServerCommand(app, config, quiet);
  app.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "inet " << inet::server::Version() << "\n";
  });
  inet::cli::CommandContext context;
  context.out = &std::cout;
  context.err = &std::cerr;
  context.in = &std::cin;
  context.env = inet::client::ProcessEnv();
  context.stdin_is_tty = isatty(STDIN_FILENO) == 1;
  context.stderr_is_tty = isatty(STDERR_FILENO) == 1;
  context.own_signals = true;
  inet::cli::AddPlatformCommands(app, context);
  inet::cli::AddLoginCommand(app, context);

  // The client commands run from CLI11 callbacks inside parse(). Usage errors exit 2.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "inet: internal error: " << e.what() << "\n";
    return 1;
  }
  if (app.got_subcommand("platform") || app.got_subcommand("login")) return context.exit_code;

  if (app.got_subcommand("server")) {
    // A fixed mmap threshold (which also turns off glibc's dynamic one) makes every buffer over
    // 1 MiB its own mapping, returned to the OS when freed. Without it, a few concurrent
    // 100,000-point metric histories leave ~200 MB resident in malloc arenas; with it, ~45 MB.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    config.access_log = !quiet;
    inet::StatusOr<inet::server::ServerConfig> resolved = inet::server::ResolveConfig(config);
    if (!resolved.ok()) {
      std::cerr << "inet server: " << resolved.status().message() << "\n";
      return 2;
    }
    inet::Status status = inet::server::RunServer(*resolved, std::cout);
    if (!status.ok()) {
      std::cerr << "inet server: " << status.message() << "\n";
      return 1;
    }
  }
  return 0;
}
