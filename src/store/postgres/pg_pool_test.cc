// Tests of the connection pool: bounds, hand-back, and connect failures. The cases that need
// a server skip unless INET_TEST_POSTGRES_URI is set (scripts/postgres-test-server.sh).
#include "store/postgres/pg_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

namespace inet::store::postgres {
namespace {

using std::chrono::milliseconds;

std::string ServerUri() {
  const char* uri = std::getenv("INET_TEST_POSTGRES_URI");
  return uri != nullptr ? uri : "";
}

TEST(PgPoolTest, FailedConnectsDoNotUseUpTheBound) {
  PgPool pool("postgresql://inet:inet@127.0.0.1:1/inet?connect_timeout=5", 1, milliseconds(50));
  for (int i = 0; i < 3; ++i) {
    StatusOr<PgPool::Lease> lease = pool.Acquire();
    ASSERT_FALSE(lease.ok());
    // Each try reports the connection failure, not an exhausted pool.
    EXPECT_EQ(lease.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(lease.status().message().find("cannot connect"), std::string::npos)
        << lease.status().message();
  }
}

TEST(PgPoolTest, WaitsForAFreeConnectionUpToTheBound) {
  if (ServerUri().empty()) GTEST_SKIP() << "INET_TEST_POSTGRES_URI is not set";
  PgPool pool(ServerUri(), 2, milliseconds(100));
  std::optional<PgPool::Lease> first, second;
  {
    StatusOr<PgPool::Lease> a = pool.Acquire();
    StatusOr<PgPool::Lease> b = pool.Acquire();
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    first.emplace(std::move(a).value());
    second.emplace(std::move(b).value());
  }
  StatusOr<PgPool::Lease> third = pool.Acquire();
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(third.status().message().find("stayed busy"), std::string::npos)
      << third.status().message();

  first.reset();  // hands the connection back
  StatusOr<PgPool::Lease> again = pool.Acquire();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Exec("SELECT 1").ok());
}

TEST(PgPoolTest, ConnectionLeftInATransactionIsNotReused) {
  if (ServerUri().empty()) GTEST_SKIP() << "INET_TEST_POSTGRES_URI is not set";
  PgPool pool(ServerUri(), 1, milliseconds(1000));
  std::string first_pid;
  {
    StatusOr<PgPool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    StatusOr<PgResult> pid = (*lease)->Exec("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid.ok());
    first_pid = pid->GetString(0, 0);
    ASSERT_TRUE((*lease)->ExecScript("BEGIN").ok());
  }
  StatusOr<PgPool::Lease> lease = pool.Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  StatusOr<PgResult> pid = (*lease)->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  EXPECT_NE(pid->GetString(0, 0), first_pid);
}

}  // namespace
}  // namespace inet::store::postgres
