// Resolution order of the CLI's URL and token, and the login file.
#include "client/client_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace inet::client {
namespace {

namespace fs = std::filesystem;

class ClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/inet-client-config-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    home_ = pattern;
    vars_["HOME"] = home_.string();
  }
  void TearDown() override { fs::remove_all(home_); }

  EnvLookup Env() {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }

  void WriteFile(const fs::path& path, const std::string& contents) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << contents;
  }

  fs::path home_;
  std::map<std::string, std::string> vars_;
};

TEST_F(ClientConfigTest, DefaultsToTheLocalServer) {
  StatusOr<ClientConfig> config = ResolveClientConfig({}, Env());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->url, "http://127.0.0.1:8080");
  EXPECT_EQ(config->url_source, "default");
  EXPECT_EQ(config->token, "");
  EXPECT_EQ(config->token_source, "");
}

TEST_F(ClientConfigTest, UsesTheLocalAdminTokenOnlyForLoopbackServers) {
  WriteFile(home_ / ".inet/admin-token", "admintoken\n");
  StatusOr<ClientConfig> local = ResolveClientConfig({}, Env());
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->token, "admintoken");
  EXPECT_EQ(local->token_source, (home_ / ".inet/admin-token").string());

  StatusOr<ClientConfig> remote =
      ResolveClientConfig({.url = "http://inet.example.com", .token = ""}, Env());
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(remote->token, "");
}

TEST_F(ClientConfigTest, FlagsBeatEnvironmentBeatsMlflowVariables) {
  vars_["INET_URL"] = "http://env:1/";
  vars_["INET_TOKEN"] = "envtoken";
  vars_["MLFLOW_TRACKING_URI"] = "http://mlflow:2";
  vars_["MLFLOW_TRACKING_TOKEN"] = "mlflowtoken";
  StatusOr<ClientConfig> flags =
      ResolveClientConfig({.url = "http://flag:3", .token = "flagtoken"}, Env());
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->url, "http://flag:3");
  EXPECT_EQ(flags->token, "flagtoken");
  EXPECT_EQ(flags->token_source, "--token");

  StatusOr<ClientConfig> env = ResolveClientConfig({}, Env());
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->url, "http://env:1");
  EXPECT_EQ(env->url_source, "INET_URL");
  EXPECT_EQ(env->token, "envtoken");

  vars_.erase("INET_URL");
  vars_.erase("INET_TOKEN");
  StatusOr<ClientConfig> mlflow = ResolveClientConfig({}, Env());
  ASSERT_TRUE(mlflow.ok());
  EXPECT_EQ(mlflow->url, "http://mlflow:2");
  EXPECT_EQ(mlflow->token, "mlflowtoken");
  EXPECT_EQ(mlflow->token_source, "MLFLOW_TRACKING_TOKEN");
}

TEST_F(ClientConfigTest, TeamComesFromTheFlagThenInetTeamThenMlflowWorkspace) {
  EXPECT_EQ(ResolveTeam("", Env()), "");
  vars_["MLFLOW_WORKSPACE"] = "from-mlflow";
  EXPECT_EQ(ResolveTeam("", Env()), "from-mlflow");
  vars_["INET_TEAM"] = "from-inet";
  EXPECT_EQ(ResolveTeam("", Env()), "from-inet");
  EXPECT_EQ(ResolveTeam("from-flag", Env()), "from-flag");
  vars_["INET_TEAM"] = "";  // set but empty counts as unset
  EXPECT_EQ(ResolveTeam("", Env()), "from-mlflow");
}

TEST_F(ClientConfigTest, IgnoresNonHttpTrackingUris) {
  vars_["MLFLOW_TRACKING_URI"] = "file:///tmp/mlruns";
  StatusOr<ClientConfig> config = ResolveClientConfig({}, Env());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->url, "http://127.0.0.1:8080");
}

TEST_F(ClientConfigTest, LoginFileRoundTripsWithPrivateMode) {
  vars_["XDG_CONFIG_HOME"] = (home_ / "xdg").string();
  StatusOr<std::string> path = ConfigFilePath(Env());
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, (home_ / "xdg/inet/config.json").string());
  ASSERT_TRUE(SaveLogin(*path, {.url = "http://server:8080/", .token = "tok"}).ok());

  struct stat st;
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((home_ / "xdg/inet").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  StatusOr<StoredLogin> login = LoadLogin(*path);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->url, "http://server:8080");
  EXPECT_EQ(login->token, "tok");

  StatusOr<ClientConfig> config = ResolveClientConfig({}, Env());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->url, "http://server:8080");
  EXPECT_EQ(config->token, "tok");
  EXPECT_EQ(config->token_source, "config file " + *path);
}

TEST_F(ClientConfigTest, LoginTokenIsNotSentToAnotherServer) {
  ASSERT_TRUE(SaveLogin(*ConfigFilePath(Env()), {.url = "http://a:1", .token = "tok"}).ok());
  vars_["INET_URL"] = "http://b:1";
  StatusOr<ClientConfig> config = ResolveClientConfig({}, Env());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->url, "http://b:1");
  EXPECT_EQ(config->token, "");
  // ... but an explicit INET_URL naming the same server still uses it.
  vars_["INET_URL"] = "http://a:1/";
  config = ResolveClientConfig({}, Env());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->token, "tok");
}

TEST_F(ClientConfigTest, BrokenLoginFileIsAnErrorNamingIt) {
  std::string path = (home_ / ".config/inet/config.json").string();
  WriteFile(path, "not json");
  StatusOr<ClientConfig> config = ResolveClientConfig({}, Env());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find(path), std::string::npos);
  EXPECT_EQ(LoadLogin((home_ / "absent.json").string()).status().code(), StatusCode::kNotFound);
}

TEST(IsLoopbackUrlTest, RecognisesLocalHosts) {
  EXPECT_TRUE(IsLoopbackUrl("http://127.0.0.1:8080"));
  EXPECT_TRUE(IsLoopbackUrl("http://localhost"));
  EXPECT_TRUE(IsLoopbackUrl("https://[::1]:443/x"));
  EXPECT_FALSE(IsLoopbackUrl("http://10.0.0.1:8080"));
  EXPECT_FALSE(IsLoopbackUrl("http://localhost.evil.com"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.0.0.1@evil.com"));
  EXPECT_FALSE(IsLoopbackUrl("file:///tmp"));
}

}  // namespace
}  // namespace inet::client
