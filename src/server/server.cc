#include "server/server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string_view>
#include <tuple>
#include <vector>

#include "api/acting_team_authenticator.h"
#include "api/mlflow/tracking_routes.h"
#include "api/mlflow_artifacts/artifact_routes.h"
#include "api/platform/cost_routes.h"
#include "api/platform/identity_routes.h"
#include "api/platform/platform_routes.h"
#include "api/routes.h"
#include "artifacts/artifact_schemes.h"
#include "artifacts/artifact_store.h"
#include "artifacts/local/local_artifact_store.h"
#include "auth/token_authenticator.h"
#include "auth/token_service.h"
#include "common/clock.h"
#include "common/format.h"
#include "common/quantity.h"
#include "exec/local/local_executor.h"
#include "http/http.h"
#include "jobs/attempt_finalizer.h"
#include "jobs/attempt_launcher.h"
#include "jobs/cost_meter.h"
#include "jobs/job_controller.h"
#include "jobs/job_service.h"
#include "jobs/storage_meter.h"
#include "sched/admission.h"
#include "server/attempt_token_issuer.h"
#include "server/webhook_alert_sink.h"
#include "store/metadata_store.h"
#include "teams/team_service.h"
#include "tracking/tracking_service.h"

extern char** environ;

namespace inet::server {
namespace {

namespace fs = std::filesystem;

std::string HomeDir() {
  const char* home = std::getenv("HOME");
  return home != nullptr && *home != '\0' ? home : ".";
}

std::string ExpandUser(const std::string& path) {
  if (path == "~") return HomeDir();
  if (path.rfind("~/", 0) == 0) return HomeDir() + path.substr(1);
  return path;
}

// The metadata-store URI with its password hidden, for the banner.
std::string RedactUri(const std::string& uri) {
  size_t scheme = uri.find("://");
  size_t at = uri.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return uri;
  size_t colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon + 1) + "***" + uri.substr(at);
}

// The local directories clients may point runs at: the default artifact root when it is one
// (clients then write there themselves). With the default mlflow-artifacts:/ root, none.
std::vector<std::string> LocalArtifactRoots(const std::string& default_artifact_root) {
  std::string_view root = default_artifact_root;
  if (root.starts_with("file://"))
    root.remove_prefix(7);
  else if (root.starts_with("file:"))
    root.remove_prefix(5);
  if (!root.starts_with('/')) return {};
  return {std::string(root)};
}

// This binary's absolute path: local jobs run under `<it> __supervise`.
StatusOr<std::string> SelfExecutable() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return InternalError("resolving /proc/self/exe: " + ec.message());
  return self.string();
}

// The default job user that scripts/setup.sh creates.
constexpr const char* kDefaultJobUser = "inet-job";

bool UserExists(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  return found != nullptr;
}

bool IsWithin(const std::string& path, const std::string& dir) {
  return path == dir || path.starts_with(dir + "/");
}

// A local directory or file path from a file:// or sqlite:/// URI, or "" for other kinds.
std::string LocalPathOf(std::string_view uri) {
  if (uri.starts_with('/')) return std::string(uri);
  for (std::string_view prefix : {"sqlite:///", "file://"}) {
    if (uri.starts_with(prefix)) {
      std::string path(uri.substr(prefix.size() - (prefix == "sqlite:///" ? 1 : 0)));
      if (size_t q = path.find('?'); q != std::string::npos) path.resize(q);
      return path.starts_with('/') ? path : "";
    }
  }
  return "";
}

// Makes the data directory and the secrets in it private to the server's user: the directory
// 0700 (0711 when jobs run as another user and must pass through it to their workspaces under
// jobs/), the database, the admin token, the artifact directory and every other entry in it
// without group or other access. Also fixes a data
// directory made by an older version with the usual 0755/0644.
void SecureDataDir(const ServerConfig& config, bool traversable) {
  auto set = [](const std::string& path, mode_t mode) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path, ec)) || fs::is_symlink(fs::symlink_status(path, ec)))
      return;
    if (chmod(path.c_str(), mode) != 0) {
      spdlog::warn("could not make {} private (chmod {:o}): {}", path, mode, strerror(errno));
    }
  };
  set(config.data_dir, traversable ? 0711 : 0700);
  set(config.data_dir + "/admin-token", 0600);
  // Whatever else lies directly in it (a backup, a key someone left there) loses its group and
  // other bits: a job user may pass through the directory. The executor owns jobs/.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config.data_dir, ec)) {
    std::error_code entry_ec;
    const std::string path = entry.path().string();
    struct stat st {};
    if (path == config.jobs_dir || entry.is_symlink(entry_ec) || lstat(path.c_str(), &st) != 0) {
      continue;
    }
    if ((st.st_mode & 077) != 0) set(path, st.st_mode & 0700);
  }
  if (std::string db = LocalPathOf(config.db_uri); !db.empty()) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) set(db + suffix, 0600);
  }
  if (std::string artifacts = LocalPathOf(config.artifacts_root); !artifacts.empty()) {
    set(artifacts, 0700);
  }
}

// Whether the job Python can import mlflow (find_spec: looked up, not imported, so fast): ""
// when it can, else a warning saying what to do.
std::string JobPythonWarning(const std::string& python) {
  std::vector<std::string> args = {
      python, "-c",
      "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('mlflow') else 3)"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (rc == 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  const std::string fix =
      "start the server with --python pointing at an environment with mlflow, e.g. "
      "scripts/run.sh's .venv-jobs/bin/python";
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 3) {
    return "the job Python '" + python + "' does not run; " + fix;
  }
  return "the job Python '" + python + "' has no mlflow: jobs that log to MLflow will fail; " + fix;
}

// Directories the job Python's environment provides commands from (python, pip, torchrun):
// its bin directory when --python names a path.
std::vector<std::string> JobPathPrefix(const std::string& python) {
  if (python.find('/') == std::string::npos) return {};
  fs::path bin = fs::absolute(python).lexically_normal().parent_path();
  return {bin.string()};
}

// Every connection is a file descriptor: lift the soft limit (often 1024) towards the hard one
// so that --max-connections, not EMFILE, is what bounds connections.
void RaiseOpenFileLimit(int max_connections) {
  constexpr rlim_t kReserve = 256;  // stores, job logs, spooled bodies
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t wanted = static_cast<rlim_t>(max_connections) + kReserve;
  if (limit.rlim_cur >= wanted) return;
  rlim_t raised = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (raised > limit.rlim_cur) {
    limit.rlim_cur = raised;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (raised < wanted) {
    spdlog::warn(
        "open-file limit is {}: fewer than --max-connections {} can be served; raise "
        "it with `ulimit -n` or LimitNOFILE=",
        raised, max_connections);
  }
}

// "0", "90s", "30m", "1h", "7d" -> milliseconds; "never" -> -1; nullopt otherwise.
std::optional<int64_t> ParseRetention(std::string_view text) {
  if (text == "never") return -1;
  if (text == "0") return 0;
  if (text.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1'000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = 86'400'000;
      break;
    default:
      return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(std::string(digits)) * unit;
}

}  // namespace

const char* Version() { return INET_VERSION; }

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill the server
}

StatusOr<ServerConfig> ResolveConfig(ServerConfig config) {
  if (config.data_dir.empty()) config.data_dir = "~/.inet";
  config.data_dir = ExpandUser(config.data_dir);
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) {
    return InvalidArgumentError("cannot create --data-dir " + config.data_dir + ": " +
                                ec.message() + "; pass a writable directory");
  }
  config.data_dir = fs::absolute(config.data_dir).lexically_normal().string();
  if (config.db_uri.empty()) config.db_uri = "sqlite:///" + config.data_dir + "/inet.db";
  if (config.artifacts_root.empty())
    config.artifacts_root = "file://" + config.data_dir + "/artifacts";
  if (config.default_artifact_root.empty()) config.default_artifact_root = "mlflow-artifacts:/";
  while (config.default_artifact_root.size() > 1 && config.default_artifact_root.back() == '/' &&
         config.default_artifact_root != "mlflow-artifacts:/") {
    config.default_artifact_root.pop_back();
  }
  if (config.workers < 0) return InvalidArgumentError("--workers must be 0 (automatic) or more");
  if (config.max_connections < 1) return InvalidArgumentError("--max-connections must be >= 1");
  if (config.max_connections_per_client < 1) {
    return InvalidArgumentError("--max-connections-per-client must be >= 1");
  }
  if (config.jobs_dir.empty()) config.jobs_dir = config.data_dir + "/jobs";
  config.jobs_dir = fs::absolute(ExpandUser(config.jobs_dir)).lexically_normal().string();
  if (config.gpus < -1) return InvalidArgumentError("--gpus must be a count >= 0 (or omitted)");
  if (config.python.empty()) config.python = "python3";
  std::optional<int64_t> retention = ParseRetention(config.workspace_retention);
  if (!retention) {
    return InvalidArgumentError(
        "--workspace-retention must be 0, a duration such as 90s, 30m, "
        "12h or 7d, or never; got '" +
        config.workspace_retention + "'");
  }
  config.workspace_retention_millis = *retention;
  if (config.snapshot_unpack_ratio < 0) {
    return InvalidArgumentError("--snapshot-unpack-ratio must be 0 (no ratio) or more");
  }
  if (!config.price_gpu_hour.empty()) {
    StatusOr<std::map<std::string, double>> gpu = jobs::ParseGpuPrices(config.price_gpu_hour);
    if (!gpu.ok()) {
      return InvalidArgumentError("--price-gpu-hour: " + gpu.status().message());
    }
    // Models left out keep their default price; "*" replaces the default one.
    for (const auto& [model, usd] : *gpu) {
      config.prices.gpu_hour[model] = usd;
    }
  }
  for (auto [flag, text, price] :
       {std::tuple{"--price-cpu-hour", &config.price_cpu_hour, &config.prices.cpu_hour},
        std::tuple{"--price-memory-gib-hour", &config.price_memory_gib_hour,
                   &config.prices.memory_gib_hour},
        std::tuple{"--price-storage-gib-month", &config.price_storage_gib_month,
                   &config.prices.storage_gib_month}}) {
    if (text->empty()) {
      continue;
    }
    ASSIGN_OR_RETURN(*price, jobs::ParseUsd(*text, flag));
  }
  if (config.budget_ceiling_percent != 0 && config.budget_ceiling_percent < 100) {
    return InvalidArgumentError(
        "--budget-ceiling-percent must be 0 (no ceiling) or at least 100 (percent of a team's "
        "monthly budget), got " +
        std::to_string(config.budget_ceiling_percent));
  }
  if (config.storage_sample_minutes < 1) {
    return InvalidArgumentError("--storage-sample-minutes must be at least 1");
  }
  if (config.cost_accrual_seconds < 1) {
    return InvalidArgumentError("--cost-accrual-seconds must be at least 1");
  }
  if (!config.alert_webhook.empty()) {
    RETURN_IF_ERROR(ValidateWebhookUrl(config.alert_webhook));
  }
  if (!config.external_url.empty()) {
    if (!config.external_url.starts_with("http://") && !config.external_url.starts_with("https://"))
      return InvalidArgumentError("--external-url must start with http:// or https://");
    while (config.external_url.back() == '/') config.external_url.pop_back();
  }
  return config;
}

Status RunServer(const ServerConfig& config, std::ostream& out) {
  SystemClock clock;
  // Everything the server creates (database, tokens, artifacts, job control files) is private
  // to its user unless made otherwise on purpose.
  umask(077);
  // Not dumpable: a job running as the server's user (confined with Landlock) cannot read the
  // server's memory or /proc/<pid>/environ, where INET_ADMIN_TOKEN may be.
  prctl(PR_SET_DUMPABLE, 0);
  std::string job_user = config.job_user;
  const bool auto_job_user = job_user == "auto";
  if (auto_job_user)
    job_user = geteuid() == 0 && UserExists(kDefaultJobUser) ? kDefaultJobUser : "";
  SecureDataDir(config, !job_user.empty() && IsWithin(config.jobs_dir, config.data_dir));

  ASSIGN_OR_RETURN(std::unique_ptr<store::MetadataStore> metadata,
                   store::OpenMetadataStore(config.db_uri, config.default_artifact_root));
  // The artifact URI schemes this binary serves, each with its adapter (s3 joins here).
  artifacts::ArtifactSchemeRegistry artifact_schemes;
  RETURN_IF_ERROR(artifact_schemes.Register("file", artifacts::OpenLocalArtifactStoreUri));
  ASSIGN_OR_RETURN(std::unique_ptr<artifacts::ArtifactStore> artifact_store,
                   artifacts::OpenArtifactStore(config.artifacts_root, artifact_schemes));

  const char* env_token = std::getenv("INET_ADMIN_TOKEN");
  ASSIGN_OR_RETURN(
      std::string token_line,
      auth::EnsureAdminToken(metadata->tokens(), metadata->identity(), clock,
                             env_token ? env_token : "", config.data_dir + "/admin-token"));

  tracking::TrackingService tracking(metadata->tracking(), clock,
                                     tracking::TrackingOptions{config.default_artifact_root});
  RETURN_IF_ERROR(tracking.EnsureDefaultExperiment());
  auth::TokenAuthenticator token_authenticator(metadata->tokens(), metadata->identity(), clock);
  teams::TeamService team_service(metadata->identity());
  api::ActingTeamAuthenticator authenticator(token_authenticator, team_service);
  const api::Authorizer authorizer(metadata->tracking());

  http::Router router;
  http::RouteOptions public_route;
  public_route.public_route = true;
  router.Add(
      http::Method::kGet, "/health", [](http::Request&) { return http::Response::Text("OK"); },
      public_route);
  router.Add(
      http::Method::kGet, "/version",
      [](http::Request&) { return http::Response::Text(std::string(api::kMlflowApiVersion)); },
      public_route);
  api::RegisterMlflowTrackingRoutes(router, tracking, authorizer);
  api::RegisterArtifactRoutes(router, tracking, *artifact_store, artifact_schemes,
                              LocalArtifactRoots(config.default_artifact_root), authorizer);

  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.workers = config.workers;
  options.access_log = config.access_log;
  options.max_connections = config.max_connections;
  options.max_connections_per_client = config.max_connections_per_client;
  options.spool_dir = config.data_dir + "/spool";  // upload bodies in transit (unlinked files)
  RaiseOpenFileLimit(config.max_connections);
  http::Server server(options, router, authenticator);
  // Bound before the job routes are built: jobs and run links need the server's URL.
  RETURN_IF_ERROR(server.Listen());

  std::string host = config.host == "0.0.0.0" || config.host == "::" ? "127.0.0.1" : config.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string url = "http://" + host + ":" + std::to_string(server.port());
  std::string external_url = config.external_url.empty() ? url : config.external_url;

  ASSIGN_OR_RETURN(std::string self, SelfExecutable());
  exec::local::LocalExecutorOptions executor_options;
  executor_options.root = config.jobs_dir;
  executor_options.supervisor_command = {self, "__supervise"};
  executor_options.gpu_count = config.gpus;
  executor_options.job_user = job_user;
  executor_options.hidden_paths = {config.data_dir};
  for (const std::string& uri : {config.db_uri, config.artifacts_root}) {
    std::string path = LocalPathOf(uri);
    if (!path.empty() && !IsWithin(path, config.data_dir))
      executor_options.hidden_paths.push_back(path);
  }
  executor_options.path_prefix = JobPathPrefix(config.python);
  executor_options.max_log_bytes = config.max_log_bytes;
  executor_options.max_processes = config.job_max_processes;
  executor_options.max_file_bytes = config.job_max_file_bytes;
  StatusOr<std::unique_ptr<exec::local::LocalExecutor>> created =
      exec::local::LocalExecutor::Create(executor_options, *artifact_store);
  if (!created.ok() && auto_job_user && !job_user.empty() &&
      created.status().code() == StatusCode::kFailedPrecondition) {
    // The default job user cannot reach the workspaces or the job Python: run jobs as the
    // server's user (Landlock-confined where possible) rather than not at all, and say why.
    spdlog::error(
        "jobs cannot run as {}: {}; they run as the server's user instead (pass "
        "--job-user {} to insist, or --job-user '' to silence this)",
        job_user, created.status().message(), job_user);
    executor_options.job_user.clear();
    SecureDataDir(config, false);
    created = exec::local::LocalExecutor::Create(executor_options, *artifact_store);
  }
  if (!created.ok()) return created.status();
  std::unique_ptr<exec::local::LocalExecutor> executor = *std::move(created);
  sched::FifoCapacityAdmission admission;
  // The jobs subsystem: the API (any replica), the loop that owns live attempts, and the two
  // workers it hands slow work to (launching, storing what attempts left).
  StoreAttemptTokenIssuer attempt_tokens(metadata->tokens(), clock);
  jobs::AttemptLauncherOptions launcher_options;
  launcher_options.server_url = external_url;
  launcher_options.python = config.python;
  launcher_options.snapshot_unpack_ratio = config.snapshot_unpack_ratio;
  jobs::AttemptLauncher launcher(*artifact_store, *executor, attempt_tokens, tracking,
                                 launcher_options);
  jobs::AttemptFinalizer finalizer(*artifact_store, *executor, tracking, clock,
                                   jobs::AttemptFinalizerOptions{});
  jobs::JobControllerOptions controller_options;
  controller_options.workspace_retention_millis = config.workspace_retention_millis;
  // What jobs cost, budget warnings and runaway stops; alerts through the webhook when set.
  std::unique_ptr<WebhookAlertSink> webhook;
  if (!config.alert_webhook.empty()) {
    WebhookOptions webhook_options;
    webhook_options.url = config.alert_webhook;
    webhook = std::make_unique<WebhookAlertSink>(webhook_options);
  }
  jobs::CostOptions cost_options;
  cost_options.prices = config.prices;
  cost_options.ceiling_percent = config.budget_ceiling_percent;
  cost_options.accrual_interval_millis = int64_t{config.cost_accrual_seconds} * 1000;
  jobs::CostMeter cost_meter(metadata->costs(), metadata->jobs(), &tracking, webhook.get(), clock,
                             cost_options);
  jobs::JobController job_controller(metadata->jobs(), metadata->leases(), *executor, admission,
                                     launcher, finalizer, clock, controller_options, &cost_meter);
  // Each team's artifact storage, sampled on a thread of its own for its monthly cost.
  jobs::StorageMeterOptions storage_options;
  storage_options.interval_millis = int64_t{config.storage_sample_minutes} * 60'000;
  jobs::StorageMeter storage_meter(*artifact_store, metadata->identity(), metadata->costs(), clock,
                                   storage_options);
  // The one check of the job Python, run once: the banner and `capacity` both say what it found.
  const std::string python_warning = JobPythonWarning(config.python);
  jobs::JobServiceOptions service_options;
  service_options.job_python_warning = python_warning;
  service_options.costs = &cost_meter;
  jobs::JobService job_service(metadata->jobs(), *artifact_store, *executor, tracking, clock,
                               service_options, [&job_controller] { job_controller.Wake(); });
  api::PlatformRouteOptions platform_options;
  platform_options.external_url = external_url;
  // What the SDK's ArtifactStore(backend=...) checks: s3:// roots are S3-compatible stores.
  platform_options.artifact_store_kind =
      config.artifacts_root.starts_with("s3://") ? "s3" : "local";
  platform_options.version = Version();
  platform_options.mlflow_version = std::string(api::kMlflowApiVersion);
  api::RegisterPlatformRoutes(router, job_service, *artifact_store, authorizer, platform_options);
  auth::TokenService token_service(metadata->tokens(), metadata->identity(), clock);
  api::RegisterIdentityRoutes(router, team_service, token_service);
  api::RegisterCostRoutes(router, team_service, metadata->costs(), cost_meter, clock);
  api::AddRouteTableRoute(router);
  // Serving first: the controller re-attaches and recovers the jobs of a previous run on its
  // own thread, so a restart answers requests at once however much there is to recover.
  RETURN_IF_ERROR(server.Start());
  if (Status started = job_controller.Start(); !started.ok()) {
    server.Stop();
    server.Wait();
    return started;
  }
  storage_meter.Start();

  const std::vector<exec::NodePool> pools = executor->node_pools();
  const exec::NodePool& capacity = pools.front();  // the local executor's one pool
  if (!python_warning.empty()) spdlog::warn("{}", python_warning);
  std::string token_hint = env_token != nullptr && *env_token != '\0'
                               ? "$INET_ADMIN_TOKEN"
                               : "$(cat " + config.data_dir + "/admin-token)";
  out << "inet server " << Version() << " (MLflow " << api::kMlflowApiVersion
      << " API) listening on " << url << "\n"
      << "  metadata store: " << RedactUri(config.db_uri) << "\n"
      << "  artifacts:      " << config.artifacts_root << " (clients use "
      << config.default_artifact_root << ")\n"
      << "  jobs:           local executor in " << config.jobs_dir << ": "
      << FormatCpuQuantity(capacity.allocatable.cpu_millis) << " CPUs, "
      << FormatBytes(capacity.allocatable.memory_bytes) << ", " << capacity.gpu_devices.size()
      << " GPUs (" << capacity.gpu_source << "); python " << config.python << "\n"
      << "  isolation:      " << capacity.isolation << "\n"
      << (capacity.isolation.find("NOT ISOLATED") != std::string::npos
              ? "  WARNING: jobs can read this server's data directory and admin token; run it as "
                "root with --job-user, or on a kernel with Landlock\n"
              : "")
      << (python_warning.empty() ? "" : "  WARNING: " + python_warning + "\n") << "  " << token_line
      << "\n"
      << "Point mlflow at it:\n"
      << "  export MLFLOW_TRACKING_URI=" << url << " MLFLOW_TRACKING_TOKEN=" << token_hint << "\n"
      << "Submit a job:\n"
      << "  export INET_URL=" << url << " INET_TOKEN=" << token_hint << "\n"
      << "  inet platform train --name my-first-job --script train.py\n"
      << std::flush;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  spdlog::info("received {}, shutting down: finishing in-flight requests",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  server.Wait();
  job_controller.Stop();  // running jobs keep running; the next start re-attaches them
  storage_meter.Stop();
  spdlog::info("shutdown complete");
  return OkStatus();
}

}  // namespace inet::server
