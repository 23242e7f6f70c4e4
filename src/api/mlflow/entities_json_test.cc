#include "api/mlflow/entities_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <vector>

namespace inet::api::mlflow {
namespace {

store::Metric Point(std::string key, double value, int64_t timestamp, int64_t step) {
  store::Metric m;
  m.key = std::move(key);
  m.value = value;
  m.timestamp = timestamp;
  m.step = step;
  return m;
}

// The array that WriteMetric writes one object at a time.
std::string Reference(const std::vector<store::Metric>& metrics) {
  JsonWriter w;
  w.BeginArray();
  for (const store::Metric& m : metrics) WriteMetric(w, m);
  w.EndArray();
  return w.Take();
}

// WriteMetricArray's fast path gives the same bytes as WriteMetric, for the special doubles,
// keys and ids that need escaping, a key or run id that changes between points (the cached
// escapes must follow), and the optional fields.
TEST(WriteMetricArrayTest, SameBytesAsWriteMetric) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<store::Metric> metrics = {
      Point("loss", 0.1, 1700000000000, 0),
      Point("loss", std::numeric_limits<double>::quiet_NaN(), 1700000000001, 1),
      Point("loss", inf, -5, -1),
      Point("loss", -inf, 0, std::numeric_limits<int64_t>::max()),
      Point("a\"b\\c\td\x01", 1e-300, std::numeric_limits<int64_t>::min(), 2),
      Point("loss", -0.0, 3, 3),
      Point("acc", 123456789.125, 4, 4),
  };
  metrics[0].run_id = "run\"1";
  metrics[1].run_id = "run\"1";
  metrics[2].run_id = "run2";
  metrics[3].run_id = "";
  metrics[4].run_id = "run2";
  metrics[5].model_id = "m-1";
  metrics[5].dataset_name = "train\n";
  metrics[5].dataset_digest = "abc";
  metrics[6].dataset_name = "eval";
  JsonWriter fast;
  WriteMetricArray(fast, metrics);
  EXPECT_EQ(fast.str(), Reference(metrics));
  EXPECT_NO_THROW(boost::json::parse(fast.str()));
}

// Inside an object the array follows its key, and the writer's commas stay right around it.
TEST(WriteMetricArrayTest, NestsInAnObjectLikeOtherValues) {
  JsonWriter w;
  w.BeginObject().Field("before", 1);
  WriteMetricArray(w.Key("metrics"), {Point("m", 2, 3, 4)});
  w.Field("after", "x").EndObject();
  EXPECT_EQ(w.str(),
            R"({"before":1,"metrics":[{"key":"m","value":2,"timestamp":3,"step":4}],"after":"x"})");
  JsonWriter empty;
  WriteMetricArray(empty, {});
  EXPECT_EQ(empty.str(), "[]");
}

}  // namespace
}  // namespace inet::api::mlflow
