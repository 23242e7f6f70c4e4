#include "store/internal/sql_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace inet::store::internal {
namespace {

using search::Comparator;
using search::Comparison;
using search::Entity;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SqlParamsTest, NumbersPlaceholdersPerDialect) {
  SqlParams sqlite(SqliteDialect());
  EXPECT_EQ(sqlite.Add(std::string("a")), "?1");
  EXPECT_EQ(sqlite.Add(int64_t{2}), "?2");
  EXPECT_EQ(sqlite.AddList({"x", "y"}), "(?3, ?4)");
  EXPECT_EQ(sqlite.values().size(), 4u);

  SqlParams pg(PostgresDialect());
  EXPECT_EQ(pg.Add(std::string("a")), "$1::text");
  EXPECT_EQ(pg.Add(int64_t{2}), "$2::bigint");
  EXPECT_EQ(pg.Add(2.5), "$3::float8");
}

TEST(RunFilterSqlTest, EmptyFilterMatchesEverything) {
  SqlParams p(SqliteDialect());
  EXPECT_EQ(*RunFilterSql({}, p), "1=1");
  EXPECT_TRUE(p.values().empty());
}

TEST(RunFilterSqlTest, ValuesAreBoundNeverSpliced) {
  SqlParams p(SqliteDialect());
  search::Filter f{{
      Comparison{Entity::kParam, "evil'key", Comparator::kEq,
                 std::string("x'); DROP TABLE runs;--")},
      Comparison{Entity::kMetric, "m", Comparator::kLt, 1.5},
      Comparison{Entity::kTag, "t", Comparator::kILike, std::string("%A%")},
  }};
  StatusOr<std::string> sql = RunFilterSql(f, p);
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_THAT(*sql, Not(HasSubstr("DROP")));
  EXPECT_THAT(*sql, Not(HasSubstr("evil")));
  EXPECT_THAT(*sql, HasSubstr("latest_metrics"));
  EXPECT_THAT(*sql, HasSubstr("is_nan = 0"));
  EXPECT_THAT(*sql, HasSubstr("LOWER("));
  ASSERT_EQ(p.values().size(), 6u);
  EXPECT_EQ(std::get<std::string>(p.values()[1]), "x'); DROP TABLE runs;--");
  EXPECT_EQ(std::get<double>(p.values()[3]), 1.5);
}

TEST(RunFilterSqlTest, PostgresUsesNativeIlikeAndBooleans) {
  SqlParams p(PostgresDialect());
  search::Filter f{{Comparison{Entity::kTag, "t", Comparator::kILike, std::string("%a%")},
                    Comparison{Entity::kMetric, "m", Comparator::kGt, 0.0}}};
  std::string sql = *RunFilterSql(f, p);
  EXPECT_THAT(sql, HasSubstr("ILIKE $2::text"));
  EXPECT_THAT(sql, HasSubstr("is_nan = FALSE"));
}

TEST(RunFilterSqlTest, IntegralTimesBindAsIntegers) {
  SqlParams p(SqliteDialect());
  search::Filter f{{Comparison{Entity::kAttribute, "start_time", Comparator::kGt, 1.7e12},
                    Comparison{Entity::kAttribute, "end_time", Comparator::kLt, 2.5}}};
  ASSERT_TRUE(RunFilterSql(f, p).ok());
  EXPECT_EQ(std::get<int64_t>(p.values()[0]), 1'700'000'000'000);
  EXPECT_EQ(std::get<double>(p.values()[1]), 2.5);
}

TEST(RunFilterSqlTest, EmptyInListsAndBadClauses) {
  SqlParams p(SqliteDialect());
  search::Filter in{
      {Comparison{Entity::kAttribute, "run_id", Comparator::kIn, std::vector<std::string>{}}}};
  EXPECT_EQ(*RunFilterSql(in, p), "1=0");
  search::Filter bad_attr{{Comparison{Entity::kAttribute, "nope", Comparator::kEq, std::string()}}};
  EXPECT_EQ(RunFilterSql(bad_attr, p).status().code(), StatusCode::kInvalidArgument);
  search::Filter bad_value{{Comparison{Entity::kMetric, "m", Comparator::kEq, std::string("x")}}};
  EXPECT_EQ(RunFilterSql(bad_value, p).status().code(), StatusCode::kInvalidArgument);
  search::Filter bad_op{{Comparison{Entity::kMetric, "m", Comparator::kLike, 1.0}}};
  EXPECT_EQ(RunFilterSql(bad_op, p).status().code(), StatusCode::kInvalidArgument);
}

TEST(RunOrderSqlTest, DefaultAndTiebreak) {
  SqlParams p(SqliteDialect());
  SqlOrder order = *RunOrderSql({}, p);
  EXPECT_EQ(order.joins, "");
  EXPECT_EQ(order.order_by, "r.start_time DESC, r.run_uuid ASC");
  SqlOrder metric = *RunOrderSql({{Entity::kMetric, "loss", false}}, p);
  EXPECT_THAT(metric.joins, HasSubstr("LEFT JOIN latest_metrics o0"));
  EXPECT_THAT(metric.order_by, HasSubstr("o0.value DESC"));
  EXPECT_THAT(metric.order_by, HasSubstr("r.start_time DESC, r.run_uuid ASC"));
}

TEST(BuildRunSearchTest, FetchesOneExtraRow) {
  RunQuery q;
  q.experiment_ids = {"1", "abc", "2"};
  q.max_results = 4;
  q.offset = 8;
  StatusOr<SqlQuery> sql = BuildRunSearch(SqliteDialect(), q);
  ASSERT_TRUE(sql.ok());
  // Placeholders are numbered, so look the bound values up by the numbers in the text.
  auto bound_after = [&](const std::string& marker) -> SqlValue {
    size_t at = sql->sql.find(marker);
    EXPECT_NE(at, std::string::npos) << marker;
    size_t index = std::stoul(sql->sql.substr(at + marker.size()));
    return sql->params.at(index - 1);
  };
  EXPECT_EQ(std::get<int64_t>(bound_after("LIMIT ?")), 5);
  EXPECT_EQ(std::get<int64_t>(bound_after("OFFSET ?")), 8);
  EXPECT_EQ(std::get<int64_t>(bound_after("r.experiment_id IN (?")), 1);
  EXPECT_THAT(sql->sql, Not(HasSubstr("abc")));
  q.max_results = -1;
  EXPECT_EQ(BuildRunSearch(SqliteDialect(), q).status().code(), StatusCode::kInvalidArgument);
}

// Filtering and ordering by one metric walks latest_metrics in value order; ordering by a
// metric the filter does not compare keeps the general plan (runs without it sort last).
TEST(BuildRunSearchTest, FilteredMetricOrderDrivesFromLatestMetrics) {
  RunQuery q;
  q.experiment_ids = {"1"};
  q.filter = {{Comparison{Entity::kMetric, "loss", Comparator::kLt, 0.5}}};
  q.order_by = {{Entity::kMetric, "loss", false}, {Entity::kParam, "p", true}};
  StatusOr<SqlQuery> driven = BuildRunSearch(SqliteDialect(), q);
  ASSERT_TRUE(driven.ok()) << driven.status().ToString();
  EXPECT_THAT(driven->sql,
              HasSubstr("FROM latest_metrics dm CROSS JOIN runs r LEFT JOIN params o0"));
  EXPECT_THAT(driven->sql, HasSubstr("dm.experiment_id IN (?"));
  EXPECT_THAT(driven->sql, HasSubstr("ORDER BY dm.value DESC, CASE WHEN o0.value IS NULL"));
  StatusOr<SqlQuery> pg = BuildRunSearch(PostgresDialect(), q);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  EXPECT_THAT(pg->sql, HasSubstr("dm.is_nan = FALSE"));

  q.filter = {{Comparison{Entity::kMetric, "acc", Comparator::kLt, 0.5}}};
  StatusOr<SqlQuery> general = BuildRunSearch(SqliteDialect(), q);
  ASSERT_TRUE(general.ok()) << general.status().ToString();
  EXPECT_THAT(general->sql, HasSubstr("FROM runs r LEFT JOIN latest_metrics o0"));
  EXPECT_THAT(general->sql, Not(HasSubstr("dm.")));
}

TEST(BuildSearchTest, ExperimentsAndModelsBuild) {
  ExperimentQuery eq;
  eq.filter = {{Comparison{Entity::kTag, "k", Comparator::kEq, std::string("v")}}};
  StatusOr<SqlQuery> e = BuildExperimentSearch(PostgresDialect(), eq);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_THAT(e->sql, HasSubstr("experiment_tags"));
  EXPECT_THAT(e->sql, HasSubstr("e.creation_time DESC, e.experiment_id ASC"));
  LoggedModelQuery mq;
  mq.experiment_ids = {"3"};
  mq.order_by = {LoggedModelOrder{"metrics.acc", false, "ds", "d"}};
  StatusOr<SqlQuery> m = BuildLoggedModelSearch(SqliteDialect(), mq);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_THAT(m->sql, HasSubstr("logged_model_metrics"));
  mq.order_by = {LoggedModelOrder{"bogus", true, "", ""}};
  EXPECT_EQ(BuildLoggedModelSearch(SqliteDialect(), mq).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(NextPageTokenTest, OnlyWhenMoreRowsExist) {
  EXPECT_EQ(NextPageToken(4, 4, 0), "");
  EXPECT_EQ(NextPageToken(3, 4, 0), "");
  EXPECT_EQ(NextPageToken(1, 0, 0), "");
  std::string token = NextPageToken(5, 4, 8);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(*search::DecodePageToken(token), 12);
}

}  // namespace
}  // namespace inet::store::internal
