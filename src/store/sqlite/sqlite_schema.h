// The SQLite schema as an ordered list of migrations. Each step runs once, in its own
// transaction, and is recorded in schema_migrations; steps are append-only (never edit a
// released step, add a new one). A step whose data SQL cannot compute (quantities such as
// "16Gi") also has a C++ backfill, run right after its SQL in the same transaction.
#pragma once

#include <span>
#include <string_view>

#include "common/status.h"

namespace inet::store::sqlite {

class Connection;

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
  Status (*backfill)(Connection& tx) = nullptr;  // nullptr: the SQL is the whole step
};

// All migrations in ascending version order.
std::span<const Migration> Migrations();

}  // namespace inet::store::sqlite
