// `inet platform ...`: CLI11 wiring and the few steps each command takes (resolve the server,
// call the API, print). Text comes from job_format.cc; the spec from train_spec.cc.
#include "cli/platform_commands.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "cli/cost_format.h"
#include "cli/identity_commands.h"
#include "cli/job_format.h"
#include "cli/train_spec.h"
#include "client/api_client.h"
#include "client/client_config.h"
#include "common/format.h"
#include "jobs/job_spec.h"

namespace inet::cli {
namespace {

namespace json = boost::json;
using client::ApiClient;

// Everything the platform commands' options are bound to. Owned by the CLI11 callbacks through
// a shared_ptr, because CLI11 copies the callbacks and the options must live as long as they do.
struct PlatformState {
  CommandContext* context = nullptr;
  client::ClientFlags client_flags;
  bool json_output = false;

  // train
  TrainFlags train;
  std::string config_file;
  std::string code_dir = ".";
  bool no_code = false;
  int64_t max_snapshot_mb = 512;
  bool follow = false;

  // status / logs / cancel / events
  std::string job_id;

  // status / logs / cancel / events / jobs / capacity: --team (train's is in TrainFlags)
  std::string team;

  // jobs
  std::vector<std::string> states;
  std::string user;
  std::string name;
  int limit = 50;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Fail(CommandContext& context, const Status& status, int code = kExitError) {
  *context.err << "inet: " << status.message() << "\n";
  return code;
}

// The team a command acts in: its --team `flag`, else INET_TEAM / MLFLOW_WORKSPACE, else ""
// (the token's default team).
std::string ActingTeam(const PlatformState& state, std::string_view flag) {
  return client::ResolveTeam(flag, state.context->env);
}

// A client acting in the team that `team_flag` (a --team value, "" when not given) resolves to.
StatusOr<std::unique_ptr<ApiClient>> MakeClient(const PlatformState& state,
                                                std::string_view team_flag) {
  ASSIGN_OR_RETURN(client::ClientConfig config,
                   client::ResolveClientConfig(state.client_flags, state.context->env));
  client::ApiClientOptions options;
  options.interrupt = state.context->interrupt;
  options.team = ActingTeam(state, team_flag);
  return std::make_unique<ApiClient>(config.url, config.token, options);
}

std::string JobPath(const std::string& job_id) {
  return "/api/v1/jobs/" + client::UrlEncode(job_id);
}

// The "job" member of a {"job": Job} answer (or the answer itself if it has none).
const json::value& JobOf(const json::value& answer) {
  if (answer.is_object()) {
    if (const json::value* job = answer.as_object().if_contains("job")) {
      return *job;
    }
  }
  return answer;
}

std::string JobState(const json::value& job) {
  const json::value* state = job.is_object() ? job.as_object().if_contains("state") : nullptr;
  return state != nullptr && state->is_string() ? std::string(state->get_string()) : "";
}

bool Interrupted(const CommandContext& context) {
  return context.interrupt != nullptr && context.interrupt->load();
}

// Sleeps up to `duration`, waking early on an interrupt.
void SleepInterruptibly(const CommandContext& context, std::chrono::milliseconds duration) {
  auto deadline = std::chrono::steady_clock::now() + duration;
  while (!Interrupted(context) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int StoppedFollowing(CommandContext& context, const std::string& job_id) {
  *context.err << "\nStopped following; job " << job_id
               << " keeps running. Cancel it with: inet platform cancel " << job_id << "\n";
  return kExitInterrupted;
}

// Streams the job's log from `offset` to stdout until the job is terminal, reconnecting after
// the server's idle cut-off and riding out short outages. Returns the command's exit code.
int FollowLogs(CommandContext& context, ApiClient& client, const std::string& job_id) {
  if (context.own_signals && context.interrupt == nullptr) {
    context.interrupt = WatchInterrupts();
  }
  client.set_interrupt(context.interrupt);
  int64_t offset = 0;
  int failures = 0;
  bool stdout_closed = false;
  auto write = [&](std::string_view chunk) {
    context.out->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    context.out->flush();
    stdout_closed = !context.out->good();
    return !stdout_closed;
  };
  while (true) {
    auto started = std::chrono::steady_clock::now();
    StatusOr<client::StreamResult> result = client.GetStream(
        JobPath(job_id) + "/logs?offset=" + std::to_string(offset) + "&follow=true", write);
    if (!result.ok()) {
      if (Interrupted(context)) {
        return StoppedFollowing(context, job_id);
      }
      if (stdout_closed) {
        return kExitOk;  // e.g. `inet platform logs -f x | head`
      }
      StatusCode code = result.status().code();
      bool transient = code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
      if (!transient || ++failures > 30) {
        return Fail(context, result.status());
      }
      *context.err << "inet: " << result.status().message() << "; retrying\n";
      SleepInterruptibly(context, std::chrono::seconds(std::min(failures, 5)));
      continue;
    }
    failures = 0;
    offset += result->bytes;
    std::string state = result->headers["x-inet-job-state"];
    if (IsTerminalState(state)) {
      break;  // that response ran to the end of the log
    }
    if (state.empty()) {
      // A server that does not say: ask, and fetch the rest once more if it has finished.
      StatusOr<json::value> job = client.GetJson(JobPath(job_id));
      if (!job.ok()) {
        return Fail(context, job.status());
      }
      if (IsTerminalState(JobState(JobOf(*job)))) {
        StatusOr<client::StreamResult> rest = client.GetStream(
            JobPath(job_id) + "/logs?offset=" + std::to_string(offset) + "&follow=false", write);
        if (!rest.ok() && !stdout_closed) {
          return Fail(context, rest.status());
        }
        break;
      }
    }
    // A response that ended at once with nothing new would make this loop spin; pace it.
    if (result->bytes == 0 &&
        std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) {
      SleepInterruptibly(context, std::chrono::seconds(1));
    }
    if (Interrupted(context)) {
      return StoppedFollowing(context, job_id);
    }
  }

  StatusOr<json::value> answer = client.GetJson(JobPath(job_id));
  if (!answer.ok()) {
    return Fail(context, answer.status());
  }
  const json::value& job = JobOf(*answer);
  std::string state = JobState(job);
  std::string detail;
  const json::value* failure =
      job.is_object() ? job.as_object().if_contains("last_failure") : nullptr;
  if (state != "Succeeded" && failure != nullptr && failure->is_string() &&
      !failure->get_string().empty()) {
    detail = ": " + std::string(failure->get_string());
  }
  *context.err << "Job " << job_id << " " << state << detail << "\n";
  return state == "Succeeded" ? kExitOk : kExitError;
}

// A file in the temp directory, removed when this goes out of scope.
class TempFile {
 public:
  static StatusOr<TempFile> Create(std::string_view suffix) {
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                          "/inet-snapshot-XXXXXX" + std::string(suffix);
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    int fd = ::mkstemps(buffer.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
      return InternalError("cannot create a temporary file like " + pattern);
    }
    ::close(fd);
    return TempFile(buffer.data());
  }
  TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Packs the code directory and uploads it; returns the snapshot id.
StatusOr<std::string> UploadCode(CommandContext& context, ApiClient& client,
                                 const PlatformState& state) {
  ASSIGN_OR_RETURN(TempFile archive_file, TempFile::Create(".tar.gz"));
  std::ostream& err = *context.err;
  bool tty = context.stderr_is_tty;
  auto last_print = std::chrono::steady_clock::now();
  auto packing_line = [](int64_t files, int64_t bytes) {
    return "Packing code: " + FormatCount(files) + (files == 1 ? " file, " : " files, ") +
           FormatBytes(bytes);
  };

  archive::PackOptions options;
  options.max_bytes = state.max_snapshot_mb * 1024 * 1024;
  if (tty) {
    options.progress = [&](int64_t files, int64_t bytes) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_print < std::chrono::milliseconds(100)) {
        return;
      }
      last_print = now;
      err << "\r\x1b[K" << packing_line(files, bytes) << std::flush;
    };
  }
  StatusOr<archive::PackResult> packed =
      archive::PackDirectory(state.code_dir, archive_file.path(), options);
  if (!packed.ok()) {
    if (tty) {
      err << "\r\x1b[K";
    }
    return packed.status().WithContext("packing the code in " + state.code_dir);
  }
  if (tty) {
    err << "\r\x1b[K" << packing_line(packed->files, packed->bytes) << " ("
        << FormatBytes(packed->compressed_bytes) << " compressed)\n";
  }

  client::UploadProgress progress;
  if (tty) {
    progress = [&](int64_t sent, int64_t total) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_print < std::chrono::milliseconds(100)) {
        return;
      }
      last_print = now;
      err << "\r\x1b[KUploading code: " << (sent * 100 / std::max<int64_t>(total, 1)) << "% of "
          << FormatBytes(total) << std::flush;
    };
  }
  StatusOr<json::value> uploaded =
      client.PostFile("/api/v1/snapshots", archive_file.path(), "application/gzip", progress);
  if (tty) {
    err << "\r\x1b[K" << std::flush;
  }
  if (!uploaded.ok()) {
    return uploaded.status().WithContext("uploading the code snapshot");
  }
  const json::value* id =
      uploaded->is_object() ? uploaded->as_object().if_contains("snapshot_id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    return InternalError("the server's snapshot answer has no snapshot_id");
  }
  return std::string(id->get_string());
}

int RunTrain(PlatformState& state) {
  CommandContext& context = *state.context;
  std::optional<std::string> yaml;
  if (!state.config_file.empty()) {
    std::ifstream in(state.config_file, std::ios::binary);
    if (!in) {
      return Fail(context, NotFoundError("cannot read --config file " + state.config_file),
                  kExitUsage);
    }
    std::ostringstream text;
    text << in.rdbuf();
    yaml = text.str();
  }
  StatusOr<jobs::JobSpec> spec = BuildTrainSpec(state.train, yaml);
  if (!spec.ok()) {
    return Fail(context, spec.status(), kExitUsage);
  }

  StatusOr<std::unique_ptr<ApiClient>> client = MakeClient(state, spec->team);
  if (!client.ok()) {
    return Fail(context, client.status());
  }
  if (!state.no_code) {
    StatusOr<std::string> snapshot = UploadCode(context, **client, state);
    if (!snapshot.ok()) {
      return Fail(context, snapshot.status());
    }
    spec->code_snapshot = *snapshot;
  }
  StatusOr<json::value> submitted =
      (*client)->PostJson("/api/v1/jobs", json::parse(jobs::JobSpecToJson(*spec)));
  if (!submitted.ok()) {
    return Fail(context, submitted.status().WithContext("submitting the job"));
  }
  const json::value& job = JobOf(*submitted);
  const json::value* id = job.is_object() ? job.as_object().if_contains("job_id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    return Fail(context, InternalError("the server's answer to the submission has no job_id"));
  }
  const std::string job_id(id->get_string());

  if (state.json_output) {
    *context.out << json::serialize(*submitted) << "\n";
  } else {
    // The quota line is a courtesy: a capacity error must not hide a successful submission.
    // The job is re-read after the capacity so that one already running is not counted twice.
    StatusOr<json::value> capacity = (*client)->GetJson("/api/v1/capacity");
    StatusOr<json::value> now = (*client)->GetJson(JobPath(job_id));
    *context.out << FormatSubmitted(job, capacity.ok() ? *capacity : json::value(nullptr),
                                    now.ok() ? JobState(JobOf(*now)) : "");
    // Likewise the team's budget: where the month stands, and a warning from 50% on.
    const json::value* team = job.is_object() ? job.as_object().if_contains("team") : nullptr;
    if (team != nullptr && team->is_string()) {
      const std::string name(team->get_string());
      StatusOr<json::value> costs =
          (*client)->GetJson("/api/v1/costs?team=" + client::UrlEncode(name));
      if (costs.ok()) {
        *context.out << FormatBudgetStanding(*costs, name);
      }
    }
  }
  context.out->flush();
  if (!state.follow) {
    return kExitOk;
  }
  return FollowLogs(context, **client, job_id);
}

// GET or POST one JSON resource and print it with `format` (or raw with --json).
template <typename Format>
int ShowJson(PlatformState& state, std::string_view target, bool post, Format format) {
  CommandContext& context = *state.context;
  StatusOr<std::unique_ptr<ApiClient>> client = MakeClient(state, state.team);
  if (!client.ok()) {
    return Fail(context, client.status());
  }
  StatusOr<json::value> answer =
      post ? (*client)->PostJson(target, json::object()) : (*client)->GetJson(target);
  if (!answer.ok()) {
    return Fail(context, answer.status());
  }
  if (state.json_output) {
    *context.out << json::serialize(*answer) << "\n";
  } else {
    *context.out << format(*answer, (*client)->base_url());
  }
  return kExitOk;
}

int RunLogs(PlatformState& state) {
  CommandContext& context = *state.context;
  StatusOr<std::unique_ptr<ApiClient>> client = MakeClient(state, state.team);
  if (!client.ok()) {
    return Fail(context, client.status());
  }
  if (state.follow) {
    return FollowLogs(context, **client, state.job_id);
  }
  StatusOr<client::StreamResult> result = (*client)->GetStream(
      JobPath(state.job_id) + "/logs?offset=0&follow=false", [&](std::string_view chunk) {
        context.out->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        return context.out->good();
      });
  context.out->flush();
  if (!result.ok() && context.out->good()) {
    return Fail(context, result.status());
  }
  return kExitOk;
}

int RunJobs(PlatformState& state) {
  CommandContext& context = *state.context;
  const std::string team = ActingTeam(state, state.team);
  StatusOr<std::unique_ptr<ApiClient>> client = MakeClient(state, team);
  if (!client.ok()) {
    return Fail(context, client.status());
  }
  std::string query;
  auto add = [&query](std::string_view key, const std::string& value) {
    if (value.empty()) {
      return;
    }
    query += (query.empty() ? "?" : "&") + std::string(key) + "=" + client::UrlEncode(value);
  };
  add("team", team);
  add("user", state.user);
  add("name", state.name);
  for (const std::string& s : state.states) {
    add("state", s);
  }
  json::array jobs;
  std::string page_token;
  while (static_cast<int>(jobs.size()) < state.limit) {
    std::string target = "/api/v1/jobs" + query;
    target += (query.empty() ? "?" : "&") + std::string("max_results=") +
              std::to_string(std::min(state.limit - static_cast<int>(jobs.size()), 1000));
    if (!page_token.empty()) {
      target += "&page_token=" + client::UrlEncode(page_token);
    }
    StatusOr<json::value> page = (*client)->GetJson(target);
    if (!page.ok()) {
      return Fail(context, page.status());
    }
    const json::object* object = page->if_object();
    const json::value* items = object != nullptr ? object->if_contains("jobs") : nullptr;
    if (items != nullptr && items->is_array()) {
      for (const json::value& job : items->get_array()) {
        if (static_cast<int>(jobs.size()) < state.limit) {
          jobs.push_back(job);
        }
      }
    }
    const json::value* next = object != nullptr ? object->if_contains("next_page_token") : nullptr;
    if (next == nullptr || !next->is_string() || next->get_string().empty()) {
      break;
    }
    page_token = std::string(next->get_string());
  }
  if (state.json_output) {
    json::object answer;
    answer["jobs"] = std::move(jobs);
    *context.out << json::serialize(answer) << "\n";
  } else {
    *context.out << FormatJobsTable(jobs, NowMs());
  }
  return kExitOk;
}

// Adds --url/--token (inherited by every platform subcommand through fallthrough) and --json.
void AddJsonFlag(CLI::App* cmd, PlatformState& state) {
  cmd->add_flag("--json", state.json_output, "Print the API's JSON answer instead of text");
}

// The one --team flag of the job commands: `what` the team is for, then where its default comes
// from. `Team` is std::string, or std::optional<std::string> where unset must differ from "".
template <typename Team>
void AddTeamFlag(CLI::App* cmd, Team& team, const std::string& what) {
  cmd->add_option("--team", team,
                  what +
                      ", one you belong to; sent as X-MLFLOW-WORKSPACE [env: INET_TEAM, then "
                      "MLFLOW_WORKSPACE; default: your token's team, else your only team, else "
                      "default]");
}

void AddJobId(CLI::App* cmd, PlatformState& state) {
  cmd->add_option("job_id", state.job_id, "The job's id, as printed by `inet platform train`")
      ->required();
}

// Runs `body` as the command's callback and stores its exit code.
template <typename Body>
void OnRun(CLI::App* cmd, const std::shared_ptr<PlatformState>& state, Body body) {
  cmd->callback([state, body] {
    if (state->context->own_signals) {
      DefaultInterrupts();
    }
    state->context->exit_code = body(*state);
  });
}

void AddTrain(CLI::App* platform, const std::shared_ptr<PlatformState>& shared) {
  PlatformState& state = *shared;
  TrainFlags& f = state.train;
  CLI::App* cmd = platform->add_subcommand(
      "train",
      "Submit a training job: packs the current directory (honouring .gitignore and "
      ".inetignore) as the job's code, uploads it and queues the job. The job runs with "
      "MLFLOW_TRACKING_URI and MLFLOW_RUN_ID set, so mlflow.start_run() logs into its run.");
  cmd->add_option("--name", f.name,
                  "Job name: lowercase letters, digits and '-' (required "
                  "unless --config gives it)");
  cmd->add_option("--image", f.image,
                  "Container image (recorded; the local executor runs on "
                  "the host)");
  cmd->add_option("--script", f.script,
                  "Script from your code to run (.py with python, .sh with bash)");
  cmd->add_option("--command", f.command,
                  "Command to run, one string split like a shell (or give it after `--`)");
  cmd->add_option("--args", f.args, "Arguments for the script or command, one string");
  cmd->add_option("--gpu", f.gpu, "Whole GPUs to reserve (CUDA_VISIBLE_DEVICES is set)");
  cmd->add_option("--cpu", f.cpu, "CPU request as a Kubernetes quantity: 4, 0.5, 500m");
  cmd->add_option("--memory", f.memory, "Memory limit as a Kubernetes quantity: 16Gi, 512Mi");
  cmd->add_option("--output-artifacts", f.output_artifacts,
                  "Files to keep when the job ends: path or name=path, relative to the "
                  "workdir; repeat or separate with commas")
      ->delimiter(',');
  cmd->add_option("--env", f.env, "Environment variable KEY=VALUE for the job (repeatable)");
  cmd->add_option("--workdir", f.workdir, "Directory inside your code to run in");
  cmd->add_option("--timeout-hours", f.timeout_hours, "Stop the job after this long (default 24)");
  cmd->add_option("--retries", f.retries, "Retries after a failed attempt, 0-10 (default 0)");
  cmd->add_option("--max-cost", f.max_cost_usd,
                  "Stop the job once it has cost this many USD at the server's prices "
                  "(default: no limit of its own)");
  cmd->add_option("--distributed-backend", f.distributed_backend,
                  "pytorch: start --processes workers with torchrun's environment");
  cmd->add_option("--processes,--nproc", f.processes, "Processes for a distributed job");
  AddTeamFlag(cmd, f.team, "Team the job runs for");
  cmd->add_option("--priority-class", f.priority_class, "interactive or batch (default)");
  cmd->add_option("--experiment", f.experiment,
                  "MLflow experiment for the job's run (default: "
                  "the job name)");
  cmd->add_option("--config", state.config_file,
                  "Job spec YAML file; flags given as well override its fields")
      ->check(CLI::ExistingFile);
  cmd->add_option("--code-dir", state.code_dir, "Directory to send as the job's code")
      ->capture_default_str()
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--no-code", state.no_code, "Send no code (the command needs nothing local)");
  cmd->add_option("--max-snapshot-mb", state.max_snapshot_mb,
                  "Refuse to send more code than this (uncompressed MiB)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-f,--follow", state.follow,
                "Stream the job's log after submitting and exit with its result (0 = Succeeded)");
  AddJsonFlag(cmd, state);
  cmd->add_option("command_words", f.trailing,
                  "The command to run, after `--` (e.g. -- python train.py --epochs 3); with "
                  "--script, the script's arguments");
  cmd->footer(
      "Examples:\n"
      "  inet platform train --name bert-finetuning --script train.py --gpu 1 --memory 16Gi \\\n"
      "      --output-artifacts model.pt\n"
      "  inet platform train --name sweep --cpu 2 -f -- python train.py --lr 0.01\n"
      "  inet platform train --config pipeline.yaml --retries 2\n"
      "  inet platform train --name ddp --script train.py --distributed-backend pytorch "
      "--processes 2");
  OnRun(cmd, shared, RunTrain);
}

}  // namespace

void AddPlatformCommands(CLI::App& app, CommandContext& context) {
  auto shared = std::make_shared<PlatformState>();
  shared->context = &context;
  PlatformState& state = *shared;

  CLI::App* platform = app.add_subcommand(
      "platform",
      "Submit and manage training jobs, teams, users and tokens on an inet server. The server "
      "and token come from "
      "--url/--token, INET_URL/INET_TOKEN, or `inet login` (default http://127.0.0.1:8080 with "
      "the local server's admin token).");
  platform->require_subcommand(1);
  platform->fallthrough();  // so `inet platform status ID --url U` works
  platform->add_option("--url", state.client_flags.url,
                       "Server URL [env: INET_URL; default: http://127.0.0.1:8080]");
  platform->add_option("--token", state.client_flags.token, "API token [env: INET_TOKEN]");
  platform->footer(
      "Examples:\n"
      "  inet platform train --name bert-finetuning --script train.py --gpu 1\n"
      "  inet platform jobs --state Running\n"
      "  inet platform logs -f bert-finetuning-abc123");

  AddTrain(platform, shared);
  // Shares the --url/--token flags (the aliasing pointer keeps the whole state alive).
  AddIdentityCommands(platform, context,
                      std::shared_ptr<const client::ClientFlags>(shared, &shared->client_flags));

  CLI::App* status = platform->add_subcommand(
      "status",
      "Show a job: state and why, attempt, runtime, resources, GPUs, exit code, "
      "artifacts and its MLflow run");
  AddJobId(status, state);
  AddTeamFlag(status, state.team, "Team the job belongs to");
  AddJsonFlag(status, state);
  status->footer("Example:\n  inet platform status bert-finetuning-abc123");
  OnRun(status, shared, [](PlatformState& s) {
    return ShowJson(s, JobPath(s.job_id), false,
                    [](const json::value& answer, const std::string& url) {
                      return FormatJobStatus(JobOf(answer), url, NowMs());
                    });
  });

  CLI::App* logs = platform->add_subcommand(
      "logs", "Print a job's output (stdout and stderr); with -f keep streaming until it ends");
  AddJobId(logs, state);
  AddTeamFlag(logs, state.team, "Team the job belongs to");
  logs->add_flag("-f,--follow", state.follow,
                 "Stream new output until the job ends; exit 0 if it Succeeded, else 1. Ctrl-C "
                 "stops following (the job keeps running)");
  logs->footer(
      "Examples:\n  inet platform logs bert-finetuning-abc123\n"
      "  inet platform logs -f bert-finetuning-abc123");
  OnRun(logs, shared, RunLogs);

  CLI::App* cancel = platform->add_subcommand(
      "cancel",
      "Cancel a job: a queued job never starts; a running one gets SIGTERM, then "
      "SIGKILL after a grace period");
  AddJobId(cancel, state);
  AddTeamFlag(cancel, state.team, "Team the job belongs to");
  AddJsonFlag(cancel, state);
  cancel->footer("Example:\n  inet platform cancel bert-finetuning-abc123");
  OnRun(cancel, shared, [](PlatformState& s) {
    return ShowJson(s, JobPath(s.job_id) + "/cancel", true,
                    [](const json::value& answer, const std::string&) {
                      return FormatCancelled(JobOf(answer));
                    });
  });

  CLI::App* jobs = platform->add_subcommand("jobs", "List jobs, newest first");
  jobs->add_option("--state", state.states,
                   "Only jobs in this state: Pending, Queued, Running, Succeeded, Failed, "
                   "Cancelled, TimedOut (repeatable, or comma-separated)");
  AddTeamFlag(jobs, state.team, "Only this team's jobs (the request acts in it)");
  jobs->add_option("--user", state.user, "Only jobs submitted by this user");
  jobs->add_option("--name", state.name, "Only jobs with this name");
  jobs->add_option("--limit", state.limit, "Show at most this many")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  AddJsonFlag(jobs, state);
  jobs->footer(
      "Examples:\n  inet platform jobs\n  inet platform jobs --state Running,Queued "
      "--team vision");
  OnRun(jobs, shared, RunJobs);

  CLI::App* events = platform->add_subcommand(
      "events", "Show every state change of a job with its reason (queued, started, retried...)");
  AddJobId(events, state);
  AddTeamFlag(events, state.team, "Team the job belongs to");
  AddJsonFlag(events, state);
  events->footer("Example:\n  inet platform events bert-finetuning-abc123");
  OnRun(events, shared, [](PlatformState& s) {
    return ShowJson(s, JobPath(s.job_id) + "/events", false,
                    [](const json::value& answer, const std::string&) {
                      const json::value* list =
                          answer.is_object() ? answer.as_object().if_contains("events") : nullptr;
                      return FormatEvents(list != nullptr ? *list : json::value(json::array()));
                    });
  });

  CLI::App* capacity = platform->add_subcommand(
      "capacity", "Show what the executor can run: GPUs, CPU and memory, used and total");
  AddJsonFlag(capacity, state);
  capacity->footer("Example:\n  inet platform capacity");
  OnRun(capacity, shared, [](PlatformState& s) {
    return ShowJson(
        s, "/api/v1/capacity", false,
        [](const json::value& answer, const std::string&) { return FormatCapacity(answer); });
  });
}

namespace {

// A signal handler can only reach a global; this is the one flag SIGINT sets.
std::atomic<bool> interrupt_flag{false};
void OnInterrupt(int) { interrupt_flag.store(true); }

void HandleInterruptsWith(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read (the token prompt) returns EINTR
  ::sigaction(SIGINT, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

const std::atomic<bool>* WatchInterrupts() {
  HandleInterruptsWith(OnInterrupt);
  return &interrupt_flag;
}

void DefaultInterrupts() { HandleInterruptsWith(SIG_DFL); }

}  // namespace inet::cli
