// The PostgreSQL adapter of IdentityStore (store/identity_store.h).
#include "store/postgres/postgres_identity_store.h"

#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {
namespace {

constexpr std::string_view kUserColumns =
    "SELECT user_name, platform_admin, created_at FROM users ";
constexpr std::string_view kTeamColumns = "SELECT team, created_at FROM teams ";
constexpr std::string_view kMemberColumns =
    "SELECT team, user_name, role, created_at FROM team_members ";

std::vector<User> UsersOf(const PgResult& res) {
  std::vector<User> out;
  for (int i = 0; i < res.rows(); ++i) {
    out.push_back(User{res.GetString(i, 0), res.GetBool(i, 1), res.GetInt64(i, 2)});
  }
  return out;
}

std::vector<Team> TeamsOf(const PgResult& res) {
  std::vector<Team> out;
  for (int i = 0; i < res.rows(); ++i) out.push_back(Team{res.GetString(i, 0), res.GetInt64(i, 1)});
  return out;
}

StatusOr<std::vector<Membership>> MembershipsOf(const PgResult& res) {
  std::vector<Membership> out;
  for (int i = 0; i < res.rows(); ++i) {
    ASSIGN_OR_RETURN(TeamRole role, ParseTeamRole(res.GetString(i, 2)));
    out.push_back(Membership{res.GetString(i, 0), res.GetString(i, 1), role, res.GetInt64(i, 3)});
  }
  return out;
}

class PostgresIdentityStore : public IdentityStore {
 public:
  explicit PostgresIdentityStore(Database& db) : db_(db) {}

  Status CreateUser(const User& user) override {
    return db_.Write("creating user", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec("INSERT INTO users (user_name, platform_admin, created_at) VALUES "
                              "($1::text, $2::boolean, $3::bigint) ON CONFLICT DO NOTHING",
                              {user.name, PgBool(user.platform_admin),
                               PgInt(user.created_at != 0 ? user.created_at : db_.Now())}));
      if (res.affected_rows() == 0) {
        return AlreadyExistsError(Cat({"User '", user.name, "' already exists"}));
      }
      return OkStatus();
    });
  }

  StatusOr<User> GetUser(std::string_view name) override {
    std::vector<User> users;
    RETURN_IF_ERROR(db_.Read("getting user", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(Cat({kUserColumns, "WHERE user_name = $1::text"}),
                                            {std::string(name)}));
      users = UsersOf(res);
      return OkStatus();
    }));
    if (users.empty()) return NotFoundError(Cat({"User '", name, "' not found"}));
    return std::move(users[0]);
  }

  StatusOr<std::vector<User>> ListUsers() override {
    std::vector<User> users;
    RETURN_IF_ERROR(db_.Read("listing users", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(Cat({kUserColumns, "ORDER BY user_name"})));
      users = UsersOf(res);
      return OkStatus();
    }));
    return users;
  }

  Status SetPlatformAdmin(std::string_view name, bool platform_admin) override {
    return db_.Write("updating user", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec("UPDATE users SET platform_admin = $2::boolean WHERE user_name = "
                              "$1::text",
                              {std::string(name), PgBool(platform_admin)}));
      if (res.affected_rows() == 0) return NotFoundError(Cat({"User '", name, "' not found"}));
      return OkStatus();
    });
  }

  Status CreateTeam(const Team& team) override {
    return db_.Write("creating team", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec("INSERT INTO teams (team, created_at) VALUES ($1::text, $2::bigint) "
                 "ON CONFLICT DO NOTHING",
                 {team.name, PgInt(team.created_at != 0 ? team.created_at : db_.Now())}));
      if (res.affected_rows() == 0) {
        return AlreadyExistsError(Cat({"Team '", team.name, "' already exists"}));
      }
      return OkStatus();
    });
  }

  StatusOr<Team> GetTeam(std::string_view name) override {
    std::vector<Team> teams;
    RETURN_IF_ERROR(db_.Read("getting team", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec(Cat({kTeamColumns, "WHERE team = $1::text"}), {std::string(name)}));
      teams = TeamsOf(res);
      return OkStatus();
    }));
    if (teams.empty()) return NotFoundError(Cat({"Team '", name, "' not found"}));
    return std::move(teams[0]);
  }

  StatusOr<std::vector<Team>> ListTeams() override {
    std::vector<Team> teams;
    RETURN_IF_ERROR(db_.Read("listing teams", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(Cat({kTeamColumns, "ORDER BY team"})));
      teams = TeamsOf(res);
      return OkStatus();
    }));
    return teams;
  }

  Status PutMembership(const Membership& m) override {
    return db_.Write("adding a team member", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult team,
                       c.Exec("SELECT 1 FROM teams WHERE team = $1::text FOR SHARE", {m.team}));
      if (team.rows() == 0) return NotFoundError(Cat({"Team '", m.team, "' not found"}));
      ASSIGN_OR_RETURN(PgResult user, c.Exec("SELECT 1 FROM users WHERE user_name = $1::text "
                                             "FOR SHARE",
                                             {m.user}));
      if (user.rows() == 0) return NotFoundError(Cat({"User '", m.user, "' not found"}));
      return c
          .Exec(
              "INSERT INTO team_members (team, user_name, role, created_at) VALUES "
              "($1::text, $2::text, $3::text, $4::bigint) ON CONFLICT (team, user_name) "
              "DO UPDATE SET role = excluded.role",
              {m.team, m.user, std::string(TeamRoleName(m.role)),
               PgInt(m.created_at != 0 ? m.created_at : db_.Now())})
          .status();
    });
  }

  Status RemoveMembership(std::string_view team, std::string_view user) override {
    return db_.Write("removing a team member", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec("DELETE FROM team_members WHERE team = $1::text AND user_name = "
                              "$2::text",
                              {std::string(team), std::string(user)}));
      if (res.affected_rows() == 0) {
        return NotFoundError(Cat({"User '", user, "' is not a member of team '", team, "'"}));
      }
      return OkStatus();
    });
  }

  StatusOr<std::vector<Membership>> ListTeamMembers(std::string_view team) override {
    return ListMemberships("WHERE team = $1::text ORDER BY user_name", team);
  }

  StatusOr<std::vector<Membership>> ListUserTeams(std::string_view user) override {
    return ListMemberships("WHERE user_name = $1::text ORDER BY team", user);
  }

 private:
  StatusOr<std::vector<Membership>> ListMemberships(std::string_view where, std::string_view key) {
    std::vector<Membership> out;
    RETURN_IF_ERROR(db_.Read("listing team members", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(Cat({kMemberColumns, where}), {std::string(key)}));
      ASSIGN_OR_RETURN(out, MembershipsOf(res));
      return OkStatus();
    }));
    return out;
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<IdentityStore> NewPostgresIdentityStore(Database& db) {
  return std::make_unique<PostgresIdentityStore>(db);
}

}  // namespace inet::store::postgres
