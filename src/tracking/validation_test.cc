#include "tracking/validation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace inet::tracking {
namespace {

TEST(PosixNormPathTest, MatchesPython) {
  EXPECT_EQ(PosixNormPath(""), ".");
  EXPECT_EQ(PosixNormPath("a/b"), "a/b");
  EXPECT_EQ(PosixNormPath("a//b"), "a/b");
  EXPECT_EQ(PosixNormPath("./a"), "a");
  EXPECT_EQ(PosixNormPath("a/../b"), "b");
  EXPECT_EQ(PosixNormPath("../a"), "../a");
  EXPECT_EQ(PosixNormPath("/../a"), "/a");
  EXPECT_EQ(PosixNormPath("//a"), "//a");
  EXPECT_EQ(PosixNormPath("///a/"), "/a");
  EXPECT_EQ(PosixNormPath("a/"), "a");
  EXPECT_EQ(PosixNormPath("a/.."), ".");
}

TEST(KeyValidationTest, AcceptsMlflowCharset) {
  EXPECT_TRUE(ValidateMetricName("loss/train-1.5 x:y_z").ok());
  EXPECT_TRUE(ValidateParamName("épaisseur").ok());
}

TEST(KeyValidationTest, RejectsBadCharactersWithMlflowMessage) {
  Status s = ValidateMetricName("metrics/mAP50(B)", "metrics[0].name");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Invalid value \"metrics/mAP50(B)\" for parameter 'metrics[0].name' supplied: Names "
            "may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces "
            "( ), colon(:) and slashes (/).");
}

TEST(KeyValidationTest, RejectsNonUniquePaths) {
  for (const char* bad : {"a//b", "./a", "../a", "/a", "a/", ".", "a/../b"}) {
    EXPECT_FALSE(ValidateTagName(bad).ok()) << bad;
  }
  Status s = ValidateParamName("a/../b");
  EXPECT_EQ(s.message(),
            "Invalid value \"a/../b\" for parameter 'key' supplied: Names may be treated as files "
            "in certain cases, and must not resolve to other names when treated as such. This "
            "name would resolve to 'b'");
}

TEST(MetricValidationTest, NegativeTimestamp) {
  store::Metric m;
  m.key = "acc";
  m.value = 41;
  m.timestamp = -1;
  Status s = ValidateMetric(m, "metrics[2]");
  EXPECT_EQ(s.message(),
            "Invalid value -1 for parameter 'metrics[2].timestamp' supplied: metric 'acc' "
            "(value=41.0). Timestamp must be a nonnegative long (64-bit integer) ");
}

// A batch checks a key once while it repeats, yet every metric's own fields are still checked
// and a failure names its index: a repeated key with a bad timestamp or a NUL, a new bad key
// after a good one, a key over the length limit repeated.
TEST(MetricValidationTest, BatchesCheckEveryMetricAndNameTheFailingOne) {
  using namespace std::string_literals;
  auto point = [](std::string key, int64_t timestamp) {
    store::Metric m;
    m.key = std::move(key);
    m.value = 1;
    m.timestamp = timestamp;
    return m;
  };
  std::vector<store::Metric> batch = {point("loss", 1), point("loss", 2), point("loss", -3)};
  EXPECT_EQ(ValidateMetrics(batch, "metrics").message(),
            ValidateMetric(batch[2], "metrics[2]").message());
  batch[2].timestamp = 3;
  EXPECT_TRUE(ValidateMetrics(batch, "metrics").ok());
  batch[1].model_id = "m\0"s;
  EXPECT_EQ(ValidateMetrics(batch, "metrics").message(),
            "Invalid value for parameter 'metrics[1].model_id' supplied: it contains a NUL "
            "character (\\x00), which is not allowed.");
  batch[1].model_id.clear();
  batch.push_back(point("bad key!", 4));
  EXPECT_EQ(ValidateMetrics(batch, "metrics").message(),
            ValidateMetricName("bad key!", "metrics[3].name").message());
  batch[3].key = std::string(251, 'k');
  batch.push_back(point(batch[3].key, 5));
  ASSERT_FALSE(ValidateMetric(batch[3]).ok());
  EXPECT_EQ(ValidateMetrics(batch, "metrics").message(), ValidateMetric(batch[3]).message());
  EXPECT_TRUE(ValidateMetrics({}, "metrics").ok());
}

// The field path is built only for a failing metric, and still names the field.
TEST(MetricValidationTest, MessagesNameTheFailingField) {
  using namespace std::string_literals;
  store::Metric m;
  m.key = "bad key!";
  EXPECT_EQ(ValidateMetric(m, "metrics[3]").message(),
            ValidateMetricName("bad key!", "metrics[3].name").message());
  EXPECT_NE(ValidateMetric(m, "metrics[3]").message().find("'metrics[3].name'"), std::string::npos);
  m.key = "ok";
  m.dataset_digest = "d\0"s;
  EXPECT_EQ(ValidateMetric(m, "metrics[3]").message(),
            "Invalid value for parameter 'metrics[3].dataset_digest' supplied: it contains a NUL "
            "character (\\x00), which is not allowed.");
  m.dataset_digest = "d";
  EXPECT_TRUE(ValidateMetric(m, "metrics[3]").ok());
}

TEST(MetricValidationTest, KeyTooLong) {
  store::Metric m;
  m.key = std::string(251, 'k');
  EXPECT_EQ(ValidateMetric(m).message(),
            "'Metric name' exceeds the maximum length of 250 characters");
  m.key = std::string(250, 'k');
  EXPECT_TRUE(ValidateMetric(m).ok());
}

TEST(ParamValidationTest, TruncatesOrRejectsLongValues) {
  store::Param p{"k", std::string(6001, 'v')};
  EXPECT_EQ(ValidateParam(p, "", /*truncate=*/false).message(),
            "'Param value' exceeds the maximum length of 6000 characters");
  EXPECT_TRUE(ValidateParam(p, "", /*truncate=*/true).ok());
  EXPECT_EQ(p.value.size(), 6000u);
}

TEST(ParamValidationTest, TruncationKeepsUtf8Whole) {
  std::string value;
  for (int i = 0; i < 6001; ++i) value += "\xc3\xa9";  // é
  store::Param p{"k", value};
  ASSERT_TRUE(ValidateParam(p, "", true).ok());
  EXPECT_EQ(CodePointLength(p.value), 6000u);
  EXPECT_EQ(p.value.size(), 12000u);
}

TEST(TagValidationTest, PathsInMessages) {
  store::Tag t{std::string(251, 'a'), "v"};
  EXPECT_EQ(ValidateRunTag(t, "tags[1]", true).message(),
            "'tags[1].key' exceeds the maximum length of 250 characters");
  store::Tag long_value{"k", std::string(8001, 'v')};
  EXPECT_EQ(ValidateRunTag(long_value, "", false).message(),
            "'value' exceeds the maximum length of 8000 characters");
}

TEST(BatchLimitsTest, Messages) {
  EXPECT_TRUE(ValidateBatchLimits(1000, 0, 0).ok());
  EXPECT_EQ(ValidateBatchLimits(1001, 0, 0).message(),
            "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please "
            "split up metrics across multiple requests and try again.");
  EXPECT_EQ(ValidateBatchLimits(0, 101, 0).message(),
            "A batch logging request can contain at most 100 params. Got 101 params. Please "
            "split up params across multiple requests and try again.");
  EXPECT_EQ(ValidateBatchLimits(0, 0, 101).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateBatchLimits(900, 100, 100).message(),
            "A batch logging request can contain at most 1000 metrics, params, and tags. Got "
            "1100 metrics, params, and tags. Please split up metrics, params, and tags across "
            "multiple requests and try again.");
}

TEST(ParamKeysUniqueTest, ListsDuplicates) {
  EXPECT_TRUE(ValidateParamKeysUnique({{"a", "1"}, {"b", "2"}}).ok());
  EXPECT_EQ(ValidateParamKeysUnique({{"a", "1"}, {"a", "2"}}).message(),
            "Duplicate parameter keys have been submitted: ['a']. Please ensure the request "
            "contains only one param value per param key.");
}

TEST(IdValidationTest, Shapes) {
  EXPECT_TRUE(ValidateRunId("0123456789abcdef0123456789abcdef").ok());
  EXPECT_EQ(ValidateRunId("-bad").message(),
            "Invalid value \"-bad\" for parameter 'run_id' supplied.");
  EXPECT_FALSE(ValidateRunId(std::string(257, 'a')).ok());
  EXPECT_TRUE(ValidateExperimentId("12").ok());
  EXPECT_EQ(ValidateExperimentId("a b").message(), "Invalid experiment ID: 'a b'");
}

TEST(ExperimentValidationTest, NameAndLocation) {
  EXPECT_EQ(ValidateExperimentName("").message(), "Invalid experiment name: ''");
  EXPECT_EQ(ValidateExperimentName(std::string(501, 'x')).message(),
            "'name' exceeds the maximum length of 500 characters");
  EXPECT_FALSE(ValidateExperimentArtifactLocation("runs:/abc/x").ok());
  EXPECT_TRUE(ValidateExperimentArtifactLocation("s3://b/x").ok());
  EXPECT_FALSE(ValidateExperimentTag({"k", std::string(20001, 'v')}).ok());
}

TEST(LoggedModelNameTest, BadCharacters) {
  EXPECT_TRUE(ValidateLoggedModelName("model").ok());
  EXPECT_EQ(ValidateLoggedModelName("a/b").message(),
            "Invalid model name ('a/b') provided. Model name must be a non-empty string and "
            "cannot contain the following characters: ('/', ':', '.', '%', '\"', \"'\")");
}

TEST(DatasetValidationTest, Limits) {
  store::DatasetInput in;
  in.dataset = {"ds", "abc", "local", "/tmp/x", "", ""};
  EXPECT_TRUE(ValidateDatasetInput(in).ok());
  in.dataset.digest = std::string(37, 'd');
  EXPECT_EQ(ValidateDatasetInput(in).message(),
            "'digest' exceeds the maximum length of 36 characters");
  in.dataset.digest = "abc";
  in.dataset.name.clear();
  EXPECT_EQ(ValidateDatasetInput(in).message(), "Dataset name cannot be None");
}

// Stores and processes cut strings at a NUL; every string a client can log is checked.
TEST(NulValidationTest, RejectedEverywhereAStringIsLogged) {
  using namespace std::string_literals;
  const std::string nul = "a\0b"s;
  Status s = ValidateNoNul(nul, "params[2].value");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Invalid value for parameter 'params[2].value' supplied: it contains a NUL character "
            "(\\x00), which is not allowed.");
  EXPECT_TRUE(ValidateNoNul("ab", "x").ok());

  store::Param param{"p", nul};
  EXPECT_EQ(ValidateParam(param, "params[0]", true).code(), StatusCode::kInvalidArgument);
  store::Tag tag{"t", nul};
  EXPECT_EQ(ValidateRunTag(tag, "", true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateExperimentTag({"t", nul}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateParamName(nul).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTagName(nul).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateExperimentName(nul).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateExperimentArtifactLocation("/tmp/"s + nul).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateLoggedModelName(nul).code(), StatusCode::kInvalidArgument);
  store::Metric metric;
  metric.key = "m";
  metric.dataset_name = nul;
  EXPECT_EQ(ValidateMetric(metric).code(), StatusCode::kInvalidArgument);
  store::DatasetInput in;
  in.dataset = {"ds", "abc", "local", "/tmp/x" + nul, "", ""};
  EXPECT_EQ(ValidateDatasetInput(in).code(), StatusCode::kInvalidArgument);
  in.dataset.source = "/tmp/x";
  in.tags = {{"k", nul}};
  EXPECT_EQ(ValidateDatasetInput(in).code(), StatusCode::kInvalidArgument);
}

TEST(PyJsonStringTest, EscapesLikePython) {
  EXPECT_EQ(PyJsonString("a\"b\\"), "\"a\\\"b\\\\\"");
  EXPECT_EQ(PyJsonString("\xc3\xa9"), "\"\\u00e9\"");
  EXPECT_EQ(PyJsonString("\xf0\x9f\x98\x80"), "\"\\ud83d\\ude00\"");
  EXPECT_EQ(PyRepr("it's"), "\"it's\"");
}

}  // namespace
}  // namespace inet::tracking
