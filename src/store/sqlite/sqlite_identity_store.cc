// The SQLite adapter of IdentityStore (store/identity_store.h).
#include "store/sqlite/sqlite_identity_store.h"

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

constexpr char kUserColumns[] = "SELECT user_name, platform_admin, created_at FROM users ";
constexpr char kTeamColumns[] = "SELECT team, created_at FROM teams ";
constexpr char kMemberColumns[] = "SELECT team, user_name, role, created_at FROM team_members ";

User ReadUser(const Statement& q) { return User{q.Text(0), q.Int(1) != 0, q.Int(2)}; }

Team ReadTeam(const Statement& q) { return Team{q.Text(0), q.Int(1)}; }

StatusOr<Membership> ReadMembership(const Statement& q) {
  ASSIGN_OR_RETURN(TeamRole role, ParseTeamRole(q.TextView(2)));
  return Membership{q.Text(0), q.Text(1), role, q.Int(3)};
}

// Steps `q` to the end, appending each row read by `read`.
template <typename T, typename Read>
Status ReadAll(Statement& q, Read read, std::vector<T>& out) {
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return OkStatus();
    if constexpr (std::is_same_v<decltype(read(q)), T>) {
      out.push_back(read(q));
    } else {
      ASSIGN_OR_RETURN(T item, read(q));
      out.push_back(std::move(item));
    }
  }
}

class SqliteIdentityStore : public IdentityStore {
 public:
  explicit SqliteIdentityStore(Database& db) : db_(db) {}

  Status CreateUser(const User& user) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement ins,
                       db.Prepare("INSERT INTO users (user_name, platform_admin, created_at) "
                                  "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"));
      RETURN_IF_ERROR(ins.Bind(1, user.name)
                          .Bind(2, static_cast<int64_t>(user.platform_admin ? 1 : 0))
                          .Bind(3, user.created_at != 0 ? user.created_at : db_.Now())
                          .Run());
      if (db.Changes() == 0) return AlreadyExistsError("User '" + user.name + "' already exists");
      return OkStatus();
    });
  }

  StatusOr<User> GetUser(std::string_view name) override {
    std::optional<User> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kUserColumns) + "WHERE user_name = ?1"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, name).Step());
      if (!row) return NotFoundError("User '" + std::string(name) + "' not found");
      out = ReadUser(q);
      return OkStatus();
    }));
    return std::move(*out);
  }

  StatusOr<std::vector<User>> ListUsers() override {
    std::vector<User> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kUserColumns) + "ORDER BY user_name"));
      return ReadAll(q, ReadUser, out);
    }));
    return out;
  }

  Status SetPlatformAdmin(std::string_view name, bool platform_admin) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement upd,
                       db.Prepare("UPDATE users SET platform_admin = ?1 WHERE user_name = ?2"));
      RETURN_IF_ERROR(
          upd.Bind(1, static_cast<int64_t>(platform_admin ? 1 : 0)).Bind(2, name).Run());
      if (db.Changes() == 0) return NotFoundError("User '" + std::string(name) + "' not found");
      return OkStatus();
    });
  }

  Status CreateTeam(const Team& team) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT INTO teams (team, created_at) VALUES "
                                                 "(?1, ?2) ON CONFLICT DO NOTHING"));
      RETURN_IF_ERROR(
          ins.Bind(1, team.name).Bind(2, team.created_at != 0 ? team.created_at : db_.Now()).Run());
      if (db.Changes() == 0) return AlreadyExistsError("Team '" + team.name + "' already exists");
      return OkStatus();
    });
  }

  StatusOr<Team> GetTeam(std::string_view name) override {
    std::optional<Team> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kTeamColumns) + "WHERE team = ?1"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, name).Step());
      if (!row) return NotFoundError("Team '" + std::string(name) + "' not found");
      out = ReadTeam(q);
      return OkStatus();
    }));
    return std::move(*out);
  }

  StatusOr<std::vector<Team>> ListTeams() override {
    std::vector<Team> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kTeamColumns) + "ORDER BY team"));
      return ReadAll(q, ReadTeam, out);
    }));
    return out;
  }

  Status PutMembership(const Membership& m) override {
    return db_.Write([&](Connection& db) -> Status {
      RETURN_IF_ERROR(MustExist(db, "SELECT 1 FROM teams WHERE team = ?1", m.team, "Team"));
      RETURN_IF_ERROR(MustExist(db, "SELECT 1 FROM users WHERE user_name = ?1", m.user, "User"));
      ASSIGN_OR_RETURN(
          Statement ins,
          db.Prepare("INSERT INTO team_members (team, user_name, role, created_at) VALUES (?1, "
                     "?2, ?3, ?4) ON CONFLICT (team, user_name) DO UPDATE SET role = "
                     "excluded.role"));
      return ins.Bind(1, m.team)
          .Bind(2, m.user)
          .Bind(3, TeamRoleName(m.role))
          .Bind(4, m.created_at != 0 ? m.created_at : db_.Now())
          .Run();
    });
  }

  Status RemoveMembership(std::string_view team, std::string_view user) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM team_members WHERE team = ?1 AND "
                                                 "user_name = ?2"));
      RETURN_IF_ERROR(del.Bind(1, team).Bind(2, user).Run());
      if (db.Changes() == 0) {
        return NotFoundError("User '" + std::string(user) + "' is not a member of team '" +
                             std::string(team) + "'");
      }
      return OkStatus();
    });
  }

  StatusOr<std::vector<Membership>> ListTeamMembers(std::string_view team) override {
    return ListMemberships("WHERE team = ?1 ORDER BY user_name", team);
  }

  StatusOr<std::vector<Membership>> ListUserTeams(std::string_view user) override {
    return ListMemberships("WHERE user_name = ?1 ORDER BY team", user);
  }

 private:
  static Status MustExist(Connection& db, const char* sql, std::string_view name,
                          std::string_view what) {
    ASSIGN_OR_RETURN(Statement q, db.Prepare(sql));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, name).Step());
    if (!row) return NotFoundError(std::string(what) + " '" + std::string(name) + "' not found");
    return OkStatus();
  }

  StatusOr<std::vector<Membership>> ListMemberships(const char* where, std::string_view key) {
    std::vector<Membership> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kMemberColumns) + where));
      q.Bind(1, key);
      return ReadAll(q, ReadMembership, out);
    }));
    return out;
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<IdentityStore> NewSqliteIdentityStore(Database& db) {
  return std::make_unique<SqliteIdentityStore>(db);
}

}  // namespace inet::store::sqlite
