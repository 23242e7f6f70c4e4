// The platform commands and `inet login` run through CLI11 against an in-test HTTP server that
// plays the job API (port 0, temp dirs): what they send, print and exit with.
#include "cli/platform_commands.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "cli/login_command.h"
#include "http/http.h"
#include "http/testing/fake_authenticator.h"

namespace inet::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

json::object Job(const std::string& id, const std::string& state) {
  json::object job;
  job["job_id"] = id;
  job["state"] = state;
  job["attempt"] = 1;
  job["max_attempts"] = 1;
  job["created_at"] = 1795000000000;
  return job;
}

http::Response JobAnswer(json::object job, int status = 200) {
  json::object answer;
  answer["job"] = std::move(job);
  return http::Response::Json(json::serialize(answer), status);
}

class PlatformCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/inet-cli-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "code");
    std::ofstream(dir_ / "code/train.py") << "print('hello')\n";

    auth_.Allow("secret", Identity{"alice", "t1", false});
    AddRoutes();
    http::ServerOptions options;
    options.port = 0;
    options.access_log = false;
    options.shutdown_grace_seconds = 5;
    server_ = std::make_unique<http::Server>(options, router_, auth_);
    ASSERT_TRUE(server_->Start().ok());
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
    env_ = {{"HOME", dir_.string()}, {"INET_URL", url_}, {"INET_TOKEN", "secret"}};
  }

  void TearDown() override {
    stop_streams_ = true;
    server_->Stop();
    fs::remove_all(dir_);
  }

  void AddRoutes() {
    router_.Add(
        http::Method::kPost, "/api/v1/snapshots",
        [this](http::Request& request) {
          StatusOr<std::string> body = ReadAll(*request.body_stream, 64 << 20);
          if (!body.ok()) return http::ErrorResponse(body.status());
          std::lock_guard lock(mu_);
          snapshot_ = *body;
          return http::Response::Json(R"({"snapshot_id":"snap-1","size":1})", 201);
        },
        http::RouteOptions{.stream_body = true, .public_route = false});
    router_.Add(http::Method::kPost, "/api/v1/jobs", [this](http::Request& request) {
      std::lock_guard lock(mu_);
      Saw(request);
      submitted_ = json::parse(request.body);
      json::object job = Job(std::string(submitted_.at("name").as_string()) + "-abc123", "Queued");
      job["spec"] = submitted_;
      return JobAnswer(std::move(job), 201);
    });
    router_.Add(http::Method::kGet, "/api/v1/capacity", [](http::Request&) {
      return http::Response::Json(
          R"({"gpus_total":4,"gpus_used":1,"cpu_millis_total":8000,"cpu_millis_used":0,)"
          R"("memory_bytes_total":1073741824,"memory_bytes_used":0,"gpu_source":"configured"})");
    });
    router_.Add(http::Method::kGet, "/api/v1/jobs/{id}", [this](http::Request& request) {
      std::string id = request.path_params["id"];
      if (id == "nope") return http::ErrorResponse(NotFoundError("Job 'nope' not found"));
      std::lock_guard lock(mu_);
      Saw(request);
      return JobAnswer(Job(id, final_state_));
    });
    router_.Add(http::Method::kGet, "/api/v1/jobs/{id}/logs", [this](http::Request& request) {
      std::lock_guard lock(mu_);
      Saw(request);
      log_requests_.push_back(request.Query("offset").value_or("") + " " +
                              request.Query("follow").value_or(""));
      http::Response response = http::Response::Text("");
      response.content_type = "text/plain; charset=utf-8";
      if (request.path_params["id"] == "endless") {
        if (interrupt_on_logs_ != nullptr) interrupt_on_logs_->store(true);
        response.headers.emplace_back("X-Inet-Job-State", "Running");
        response.body = "tick\n";
        return response;
      }
      // Two halves: the first while Running, the rest once the job has ended.
      bool first = request.Query("offset").value_or("0") == "0";
      response.headers.emplace_back("X-Inet-Job-State", first ? "Running" : final_state_);
      response.body = first ? "hello\n" : "world\n";
      return response;
    });
    router_.Add(http::Method::kPost, "/api/v1/jobs/{id}/cancel", [this](http::Request& request) {
      std::lock_guard lock(mu_);
      Saw(request);
      return JobAnswer(Job(request.path_params["id"], "Cancelled"));
    });
    router_.Add(http::Method::kGet, "/api/v1/jobs/{id}/events", [this](http::Request& request) {
      std::lock_guard lock(mu_);
      Saw(request);
      return http::Response::Json(
          R"({"events":[{"seq":1,"timestamp":1795000000000,"state":"Queued","attempt":0,)"
          R"("reason":"submitted"}]})");
    });
    router_.Add(http::Method::kGet, "/api/v1/jobs", [this](http::Request& request) {
      std::lock_guard lock(mu_);
      Saw(request);
      list_queries_.push_back(request.target);
      json::object answer;
      json::array jobs;
      if (!request.Query("page_token")) {
        jobs.push_back(Job("a-1", "Running"));
        answer["next_page_token"] = "p2";
      } else {
        jobs.push_back(Job("b-2", "Queued"));
      }
      answer["jobs"] = std::move(jobs);
      return http::Response::Json(json::serialize(answer));
    });
  }

  // Records the team a request acts in (its X-MLFLOW-WORKSPACE header; "-" when absent). Called
  // with mu_ held.
  void Saw(const http::Request& request) {
    std::string_view team = request.Header("X-MLFLOW-WORKSPACE");
    teams_seen_.emplace_back(team.empty() ? "-" : team);
  }

  // Runs `inet <args...>` and returns its exit code; output lands in out_ / err_.
  int Run(std::vector<std::string> args, std::string stdin_text = "") {
    out_.str("");
    err_.str("");
    std::istringstream in(stdin_text);
    CommandContext context;
    context.out = &out_;
    context.err = &err_;
    context.in = &in;
    context.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    context.interrupt = interrupt_;
    CLI::App app("inet", "inet");
    app.require_subcommand(1);
    AddPlatformCommands(app, context);
    AddLoginCommand(app, context);
    std::vector<const char*> argv = {"inet"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return app.exit(e, out_, err_) == 0 ? 0 : 2;
    }
    return context.exit_code;
  }

  fs::path dir_;
  http::Router router_;
  http::testing::FakeAuthenticator auth_;
  std::unique_ptr<http::Server> server_;
  std::string url_;
  std::map<std::string, std::string> env_;
  std::ostringstream out_;
  std::ostringstream err_;
  std::atomic<bool> stop_streams_{false};
  const std::atomic<bool>* interrupt_ = nullptr;
  std::atomic<bool>* interrupt_on_logs_ = nullptr;

  std::mutex mu_;
  std::string snapshot_;
  json::value submitted_;
  std::string final_state_ = "Succeeded";
  std::vector<std::string> log_requests_;
  std::vector<std::string> list_queries_;
  std::vector<std::string> teams_seen_;
};

TEST_F(PlatformCommandsTest, TrainUploadsCodeSubmitsAndPrintsTheIssuesBlock) {
  int code = Run({"platform", "train", "--name", "bert-finetuning", "--image", "ml-training:latest",
                  "--script", "train.py", "--gpu", "1", "--memory", "16Gi", "--output-artifacts",
                  "model.pt", "--code-dir", (dir_ / "code").string()});
  ASSERT_EQ(code, 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "Job submitted: bert-finetuning-abc123\n"
            "Status: Queued\n"
            "GPU quota: 1/4 (25% of executor capacity)\n"
            "Monitor with:\n"
            "  inet platform logs bert-finetuning-abc123\n"
            "  inet platform status bert-finetuning-abc123\n");
  std::lock_guard lock(mu_);
  EXPECT_TRUE(archive::LooksLikeGzip(snapshot_));
  EXPECT_EQ(submitted_.at("code_snapshot").as_string(), "snap-1");
  EXPECT_EQ(submitted_.at("script").as_string(), "train.py");
  EXPECT_EQ(submitted_.at("resources").at("memory").as_string(), "16Gi");
  EXPECT_EQ(submitted_.at("resources").at("gpu").to_number<int>(), 1);
  EXPECT_EQ(submitted_.at("output_artifacts").at("model.pt").as_string(), "model.pt");

  // The snapshot holds the code directory.
  fs::path archive_path = dir_ / "snap.tar.gz";
  std::ofstream(archive_path, std::ios::binary) << snapshot_;
  ASSERT_TRUE(archive::ExtractArchive(archive_path.string(), (dir_ / "out").string()).ok());
  EXPECT_TRUE(fs::exists(dir_ / "out/train.py"));
}

TEST_F(PlatformCommandsTest, TrainRejectsABadSpecBeforeCallingTheServer) {
  int code = Run({"platform", "train", "--name", "x", "--script", "train.py", "--memory", "16GB",
                  "--no-code"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err_.str().find("did you mean \"16Gi\"?"), std::string::npos) << err_.str();
  std::lock_guard lock(mu_);
  EXPECT_TRUE(submitted_.is_null());
}

TEST_F(PlatformCommandsTest, TrainWithNoCodeAndDashDashCommandPrintsJson) {
  int code = Run({"platform", "train", "--name", "sweep", "--no-code", "--json", "--", "python",
                  "-c", "print(1)"});
  ASSERT_EQ(code, 0) << err_.str();
  json::value printed = json::parse(out_.str());
  EXPECT_EQ(printed.at("job").at("job_id").as_string(), "sweep-abc123");
  std::lock_guard lock(mu_);
  EXPECT_TRUE(snapshot_.empty());
  EXPECT_EQ(json::serialize(submitted_.at("command")), R"j(["python","-c","print(1)"])j");
}

TEST_F(PlatformCommandsTest, TrainFollowStreamsLogsAndExitsWithTheJobsResult) {
  int code = Run({"platform", "train", "--name", "x", "--no-code", "-f", "--", "true"});
  EXPECT_EQ(code, 0) << err_.str();
  EXPECT_NE(out_.str().find("Job submitted: x-abc123\n"), std::string::npos);
  EXPECT_NE(out_.str().find("hello\nworld\n"), std::string::npos);
}

TEST_F(PlatformCommandsTest, LogsFollowReconnectsFromTheOffsetUntilTheJobEnds) {
  final_state_ = "Failed";
  int code = Run({"platform", "logs", "-f", "job-1"});
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out_.str(), "hello\nworld\n");
  EXPECT_NE(err_.str().find("Job job-1 Failed"), std::string::npos) << err_.str();
  std::lock_guard lock(mu_);
  EXPECT_EQ(log_requests_, (std::vector<std::string>{"0 true", "6 true"}));
}

TEST_F(PlatformCommandsTest, LogsWithoutFollowPrintsWhatThereIs) {
  EXPECT_EQ(Run({"platform", "logs", "job-1"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "hello\n");
  std::lock_guard lock(mu_);
  EXPECT_EQ(log_requests_, (std::vector<std::string>{"0 false"}));
}

TEST_F(PlatformCommandsTest, InterruptStopsFollowingCleanly) {
  std::atomic<bool> interrupt{false};
  interrupt_ = &interrupt;
  interrupt_on_logs_ = &interrupt;  // as if Ctrl-C came while the log streams
  EXPECT_EQ(Run({"platform", "logs", "-f", "endless"}), 130);
  EXPECT_NE(err_.str().find("Stopped following; job endless keeps running"), std::string::npos)
      << err_.str();
}

TEST_F(PlatformCommandsTest, StatusPrintsTheJobOrTheServersError) {
  EXPECT_EQ(Run({"platform", "status", "job-1"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("State:        Succeeded\n"), std::string::npos) << out_.str();

  EXPECT_EQ(Run({"platform", "status", "nope"}), 1);
  EXPECT_EQ(err_.str(), "inet: RESOURCE_DOES_NOT_EXIST: Job 'nope' not found\n");

  EXPECT_EQ(Run({"platform", "status", "job-1", "--json"}), 0);
  EXPECT_EQ(json::parse(out_.str()).at("job").at("state").as_string(), "Succeeded");
}

TEST_F(PlatformCommandsTest, UrlAndTokenFlagsWorkAfterTheSubcommand) {
  env_.erase("INET_URL");
  env_.erase("INET_TOKEN");
  EXPECT_EQ(Run({"platform", "status", "job-1", "--url", url_, "--token", "wrong"}), 1);
  EXPECT_NE(err_.str().find("UNAUTHENTICATED"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"platform", "status", "job-1", "--url", url_, "--token", "secret"}), 0)
      << err_.str();
}

TEST_F(PlatformCommandsTest, JobsFollowsPagesAndPassesFilters) {
  EXPECT_EQ(Run({"platform", "jobs", "--state", "Running", "--team", "vision", "--limit", "5"}), 0)
      << err_.str();
  EXPECT_NE(out_.str().find("a-1"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("b-2"), std::string::npos) << out_.str();
  EXPECT_TRUE(out_.str().starts_with("JOB ID")) << out_.str();
  std::lock_guard lock(mu_);
  ASSERT_EQ(list_queries_.size(), 2u);
  EXPECT_EQ(list_queries_[0], "/api/v1/jobs?team=vision&state=Running&max_results=5");
  EXPECT_EQ(list_queries_[1], "/api/v1/jobs?team=vision&state=Running&max_results=4&page_token=p2");
}

TEST_F(PlatformCommandsTest, CancelEventsCapacity) {
  EXPECT_EQ(Run({"platform", "cancel", "job-1"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Cancelled job job-1.\n");
  EXPECT_EQ(Run({"platform", "events", "job-1"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("Queued"), std::string::npos);
  EXPECT_EQ(Run({"platform", "capacity"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("GPUs:         1/4 used (configured)"), std::string::npos);
}

TEST_F(PlatformCommandsTest, EveryJobCommandActsInTheTeamOfItsTeamFlag) {
  const std::vector<std::vector<std::string>> commands = {
      {"platform", "status", "job-1"},
      {"platform", "logs", "job-1"},
      {"platform", "cancel", "job-1"},
      {"platform", "events", "job-1"},
      {"platform", "jobs", "--limit", "1"},
      {"platform", "train", "--name", "x", "--no-code", "--", "true"}};
  for (std::vector<std::string> args : commands) {
    args.insert(args.begin() + 2, {"--team", "nlp-team"});
    {
      std::lock_guard lock(mu_);
      teams_seen_.clear();
    }
    EXPECT_EQ(Run(args), 0) << args[1] << ": " << err_.str();
    std::lock_guard lock(mu_);
    ASSERT_FALSE(teams_seen_.empty()) << args[1];
    for (const std::string& team : teams_seen_) EXPECT_EQ(team, "nlp-team") << args[1];
  }
  std::lock_guard lock(mu_);
  EXPECT_EQ(submitted_.at("team").as_string(), "nlp-team");
}

TEST_F(PlatformCommandsTest, TheTeamDefaultsToInetTeamThenMlflowWorkspace) {
  auto team_of = [this](std::vector<std::string> args) {
    EXPECT_EQ(Run(std::move(args)), 0) << err_.str();
    std::lock_guard lock(mu_);
    std::string last = teams_seen_.empty() ? "" : teams_seen_.back();
    teams_seen_.clear();
    return last;
  };
  EXPECT_EQ(team_of({"platform", "status", "job-1"}), "-");  // the token's default team
  env_["MLFLOW_WORKSPACE"] = "from-mlflow";
  EXPECT_EQ(team_of({"platform", "status", "job-1"}), "from-mlflow");
  env_["INET_TEAM"] = "vision";
  EXPECT_EQ(team_of({"platform", "events", "job-1"}), "vision");
  EXPECT_EQ(team_of({"platform", "status", "job-1", "--team", "nlp-team"}), "nlp-team");

  // `jobs` lists the team it acts in.
  EXPECT_EQ(team_of({"platform", "jobs", "--limit", "1"}), "vision");
  std::lock_guard lock(mu_);
  EXPECT_EQ(list_queries_.back(), "/api/v1/jobs?team=vision&max_results=1");
}

TEST_F(PlatformCommandsTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({"platform", "status"}), 2);
  EXPECT_EQ(Run({"platform", "train", "--gpu", "many"}), 2);
  EXPECT_EQ(Run({"platform", "train", "--help"}), 0);
  EXPECT_NE(out_.str().find("Examples:"), std::string::npos);
  for (const char* command : {"status", "logs", "cancel", "events", "jobs", "train"}) {
    EXPECT_EQ(Run({"platform", command, "--help"}), 0) << command;
    EXPECT_NE(out_.str().find("[env: INET_TEAM, then MLFLOW_WORKSPACE"), std::string::npos)
        << command << ": " << out_.str();
  }
}

TEST_F(PlatformCommandsTest, LoginChecksTheTokenAndSavesIt) {
  env_.erase("INET_URL");
  env_.erase("INET_TOKEN");
  env_["XDG_CONFIG_HOME"] = (dir_ / "config").string();

  EXPECT_EQ(Run({"login", "--url", url_}, "wrong\n"), 1);
  EXPECT_NE(err_.str().find("UNAUTHENTICATED"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(dir_ / "config/inet/config.json"));

  EXPECT_EQ(Run({"login", "--url", url_}, "secret\n"), 0) << err_.str();
  EXPECT_NE(out_.str().find((dir_ / "config/inet/config.json").string()), std::string::npos);
  EXPECT_EQ(Run({"platform", "capacity"}), 0) << err_.str();  // URL and token from the file
}

}  // namespace
}  // namespace inet::cli
