#include "jobs/job_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace inet::jobs {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// JobSpec has no operator==; compare every field so a forgotten one in the JSON form shows.
auto Fields(const JobSpec& s) {
  return std::tie(s.name, s.image, s.command, s.script, s.args, s.env, s.resources.cpu,
                  s.resources.memory, s.resources.gpu, s.timeout_hours, s.retries, s.max_cost_usd,
                  s.output_artifacts, s.distributed_backend, s.processes, s.code_snapshot,
                  s.workdir, s.team, s.priority_class, s.experiment);
}

JobSpec Valid() {
  JobSpec spec;
  spec.name = "bert-finetuning";
  spec.script = "train.py";
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Validate

TEST(ValidateTest, AcceptsMinimalSpecAndFillsDefaults) {
  JobSpec spec = Valid();
  spec.team = "";
  spec.priority_class = "";
  ASSERT_TRUE(Validate(spec).ok()) << Validate(spec).ToString();
  EXPECT_EQ(spec.experiment, "bert-finetuning");
  EXPECT_EQ(spec.team, "");  // the service puts it in the acting team
  EXPECT_EQ(spec.priority_class, "batch");
}

// exec and the environment cut a string at its first NUL: refuse it instead of running less.
TEST(ValidateTest, RejectsNulBytesInEveryString) {
  using namespace std::string_literals;
  const std::vector<std::pair<std::function<void(JobSpec&)>, std::string>> cases = {
      {[](JobSpec& s) {
         s.args = {"--lr", "0.1\0; rm -rf /"s};
       },
       "args[1]"},
      {[](JobSpec& s) { s.env["TOKEN"] = "a\0b"s; }, "env TOKEN"},
      {[](JobSpec& s) { s.env["A\0B"s] = "v"; }, "an env name"},
      {[](JobSpec& s) { s.name = "bert\0x"s; }, "name"},
      {[](JobSpec& s) { s.script = "train.py\0"s; }, "script"},
      {[](JobSpec& s) { s.experiment = "e\0"s; }, "experiment"},
      {[](JobSpec& s) { s.output_artifacts["model"] = "out\0/x"s; }, "output artifact model path"},
      {[](JobSpec& s) {
         s.script.clear();
         s.command = {"python", "x\0.py"s};
       },
       "command[1]"},
  };
  for (const auto& [mutate, field] : cases) {
    JobSpec spec = Valid();
    mutate(spec);
    Status s = Validate(spec);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(s.message(), field +
                               " contains a NUL character (\\x00), which a program's "
                               "arguments and environment cannot carry; remove it");
  }
}

TEST(ValidateTest, KeepsGivenExperiment) {
  JobSpec spec = Valid();
  spec.experiment = "Shared Experiment";
  ASSERT_TRUE(Validate(spec).ok());
  EXPECT_EQ(spec.experiment, "Shared Experiment");
}

TEST(ValidateTest, AcceptsFullSpec) {
  JobSpec spec = Valid();
  spec.script.clear();
  spec.command = {"torchrun", "train.py"};
  spec.env = {{"HF_HOME", "/cache"}, {"_X1", ""}};
  spec.resources = {"500m", "16Gi", 2};
  spec.timeout_hours = 720;
  spec.retries = 10;
  spec.max_cost_usd = 1e9;
  spec.output_artifacts = {{"model.pt", "out/model.pt"}, {"logs", "/var/log/train"}};
  spec.distributed_backend = "pytorch";
  spec.processes = 64;
  spec.workdir = "src/train";
  spec.team = "nlp-team";
  spec.priority_class = "interactive";
  EXPECT_TRUE(Validate(spec).ok()) << Validate(spec).ToString();
}

struct Rejection {
  std::string what;
  void (*mutate)(JobSpec&);
  std::string message;
};

TEST(ValidateTest, RejectsWithMessagesThatSayWhatToDo) {
  const std::vector<Rejection> cases = {
      {"no name", [](JobSpec& s) { s.name = ""; },
       "name is required: lowercase letters, digits and '-', starting with a letter, such as "
       "\"bert-finetuning\""},
      {"uppercase and underscore", [](JobSpec& s) { s.name = "Bert_Finetuning"; },
       "name \"Bert_Finetuning\" must be lowercase letters, digits and '-'; try "
       "\"bert-finetuning\""},
      {"spaces", [](JobSpec& s) { s.name = "my  job"; },
       "name \"my  job\" must be lowercase letters, digits and '-'; try \"my-job\""},
      {"starts with digit", [](JobSpec& s) { s.name = "1bert"; },
       "name \"1bert\" must start with a letter; try \"job-1bert\""},
      {"starts with dash", [](JobSpec& s) { s.name = "-bert"; },
       "name \"-bert\" must start with a letter; try \"bert\""},
      {"ends with dash", [](JobSpec& s) { s.name = "bert-"; },
       "name \"bert-\" must end with a letter or digit; try \"bert\""},
      {"too long", [](JobSpec& s) { s.name = std::string(51, 'a'); },
       "name \"" + std::string(51, 'a') + "\" is longer than 50 characters; try \"" +
           std::string(50, 'a') + "\""},
      {"nothing usable", [](JobSpec& s) { s.name = "___"; },
       "name \"___\" must be lowercase letters, digits and '-'"},
      {"both command and script",
       [](JobSpec& s) {
         s.command = {"python", "x.py"};
       },
       "give either a script (--script) or a command (--command), not both"},
      {"neither command nor script", [](JobSpec& s) { s.script = ""; },
       "nothing to run: give a script (--script train.py) or a command (--command \"python "
       "train.py\")"},
      {"empty program",
       [](JobSpec& s) {
         s.script = "";
         s.command = {""};
       },
       "command starts with an empty word; give the program to run first"},
      {"absolute script", [](JobSpec& s) { s.script = "/home/me/train.py"; },
       "script \"/home/me/train.py\" must be relative to the code directory"},
      {"script with ..", [](JobSpec& s) { s.script = "../train.py"; },
       "script \"../train.py\" must not contain \"..\"; give a path inside the code directory"},
      {"script with inner ..", [](JobSpec& s) { s.script = "a/../../train.py"; },
       "script \"a/../../train.py\" must not contain \"..\"; give a path inside the code "
       "directory"},
      {"absolute workdir", [](JobSpec& s) { s.workdir = "/src"; },
       "workdir \"/src\" must be relative to the code directory"},
      {"workdir with ..", [](JobSpec& s) { s.workdir = "src/.."; },
       "workdir \"src/..\" must not contain \"..\"; give a path inside the code directory"},
      {"retries negative", [](JobSpec& s) { s.retries = -1; },
       "retries must be between 0 and 10, got -1"},
      {"retries too many", [](JobSpec& s) { s.retries = 11; },
       "retries must be between 0 and 10, got 11"},
      {"timeout zero", [](JobSpec& s) { s.timeout_hours = 0; },
       "timeout_hours must be more than 0 and at most 720 (30 days), got 0"},
      {"timeout too long", [](JobSpec& s) { s.timeout_hours = 720.5; },
       "timeout_hours must be more than 0 and at most 720 (30 days), got 720.5"},
      {"max cost negative", [](JobSpec& s) { s.max_cost_usd = -1; },
       "max_cost_usd must be a USD amount of at least 0 (0 = no limit) and at most "
       "1,000,000,000, got -1"},
      {"max cost not a number", [](JobSpec& s) { s.max_cost_usd = std::nan(""); },
       "max_cost_usd must be a USD amount of at least 0 (0 = no limit) and at most "
       "1,000,000,000, got nan"},
      {"gpu negative", [](JobSpec& s) { s.resources.gpu = -1; },
       "gpu must be between 0 and 64, got -1"},
      {"gpu too many", [](JobSpec& s) { s.resources.gpu = 65; },
       "gpu must be between 0 and 64, got 65"},
      {"bad memory", [](JobSpec& s) { s.resources.memory = "16GB"; },
       "memory \"16GB\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"zero memory", [](JobSpec& s) { s.resources.memory = "0Gi"; },
       "memory \"0Gi\" must be more than 0; leave it out to request no memory"},
      {"bad cpu", [](JobSpec& s) { s.resources.cpu = "2 cores"; },
       "cpu \"2 cores\" is not a Kubernetes quantity; did you mean \"2\"?"},
      {"zero cpu", [](JobSpec& s) { s.resources.cpu = "0"; },
       "cpu \"0\" must be more than 0; leave it out to request no CPU"},
      {"backend torch", [](JobSpec& s) { s.distributed_backend = "torch"; },
       "distributed backend \"torch\" is not supported; did you mean \"pytorch\"?"},
      {"backend ddp", [](JobSpec& s) { s.distributed_backend = "ddp"; },
       "distributed backend \"ddp\" is not supported; did you mean \"pytorch\"?"},
      {"backend PyTorch", [](JobSpec& s) { s.distributed_backend = "PyTorch"; },
       "distributed backend \"PyTorch\" is not supported; did you mean \"pytorch\"?"},
      {"backend mpi", [](JobSpec& s) { s.distributed_backend = "mpi"; },
       "distributed backend \"mpi\" is not supported; the supported backend is \"pytorch\""},
      {"processes zero", [](JobSpec& s) { s.processes = 0; },
       "processes must be between 1 and 64, got 0"},
      {"processes too many",
       [](JobSpec& s) {
         s.distributed_backend = "pytorch";
         s.processes = 65;
       },
       "processes must be between 1 and 64, got 65"},
      {"processes without backend", [](JobSpec& s) { s.processes = 4; },
       "processes is 4 but no distributed backend is set; add --distributed-backend pytorch "
       "(\"distributed\": {\"backend\": \"pytorch\"})"},
      {"priority class", [](JobSpec& s) { s.priority_class = "high"; },
       "priority_class \"high\" must be \"interactive\" or \"batch\""},
      {"priority class case", [](JobSpec& s) { s.priority_class = "Batch"; },
       "priority_class \"Batch\" must be \"interactive\" or \"batch\"; did you mean \"batch\"?"},
      {"env name with dash",
       [](JobSpec& s) {
         s.env = {{"MY-VAR", "1"}};
       },
       "env name \"MY-VAR\" must be letters, digits and '_', not starting with a digit; try "
       "\"MY_VAR\""},
      {"env name with digit",
       [](JobSpec& s) {
         s.env = {{"1X", "1"}};
       },
       "env name \"1X\" must be letters, digits and '_', not starting with a digit; try \"_1X\""},
      {"env name empty",
       [](JobSpec& s) {
         s.env = {{"", "1"}};
       },
       "env name \"\" must be letters, digits and '_', not starting with a digit"},
      {"reserved env",
       [](JobSpec& s) {
         s.env = {{"MLFLOW_RUN_ID", "x"}};
       },
       "env MLFLOW_RUN_ID is set by the platform; remove it from the spec"},
      {"reserved env cuda",
       [](JobSpec& s) {
         s.env = {{"CUDA_VISIBLE_DEVICES", "0"}};
       },
       "env CUDA_VISIBLE_DEVICES is set by the platform; remove it from the spec"},
      {"output empty name",
       [](JobSpec& s) {
         s.output_artifacts = {{"", "model.pt"}};
       },
       "an output artifact has an empty name; name each output"},
      {"output name slash",
       [](JobSpec& s) {
         s.output_artifacts = {{"out/model.pt", "x"}};
       },
       "output artifact \"out/model.pt\" must not contain '/'; use a plain name such as "
       "\"model.pt\""},
      {"output name dotdot",
       [](JobSpec& s) {
         s.output_artifacts = {{"..", "x"}};
       },
       "output artifact \"..\" must not contain \"..\""},
      {"output empty path",
       [](JobSpec& s) {
         s.output_artifacts = {{"model", ""}};
       },
       "output artifact \"model\" has an empty path"},
      {"output path dotdot",
       [](JobSpec& s) {
         s.output_artifacts = {{"model", "../m.pt"}};
       },
       "output artifact \"model\" path \"../m.pt\" must not contain \"..\"; give a path inside "
       "the job's directory or an absolute path"},
      {"team", [](JobSpec& s) { s.team = "NLP Team"; },
       "team \"NLP Team\" must be lowercase letters, digits and '-'; try \"nlp-team\""},
      {"team digit", [](JobSpec& s) { s.team = "42"; },
       "team \"42\" must start with a letter; try \"team-42\""},
  };
  for (const auto& c : cases) {
    JobSpec spec = Valid();
    c.mutate(spec);
    Status status = Validate(spec);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(status.message(), c.message) << c.what;
  }
}

TEST(ValidateTest, AllowsAbsoluteOutputPathsAndDotsInNames) {
  JobSpec spec = Valid();
  spec.output_artifacts = {{"model.v2.pt", "/tmp/../tmp/model.pt"}, {"ckpt", "./ckpt/"}};
  EXPECT_TRUE(Validate(spec).ok()) << Validate(spec).ToString();
}

TEST(ValidateTest, AcceptsLowercaseEnvNames) {
  JobSpec spec = Valid();
  spec.env = {{"my_var", "1"}, {"Mixed_Case2", ""}};
  EXPECT_TRUE(Validate(spec).ok()) << Validate(spec).ToString();
}

TEST(ValidateTest, PytorchWithOneProcessIsFine) {
  JobSpec spec = Valid();
  spec.distributed_backend = "pytorch";
  EXPECT_TRUE(Validate(spec).ok());
}

// ---------------------------------------------------------------------------------------------
// ResolveArgv

TEST(ResolveArgvTest, CommandAndScriptForms) {
  struct Case {
    std::vector<std::string> command;
    std::string script;
    std::vector<std::string> args;
    std::vector<std::string> argv;
  };
  const std::vector<Case> cases = {
      {{"python", "-m", "train"}, "", {"--lr", "1e-3"}, {"python", "-m", "train", "--lr", "1e-3"}},
      {{}, "train.py", {"--epochs", "3"}, {"/venv/bin/python", "train.py", "--epochs", "3"}},
      {{}, "src/train.py", {}, {"/venv/bin/python", "src/train.py"}},
      {{}, "run.sh", {"a"}, {"bash", "run.sh", "a"}},
      {{}, "train", {}, {"./train"}},
      {{}, "bin/train", {"x"}, {"bin/train", "x"}},
  };
  for (const auto& c : cases) {
    JobSpec spec;
    spec.command = c.command;
    spec.script = c.script;
    spec.args = c.args;
    EXPECT_EQ(ResolveArgv(spec, "/venv/bin/python"), c.argv) << c.script;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

JobSpec FullSpec() {
  JobSpec spec;
  spec.name = "bert-finetuning";
  spec.image = "ml-training:latest";
  spec.command = {"python", "train.py", "--say", "a \"quoted\" word"};
  spec.args = {"--epochs", "3"};
  spec.env = {{"HF_HOME", "/cache"}, {"EMPTY", ""}};
  spec.resources = {"500m", "16Gi", 1};
  spec.timeout_hours = 1.5;
  spec.retries = 2;
  spec.max_cost_usd = 42.5;
  spec.output_artifacts = {{"model.pt", "out/model.pt"}};
  spec.distributed_backend = "pytorch";
  spec.processes = 2;
  spec.code_snapshot = "snap-0123abcd";
  spec.workdir = "src";
  spec.team = "nlp";
  spec.priority_class = "interactive";
  spec.experiment = "bert";
  return spec;
}

TEST(JobSpecJsonTest, RoundTrips) {
  for (const JobSpec& spec : {FullSpec(), JobSpec(), Valid()}) {
    std::string text = JobSpecToJson(spec);
    StatusOr<JobSpec> back = JobSpecFromJson(text);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << text;
    EXPECT_EQ(Fields(*back), Fields(spec)) << text;
    EXPECT_EQ(JobSpecToJson(*back), text);
  }
}

TEST(JobSpecJsonTest, CanonicalForm) {
  JobSpec spec = Valid();
  spec.output_artifacts = {{"model.pt", "model.pt"}};
  EXPECT_EQ(JobSpecToJson(spec),
            R"({"name":"bert-finetuning","image":"","command":[],"script":"train.py","args":[],)"
            R"("env":{},"resources":{"cpu":"","memory":"","gpu":0},"timeout_hours":24,)"
            R"("retries":0,"output_artifacts":{"model.pt":"model.pt"},)"
            R"("distributed":{"backend":"","processes":1},"code_snapshot":"","workdir":"",)"
            R"("team":"","priority_class":"batch","experiment":""})");
}

TEST(JobSpecJsonTest, ReadsEveryField) {
  StatusOr<JobSpec> spec = JobSpecFromJson(R"({
    "name": "bert-finetuning", "image": "ml-training:latest",
    "command": ["python", "train.py"], "args": ["--epochs", 3, 0.5, true],
    "env": {"A": "1", "B": 2}, "resources": {"cpu": 4, "memory": "16Gi", "gpu": "1"},
    "timeout_hours": "2.5", "retries": 2.0, "output_artifacts": {"model.pt": "model.pt"},
    "distributed": {"backend": "pytorch", "processes": 2}, "code_snapshot": "snap-1",
    "workdir": "src", "team": "nlp", "priority_class": "interactive", "experiment": "exp"})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "bert-finetuning");
  EXPECT_EQ(spec->image, "ml-training:latest");
  EXPECT_EQ(spec->command, (std::vector<std::string>{"python", "train.py"}));
  EXPECT_EQ(spec->args, (std::vector<std::string>{"--epochs", "3", "0.5", "true"}));
  EXPECT_EQ(spec->env, (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}}));
  EXPECT_EQ(spec->resources.cpu, "4");
  EXPECT_EQ(spec->resources.memory, "16Gi");
  EXPECT_EQ(spec->resources.gpu, 1);
  EXPECT_EQ(spec->timeout_hours, 2.5);
  EXPECT_EQ(spec->retries, 2);
  EXPECT_EQ(spec->output_artifacts, (std::map<std::string, std::string>{{"model.pt", "model.pt"}}));
  EXPECT_EQ(spec->distributed_backend, "pytorch");
  EXPECT_EQ(spec->processes, 2);
  EXPECT_EQ(spec->code_snapshot, "snap-1");
  EXPECT_EQ(spec->workdir, "src");
  EXPECT_EQ(spec->team, "nlp");
  EXPECT_EQ(spec->priority_class, "interactive");
  EXPECT_EQ(spec->experiment, "exp");
}

TEST(JobSpecJsonTest, AbsentAndNullFieldsKeepDefaults) {
  StatusOr<JobSpec> spec =
      JobSpecFromJson(R"({"name": "a", "script": "t.py", "team": null, "resources": {}})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->team, "");
  EXPECT_EQ(spec->priority_class, "batch");
  EXPECT_EQ(spec->timeout_hours, 24);
  EXPECT_EQ(spec->processes, 1);
  EXPECT_EQ(spec->experiment, "");  // Validate fills it
}

TEST(JobSpecJsonTest, QuantitiesAsNumbers) {
  StatusOr<JobSpec> spec =
      JobSpecFromJson(R"({"resources": {"cpu": 0.5, "memory": 1e9, "gpu": 2}})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->resources.cpu, "0.5");
  EXPECT_EQ(spec->resources.memory, "1000000000");
  EXPECT_EQ(*ParseCpuQuantity(spec->resources.cpu), 500);
}

TEST(JobSpecJsonTest, CommandStringSplitsLikeAShell) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {R"("python train.py --epochs 3")", {"python", "train.py", "--epochs", "3"}},
      {R"("  python   -c 'print(\"hi there\")' ")", {"python", "-c", "print(\"hi there\")"}},
      {R"("echo \"a b\" c\\ d")", {"echo", "a b", "c d"}},
      {R"("echo \"x \\\"y\\\" \\\\ \\n\"")", {"echo", "x \"y\" \\ \\n"}},
      {R"("a''b \"\" ''")", {"ab", "", ""}},
      {R"("python \\\n train.py")", {"python", "train.py"}},
      {R"("")", {}},
  };
  for (const auto& [command, words] : cases) {
    StatusOr<JobSpec> spec = JobSpecFromJson(R"({"command": )" + command + "}");
    ASSERT_TRUE(spec.ok()) << command << ": " << spec.status().ToString();
    EXPECT_EQ(spec->command, words) << command;
  }
}

TEST(JobSpecJsonTest, OutputArtifactsAsList) {
  StatusOr<JobSpec> spec =
      JobSpecFromJson(R"({"output_artifacts": ["model.pt", "out/metrics.json", "ckpt/"]})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(
      spec->output_artifacts,
      (std::map<std::string, std::string>{
          {"model.pt", "model.pt"}, {"metrics.json", "out/metrics.json"}, {"ckpt", "ckpt/"}}));
  spec = JobSpecFromJson(R"({"output_artifacts": "model.pt"})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->output_artifacts, (std::map<std::string, std::string>{{"model.pt", "model.pt"}}));
}

TEST(JobSpecJsonTest, RejectsWithMessages) {
  const std::string known =
      "known fields: name, image, command, script, args, env, resources, timeout_hours, retries, "
      "output_artifacts, distributed, code_snapshot, workdir, team, priority_class, experiment, "
      "max_cost_usd";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "a", "gpus": 1})", "unknown field \"gpus\" in job spec; " + known +
                                          "; cpu, memory and gpu go under \"resources\""},
      {R"({"timout_hours": 1})", "unknown field \"timout_hours\" in job spec; " + known +
                                     "; did you mean \"timeout_hours\"?"},
      {R"({"processes": 2})", "unknown field \"processes\" in job spec; " + known +
                                  "; backend and processes go under \"distributed\""},
      {R"({"zzz": 1})", "unknown field \"zzz\" in job spec; " + known},
      {R"({"resources": {"gpus": 1}})",
       "unknown field \"gpus\" in resources; known fields: cpu, memory, gpu; did you mean "
       "\"gpu\"?"},
      {R"({"distributed": {"nprocs": 2}})",
       "unknown field \"nprocs\" in distributed; known fields: backend, processes"},
      {R"([1, 2])", "a job spec must be an object of fields, got a list"},
      {R"({"name": 5})", "name must be a string, got 5"},
      {R"({"retries": "two"})", "retries must be a whole number, got \"two\""},
      {R"({"retries": 1.5})", "retries must be a whole number, got 1.5"},
      {R"({"retries": 1e12})", "retries 1000000000000 is out of range"},
      {R"({"resources": {"gpu": true}})", "resources.gpu must be a whole number, got true"},
      {R"({"timeout_hours": "soon"})", "timeout_hours must be a number, got \"soon\""},
      {R"({"command": {"a": 1}})",
       "command must be a list of strings or one string, got an object"},
      {R"j({"command": "python -c 'print(1)"})j",
       "command \"python -c 'print(1)\" has an unterminated single quote"},
      {R"({"command": "echo \"hi"})", "command \"echo \"hi\" has an unterminated double quote"},
      {R"({"args": [[1]]})", "args[0] must be a string, got a list"},
      {R"({"env": ["A=1"]})", "env must be an object of NAME: value, got a list"},
      {R"({"env": {"A": null}})", "env.A has no value; give a string (\"\" for empty)"},
      {R"({"env": {"A": {}}})", "env.A must be a string, got an object"},
      {R"({"resources": "4 cpus"})",
       "resources must be an object such as {\"cpu\": \"4\", \"memory\": \"16Gi\", \"gpu\": 1}, "
       "got \"4 cpus\""},
      {R"({"distributed": "pytorch"})",
       "distributed must be an object such as {\"backend\": \"pytorch\", \"processes\": 2}, got "
       "\"pytorch\""},
      {R"({"output_artifacts": 3})",
       "output_artifacts must be an object of name: path or a list of paths, got 3"},
      {R"({"output_artifacts": {"m": 3}})", "output_artifacts.m must be a string, got 3"},
      {R"({"output_artifacts": ["a/model.pt", "b/model.pt"]})",
       "output_artifacts names two outputs \"model.pt\"; give {name: path} with distinct names "
       "instead"},
      {R"({"output_artifacts": ["/"]})",
       "output_artifacts[0] \"/\" has no file name to use; give {name: path} instead"},
  };
  for (const auto& [json, message] : cases) {
    StatusOr<JobSpec> spec = JobSpecFromJson(json);
    ASSERT_FALSE(spec.ok()) << json;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << json;
    EXPECT_EQ(spec.status().message(), message) << json;
  }
}

TEST(JobSpecJsonTest, MalformedJsonNamesThePlace) {
  StatusOr<JobSpec> spec = JobSpecFromJson("{\n  \"name\": \"a\",\n  \"script\" \"t.py\"\n}");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(),
              StartsWith("job spec is not valid JSON (line 3, column 12)"));
  for (std::string bad : {"", "{", "{\"name\": }", "nul", "{} {}"}) {
    spec = JobSpecFromJson(bad);
    ASSERT_FALSE(spec.ok()) << bad;
    EXPECT_THAT(spec.status().message(), StartsWith("job spec is not valid JSON")) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// YAML

TEST(JobSpecYamlTest, ReadsTheSameFieldsAsJson) {
  StatusOr<JobSpec> spec = JobSpecFromYaml(R"(# a training job
name: bert-finetuning
image: ml-training:latest
script: train.py
args: [--epochs, 3, --lr, 1.10e-3, yes]
env:
  HF_HOME: /cache
  DEBUG: true
  EMPTY: ""
resources: {cpu: 500m, memory: 16Gi, gpu: 1}
timeout_hours: 1.5
retries: 2
output_artifacts:
  - model.pt
  - out/metrics.json
distributed:
  backend: pytorch
  processes: 2
code_snapshot: snap-0123
workdir: src
team: nlp
priority_class: interactive
experiment: ~
)");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "bert-finetuning");
  EXPECT_EQ(spec->image, "ml-training:latest");
  EXPECT_EQ(spec->script, "train.py");
  EXPECT_EQ(spec->args, (std::vector<std::string>{"--epochs", "3", "--lr", "1.10e-3", "yes"}));
  EXPECT_EQ(spec->env, (std::map<std::string, std::string>{
                           {"HF_HOME", "/cache"}, {"DEBUG", "true"}, {"EMPTY", ""}}));
  EXPECT_EQ(spec->resources.cpu, "500m");
  EXPECT_EQ(spec->resources.memory, "16Gi");
  EXPECT_EQ(spec->resources.gpu, 1);
  EXPECT_EQ(spec->timeout_hours, 1.5);
  EXPECT_EQ(spec->retries, 2);
  EXPECT_EQ(spec->output_artifacts,
            (std::map<std::string, std::string>{{"model.pt", "model.pt"},
                                                {"metrics.json", "out/metrics.json"}}));
  EXPECT_EQ(spec->distributed_backend, "pytorch");
  EXPECT_EQ(spec->processes, 2);
  EXPECT_EQ(spec->code_snapshot, "snap-0123");
  EXPECT_EQ(spec->workdir, "src");
  EXPECT_EQ(spec->team, "nlp");
  EXPECT_EQ(spec->priority_class, "interactive");
  EXPECT_EQ(spec->experiment, "");
  EXPECT_TRUE(Validate(*spec).ok()) << Validate(*spec).ToString();
}

TEST(JobSpecYamlTest, CommandAsStringAndAsList) {
  StatusOr<JobSpec> spec = JobSpecFromYaml("command: python train.py --name 'a b'\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->command, (std::vector<std::string>{"python", "train.py", "--name", "a b"}));
  spec = JobSpecFromYaml("command:\n  - python\n  - train.py\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->command, (std::vector<std::string>{"python", "train.py"}));
}

TEST(JobSpecYamlTest, QuotedScalarsStayText) {
  StatusOr<JobSpec> spec = JobSpecFromYaml(
      "experiment: \"~\"\nimage: 'null'\nretries: \"3\"\nenv: {A: '', B: \"null\"}\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->experiment, "~");
  EXPECT_EQ(spec->image, "null");
  EXPECT_EQ(spec->retries, 3);
  EXPECT_EQ(spec->env, (std::map<std::string, std::string>{{"A", ""}, {"B", "null"}}));
  // A plain empty value is "not given", as in JSON null.
  spec = JobSpecFromYaml("team:\nimage: ~\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->team, "");
  EXPECT_EQ(spec->image, "");
}

TEST(JobSpecYamlTest, AgreesWithJson) {
  JobSpec full = FullSpec();
  // JSON is YAML: the canonical JSON read as YAML gives the same spec.
  StatusOr<JobSpec> spec = JobSpecFromYaml(JobSpecToJson(full));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(Fields(*spec), Fields(full));
}

TEST(JobSpecYamlTest, ErrorsNameTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"name: a\nscript: t.py\ngpus: 1\n",
       "line 3: unknown field \"gpus\" in job spec; known fields: name, image, command, script, "
       "args, env, resources, timeout_hours, retries, output_artifacts, distributed, "
       "code_snapshot, workdir, team, priority_class, experiment, max_cost_usd; cpu, memory and "
       "gpu go under "
       "\"resources\""},
      {"name: a\nresources:\n  cpu: 1\n  gpu: two\n",
       "line 4: resources.gpu must be a whole number, got \"two\""},
      {"name: a\nargs:\n  - x\n  - {a: 1}\n", "line 4: args[1] must be a string, got an object"},
      {"name: a\nname: b\n", "line 2: \"name\" is given twice"},
      {"? [a, b]\n: c\n", "line 1: keys must be plain text"},
      {"- a\n- b\n", "line 1: a job spec must be an object of fields, got a list"},
      {"", "job spec YAML is empty; give at least name and script"},
      {"# only a comment\n", "job spec YAML is empty; give at least name and script"},
  };
  for (const auto& [yaml, message] : cases) {
    StatusOr<JobSpec> spec = JobSpecFromYaml(yaml);
    ASSERT_FALSE(spec.ok()) << yaml;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << yaml;
    EXPECT_EQ(spec.status().message(), message) << yaml;
  }
}

TEST(JobSpecYamlTest, SyntaxErrorsNameLineAndColumn) {
  StatusOr<JobSpec> spec = JobSpecFromYaml("name: a\nscript: [t.py\nretries: 1\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(), StartsWith("job spec is not valid YAML (line "));
  spec = JobSpecFromYaml("name: a\nscript: t.py\n- x\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), StartsWith("job spec is not valid YAML (line 3"));
  spec = JobSpecFromYaml("name: a\nscript: *undefined_anchor\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), HasSubstr("not valid YAML"));
}

TEST(JobSpecYamlTest, AliasBombIsRejected) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    yaml += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  StatusOr<JobSpec> spec = JobSpecFromYaml(yaml);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), "job spec YAML is too large");
}

}  // namespace
}  // namespace inet::jobs
