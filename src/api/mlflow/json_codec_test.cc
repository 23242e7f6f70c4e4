#include "api/mlflow/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

namespace inet::api::mlflow {
namespace {

using ::testing::HasSubstr;

http::Request PostJson(std::string body, std::string content_type = "application/json") {
  http::Request r;
  r.method = http::Method::kPost;
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  return r;
}

TEST(DecodeRequestParamsTest, EmptyBodyIsEmptyObject) {
  auto obj = DecodeRequestParams(PostJson("", ""));
  ASSERT_TRUE(obj.ok());
  EXPECT_TRUE(obj->empty());
}

TEST(DecodeRequestParamsTest, RejectsWrongContentType) {
  auto obj = DecodeRequestParams(PostJson("{}", "text/plain"));
  EXPECT_EQ(obj.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(obj.status().message(),
            "Bad Request. Content-Type must be one of ['application/json'].");
  EXPECT_TRUE(DecodeRequestParams(PostJson("{}", "application/json; charset=utf-8")).ok());
  EXPECT_EQ(DecodeRequestParams(PostJson("{}", "")).status().message(),
            "Bad Request. Content-Type header is missing.");
}

TEST(DecodeRequestParamsTest, MalformedJsonIsInvalidParameter) {
  auto obj = DecodeRequestParams(PostJson("{\"a\":"));
  EXPECT_EQ(obj.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeRequestParams(PostJson("[1,2]")).status().code(), StatusCode::kInvalidArgument);
}

TEST(DecodeRequestParamsTest, DoubleEncodedBody) {
  auto obj = DecodeRequestParams(PostJson(R"("{\"name\": \"x\"}")"));
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  EXPECT_EQ(obj->at("name").as_string(), "x");
}

TEST(DecodeRequestParamsTest, QueryWithRepeatedKeys) {
  http::Request r;
  r.method = http::Method::kGet;
  r.query = {
      {"experiment_ids", "1"}, {"experiment_ids", "2"}, {"max_results", "5"}, {"run_ids", "only"}};
  auto obj = DecodeRequestParams(r);
  ASSERT_TRUE(obj.ok());
  FieldReader f(*obj);
  EXPECT_EQ(*f.StringList("experiment_ids"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(*f.StringList("run_ids"), (std::vector<std::string>{"only"}));
  EXPECT_EQ(**f.OptionalInt64("max_results"), 5);
}

boost::json::object Parse(std::string_view s) { return *DecodeJsonBody(s); }

// The decoded object owns its arena: it outlives the body text, and a double-encoded body
// (old clients) decodes into the same arena.
TEST(DecodeJsonBodyTest, ObjectOutlivesTheBodyAndItsArena) {
  std::optional<boost::json::object> plain;  // move-constructed: keeps the body's arena
  std::optional<boost::json::object> twice;
  {
    std::string body =
        R"({"metrics": [{"key": "a-long-metric-key-past-small-strings", "value": 1}]})";
    plain.emplace(std::move(*DecodeJsonBody(body)));
    twice.emplace(std::move(*DecodeJsonBody(boost::json::serialize(boost::json::value(body)))));
    body.assign(body.size(), 'x');
  }
  for (const boost::json::object* obj : {&*plain, &*twice}) {
    const auto& metric = obj->at("metrics").as_array().at(0).as_object();
    EXPECT_EQ(metric.at("key").as_string(), "a-long-metric-key-past-small-strings");
    EXPECT_EQ(metric.at("value").as_int64(), 1);
  }
}

TEST(FieldReaderTest, RequiredStringMessages) {
  auto obj = Parse(R"({"run_id": 31, "empty": "", "nul": null})");
  FieldReader f(obj);
  EXPECT_EQ(f.RequiredString("missing").status().message(),
            "Missing value for required parameter 'missing'. See the API docs for more "
            "information about request parameters.");
  EXPECT_THAT(f.RequiredString("empty").status().message(),
              HasSubstr("Missing value for required parameter 'empty'."));
  EXPECT_THAT(f.RequiredString("nul").status().message(),
              HasSubstr("Missing value for required parameter 'nul'."));
  EXPECT_EQ(f.RequiredString("run_id").status().message(),
            "Invalid value 31 for parameter 'run_id' supplied:  Hint: Value was of type 'int'. "
            "See the API docs for more information about request parameters.");
  EXPECT_EQ(*f.RequiredString("run_id", /*allow_number=*/true), "31");
}

TEST(FieldReaderTest, Int64Forms) {
  auto obj = Parse(
      R"({"a": 5, "b": "42", "c": "foo", "d": 9007199254740993, "e": 3.0, "f": 1.5,
          "g": "-7", "h": true})");
  FieldReader f(obj);
  EXPECT_EQ(*f.RequiredInt64("a"), 5);
  EXPECT_EQ(*f.RequiredInt64("b"), 42);
  EXPECT_EQ(*f.RequiredInt64("d"), 9007199254740993);
  EXPECT_EQ(*f.RequiredInt64("e"), 3);
  EXPECT_EQ(*f.RequiredInt64("g"), -7);
  EXPECT_FALSE(f.RequiredInt64("f").ok());
  EXPECT_FALSE(f.RequiredInt64("h").ok());
  EXPECT_THAT(f.RequiredInt64("c").status().message(),
              HasSubstr("Invalid value \"foo\" for parameter 'c' supplied"));
}

TEST(FieldReaderTest, DoubleFormsIncludingNanAndInfinity) {
  auto obj = Parse(R"({"n": "NaN", "p": "Infinity", "m": "-Infinity", "i": 41, "s": "2.5",
                      "bad": "x"})");
  FieldReader f(obj);
  EXPECT_TRUE(std::isnan(*f.RequiredDouble("n")));
  EXPECT_EQ(*f.RequiredDouble("p"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(*f.RequiredDouble("m"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(*f.RequiredDouble("i"), 41.0);
  EXPECT_EQ(*f.RequiredDouble("s"), 2.5);
  EXPECT_FALSE(f.RequiredDouble("bad").ok());
}

TEST(FieldReaderTest, BoolForms) {
  auto obj = Parse(R"({"a": true, "b": "True", "c": "false", "d": "maybe", "e": 1})");
  FieldReader f(obj);
  EXPECT_TRUE(**f.OptionalBool("a"));
  EXPECT_TRUE(**f.OptionalBool("b"));
  EXPECT_FALSE(**f.OptionalBool("c"));
  EXPECT_EQ(f.OptionalBool("d").status().message(),
            "Invalid boolean value: maybe, must be 'true' or 'false'.");
  EXPECT_FALSE(f.OptionalBool("e").ok());
  EXPECT_FALSE(f.OptionalBool("absent")->has_value());
}

TEST(FieldReaderTest, EnumsByNameOrNumber) {
  std::vector<std::string_view> names = {"RUNNING", "SCHEDULED", "FINISHED"};
  auto obj = Parse(R"({"a": "FINISHED", "b": 2, "c": "1", "d": "DONE", "e": 9})");
  FieldReader f(obj);
  EXPECT_EQ(**f.OptionalEnum("a", names, 1), 2u);
  EXPECT_EQ(**f.OptionalEnum("b", names, 1), 1u);
  EXPECT_EQ(**f.OptionalEnum("c", names, 1), 0u);
  EXPECT_THAT(f.OptionalEnum("d", names, 1).status().message(),
              HasSubstr("Invalid value \"DONE\" for parameter 'd' supplied"));
  EXPECT_FALSE(f.OptionalEnum("e", names, 1).ok());
}

TEST(FieldReaderTest, NestedPathsInMessages) {
  auto obj = Parse(R"({"metrics": [{"key": "a"}, {"value": 1}], "tags": [3]})");
  FieldReader f(obj);
  auto items = f.ObjectList("metrics");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_THAT((*items)[1].RequiredString("key").status().message(),
              HasSubstr("Missing value for required parameter 'metrics[1].key'."));
  EXPECT_THAT((*items)[0].RequiredInt64("timestamp").status().message(),
              HasSubstr("'metrics[0].timestamp'"));
  EXPECT_THAT(f.ObjectList("tags").status().message(), HasSubstr("'tags[0]'"));
}

TEST(PyJsonDumpsTest, MatchesPython) {
  EXPECT_EQ(PyJsonDumps(boost::json::parse(R"({"b": 1, "a": [1.5, "x", null, true]})")),
            R"({"a":[1.5,"x",null,true],"b":1})");
  EXPECT_EQ(PyJsonDumps(boost::json::value(41.0)), "41.0");
  EXPECT_EQ(PyJsonDumps(boost::json::value("\xc3\xa9")), "\"\\u00e9\"");
}

TEST(JsonWriterTest, WritesCompactJsonWithSpecialDoubles) {
  JsonWriter w;
  w.BeginObject()
      .Field("s", "a\"b\n")
      .Field("i", int64_t{9007199254740993})
      .Key("nan")
      .Double(std::nan(""))
      .Key("inf")
      .Double(std::numeric_limits<double>::infinity())
      .Key("ninf")
      .Double(-std::numeric_limits<double>::infinity())
      .Key("d")
      .Double(0.1)
      .Key("list")
      .BeginArray()
      .Int(1)
      .Bool(false)
      .BeginObject()
      .EndObject()
      .EndArray()
      .FieldIfSet("unset", "")
      .EndObject();
  EXPECT_EQ(w.str(), R"({"s":"a\"b\n","i":9007199254740993,"nan":"NaN","inf":"Infinity",)"
                     R"("ninf":"-Infinity","d":0.1,"list":[1,false,{}]})");
  // Round-trips through a real JSON parser.
  EXPECT_NO_THROW(boost::json::parse(w.str()));
}

TEST(JsonWriterTest, EscapesControlCharacters) {
  JsonWriter w;
  w.String(std::string("\x01", 1));
  EXPECT_EQ(w.str(), "\"\\u0001\"");
}

// Plain runs are copied whole around the escapes: at the start, between, and at the end.
TEST(JsonWriterTest, EscapesAroundPlainRuns) {
  JsonWriter w;
  w.BeginArray()
      .String("\"lead")
      .String("mid\\dle\ttab")
      .String("trail\x1f")
      .String("")
      .String("caf\xc3\xa9 plain")
      .Double(-2.5e-300)
      .EndArray();
  EXPECT_EQ(w.str(), R"(["\"lead","mid\\dle\ttab","trail\u001f","","caf)"
                     "\xc3\xa9"
                     R"( plain",-2.5e-300])");
  EXPECT_NO_THROW(boost::json::parse(w.str()));
}

}  // namespace
}  // namespace inet::api::mlflow
