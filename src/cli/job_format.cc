// Text output of the platform commands. Every accessor tolerates missing or mistyped fields.
#include "cli/job_format.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <sstream>
#include <vector>

#include "common/format.h"
#include "common/quantity.h"

namespace inet::cli {
namespace {

namespace json = boost::json;

const json::value* Field(const json::value& v, std::string_view key) {
  if (!v.is_object()) {
    return nullptr;
  }
  return v.as_object().if_contains(key);
}

std::string Str(const json::value& v, std::string_view key) {
  const json::value* f = Field(v, key);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
}

// A number field as a double; nullopt when absent or null.
std::optional<double> Num(const json::value& v, std::string_view key) {
  const json::value* f = Field(v, key);
  if (f == nullptr) {
    return std::nullopt;
  }
  if (f->is_int64()) {
    return static_cast<double>(f->get_int64());
  }
  if (f->is_uint64()) {
    return static_cast<double>(f->get_uint64());
  }
  if (f->is_double()) {
    return f->get_double();
  }
  return std::nullopt;
}

int64_t Int(const json::value& v, std::string_view key) {
  return static_cast<int64_t>(Num(v, key).value_or(0));
}

const json::array& Array(const json::value& v, std::string_view key) {
  static const json::array kEmpty;
  const json::value* f = Field(v, key);
  return f != nullptr && f->is_array() ? f->get_array() : kEmpty;
}

const json::value& Object(const json::value& v, std::string_view key) {
  static const json::value kEmpty = json::object();
  const json::value* f = Field(v, key);
  return f != nullptr && f->is_object() ? *f : kEmpty;
}

std::string JoinGpus(const json::array& gpus) {
  std::string out;
  for (const json::value& gpu : gpus) {
    if (!out.empty()) {
      out += ',';
    }
    out += gpu.is_string() ? std::string(gpu.get_string()) : json::serialize(gpu);
  }
  return out;
}

std::string Resources(const json::value& resources) {
  std::vector<std::string> parts;
  if (std::string cpu = Str(resources, "cpu"); !cpu.empty()) {
    parts.push_back("cpu " + cpu);
  }
  if (std::string memory = Str(resources, "memory"); !memory.empty()) {
    parts.push_back("memory " + memory);
  }
  if (int64_t gpu = Int(resources, "gpu"); gpu > 0) {
    parts.push_back("gpu " + std::to_string(gpu));
  }
  if (parts.empty()) {
    return "none requested";
  }
  std::string out;
  for (const std::string& part : parts) {
    out += (out.empty() ? "" : ", ") + part;
  }
  return out;
}

// Seconds the job has run: the server's runtime_seconds, else from its timestamps.
std::optional<double> Runtime(const json::value& job, int64_t now_ms) {
  if (std::optional<double> runtime = Num(job, "runtime_seconds"); runtime && *runtime > 0) {
    return runtime;
  }
  int64_t started = Int(job, "started_at");
  if (started <= 0) {
    return std::nullopt;
  }
  int64_t finished = Int(job, "finished_at");
  return static_cast<double>((finished > 0 ? finished : now_ms) - started) / 1000.0;
}

std::string Truncate(std::string text, size_t width) {
  for (char& c : text) {
    if (c == '\n' || c == '\t') {
      c = ' ';
    }
  }
  if (text.size() <= width) {
    return text;
  }
  text.resize(width - 3);
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text + "...";
}

std::string PadRight(std::string text, size_t width) {
  if (text.size() < width) {
    text.append(width - text.size(), ' ');
  }
  return text;
}

// Renders rows as columns two spaces apart; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) {
      widths.resize(row.size(), 0);
    }
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : PadRight(row[i], widths[i]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  }
  return out;
}

std::string Label(std::string_view label) { return PadRight(std::string(label) + ":", 14); }

}  // namespace

std::string FormatTimestamp(int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", &local);
  return buffer;
}

bool IsTerminalState(std::string_view state) {
  return state == "Succeeded" || state == "Failed" || state == "Cancelled" || state == "TimedOut";
}

std::string FormatSubmitted(const json::value& job, const json::value& capacity,
                            std::string_view state_now) {
  std::string id = Str(job, "job_id");
  std::string out = "Job submitted: " + id + "\n";
  out += "Status: " + Str(job, "state") + "\n";
  if (capacity.is_object()) {
    int64_t total = Int(capacity, "gpus_total");
    int64_t used = Int(capacity, "gpus_used");
    std::string state = state_now.empty() ? Str(job, "state") : std::string(state_now);
    if (state == "Pending" || state == "Queued") {
      used += Int(Object(job, "resources"), "gpu");
    }
    if (total <= 0) {
      out += "GPU quota: 0/0 (this executor has no GPUs)\n";
    } else {
      out += "GPU quota: " + std::to_string(used) + "/" + std::to_string(total) + " (" +
             std::to_string((used * 100 + total / 2) / total) + "% of executor capacity)\n";
    }
  }
  out += "Monitor with:\n";
  out += "  inet platform logs " + id + "\n";
  out += "  inet platform status " + id + "\n";
  return out;
}

std::string FormatJobStatus(const json::value& job, std::string_view server_url, int64_t now_ms) {
  std::string id = Str(job, "job_id");
  std::string state = Str(job, "state");
  std::string out;
  out += Label("Job") + id + "\n";
  std::string state_line = state;
  if (std::string reason = Str(job, "reason"); !reason.empty()) {
    state_line += " (" + reason + ")";
  }
  out += Label("State") + state_line + "\n";
  if (Field(job, "cancel_requested") != nullptr && Field(job, "cancel_requested")->is_bool() &&
      Field(job, "cancel_requested")->get_bool() && !IsTerminalState(state)) {
    out += Label("Cancel") + "requested\n";
  }
  int64_t attempt = Int(job, "attempt");
  int64_t max_attempts = Int(job, "max_attempts");
  if (max_attempts > 0) {
    out +=
        Label("Attempt") + std::to_string(attempt) + " of " + std::to_string(max_attempts) + "\n";
  }
  std::string owner = Str(job, "team");
  if (std::string user = Str(job, "user"); !user.empty()) {
    owner += " (user " + user + ")";
  }
  if (!owner.empty()) {
    out += Label("Team") + owner + "\n";
  }
  if (std::string priority = Str(job, "priority_class"); !priority.empty()) {
    out += Label("Priority") + priority + "\n";
  }
  if (int64_t created = Int(job, "created_at"); created > 0) {
    out += Label("Submitted") + FormatTimestamp(created) + " (" +
           FormatDuration(static_cast<double>(now_ms - created) / 1000.0) + " ago)\n";
  }
  if (std::optional<double> runtime = Runtime(job, now_ms)) {
    out += Label("Runtime") + FormatDuration(*runtime) + "\n";
  }
  const json::value& resources = Field(job, "resources") != nullptr
                                     ? Object(job, "resources")
                                     : Object(Object(job, "spec"), "resources");
  out += Label("Resources") + Resources(resources) + "\n";
  if (const json::array& gpus = Array(job, "gpus"); !gpus.empty()) {
    out += Label("GPUs") + JoinGpus(gpus) + "\n";
  }
  if (const json::value* exit_code = Field(job, "exit_code");
      exit_code != nullptr && exit_code->is_number()) {
    out += Label("Exit code") + json::serialize(*exit_code) + "\n";
  }
  if (std::string failure = Str(job, "last_failure"); !failure.empty()) {
    out += Label("Last failure") + failure + "\n";
  }
  const json::array& artifacts = Array(job, "artifacts");
  if (!artifacts.empty()) {
    out += "Artifacts:\n";
    std::vector<std::vector<std::string>> rows;
    for (const json::value& artifact : artifacts) {
      std::string size;
      if (std::optional<double> bytes = Num(artifact, "size")) {
        size = FormatBytes(static_cast<int64_t>(*bytes));
      }
      rows.push_back({"  " + Str(artifact, "name"), size, Str(artifact, "uri")});
    }
    out += Table(rows);
  }
  const json::value& mlflow = Object(job, "mlflow");
  if (std::string run_url = Str(mlflow, "run_url"); !run_url.empty()) {
    if (run_url.starts_with("/")) {
      run_url = std::string(server_url) + run_url;
    }
    out += Label("MLflow run") + run_url + "\n";
  } else if (std::string run_id = Str(mlflow, "run_id"); !run_id.empty()) {
    out += Label("MLflow run") + run_id + "\n";
  }
  out += Label("Logs") + "inet platform logs " + id + (IsTerminalState(state) ? "" : " -f") + "\n";
  return out;
}

std::string FormatJobsTable(const json::value& jobs, int64_t now_ms) {
  if (!jobs.is_array() || jobs.get_array().empty()) {
    return "No jobs.\n";
  }
  std::vector<std::vector<std::string>> rows = {
      {"JOB ID", "STATE", "ATTEMPT", "AGE/RUNTIME", "GPUS", "REASON"}};
  for (const json::value& job : jobs.get_array()) {
    std::string attempt = std::to_string(Int(job, "attempt"));
    if (int64_t max = Int(job, "max_attempts"); max > 0) {
      attempt += "/" + std::to_string(max);
    }
    std::string age = "-";
    if (int64_t created = Int(job, "created_at"); created > 0) {
      age = FormatDuration(static_cast<double>(now_ms - created) / 1000.0);
    }
    std::optional<double> runtime = Runtime(job, now_ms);
    age += "/" + (runtime ? FormatDuration(*runtime) : std::string("-"));
    const json::value& resources = Field(job, "resources") != nullptr
                                       ? Object(job, "resources")
                                       : Object(Object(job, "spec"), "resources");
    std::string gpus = "-";
    if (int64_t requested = Int(resources, "gpu"); requested > 0) {
      gpus = std::to_string(requested);
    }
    if (const json::array& assigned = Array(job, "gpus"); !assigned.empty()) {
      gpus = std::to_string(assigned.size()) + " [" + JoinGpus(assigned) + "]";
    }
    std::string reason = Str(job, "reason");
    if (std::string failure = Str(job, "last_failure"); reason.empty() && !failure.empty()) {
      reason = failure;
    }
    rows.push_back(
        {Str(job, "job_id"), Str(job, "state"), attempt, age, gpus, Truncate(reason, 60)});
  }
  return Table(rows);
}

std::string FormatEvents(const json::value& events) {
  if (!events.is_array() || events.get_array().empty()) {
    return "No events.\n";
  }
  std::vector<std::vector<std::string>> rows = {{"TIME", "STATE", "ATTEMPT", "REASON"}};
  for (const json::value& event : events.get_array()) {
    int64_t timestamp = Int(event, "timestamp");
    rows.push_back({timestamp > 0 ? FormatTimestamp(timestamp) : "-", Str(event, "state"),
                    std::to_string(Int(event, "attempt")), Str(event, "reason")});
  }
  return Table(rows);
}

std::string FormatCapacity(const json::value& capacity) {
  std::string out;
  int64_t gpus_total = Int(capacity, "gpus_total");
  std::string gpu_line =
      std::to_string(Int(capacity, "gpus_used")) + "/" + std::to_string(gpus_total) + " used";
  if (std::string source = Str(capacity, "gpu_source"); !source.empty()) {
    gpu_line += " (" + source + ")";
  }
  if (gpus_total == 0) {
    gpu_line = "none on this executor";
  }
  out += Label("GPUs") + gpu_line + "\n";
  out += Label("CPU") + FormatCpuQuantity(Int(capacity, "cpu_millis_used")) + "/" +
         FormatCpuQuantity(Int(capacity, "cpu_millis_total")) + " cores requested\n";
  out += Label("Memory") + FormatBytes(Int(capacity, "memory_bytes_used")) + "/" +
         FormatBytes(Int(capacity, "memory_bytes_total")) + " requested\n";
  if (std::string isolation = Str(capacity, "isolation"); !isolation.empty()) {
    out += Label("Isolation") + isolation + "\n";
  }
  if (std::string warning = Str(capacity, "job_python_warning"); !warning.empty()) {
    out += Label("Warning") + warning + "\n";
  }
  const json::array& pools = Array(capacity, "node_pools");
  if (pools.empty()) return out;
  // Each pool: used/allocatable; "-" where the server does not know what the pool's attempts
  // hold (an executor with several pools).
  auto used_of = [](const json::value& pool, std::string_view key, auto format) {
    std::optional<double> used = Num(pool, key);
    return used ? format(static_cast<int64_t>(*used)) : std::string("-");
  };
  auto gpus = [](int64_t n) { return std::to_string(n); };
  std::vector<std::vector<std::string>> rows = {{"POOL", "GPUS", "CPU", "MEMORY", "GPU MODEL"}};
  for (const json::value& pool : pools) {
    rows.push_back({Str(pool, "name"),
                    used_of(pool, "gpus_used", gpus) + "/" + gpus(Int(pool, "gpus_allocatable")),
                    used_of(pool, "cpu_millis_used", FormatCpuQuantity) + "/" +
                        FormatCpuQuantity(Int(pool, "cpu_millis_allocatable")),
                    used_of(pool, "memory_bytes_used", FormatBytes) + "/" +
                        FormatBytes(Int(pool, "memory_bytes_allocatable")),
                    Str(pool, "gpu_model").empty() ? "-" : Str(pool, "gpu_model")});
  }
  return out + "\n" + Table(rows);
}

std::string FormatCancelled(const json::value& job) {
  std::string id = Str(job, "job_id");
  std::string state = Str(job, "state");
  if (state == "Cancelled") {
    return "Cancelled job " + id + ".\n";
  }
  if (IsTerminalState(state)) {
    return "Job " + id + " had already finished: " + state + ".\n";
  }
  return "Cancel requested for job " + id + " (was " + state +
         "); it stops within its grace period. Follow it with: inet platform status " + id + "\n";
}

}  // namespace inet::cli
