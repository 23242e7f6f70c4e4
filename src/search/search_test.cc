#include "search/search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/base64.h"
#include "search/internal/lexer.h"

namespace inet::search {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string EntityName(Entity e) {
  switch (e) {
    case Entity::kAttribute:
      return "attribute";
    case Entity::kMetric:
      return "metric";
    case Entity::kParam:
      return "param";
    case Entity::kTag:
      return "tag";
    case Entity::kDataset:
      return "dataset";
  }
  return "?";
}

std::string ValueText(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  std::string out = "(";
  for (const auto& item : std::get<std::vector<std::string>>(v)) {
    if (out.size() > 1) out += ",";
    out += "'" + item + "'";
  }
  return out + ")";
}

// "entity|key|op|value" per clause, joined by " AND ".
std::string Render(const Filter& f) {
  std::string out;
  for (const Comparison& c : f.clauses) {
    if (!out.empty()) out += " AND ";
    out += EntityName(c.entity) + "|" + c.key + "|" + std::string(ComparatorSql(c.op)) + "|" +
           ValueText(c.value);
  }
  return out;
}

std::string Render(const OrderBy& o) {
  return EntityName(o.entity) + "|" + o.key + "|" + (o.ascending ? "ASC" : "DESC");
}

struct Case {
  std::string input;
  std::string expected;  // Render() of the result, or the start of the error message
};

using ParseFn = StatusOr<Filter> (*)(std::string_view);

void ExpectParses(ParseFn parse, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    StatusOr<Filter> f = parse(c.input);
    ASSERT_TRUE(f.ok()) << c.input << " -> " << f.status().ToString();
    EXPECT_EQ(Render(*f), c.expected) << c.input;
  }
}

void ExpectRejects(ParseFn parse, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    StatusOr<Filter> f = parse(c.input);
    ASSERT_FALSE(f.ok()) << c.input << " parsed as " << Render(*f);
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << c.input;
    EXPECT_THAT(f.status().message(), StartsWith(c.expected)) << c.input;
  }
}

// ---- Runs: accepted ----------------------------------------------------------------------------

TEST(RunFilter, SpecExamples) {
  ExpectParses(
      ParseRunFilter,
      {
          {"metrics.rmse < 1 and params.model_class = 'LogisticRegression'",
           "metric|rmse|<|1 AND param|model_class|=|'LogisticRegression'"},
          {"tags.\"user-name\" = 'Tomas'", "tag|user-name|=|'Tomas'"},
          {"attributes.status = 'FINISHED'", "attribute|status|=|'FINISHED'"},
          {"run_name LIKE 'exp-%'", "attribute|run_name|LIKE|'exp-%'"},
          {"attributes.run_id IN ('a1b2', 'c3d4')", "attribute|run_id|IN|('a1b2','c3d4')"},
          {"attributes.start_time > 1700000000000", "attribute|start_time|>|1700000000000"},
          {"datasets.context = 'training'", "dataset|context|=|'training'"},
      });
}

TEST(RunFilter, EmptyFilterMatchesEverything) {
  ExpectParses(ParseRunFilter, {{"", ""}, {"   ", ""}, {"\t\n", ""}});
}

TEST(RunFilter, MlflowParserTestTable) {
  // The accepted cases of MLflow's tests/utils/test_search_utils.py::test_filter.
  ExpectParses(ParseRunFilter,
               {
                   {"metric.acc >= 0.94", "metric|acc|>=|0.93999999999999995"},
                   {"metric.acc>=100", "metric|acc|>=|100"},
                   {"params.m!='tf'", "param|m|!=|'tf'"},
                   {"params.\"m\"!=\"tf\"", "param|m|!=|'tf'"},
                   {"metric.\"legit name\" >= 0.243", "metric|legit name|>=|0.24299999999999999"},
                   {"metrics.XYZ = 3", "metric|XYZ|=|3"},
                   {"params.\"cat dog\" = \"pets\"", "param|cat dog|=|'pets'"},
                   {"metrics.\"X-Y-Z\" = 3", "metric|X-Y-Z|=|3"},
                   {"metrics.\"X//Y#$$@&Z\" = 3", "metric|X//Y#$$@&Z|=|3"},
                   {"params.model = 'LinearRegression'", "param|model|=|'LinearRegression'"},
                   {"`metric`.a >= 0.1", "metric|a|>=|0.10000000000000001"},
                   {"tags.version = 'commit-hash'", "tag|version|=|'commit-hash'"},
                   {"`tags`.source_name = 'a notebook'", "tag|source_name|=|'a notebook'"},
                   {"metrics.\"accuracy.2.0\" > 5", "metric|accuracy.2.0|>|5"},
                   {"metrics.`spacey name` > 5", "metric|spacey name|>|5"},
                   {"params.\"p.a.r.a.m\" != \"a\"", "param|p.a.r.a.m|!=|'a'"},
                   {"tags.\"t.a.g\" = \"a\"", "tag|t.a.g|=|'a'"},
                   {"attribute.artifact_uri = '1/23/4'", "attribute|artifact_uri|=|'1/23/4'"},
                   {"attribute.start_time >= 1234", "attribute|start_time|>=|1234"},
                   {"run.status = 'RUNNING'", "attribute|status|=|'RUNNING'"},
                   {"dataset.name = 'my_dataset'", "dataset|name|=|'my_dataset'"},
                   // test_correct_quote_trimming
                   {"params.m = \"L'Hosp\"", "param|m|=|'L'Hosp'"},
               });
}

TEST(RunFilter, EveryEntityAlias) {
  ExpectParses(ParseRunFilter, {
                                   {"metric.x > 1", "metric|x|>|1"},
                                   {"metrics.x > 1", "metric|x|>|1"},
                                   {"parameter.x = 'a'", "param|x|=|'a'"},
                                   {"parameters.x = 'a'", "param|x|=|'a'"},
                                   {"param.x = 'a'", "param|x|=|'a'"},
                                   {"params.x = 'a'", "param|x|=|'a'"},
                                   {"tag.x = 'a'", "tag|x|=|'a'"},
                                   {"tags.x = 'a'", "tag|x|=|'a'"},
                                   {"attribute.status = 'a'", "attribute|status|=|'a'"},
                                   {"attributes.status = 'a'", "attribute|status|=|'a'"},
                                   {"attr.status = 'a'", "attribute|status|=|'a'"},
                                   {"run.status = 'a'", "attribute|status|=|'a'"},
                                   {"dataset.digest = 'a'", "dataset|digest|=|'a'"},
                                   {"datasets.digest = 'a'", "dataset|digest|=|'a'"},
                                   {"`datasets`.digest = 'a'", "dataset|digest|=|'a'"},
                                   {"`attr`.user_id = 'a'", "attribute|user_id|=|'a'"},
                               });
}

TEST(RunFilter, EveryAttributeAndAlias) {
  ExpectParses(ParseRunFilter,
               {
                   {"run_id = 'a'", "attribute|run_id|=|'a'"},
                   {"run_name = 'a'", "attribute|run_name|=|'a'"},
                   {"`run name` = 'a'", "attribute|run_name|=|'a'"},
                   {"\"run name\" = 'a'", "attribute|run_name|=|'a'"},
                   {"attributes.`Run name` = 'a'", "attribute|run_name|=|'a'"},
                   {"attributes.\"Run Name\" = 'a'", "attribute|run_name|=|'a'"},
                   {"status != 'a'", "attribute|status|!=|'a'"},
                   {"user_id LIKE 'a%'", "attribute|user_id|LIKE|'a%'"},
                   {"artifact_uri ILIKE '%s3%'", "attribute|artifact_uri|ILIKE|'%s3%'"},
                   {"lifecycle_stage = 'active'", "attribute|lifecycle_stage|=|'active'"},
                   {"start_time >= 5", "attribute|start_time|>=|5"},
                   {"end_time <= 5", "attribute|end_time|<=|5"},
                   {"created > 5", "attribute|start_time|>|5"},
                   {"Created < 5", "attribute|start_time|<|5"},
                   {"attributes.created != 5", "attribute|start_time|!=|5"},
                   {"start_time = 1.5", "attribute|start_time|=|1.5"},
                   {"start_time > -1", "attribute|start_time|>|-1"},
               });
}

TEST(RunFilter, ComparatorsAreCaseInsensitiveAndCanonical) {
  ExpectParses(ParseRunFilter,
               {
                   {"params.p like 'a%'", "param|p|LIKE|'a%'"},
                   {"params.p iLiKe 'a%'", "param|p|ILIKE|'a%'"},
                   {"run_id in ('a')", "attribute|run_id|IN|('a')"},
                   {"run_id not in ('a')", "attribute|run_id|NOT IN|('a')"},
                   {"run_id NOT   IN ('a')", "attribute|run_id|NOT IN|('a')"},
                   {"datasets.name NOT IN ('a', 'b')", "dataset|name|NOT IN|('a','b')"},
                   {"datasets.digest IN ('a')", "dataset|digest|IN|('a')"},
                   {"datasets.context LIKE 'tr%'", "dataset|context|LIKE|'tr%'"},
                   {"datasets.context ILIKE 'TR%'", "dataset|context|ILIKE|'TR%'"},
                   {"datasets.name != 'x'", "dataset|name|!=|'x'"},
                   {"metrics.a = 1 AND metrics.b != 1 AND metrics.c > 1 AND metrics.d >= 1 AND "
                    "metrics.e < 1 AND metrics.f <= 1",
                    "metric|a|=|1 AND metric|b|!=|1 AND metric|c|>|1 AND metric|d|>=|1 AND "
                    "metric|e|<|1 AND metric|f|<=|1"},
               });
}

TEST(RunFilter, AndIsCaseInsensitiveAndWhitespaceFlexible) {
  ExpectParses(
      ParseRunFilter,
      {
          {"metrics.x = 1 aNd params.y = 'b'", "metric|x|=|1 AND param|y|=|'b'"},
          {"metrics.x = 1 and params.y = 'b' AND tags.z = 'c'",
           "metric|x|=|1 AND param|y|=|'b' AND tag|z|=|'c'"},
          {"  metrics.x  >  1   and   params.y  =  'z'  ", "metric|x|>|1 AND param|y|=|'z'"},
          {"metrics.x\t>\t1\nAND\rparams.y='z'", "metric|x|>|1 AND param|y|=|'z'"},
          {"metrics.x>1", "metric|x|>|1"},
          {"params.p='a'AND params.q='b'", "param|p|=|'a' AND param|q|=|'b'"},
      });
}

TEST(RunFilter, QuotingForms) {
  ExpectParses(ParseRunFilter,
               {
                   {"metrics.`my key` > 1", "metric|my key|>|1"},
                   {"metrics.\"my key\" > 1", "metric|my key|>|1"},
                   {"metrics.'my key' > 1", "metric|my key|>|1"},
                   {"`metrics`.`my key` > 1", "metric|my key|>|1"},
                   {"metrics.a.b > 1", "metric|a.b|>|1"},
                   {"metrics.`a.b` > 1", "metric|a.b|>|1"},
                   {"metrics.123 > 1", "metric|123|>|1"},
                   {"metrics.2020acc > 1", "metric|2020acc|>|1"},
                   {"params.select = 'x'", "param|select|=|'x'"},
                   {"params.from = 'x'", "param|from|=|'x'"},
                   {"params.and = 'x'", "param|and|=|'x'"},
                   {"params.\xc3\xb1 = 'x'", "param|\xc3\xb1|=|'x'"},
                   {"params.p = 'L\"H'", "param|p|=|'L\"H'"},
                   {"params.p = ''", "param|p|=|''"},
                   {"params.p = \"\"", "param|p|=|''"},
                   {"params.p = 'a AND b'", "param|p|=|'a AND b'"},
                   {"params.p = 'x; DROP TABLE runs'", "param|p|=|'x; DROP TABLE runs'"},
                   {"params.p = 'OR 1=1 --'", "param|p|=|'OR 1=1 --'"},
                   {"tags.`mlflow.runName` = 'r'", "tag|mlflow.runName|=|'r'"},
                   {"tags.mlflow.runName = 'r'", "tag|mlflow.runName|=|'r'"},
               });
}

TEST(RunFilter, EscapedQuotesStayVerbatimLikeMlflow) {
  // MLflow keeps the bytes between the quotes as they are; a doubled or backslashed quote
  // does not end the string but is not unescaped either.
  ExpectParses(ParseRunFilter, {
                                   {"params.p = 'it''s'", "param|p|=|'it''s'"},
                                   {"params.p = 'it\\'s'", "param|p|=|'it\\'s'"},
                                   {"params.p = \"it\"\"s\"", "param|p|=|'it\"\"s'"},
                                   {"params.p = 'a\\\\'", "param|p|=|'a\\\\'"},
                               });
}

TEST(RunFilter, InLists) {
  ExpectParses(
      ParseRunFilter,
      {
          {"run_id IN ('a, b', 'c')", "attribute|run_id|IN|('a, b','c')"},
          {"run_id IN ( 'a' , \"b\" , 'c d' )", "attribute|run_id|IN|('a','b','c d')"},
          {"run_id IN ('a',)", "attribute|run_id|IN|('a')"},
          {"run_id IN('a')", "attribute|run_id|IN|('a')"},
          {"run_id IN ('a)', '(b')", "attribute|run_id|IN|('a)','(b')"},
          {"run_id IN ('it\\'s', 'q\\\"', 'b\\\\s')", "attribute|run_id|IN|('it's','q\"','b\\s')"},
          {"run_id IN ('AND', 'OR')", "attribute|run_id|IN|('AND','OR')"},
      });
}

TEST(RunFilter, Numbers) {
  ExpectParses(ParseRunFilter, {
                                   {"metrics.x = 0", "metric|x|=|0"},
                                   {"metrics.x = -3", "metric|x|=|-3"},
                                   {"metrics.x = 2.5", "metric|x|=|2.5"},
                                   {"metrics.x = -2.5", "metric|x|=|-2.5"},
                                   {"metrics.x = .5", "metric|x|=|0.5"},
                                   {"metrics.x = -.5", "metric|x|=|-0.5"},
                                   {"metrics.x = 5.", "metric|x|=|5"},
                                   {"metrics.x >= 1e5", "metric|x|>=|100000"},
                                   {"metrics.x >= 1E5", "metric|x|>=|100000"},
                                   {"metrics.x >= -1.5E-3", "metric|x|>=|-0.0015"},
                                   {"metrics.x >= 2e+2", "metric|x|>=|200"},
                                   {"metrics.x > 1e999", "metric|x|>|inf"},
                                   {"metrics.x < -1e999", "metric|x|<|-inf"},
                                   {"metrics.x > 00012", "metric|x|>|12"},
                                   {"metrics.x>-1", "metric|x|>|-1"},
                               });
}

// ---- Runs: rejected ----------------------------------------------------------------------------

TEST(RunFilter, MlflowErrorTable) {
  // test_error_filter, test_error_comparison_clauses, test_bad_quotes, test_invalid_clauses.
  ExpectRejects(
      ParseRunFilter,
      {
          {"metric.acc >= 0.94; metrics.rmse < 1", "Search filter contained multiple expression"},
          {"m.acc >= 0.94", "Invalid entity type"},
          {"acc >= 0.94", "Invalid attribute key"},
          {"p.model >= 'LR'", "Invalid entity type"},
          {"attri.x != 1", "Invalid entity type"},
          {"a.x != 1", "Invalid entity type"},
          {"model >= 'LR'", "Invalid attribute key"},
          {"metrics.A > 0.1 OR params.B = 'LR'", "Invalid clause(s) in filter string"},
          {"metrics.A > 0.1 NAND params.B = 'LR'", "Invalid clause(s) in filter string"},
          {"metrics.A > 0.1 AND (params.B = 'LR')", "Invalid clause(s) in filter string"},
          {"`metrics.A > 0.1", "Invalid clause(s) in filter string"},
          {"param`.A > 0.1", "Invalid clause(s) in filter string"},
          {"`dummy.A > 0.1", "Invalid clause(s) in filter string"},
          {"dummy`.A > 0.1", "Invalid clause(s) in filter string"},
          {"attribute.start != 1", "Invalid attribute key"},
          {"attribute.experiment_id != 1", "Invalid attribute key"},
          {"attribute.name != 1", "Invalid attribute key"},
          {"attribute.time != 1", "Invalid attribute key"},
          {"attribute._status != 'RUNNING'", "Invalid attribute key"},
          {"dataset.status = 'true'", "Invalid dataset key"},
          {"dataset.profile = 'num_rows: 10'", "Invalid dataset key"},
          {"metric.model = 'LR'", "Expected numeric value type for metric"},
          {"metric.model = '5'", "Expected numeric value type for metric"},
          {"params.acc = 5", "Expected a quoted string value for parameter"},
          {"tags.acc = 5", "Expected a quoted string value for tag"},
          {"metrics.acc != metrics.acc", "Expected numeric value type for metric"},
          {"1.0 > metrics.acc", "Invalid comparison clause. Expected 'Identifier'"},
          {"attribute.status = 1", "Expected a quoted string value for attributes"},
          {"params.acc = LR", "Parameter value is either not quoted"},
          {"tags.acc = LR", "Parameter value is either not quoted"},
          {"params.acc = `LR`", "Parameter value is either not quoted"},
          {"params.'acc = LR", "Invalid clause(s) in filter string"},
          {"params.acc = 'LR", "Invalid clause(s) in filter string"},
          {"params.acc = LR'", "Invalid clause(s) in filter string"},
          {"params.acc = \"LR'", "Invalid clause(s) in filter string"},
          {"tags.acc = \"LR'", "Invalid clause(s) in filter string"},
          {"tags.acc = = 'LR'", "Invalid clause(s) in filter string"},
          {"attribute.status IS 'RUNNING'", "Invalid clause(s) in filter string"},
          {"params.acc LR !=", "Invalid clause(s) in filter string"},
          {"params.acc LR", "Invalid clause(s) in filter string"},
          {"metric.acc !=", "Invalid clause(s) in filter string"},
          {"acc != 1.0", "Invalid attribute key"},
          {"1=1", "Invalid comparison clause. Expected 'Identifier' found '1'"},
          {"1==2", "Invalid comparison clause. Expected 'Identifier' found '1'"},
      });
}

TEST(RunFilter, BadComparatorsPerEntity) {
  // test_bad_comparators, checked at parse time here rather than when filtering.
  const struct {
    std::string entity_key;
    std::vector<std::string> ops;
    std::string value;
  } kTable[] = {
      {"metrics.abc", {"~", "~=", "LIKE", "ILIKE", "<>", "==", "!"}, "1.0"},
      {"params.abc", {">", "<", ">=", "<=", "~", "<>"}, "'my-param-value'"},
      {"tags.abc", {">", "<", ">=", "<=", "~", "=="}, "'my-tag-value'"},
      {"attributes.status", {">", "<", ">=", "<=", "~"}, "'my-tag-value'"},
      {"attributes.start_time", {"LIKE", "ILIKE", "~"}, "1234"},
      {"datasets.name", {">", "<", ">=", "<=", "~"}, "'my-dataset-name'"},
      {"params.abc", {"NOT LIKE", "NOT ILIKE"}, "'x'"},
  };
  for (const auto& row : kTable) {
    for (const std::string& op : row.ops) {
      const std::string filter = row.entity_key + " " + op + " " + row.value;
      StatusOr<Filter> f = ParseRunFilter(filter);
      ASSERT_FALSE(f.ok()) << filter;
      EXPECT_THAT(f.status().message(), StartsWith("Invalid comparator '" + op + "' not one of"))
          << filter;
    }
  }
}

TEST(RunFilter, ExactErrorMessages) {
  // Whole messages; a trailing "..." means only the start is compared.
  const Case kCases[] = {
      {"metrics.x > 1 OR metrics.y < 2", "Invalid clause(s) in filter string: 'OR metrics.y < 2'"},
      {"metrics.x > 1 and metrics.y = 2 extra", "Invalid clause(s) in filter string: 'extra'"},
      {"metrics.x =", "Invalid clause(s) in filter string: 'metrics.x ='"},
      {"metrics.x", "Invalid clause(s) in filter string: 'metrics.x'"},
      {"metrics.x > 1 AND", "Invalid clause(s) in filter string: 'AND'"},
      {"AND metrics.x > 1", "Invalid clause(s) in filter string: 'AND metrics.x > 1'"},
      {"metrics.x > 1 AND AND metrics.y > 1",
       "Invalid clause(s) in filter string: 'AND metrics.y > 1'"},
      {"metrics.x > 1;", "Invalid clause(s) in filter string: ';'"},
      {"metrics.x > 1; DROP TABLE runs",
       "Search filter contained multiple expression 'metrics.x > 1; DROP TABLE runs'. Provide "
       "AND-ed expression list."},
      {"blah.x = 'y'",
       "Invalid entity type 'blah'. Valid values are ['metric', 'parameter', 'tag', "
       "'attribute', 'dataset']"},
      {"\"metrics\".x > 1", "Invalid entity type '\"metrics\"'. ..."},
      {"Metrics.x > 1", "Invalid entity type 'Metrics'. ..."},
      {"foo = 'x'",
       "Invalid attribute key 'foo' specified. Valid keys are '{'run_id', 'run_name', "
       "'run name', 'Run name', 'Run Name', 'status', 'user_id', 'artifact_uri', "
       "'lifecycle_stage', 'start_time', 'end_time', 'created', 'Created'}'"},
      {"datasets.foo = 'x'",
       "Invalid dataset key 'foo' specified. Valid keys are '{'name', 'digest', 'context'}'"},
      {"metrics.x = '5'", "Expected numeric value type for metric. Found '5'"},
      {"metrics.x > 1AND", "Expected numeric value type for metric. Found 1AND"},
      {"metrics.x > 0x1F", "Expected numeric value type for metric. Found 0x1F"},
      {"metrics.x > nan", "Expected numeric value type for metric. Found nan"},
      {"params.p = 5",
       "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"},
      {"params.p = LR",
       "Parameter value is either not quoted or unidentified quote types used for string "
       "value LR. Use either single or double quotes."},
      {"start_time LIKE 'a'",
       "Expected numeric value type for numeric attribute: start_time. Found 'a'"},
      {"created = 'a'", "Expected numeric value type for numeric attribute: created. Found 'a'"},
      {"status = 5", "Expected a quoted string value for attributes. Got value 5"},
      {"datasets.name = 5", "Expected a quoted string value for dataset attributes. Got value 5"},
      {"params.x > 'a'", "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE'}'"},
      {"metrics.x LIKE 1",
       "Invalid comparator 'LIKE' not one of '{'=', '!=', '>', '>=', '<', '<='}'"},
      {"status > 'a'",
       "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"},
      {"metrics.x <> 1", "Invalid comparator '<>' not one of ..."},
  };
  for (const Case& c : kCases) {
    StatusOr<Filter> f = ParseRunFilter(c.input);
    ASSERT_FALSE(f.ok()) << c.input;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    if (c.expected.ends_with("...")) {
      EXPECT_THAT(f.status().message(), StartsWith(c.expected.substr(0, c.expected.size() - 3)))
          << c.input;
    } else {
      EXPECT_EQ(f.status().message(), c.expected) << c.input;
    }
  }
}

TEST(RunFilter, ListErrors) {
  ExpectRejects(
      ParseRunFilter,
      {
          {"attributes.status IN ('a','b')",
           "Only ['run_id'] attributes support comparison with a list of quoted string values."},
          {"run_id IN ()",
           "While parsing a list in the query, expected a non-empty list of string values, but "
           "got empty list"},
          {"run_id IN (1, 2)",
           "While parsing a list in the query, expected string value, punctuation, or "
           "whitespace, but got different type in list: (1, 2)"},
          {"run_id IN ('a', 1)", "While parsing a list in the query, expected string value"},
          {"run_id IN ('a' 'b')",
           "While parsing a list in the query, expected a non-empty list "
           "of string values, but got ill-formed list."},
          {"run_id IN ('a',,'b')", "While parsing a list in the query"},
          {"run_id IN (,)", "While parsing a list in the query"},
          {"run_id IN (a)", "While parsing a list in the query"},
          {"run_id IN ('a'", "Invalid clause(s) in filter string"},
          {"run_id IN (('a'))", "Invalid clause(s) in filter string"},
          {"run_id IN 'a'", "Invalid clause(s) in filter string"},
          {"run_id = ('a')", "Invalid clause(s) in filter string"},
          {"run_id NOT ('a')", "Invalid clause(s) in filter string"},
          {"params.p IN ('a')",
           "Expected a quoted string value for parameter (e.g. 'my-value'). Got value ('a')"},
          {"tags.t NOT IN ('a')", "Expected a quoted string value for tag"},
          {"metrics.m IN (1)", "Expected numeric value type for metric. Found (1)"},
          {"start_time IN ('1')", "Expected numeric value type for numeric attribute"},
      });
}

TEST(RunFilter, StructuralErrors) {
  ExpectRejects(ParseRunFilter,
                {
                    {"NOT metrics.x > 1", "Invalid clause(s) in filter string"},
                    {"(metrics.x > 1)", "Invalid clause(s) in filter string"},
                    {"metrics.x > 1 OR", "Invalid clause(s) in filter string"},
                    {"metrics.my key > 1", "Invalid clause(s) in filter string"},
                    {"metrics . x > 1", "Invalid clause(s) in filter string"},
                    {"metrics. x > 1", "Invalid clause(s) in filter string"},
                    {"metrics .x > 1", "Invalid clause(s) in filter string"},
                    {"metrics.x > +1", "Invalid clause(s) in filter string"},
                    {"metrics.a-b > 1", "Invalid clause(s) in filter string"},
                    {"metrics.a$b > 1", "Invalid clause(s) in filter string"},
                    {"metrics.x > 1 -- comment", "Invalid clause(s) in filter string"},
                    {"metrics.x > 1 /* c */", "Invalid clause(s) in filter string"},
                    {"run name = 'x'", "Invalid clause(s) in filter string"},
                    {"tags.x IS NULL", "Invalid clause(s) in filter string"},
                    {"tags.x IS NOT NULL", "Invalid clause(s) in filter string"},
                    {"= 1", "Invalid clause(s) in filter string"},
                    {".", "Invalid clause(s) in filter string"},
                    {"metrics.", "Invalid clause(s) in filter string"},
                    {"'a' = params.x", "Invalid comparison clause. Expected 'Identifier'"},
                    {";", "Invalid clause(s) in filter string"},
                    {"metrics.x > 1 ;;", "Search filter contained multiple expression"},
                    {"params.p = 'a' params.q = 'b'", "Invalid clause(s) in filter string"},
                    {"params.p = 'a' && params.q = 'b'", "Invalid clause(s) in filter string"},
                    {"params.p == 'a' || 1", "Invalid clause(s) in filter string"},
                });
}

TEST(RunFilter, InjectionAttemptsAreCleanErrors) {
  const char* kAttempts[] = {
      "metrics.x > 1; DROP TABLE runs",
      "metrics.x > 1; DROP TABLE runs;--",
      "params.p = 'a' OR '1'='1'",
      "params.p = 'a' OR 1=1",
      "params.p = '' UNION SELECT * FROM runs --",
      "params.p = 'a'/**/OR/**/1=1",
      "metrics.x > 1 AND 1=1",
      "metrics.x > (SELECT MAX(value) FROM metrics)",
      "params.\"p\" = 'a'\"; DROP TABLE runs; --",
      "run_id IN ('a'); DELETE FROM runs WHERE ('1'",
      "run_id IN ('a') OR run_id IN ('b')",
      "tags.`x` = 'y' `; drop`",
      "metrics.x > 1e999999999999999999999 OR 1",
      "attributes.start_time > 0 UNION ALL SELECT 1",
      "params.p = 'a' --'",
      "params.p = 'a' \\; DROP TABLE x",
  };
  for (const char* attempt : kAttempts) {
    StatusOr<Filter> f = ParseRunFilter(attempt);
    ASSERT_FALSE(f.ok()) << attempt << " parsed as " << Render(*f);
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << attempt;
  }
}

TEST(RunFilter, RejectsNulAndInvalidUtf8) {
  ExpectRejects(ParseRunFilter, {
                                    {std::string("params.p = 'a\0b'", 16), "Invalid filter string"},
                                    {"params.p = '\xff'", "Invalid filter string"},
                                    {"params.p = '\xc3'", "Invalid filter string"},
                                    {"params.p = '\xc0\x80'", "Invalid filter string"},
                                    {"params.p = '\xed\xa0\x80'", "Invalid filter string"},
                                });
  ExpectParses(ParseRunFilter, {{"params.p = '\xe2\x82\xac \xf0\x9f\x98\x80'",
                                 "param|p|=|'\xe2\x82\xac \xf0\x9f\x98\x80'"}});
}

TEST(RunFilter, LargeInputsUpToTheBounds) {
  std::string filter;
  for (size_t i = 0; i < kMaxFilterClauses; ++i) {
    if (i > 0) filter += " AND ";
    filter += "metrics.m" + std::to_string(i) + " > " + std::to_string(i);
  }
  StatusOr<Filter> f = ParseRunFilter(filter);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->clauses.size(), kMaxFilterClauses);
  EXPECT_EQ(f->clauses.back().key, "m99");

  // A value as long as the length bound allows.
  const std::string big(kMaxFilterLength - 14, 'x');
  f = ParseRunFilter("params.p = '" + big + "'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(std::get<std::string>(f->clauses[0].value), big);

  // The most IN-list values, over two lists.
  std::string lists = "attributes.run_id IN (";
  for (size_t i = 0; i < kMaxFilterListItems; ++i) {
    if (i == kMaxFilterListItems / 2)
      lists += ") AND datasets.name NOT IN (";
    else if (i > 0)
      lists += ", ";
    lists += "'r" + std::to_string(i) + "'";
  }
  f = ParseRunFilter(lists + ")");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->clauses.size(), 2u);
  EXPECT_EQ(std::get<std::vector<std::string>>(f->clauses[1].value).back(),
            "r" + std::to_string(kMaxFilterListItems - 1));

  EXPECT_FALSE(ParseRunFilter(std::string(100000, '(')).ok());
  EXPECT_FALSE(ParseRunFilter("run_id IN " + std::string(100000, '(')).ok());
  EXPECT_FALSE(ParseRunFilter(std::string(100000, '\'')).ok());
}

// Past a bound a filter is a clear 400 before any SQL is built: a 999-clause filter used to
// exceed SQLite's expression depth, and 100,000-value IN lists its bound parameters.
TEST(RunFilter, BoundsAreCleanErrors) {
  std::string clauses;
  for (int i = 0; i < 999; ++i) {
    if (i > 0) clauses += " AND ";
    clauses += "params.p" + std::to_string(i) + " = 'v'";
  }
  for (ParseFn parse : {&ParseRunFilter, &ParseExperimentFilter, &ParseLoggedModelFilter}) {
    StatusOr<Filter> f = parse(clauses);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ParseRunFilter(clauses).status().message(),
            "Invalid filter string: it has more than 100 clauses; at most 100 are allowed. "
            "Combine values in an IN list or split the search.");

  std::string list = "attributes.run_id IN (";
  for (size_t i = 0; i <= kMaxFilterListItems; ++i)
    list += (i > 0 ? ", '" : "'") + std::to_string(i) + "'";
  EXPECT_EQ(ParseRunFilter(list + ")").status().message(),
            "Invalid filter string: its IN lists hold more than 10000 values; at most 10000 are "
            "allowed. Split the search into several requests.");
  // The bound counts every list of the filter.
  std::string half = "('a'";
  for (size_t i = 1; i < kMaxFilterListItems / 2 + 1; ++i) half += ", 'a'";
  half += ")";
  EXPECT_FALSE(ParseRunFilter("run_id IN " + half + " AND datasets.name IN " + half).ok());

  const std::string too_long = "params.p = '" + std::string(kMaxFilterLength, 'x') + "'";
  EXPECT_EQ(ParseRunFilter(too_long).status().message(),
            "Invalid filter string: it is 1000013 bytes long; at most 1000000 are allowed. "
            "Split the search into several requests.");
  EXPECT_FALSE(ParseExperimentFilter(too_long).ok());
}

// ---- Runs: order_by ----------------------------------------------------------------------------

TEST(RunOrderBy, Accepted) {
  const Case kCases[] = {
      {"metrics.x", "metric|x|ASC"},
      {"metrics.key1 asc", "metric|key1|ASC"},
      {"metrics.\"key1\"  desc", "metric|key1|DESC"},
      {"params.my_param aSc", "param|my_param|ASC"},
      {"attributes.status  ASC", "attribute|status|ASC"},
      {"attributes.status DESC", "attribute|status|DESC"},
      {"params.`my_param` DESC", "param|my_param|DESC"},
      {"tags.tag1    DESC", "tag|tag1|DESC"},
      {"metrics.`Mean Square Error`", "metric|Mean Square Error|ASC"},
      {"metrics.`Mean Square Error` ASC", "metric|Mean Square Error|ASC"},
      {"metrics.`Mean Square Error` DESC", "metric|Mean Square Error|DESC"},
      {"metrics.\"A b\" desc", "metric|A b|DESC"},
      {"`metrics`.A", "metric|A|ASC"},
      {"metrics.a.b", "metric|a.b|ASC"},
      {"tags.`a.b` ASC", "tag|a.b|ASC"},
      {"metrics.x\tDESC", "metric|x|DESC"},
      {"run_id", "attribute|run_id|ASC"},
      {"run_name DESC", "attribute|run_name|DESC"},
      {"user_id", "attribute|user_id|ASC"},
      {"status", "attribute|status|ASC"},
      {"start_time asc", "attribute|start_time|ASC"},
      {"end_time DESC", "attribute|end_time|DESC"},
      {"artifact_uri", "attribute|artifact_uri|ASC"},
      {"created", "attribute|start_time|ASC"},
      {"Created DESC", "attribute|start_time|DESC"},
      {"attribute.start_time", "attribute|start_time|ASC"},
  };
  for (const Case& c : kCases) {
    StatusOr<OrderBy> o = ParseRunOrderBy(c.input);
    ASSERT_TRUE(o.ok()) << c.input << " -> " << o.status().ToString();
    EXPECT_EQ(Render(*o), c.expected) << c.input;
  }
}

TEST(RunOrderBy, Rejected) {
  const Case kCases[] = {
      {"m.acc", "Invalid entity type"},
      {"acc", "Invalid attribute key"},
      {"attri.x", "Invalid entity type"},
      {"`metrics.A", "Invalid order_by clause"},
      {"attribute.start", "Invalid attribute key"},
      {"attribute.experiment_id", "Invalid attribute key"},
      {"attribute.lifecycle_stage", "Invalid attribute key"},
      {"`run name`", "Invalid attribute key 'run name'"},
      {"metrics.A != 1", "Invalid order_by clause 'metrics.A != 1'. Could not be parsed."},
      {"params.my_param ", "Invalid order_by clause"},
      {" params.my_param", "Invalid order_by clause"},
      {"", "Invalid order_by clause"},
      {"attribute.run_id ACS", "Invalid ordering key in order_by clause 'attribute.run_id ACS'."},
      {"attribute.run_id decs", "Invalid ordering key"},
      {"run name", "Invalid ordering key"},
      {"metrics.x DESC extra", "Invalid order_by clause"},
      {"params.p ASC NULLS FIRST", "Invalid order_by clause"},
      {"metrics.x asc;", "Invalid order_by clause"},
      {"metrics.x; DROP TABLE runs", "Invalid order_by clause"},
      {"metrics.x, metrics.y", "Invalid order_by clause"},
      {"datasets.name", "Invalid identifier type 'dataset'"},
      {"dataset.foo", "Invalid dataset key"},
      {"1", "Invalid order_by clause"},
      {"'metrics.x'", "Invalid order_by clause"},
      {std::string("metrics.x\0", 10), "Invalid order_by clause"},
  };
  for (const Case& c : kCases) {
    StatusOr<OrderBy> o = ParseRunOrderBy(c.input);
    ASSERT_FALSE(o.ok()) << c.input << " parsed as " << Render(*o);
    EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(o.status().message(), StartsWith(c.expected)) << c.input;
  }
}

// ---- Experiments -------------------------------------------------------------------------------

TEST(ExperimentFilter, Accepted) {
  ExpectParses(ParseExperimentFilter,
               {
                   {"name = 'a'", "attribute|name|=|'a'"},
                   {"attribute.name = 'a'", "attribute|name|=|'a'"},
                   {"attributes.name != 'a'", "attribute|name|!=|'a'"},
                   {"name LIKE 'a%'", "attribute|name|LIKE|'a%'"},
                   {"name ILIKE '%A%'", "attribute|name|ILIKE|'%A%'"},
                   {"name LIKE \"jamie-foo C+%\"", "attribute|name|LIKE|'jamie-foo C+%'"},
                   {"tag.key ILIKE '%alu%'", "tag|key|ILIKE|'%alu%'"},
                   {"tags.key = 'v'", "tag|key|=|'v'"},
                   {"tags.\"a key\" != 'v'", "tag|a key|!=|'v'"},
                   {"creation_time > 5", "attribute|creation_time|>|5"},
                   {"last_update_time <= 5 and name = 'x'",
                    "attribute|last_update_time|<=|5 AND attribute|name|=|'x'"},
               });
}

TEST(ExperimentFilter, Rejected) {
  ExpectRejects(
      ParseExperimentFilter,
      {
          {"metrics.x > 1",
           "Invalid entity type 'metrics'. Valid entity types are ('attribute', "
           "'tag', 'tags')"},
          {"params.x = 'a'", "Invalid entity type 'params'"},
          {"datasets.name = 'a'", "Invalid entity type 'datasets'"},
          {"foo = 'x'",
           "Invalid attribute key 'foo' specified. Valid keys are '{'name', "
           "'creation_time', 'last_update_time'}'"},
          {"run_id = 'x'", "Invalid attribute key 'run_id'"},
          {"name IN ('a')", "No experiment attribute supports comparison with a list"},
          {"name > 'a'", "Invalid comparator '>' not one of"},
          {"creation_time LIKE 'a'",
           "Expected numeric value type for numeric attribute: creation_time"},
          {"creation_time LIKE 5", "Invalid comparator 'LIKE'"},
          {"tags.x > 'a'", "Invalid comparator '>'"},
          {"name = 'a' OR name = 'b'", "Invalid clause(s) in filter string"},
          {"name = 'a'; DROP TABLE experiments", "Search filter contained multiple expression"},
      });
}

TEST(ExperimentOrderBy, AcceptedAndRejected) {
  const Case kOk[] = {
      {"name DESC", "attribute|name|DESC"},
      {"name", "attribute|name|ASC"},
      {"experiment_id", "attribute|experiment_id|ASC"},
      {"creation_time asc", "attribute|creation_time|ASC"},
      {"last_update_time DESC", "attribute|last_update_time|DESC"},
      {"attribute.name", "attribute|name|ASC"},
  };
  for (const Case& c : kOk) {
    StatusOr<OrderBy> o = ParseExperimentOrderBy(c.input);
    ASSERT_TRUE(o.ok()) << c.input << " -> " << o.status().ToString();
    EXPECT_EQ(Render(*o), c.expected);
  }
  const Case kBad[] = {
      {"foo", "Invalid attribute key 'foo'"},         {"tags.x", "Invalid order_by entity: tag"},
      {"metrics.x", "Invalid entity type 'metrics'"}, {"name DESCENDING", "Invalid ordering key"},
      {"start_time", "Invalid attribute key"},
  };
  for (const Case& c : kBad) {
    StatusOr<OrderBy> o = ParseExperimentOrderBy(c.input);
    ASSERT_FALSE(o.ok()) << c.input;
    EXPECT_THAT(o.status().message(), StartsWith(c.expected)) << c.input;
  }
}

// ---- Logged models -----------------------------------------------------------------------------

TEST(LoggedModelFilter, Accepted) {
  ExpectParses(ParseLoggedModelFilter,
               {
                   {"name = 'model'", "attribute|name|=|'model'"},
                   {"model_id IN ('m-1', 'm-2')", "attribute|model_id|IN|('m-1','m-2')"},
                   {"model_type != 'agent'", "attribute|model_type|!=|'agent'"},
                   {"status = 'LOGGED_MODEL_READY'", "attribute|status|=|'LOGGED_MODEL_READY'"},
                   {"source_run_id NOT IN ('r')", "attribute|source_run_id|NOT IN|('r')"},
                   {"name LIKE 'a%'", "attribute|name|LIKE|'a%'"},
                   {"creation_timestamp > 5", "attribute|creation_timestamp|>|5"},
                   {"creation_time > 5", "attribute|creation_timestamp|>|5"},
                   {"last_updated_timestamp <= 5", "attribute|last_updated_timestamp|<=|5"},
                   {"last_updated_time <= 5", "attribute|last_updated_timestamp|<=|5"},
                   {"metrics.accuracy > 0.5 AND params.lr = '0.1' AND tags.t LIKE 'x%'",
                    "metric|accuracy|>|0.5 AND param|lr|=|'0.1' AND tag|t|LIKE|'x%'"},
                   {"attributes.name = 'm'", "attribute|name|=|'m'"},
               });
}

TEST(LoggedModelFilter, Rejected) {
  ExpectRejects(ParseLoggedModelFilter,
                {
                    {"datasets.name = 'a'", "Invalid entity type 'datasets'"},
                    {"run.name = 'a'", "Invalid entity type 'run'"},
                    {"run_id = 'a'", "Invalid attribute key 'run_id'"},
                    {"params.lr > '0.1'", "Invalid comparator '>'"},
                    {"params.lr IN ('0.1')", "Expected a quoted string value for parameter"},
                    {"metrics.m = 'x'", "Expected numeric value type for metric"},
                    {"creation_timestamp IN (1)", "Expected numeric value type"},
                    {"name > 'a'", "Invalid comparator '>'"},
                    {"name = 'a' OR 1=1", "Invalid clause(s) in filter string"},
                });
}

TEST(LoggedModelOrderField, CanonicalisesAndValidates) {
  const std::pair<std::string, std::string> kOk[] = {
      {"creation_timestamp", "creation_timestamp"},
      {"creation_time", "creation_timestamp"},
      {"last_updated_time", "last_updated_timestamp"},
      {"name", "name"},
      {" model_id ", "model_id"},
      {"metrics.accuracy", "metrics.accuracy"},
      {"metrics.a.b", "metrics.a.b"},
  };
  for (const auto& [in, want] : kOk) {
    StatusOr<std::string> f = ParseLoggedModelOrderField(in);
    ASSERT_TRUE(f.ok()) << in << " -> " << f.status().ToString();
    EXPECT_EQ(*f, want);
  }
  const Case kBad[] = {
      {"", "`field_name` in the `order_by` clause must be specified."},
      {"params.lr", "Invalid order by field name: params, only `metrics.<name>` is allowed."},
      {"foo", "Invalid order by field name: foo."},
      {"run_id", "Invalid order by field name: run_id."},
  };
  for (const Case& c : kBad) {
    StatusOr<std::string> f = ParseLoggedModelOrderField(c.input);
    ASSERT_FALSE(f.ok()) << c.input;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(f.status().message(), c.expected);
  }
}

// ---- Comparators -------------------------------------------------------------------------------

TEST(ComparatorSql, SpellsEveryComparator) {
  EXPECT_EQ(ComparatorSql(Comparator::kEq), "=");
  EXPECT_EQ(ComparatorSql(Comparator::kNe), "!=");
  EXPECT_EQ(ComparatorSql(Comparator::kGt), ">");
  EXPECT_EQ(ComparatorSql(Comparator::kGe), ">=");
  EXPECT_EQ(ComparatorSql(Comparator::kLt), "<");
  EXPECT_EQ(ComparatorSql(Comparator::kLe), "<=");
  EXPECT_EQ(ComparatorSql(Comparator::kLike), "LIKE");
  EXPECT_EQ(ComparatorSql(Comparator::kILike), "ILIKE");
  EXPECT_EQ(ComparatorSql(Comparator::kIn), "IN");
  EXPECT_EQ(ComparatorSql(Comparator::kNotIn), "NOT IN");
}

// ---- Page tokens -------------------------------------------------------------------------------

TEST(PageToken, MatchesMlflowEncoding) {
  // base64.b64encode(json.dumps({"offset": 1}).encode())
  EXPECT_EQ(EncodePageToken(1), "eyJvZmZzZXQiOiAxfQ==");
  EXPECT_EQ(EncodePageToken(1000), "eyJvZmZzZXQiOiAxMDAwfQ==");
}

TEST(PageToken, RoundTrips) {
  for (int64_t offset : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{49}, int64_t{1000},
                         int64_t{123456789}, INT64_MAX}) {
    StatusOr<int64_t> decoded = DecodePageToken(EncodePageToken(offset));
    ASSERT_TRUE(decoded.ok()) << offset << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, offset);
  }
}

TEST(PageToken, EmptyIsFirstPage) {
  StatusOr<int64_t> decoded = DecodePageToken("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, 0);
}

TEST(PageToken, AcceptsUrlSafeAndUnpadded) {
  using ::inet::Base64Encode;
  EXPECT_EQ(*DecodePageToken("eyJvZmZzZXQiOiAxfQ"), 1);
  // Offset tokens alone rarely use '+' or '/', so add a member whose encoding does.
  const std::string token = Base64Encode("{\"offset\": 3, \"x\": \"\x3f\x3f\x3f>>>~~~\"}");
  ASSERT_EQ(token, "eyJvZmZzZXQiOiAzLCAieCI6ICI/Pz8+Pj5+fn4ifQ==");
  std::string url_safe = token;
  for (char& c : url_safe) c = c == '+' ? '-' : c == '/' ? '_' : c;
  EXPECT_EQ(*DecodePageToken(token), 3);
  EXPECT_EQ(*DecodePageToken(url_safe), 3);
}

TEST(PageToken, RejectsGarbage) {
  using ::inet::Base64Encode;
  const Case kCases[] = {
      {"not base64", "Invalid page token, could not base64-decode"},
      {"!!!!", "Invalid page token, could not base64-decode"},
      {"a", "Invalid page token, could not base64-decode"},
      {"ab=c", "Invalid page token, could not base64-decode"},
      {"abc==", "Invalid page token, could not base64-decode"},
      {"=", "Invalid page token, could not base64-decode"},
      {std::string("YQ\0=", 4), "Invalid page token, could not base64-decode"},
      {Base64Encode("not json"), "Invalid page token, decoded value=not json"},
      {Base64Encode("{}"), "Invalid page token, parsed value={}"},
      {Base64Encode("{\"offsoot\": 7}"), "Invalid page token, parsed value="},
      {Base64Encode("[1]"), "Invalid page token, parsed value="},
      {Base64Encode("7"), "Invalid page token, parsed value="},
      {Base64Encode("null"), "Invalid page token, parsed value="},
      {Base64Encode("{\"offset\": \"a\"}"), "Invalid page token, offset must be"},
      {Base64Encode("{\"offset\": \"5\"}"), "Invalid page token, offset must be"},
      {Base64Encode("{\"offset\": -1}"), "Invalid page token, offset must be"},
      {Base64Encode("{\"offset\": 1.5}"), "Invalid page token, offset must be"},
      {Base64Encode("{\"offset\": null}"), "Invalid page token, offset must be"},
      {Base64Encode("{\"offset\": 18446744073709551615}"), "Invalid page token, offset must be"},
      {Base64Encode("{\"offset\": 1e400}"), "Invalid page token"},
      {Base64Encode("{\"offset\": 1} trailing"), "Invalid page token, decoded value="},
      {Base64Encode("\xff\xfe\x01"),
       "Invalid page token, decoded value=?"
       "??"},
      {Base64Encode(std::string(200, '[')), "Invalid page token"},
  };
  for (const Case& c : kCases) {
    StatusOr<int64_t> decoded = DecodePageToken(c.input);
    ASSERT_FALSE(decoded.ok()) << c.input << " decoded as " << *decoded;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(decoded.status().message(), StartsWith(c.expected)) << c.input;
  }
}

TEST(Base64, KnownVectors) {
  // RFC 4648 section 10.
  const std::pair<std::string, std::string> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain);
  }
}

// ---- Lexer -------------------------------------------------------------------------------------

TEST(Lexer, KindsAndOffsets) {
  using internal::TokenKind;
  const auto tokens = internal::Tokenize("metrics.`a b` >= -1.5e3 AND x IN ('q''r', \"s\");");
  const std::vector<TokenKind> kinds = {
      TokenKind::kWord,         TokenKind::kDot,       TokenKind::kBackQuoted,
      TokenKind::kOperator,     TokenKind::kNumber,    TokenKind::kWord,
      TokenKind::kWord,         TokenKind::kWord,      TokenKind::kLParen,
      TokenKind::kSingleQuoted, TokenKind::kComma,     TokenKind::kDoubleQuoted,
      TokenKind::kRParen,       TokenKind::kSemicolon, TokenKind::kEnd};
  ASSERT_EQ(tokens.size(), kinds.size());
  for (size_t i = 0; i < kinds.size(); ++i) EXPECT_EQ(tokens[i].kind, kinds[i]) << i;
  EXPECT_EQ(tokens[2].text, "`a b`");
  EXPECT_EQ(internal::QuotedContent(tokens[2]), "a b");
  EXPECT_EQ(tokens[4].text, "-1.5e3");
  EXPECT_FALSE(tokens[4].integer);
  EXPECT_EQ(tokens[9].text, "'q''r'");
  EXPECT_EQ(tokens[8].offset, 33u);
}

TEST(Lexer, UnterminatedQuotesRunToTheEnd) {
  for (const char* input : {"'abc", "\"abc", "`abc", "'a\\'", "'a''"}) {
    const auto tokens = internal::Tokenize(input);
    ASSERT_EQ(tokens.size(), 2u) << input;
    EXPECT_EQ(tokens[0].kind, internal::TokenKind::kUnterminated) << input;
  }
}

}  // namespace
}  // namespace inet::search
