// Feeds arbitrary bytes as an MLflow request body through the JSON decoders the tracking
// handlers use (body decoding, typed field reads, entity-list readers, error-message
// rendering). Any crash, sanitizer report or exception escaping is a bug: input must only
// ever produce a value or a Status.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/mlflow/entities_json.h"
#include "api/mlflow/json_codec.h"

namespace {

using inet::api::mlflow::FieldReader;

void ReadEverything(const FieldReader& f) {
  for (std::string_view key : {"run_id", "experiment_id", "name", "key", "value", "filter",
                               "page_token", "run_uuid", "metric_key"}) {
    (void)f.OptionalString(key, /*allow_number=*/true);
    (void)f.RequiredString(key);
    (void)f.OptionalInt64(key);
    (void)f.OptionalDouble(key);
    (void)f.OptionalBool(key);
    (void)f.StringList(key);
  }
  for (std::string_view key : {"timestamp", "step", "max_results", "start_time", "end_time"}) {
    (void)f.RequiredInt64(key);
  }
  (void)f.OptionalEnum("status", inet::api::mlflow::RunStatusNames(), 1);
  (void)f.OptionalEnum("view_type", inet::api::mlflow::ViewTypeNames(), 1);
  (void)inet::api::mlflow::ReadMetrics(f, "metrics");
  (void)inet::api::mlflow::ReadTags(f, "params");
  (void)inet::api::mlflow::ReadTags(f, "tags");
  (void)inet::api::mlflow::ReadDatasetInputs(f, "datasets");
  (void)inet::api::mlflow::ReadMetric(f);
  if (auto nested = f.Object("dataset"); nested.ok() && nested->has_value()) {
    (void)(*nested)->RequiredString("name");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto object = inet::api::mlflow::DecodeJsonBody(body);
  if (object.ok()) {
    FieldReader fields(*object);
    ReadEverything(fields);
    (void)inet::api::mlflow::PyJsonDumps(boost::json::value(*object));
  }
  inet::http::Request request;
  request.method = inet::http::Method::kPost;
  request.headers.emplace_back("content-type", "application/json");
  request.body = std::move(body);
  (void)inet::api::mlflow::DecodeRequestParams(request);
  return 0;
}
