// `inet platform train` flags -> JobSpec, with and without --config.
#include "cli/train_spec.h"

#include <gtest/gtest.h>

namespace inet::cli {
namespace {

using StringMap = std::map<std::string, std::string>;
using Words = std::vector<std::string>;

TrainFlags Minimal() {
  TrainFlags flags;
  flags.name = "bert-finetuning";
  flags.script = "train.py";
  return flags;
}

TEST(BuildTrainSpecTest, MapsTheIssueExample) {
  TrainFlags flags = Minimal();
  flags.image = "ml-training:latest";
  flags.gpu = 1;
  flags.memory = "16Gi";
  flags.output_artifacts = {"model.pt"};
  StatusOr<jobs::JobSpec> spec = BuildTrainSpec(flags, std::nullopt);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "bert-finetuning");
  EXPECT_EQ(spec->image, "ml-training:latest");
  EXPECT_EQ(spec->script, "train.py");
  EXPECT_TRUE(spec->command.empty());
  EXPECT_EQ(spec->resources.gpu, 1);
  EXPECT_EQ(spec->resources.memory, "16Gi");
  EXPECT_EQ(spec->output_artifacts, (StringMap{{"model.pt", "model.pt"}}));
  EXPECT_EQ(spec->experiment, "bert-finetuning");  // Validate's default
  EXPECT_EQ(spec->priority_class, "batch");
}

TEST(BuildTrainSpecTest, MapsEveryFlag) {
  TrainFlags flags;
  flags.name = "ddp";
  flags.command = "python -m pkg.train 'two words'";
  flags.args = "--epochs 3";
  flags.cpu = "500m";
  flags.env = {"A=1", "B=x=y"};
  flags.output_artifacts = {"model=out/model.pt,metrics.json", "logs/run.txt"};
  flags.workdir = "src";
  flags.timeout_hours = 2.5;
  flags.max_cost_usd = 40;
  flags.retries = 3;
  flags.distributed_backend = "pytorch";
  flags.processes = 2;
  flags.team = "vision";
  flags.priority_class = "interactive";
  flags.experiment = "exp";
  StatusOr<jobs::JobSpec> spec = BuildTrainSpec(flags, std::nullopt);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->command, (Words{"python", "-m", "pkg.train", "two words"}));
  EXPECT_EQ(spec->args, (Words{"--epochs", "3"}));
  EXPECT_EQ(spec->resources.cpu, "500m");
  EXPECT_EQ(spec->env, (StringMap{{"A", "1"}, {"B", "x=y"}}));
  EXPECT_EQ(spec->output_artifacts, (StringMap{{"model", "out/model.pt"},
                                               {"metrics.json", "metrics.json"},
                                               {"run.txt", "logs/run.txt"}}));
  EXPECT_EQ(spec->workdir, "src");
  EXPECT_DOUBLE_EQ(spec->timeout_hours, 2.5);
  EXPECT_DOUBLE_EQ(spec->max_cost_usd, 40);
  EXPECT_EQ(spec->retries, 3);
  EXPECT_EQ(spec->distributed_backend, "pytorch");
  EXPECT_EQ(spec->processes, 2);
  EXPECT_EQ(spec->team, "vision");
  EXPECT_EQ(spec->priority_class, "interactive");
  EXPECT_EQ(spec->experiment, "exp");
}

TEST(BuildTrainSpecTest, WordsAfterDashDashAreTheCommandOrTheScriptsArguments) {
  TrainFlags command;
  command.name = "x";
  command.trailing = {"python", "train.py", "--lr", "0.1"};
  StatusOr<jobs::JobSpec> spec = BuildTrainSpec(command, std::nullopt);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->command, (Words{"python", "train.py", "--lr", "0.1"}));
  EXPECT_TRUE(spec->args.empty());

  TrainFlags script = Minimal();
  script.trailing = {"--epochs", "3"};
  spec = BuildTrainSpec(script, std::nullopt);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->script, "train.py");
  EXPECT_EQ(spec->args, (Words{"--epochs", "3"}));
}

TEST(BuildTrainSpecTest, ConflictingFlagsAreRejected) {
  TrainFlags both = Minimal();
  both.command = "python x.py";
  EXPECT_EQ(BuildTrainSpec(both, std::nullopt).status().code(), StatusCode::kInvalidArgument);

  TrainFlags twice;
  twice.name = "x";
  twice.command = "python x.py";
  twice.trailing = {"python", "y.py"};
  EXPECT_EQ(BuildTrainSpec(twice, std::nullopt).status().code(), StatusCode::kInvalidArgument);

  TrainFlags bad_env = Minimal();
  bad_env.env = {"NOVALUE"};
  Status status = BuildTrainSpec(bad_env, std::nullopt).status();
  EXPECT_EQ(status.message(), "--env \"NOVALUE\" must look like KEY=VALUE");
}

TEST(BuildTrainSpecTest, ValidationMessagesAreTheServers) {
  TrainFlags flags = Minimal();
  flags.memory = "16GB";
  Status status = BuildTrainSpec(flags, std::nullopt).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("did you mean \"16Gi\"?"), std::string::npos) << status.message();

  TrainFlags nothing;
  nothing.name = "x";
  status = BuildTrainSpec(nothing, std::nullopt).status();
  EXPECT_NE(status.message().find("nothing to run"), std::string::npos) << status.message();
}

TEST(BuildTrainSpecTest, FlagsOverrideTheConfigFile) {
  std::string yaml = R"(
name: from-file
command: python file.py
resources: {cpu: "2", memory: 8Gi}
env: {A: file, B: file}
output_artifacts: {model.pt: model.pt}
retries: 1
)";
  StatusOr<jobs::JobSpec> spec = BuildTrainSpec(TrainFlags{}, yaml);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "from-file");
  EXPECT_EQ(spec->command, (Words{"python", "file.py"}));
  EXPECT_EQ(spec->retries, 1);

  TrainFlags flags;
  flags.name = "from-flag";
  flags.script = "flag.py";  // replaces the file's command
  flags.memory = "16Gi";
  flags.env = {"B=flag"};
  flags.output_artifacts = {"ckpt=ckpt.pt"};
  spec = BuildTrainSpec(flags, yaml);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "from-flag");
  EXPECT_EQ(spec->script, "flag.py");
  EXPECT_TRUE(spec->command.empty());
  EXPECT_EQ(spec->resources.cpu, "2");
  EXPECT_EQ(spec->resources.memory, "16Gi");
  EXPECT_EQ(spec->env, (StringMap{{"A", "file"}, {"B", "flag"}}));
  EXPECT_EQ(spec->output_artifacts, (StringMap{{"model.pt", "model.pt"}, {"ckpt", "ckpt.pt"}}));
  EXPECT_EQ(spec->retries, 1);
}

TEST(BuildTrainSpecTest, BadConfigFileSaysSo) {
  Status status = BuildTrainSpec(TrainFlags{}, std::string("name: [unclosed")).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("--config: ")) << status.message();
}

}  // namespace
}  // namespace inet::cli
