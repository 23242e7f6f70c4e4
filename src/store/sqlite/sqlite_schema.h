// The SQLite schema as an ordered list of migrations. Each step runs once, in its own
// transaction, and is recorded in schema_migrations; steps are append-only (never edit a
// released step, add a new one).
#pragma once

#include <span>
#include <string_view>

namespace inet::store::sqlite {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// All migrations in ascending version order.
std::span<const Migration> Migrations();

}  // namespace inet::store::sqlite
