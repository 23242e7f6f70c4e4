#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "archive/internal/wildmatch.h"

namespace inet::archive {
namespace {

namespace fs = std::filesystem;
using internal::WildMatch;

struct WildCase {
  const char* pattern;
  const char* text;
  bool match;
};

TEST(WildMatchTest, Table) {
  const WildCase cases[] = {
      {"foo", "foo", true},
      {"foo", "foobar", false},
      {"*.log", "a.log", true},
      {"*.log", ".log", true},
      {"*.log", "dir/a.log", false},  // '*' stops at '/'
      {"a?c", "abc", true},
      {"a?c", "a/c", false},
      {"a*", "a", true},
      {"*a*b", "xxaxxb", true},
      {"[abc].txt", "b.txt", true},
      {"[abc].txt", "d.txt", false},
      {"[!abc].txt", "d.txt", true},
      {"[^abc].txt", "a.txt", false},
      {"[a-c]x", "bx", true},
      {"[a-c]x", "dx", false},
      {"[]]", "]", true},
      {"[!]]", "a", true},
      {"[[:digit:]]*", "7up", true},
      {"[[:digit:]]*", "up", false},
      {"[a/b]", "/", false},
      {"[abc", "[abc", false},  // unterminated class never matches
      {"\\*", "*", true},
      {"\\*", "a", false},
      {"\\#x", "#x", true},
      {"\\!x", "!x", true},
      {"a\\ ", "a ", true},
      {"**/foo", "foo", true},
      {"**/foo", "a/b/foo", true},
      {"**/foo", "a/b/foox", false},
      {"**/foo/bar", "x/foo/bar", true},
      {"abc/**", "abc/x", true},
      {"abc/**", "abc/x/y", true},
      {"abc/**", "abc", false},
      {"a/**/b", "a/b", true},
      {"a/**/b", "a/x/b", true},
      {"a/**/b", "a/x/y/b", true},
      {"a/**/b", "a/xb", false},
      {"a**b", "axxb", true},  // '**' not alone between slashes is '*'
      {"a**b", "ax/xb", false},
      {"**", "any/thing", true},
      {"*", "", true},
      {"", "", true},
      {"", "a", false},
  };
  for (const WildCase& c : cases) {
    EXPECT_EQ(WildMatch(c.pattern, c.text), c.match)
        << "pattern '" << c.pattern << "' text '" << c.text << "'";
  }
}

TEST(WildMatchTest, ManyStarsStayFast) {
  // Memoised: without it this backtracks exponentially.
  const std::string pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  EXPECT_FALSE(WildMatch(pattern, std::string(200, 'a')));
}

class IgnoreRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("inet-ignore-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& relative, const std::string& content) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }

  IgnoreRules Load() {
    StatusOr<IgnoreRules> rules = IgnoreRules::Load(root_.string());
    EXPECT_TRUE(rules.ok()) << rules.status().ToString();
    return rules.ok() ? *rules : IgnoreRules();
  }

  fs::path root_;
};

struct PathCase {
  const char* path;
  bool directory;
  bool ignored;
};

void ExpectCases(const IgnoreRules& rules, const std::vector<PathCase>& cases) {
  for (const PathCase& c : cases) {
    EXPECT_EQ(rules.Ignored(c.path, c.directory), c.ignored)
        << c.path << (c.directory ? "/" : "") << " should" << (c.ignored ? "" : " not")
        << " be ignored";
  }
}

TEST_F(IgnoreRulesTest, NoRulesIgnoresOnlyGit) {
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"train.py", false, false},
                      {".git", true, true},
                      {".git/config", false, true},
                      {"sub/.git", true, true},
                      {".gitignore", false, false},
                      {".github", true, false}});
}

TEST_F(IgnoreRulesTest, Syntax) {
  Write(".gitignore",
        "# a comment\n"
        "\n"
        "*.log\n"
        "trailing   \n"
        "escaped\\ \n"
        "\\#hash\n"
        "\\!bang\n"
        "crlf\r\n"
        "   \n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"a.log", false, true},
                      {"deep/er/b.log", false, true},
                      {"# a comment", false, false},
                      {"trailing", false, true},
                      {"trailing   ", false, false},
                      {"escaped ", false, true},
                      {"escaped", false, false},
                      {"#hash", false, true},
                      {"!bang", false, true},
                      {"crlf", false, true},
                      {"main.py", false, false}});
}

TEST_F(IgnoreRulesTest, Negation) {
  Write(".gitignore", "*.csv\n!keep.csv\ndata/\n!data/important.txt\n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"a.csv", false, true},
                      {"keep.csv", false, false},
                      {"sub/keep.csv", false, false},
                      {"data", true, true},
                      // An excluded directory cannot have contents re-included.
                      {"data/important.txt", false, true}});
}

TEST_F(IgnoreRulesTest, LastMatchWins) {
  Write(".gitignore", "!x.txt\nx.txt\n");
  EXPECT_TRUE(Load().Ignored("x.txt", false));
}

TEST_F(IgnoreRulesTest, Anchoring) {
  Write(".gitignore", "/build\ndoc/frotz\nfoo\n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"build", true, true},
                      {"build", false, true},
                      {"src/build", true, false},  // leading '/' anchors
                      {"doc/frotz", true, true},
                      {"a/doc/frotz", true, false},  // a middle '/' anchors too
                      {"foo", false, true},
                      {"a/b/foo", false, true},  // no '/': any depth
                      {"a/foo/bar.py", false, true}});
}

TEST_F(IgnoreRulesTest, DirectoryOnly) {
  Write(".gitignore", "cache/\n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"cache", true, true},
                      {"cache", false, false},
                      {"a/cache", true, true},
                      {"a/cache/x.bin", false, true}});
}

TEST_F(IgnoreRulesTest, DoubleStar) {
  Write(".gitignore", "**/logs\n**/tmp/out.txt\nabc/**\nx/**/y\n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"logs", true, true},
                      {"a/b/logs", true, true},
                      {"tmp/out.txt", false, true},
                      {"q/tmp/out.txt", false, true},
                      {"abc", true, false},
                      {"abc/d", false, true},
                      {"abc/d/e", false, true},
                      {"x/y", false, true},
                      {"x/1/2/y", false, true},
                      {"x/1/z", false, false}});
}

TEST_F(IgnoreRulesTest, NestedIgnoreFilesApplyToTheirSubtree) {
  Write(".gitignore", "*.bin\n");
  Write("models/.gitignore", "!small.bin\n/local.txt\n");
  Write("other/x.py", "");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"big.bin", false, true},
                      {"models/big.bin", false, true},
                      {"models/small.bin", false, false},  // deeper file overrides
                      {"small.bin", false, true},          // only inside models/
                      {"other/small.bin", false, true},
                      {"models/local.txt", false, true},  // anchored to models/
                      {"local.txt", false, false},
                      {"models/sub/local.txt", false, false}});
}

TEST_F(IgnoreRulesTest, InetignoreOverridesGitignoreInTheSameDirectory) {
  Write(".gitignore", "data/\nnotes.md\n");
  Write(".inetignore", "!notes.md\n*.ckpt\n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"notes.md", false, false},
                      {"data", true, true},
                      {"model.ckpt", false, true},
                      {"a/model.ckpt", false, true}});
}

TEST_F(IgnoreRulesTest, IgnoreFilesInsideIgnoredDirectoriesAreNotRead) {
  Write(".gitignore", "vendor/\n");
  Write("vendor/.gitignore", "*.py\n");
  const IgnoreRules rules = Load();
  ExpectCases(rules, {{"main.py", false, false}, {"vendor", true, true}});
}

TEST_F(IgnoreRulesTest, SymlinkedIgnoreFileIsNotFollowed) {
  Write("real-rules", "*.py\n");
  fs::create_symlink(root_ / "real-rules", root_ / ".gitignore");
  EXPECT_FALSE(Load().Ignored("main.py", false));
}

// The reference: git itself decides on the same tree (`git check-ignore --no-index`).
TEST_F(IgnoreRulesTest, AgreesWithGitCheckIgnore) {
  if (std::system("git --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "git not installed";
  Write(".gitignore",
        "*.log\n!important.log\n/build/\ndocs/*.html\n**/cache\nout/**\n!out/keep\n"
        "a/**/z.txt\n[Tt]emp*\n*.py[cod]\nnode_modules/\n\\#notes\nvendor\n!vendor/x\n");
  Write("src/.gitignore", "*.tmp\n!keep.log\n/local/\n");
  const std::vector<std::pair<std::string, bool>> paths = {
      {"a.log", false},           {"important.log", false}, {"src/important.log", false},
      {"src/keep.log", false},    {"keep.log", false},      {"build", true},
      {"build/x.o", false},       {"src/build", true},      {"docs/a.html", false},
      {"docs/sub/a.html", false}, {"cache", true},          {"x/y/cache", true},
      {"out/a", false},           {"out/keep", false},      {"a/z.txt", false},
      {"a/b/c/z.txt", false},     {"Temp.txt", false},      {"temp", true},
      {"m.pyc", false},           {"m.py", false},          {"node_modules", true},
      {"lib/node_modules", true}, {"#notes", false},        {"vendor", true},
      {"vendor/x", false},        {"src/a.tmp", false},     {"a.tmp", false},
      {"src/local", true},        {"src/x/local", true},    {"main.py", false},
  };
  for (const auto& [path, directory] : paths) {
    if (directory) {
      fs::create_directories(root_ / path);
    } else {
      Write(path, "");
    }
  }
  const IgnoreRules rules = Load();
  const std::string git = "git -c core.excludesFile=/dev/null -C '" + root_.string() + "' ";
  ASSERT_EQ(std::system((git + "init -q").c_str()), 0);
  for (const auto& [path, directory] : paths) {
    const std::string command = git + "check-ignore --no-index -q -- '" + path + "'";
    const int rc = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(rc) && (WEXITSTATUS(rc) == 0 || WEXITSTATUS(rc) == 1)) << command;
    const bool git_ignores = WEXITSTATUS(rc) == 0;
    EXPECT_EQ(rules.Ignored(path, directory), git_ignores) << path;
  }
}

TEST_F(IgnoreRulesTest, RootMustBeADirectory) {
  Write("file", "x");
  EXPECT_EQ(IgnoreRules::Load((root_ / "file").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(IgnoreRules::Load((root_ / "missing").string()).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace inet::archive
