// Unit tests of the libpq layer's pure parts: parameter encoding, password redaction and the
// SQLSTATE -> Status mapping. They need no server.
#include "store/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace inet::store::postgres {
namespace {

TEST(PgEncodingTest, DoublesRoundTripAndUsePostgresSpellings) {
  EXPECT_EQ(PgDouble(0.1), "0.1");
  EXPECT_EQ(PgDouble(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(PgDouble(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(PgDouble(std::nan("")), "NaN");
  EXPECT_EQ(PgDouble(HUGE_VAL), "Infinity");
  EXPECT_EQ(PgDouble(-HUGE_VAL), "-Infinity");
  EXPECT_EQ(PgInt(-9007199254740993), "-9007199254740993");
  EXPECT_EQ(PgBool(true), "t");
}

TEST(PgEncodingTest, ArrayLiteralsQuoteEveryElement) {
  EXPECT_EQ(PgArray(std::vector<std::string>{}), "{}");
  EXPECT_EQ(PgArray(std::vector<std::string>{"a", "b c"}), R"({"a","b c"})");
  // Quotes, backslashes, braces, commas and the word NULL stay literal text.
  EXPECT_EQ(PgArray(std::vector<std::string>{R"(x"y\z)", "{,}", "NULL"}),
            R"({"x\"y\\z","{,}","NULL"})");
  EXPECT_EQ(PgArray(std::vector<PgParam>{std::string("1"), std::nullopt}), R"({"1",NULL})");
}

TEST(PgConninfoTest, PasswordsAreRedacted) {
  EXPECT_EQ(RedactConninfo("postgresql://inet:s3cret@db:5432/inet?sslmode=require"),
            "postgresql://inet:***@db:5432/inet?sslmode=require");
  EXPECT_EQ(RedactConninfo("postgresql://inet@db/inet?password=s3cret&sslmode=require"),
            "postgresql://inet@db/inet?password=***&sslmode=require");
  EXPECT_EQ(RedactConninfo("host=db password=s3cret dbname=inet"),
            "host=db password=*** dbname=inet");
  EXPECT_EQ(RedactConninfo("postgresql://db/inet"), "postgresql://db/inet");
}

TEST(PgErrorsTest, SqlStatesMapToContractCodes) {
  EXPECT_EQ(SqlStateToStatusCode("23505", true), StatusCode::kAlreadyExists);
  EXPECT_EQ(SqlStateToStatusCode("23503", true), StatusCode::kNotFound);
  EXPECT_EQ(SqlStateToStatusCode("23502", true), StatusCode::kInvalidArgument);
  EXPECT_EQ(SqlStateToStatusCode("22021", true), StatusCode::kInvalidArgument);
  EXPECT_EQ(SqlStateToStatusCode("40001", true), StatusCode::kAborted);
  EXPECT_EQ(SqlStateToStatusCode("40P01", true), StatusCode::kAborted);
  EXPECT_EQ(SqlStateToStatusCode("08006", true), StatusCode::kUnavailable);
  EXPECT_EQ(SqlStateToStatusCode("57P01", true), StatusCode::kUnavailable);
  EXPECT_EQ(SqlStateToStatusCode("53300", true), StatusCode::kUnavailable);
  EXPECT_EQ(SqlStateToStatusCode("42P01", true), StatusCode::kInternal);
  // A broken connection is unavailability whatever the result says.
  EXPECT_EQ(SqlStateToStatusCode("", false), StatusCode::kUnavailable);
  EXPECT_EQ(SqlStateToStatusCode("23505", false), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace inet::store::postgres
