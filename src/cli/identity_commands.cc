// `inet platform user | team | token | costs`: CLI11 wiring, one API call each (two for `team
// create --monthly-budget`), and the text they print.
#include "cli/identity_commands.h"

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/cost_format.h"
#include "client/api_client.h"
#include "common/format.h"
#include "jobs/pricing.h"

namespace inet::cli {
namespace {

namespace json = boost::json;
using client::ApiClient;

struct IdentityState {
  CommandContext* context = nullptr;
  std::shared_ptr<const client::ClientFlags> flags;
  bool json_output = false;
  std::string name;  // user or team
  std::string user;  // member, or whose tokens
  std::string team;  // a token's team
  std::string role = "member";
  std::string token_id;
  bool platform_admin = false;
  int expires_days = 0;
  std::string monthly_budget;  // --monthly-budget USD ("none" removes it with `team set`)
  bool allow_overrun = false;
  std::string month;  // costs --month YYYY-MM
};

// The budget body for --monthly-budget (and --allow-overrun), validated before anything is
// sent: kInvalidArgument with the fix for a bad amount.
StatusOr<json::object> BudgetBody(const IdentityState& st, bool allow_none) {
  if (allow_none && st.monthly_budget == "none") {
    return json::object{{"monthly_budget_usd", nullptr}, {"allow_overrun", false}};
  }
  StatusOr<double> usd = jobs::ParseUsd(st.monthly_budget, "--monthly-budget");
  if (!usd.ok()) {
    return InvalidArgumentError(usd.status().message() +
                                (allow_none ? " (or none to remove the budget)" : ""));
  }
  return json::object{{"monthly_budget_usd", *usd}, {"allow_overrun", st.allow_overrun}};
}

std::string Str(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  const json::value* field = o != nullptr ? o->if_contains(key) : nullptr;
  return field != nullptr && field->is_string() ? std::string(field->get_string()) : "";
}

// A time field (ms since epoch) as "2026-12-02 23:55 UTC"; "-" when absent.
std::string When(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  const json::value* field = o != nullptr ? o->if_contains(key) : nullptr;
  return field != nullptr && field->is_int64() ? FormatUtcMinute(field->get_int64()) : "-";
}

const json::array& Items(const json::value& answer, std::string_view key) {
  static const json::array kEmpty;
  const json::object* o = answer.if_object();
  const json::value* items = o != nullptr ? o->if_contains(key) : nullptr;
  return items != nullptr && items->is_array() ? items->get_array() : kEmpty;
}

// Left-aligned columns, two spaces apart.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

using Call = std::function<StatusOr<json::value>(ApiClient&)>;
using Print = std::function<std::string(const json::value&)>;

// Makes the call and prints its answer (raw with --json).
int Run(IdentityState& state, const Call& call, const Print& print) {
  CommandContext& context = *state.context;
  StatusOr<client::ClientConfig> config = client::ResolveClientConfig(*state.flags, context.env);
  if (!config.ok()) {
    *context.err << "inet: " << config.status().message() << "\n";
    return kExitError;
  }
  client::ApiClientOptions options;
  options.interrupt = context.interrupt;
  ApiClient client(config->url, config->token, options);
  StatusOr<json::value> answer = call(client);
  if (!answer.ok()) {
    *context.err << "inet: " << answer.status().message() << "\n";
    return kExitError;
  }
  if (state.json_output) {
    *context.out << json::serialize(*answer) << "\n";
  } else {
    *context.out << print(*answer);
  }
  return kExitOk;
}

std::string Path(std::string_view prefix, const std::string& name) {
  return std::string(prefix) + client::UrlEncode(name);
}

template <typename Body>
CLI::App* Command(CLI::App* parent, const std::shared_ptr<IdentityState>& state,
                  const std::string& name, const std::string& help, Body body) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  cmd->add_flag("--json", state->json_output, "Print the API's JSON answer instead of text");
  cmd->callback([state, body] { state->context->exit_code = body(*state); });
  return cmd;
}

void AddUserCommands(CLI::App* platform, const std::shared_ptr<IdentityState>& shared) {
  IdentityState& s = *shared;
  CLI::App* user = platform->add_subcommand("user", "Create and list users (platform admins)");
  user->require_subcommand(1);
  user->footer("Examples:\n  inet platform user create alice\n  inet platform user list");
  CLI::App* create = Command(user, shared, "create", "Create a user", [](IdentityState& st) {
    return Run(
        st,
        [&](ApiClient& c) {
          return c.PostJson("/api/v1/users",
                            json::object{{"name", st.name}, {"platform_admin", st.platform_admin}});
        },
        [](const json::value& a) {
          const json::value& u = a.at("user");
          return "Created user " + Str(u, "name") +
                 (u.at("platform_admin").as_bool() ? " (platform admin)" : "") +
                 "\nNext: add them to a team with `inet platform team add-member TEAM " +
                 Str(u, "name") + "`, then `inet platform token create --user " + Str(u, "name") +
                 "`\n";
        });
  });
  create->add_option("name", s.name, "User name (letters, digits, . _ - @)")->required();
  create->add_flag("--platform-admin", s.platform_admin, "Sees and acts in every team");
  create->footer("Example:\n  inet platform user create alice");

  Command(user, shared, "list", "List users", [](IdentityState& st) {
    return Run(
        st, [](ApiClient& c) { return c.GetJson("/api/v1/users"); },
        [](const json::value& a) {
          std::vector<std::vector<std::string>> rows{{"NAME", "PLATFORM ADMIN", "CREATED"}};
          for (const json::value& u : Items(a, "users")) {
            rows.push_back({Str(u, "name"), u.at("platform_admin").as_bool() ? "yes" : "no",
                            When(u, "created_at")});
          }
          return Table(rows);
        });
  });
}

void AddTeamCommands(CLI::App* platform, const std::shared_ptr<IdentityState>& shared) {
  IdentityState& s = *shared;
  CLI::App* team =
      platform->add_subcommand("team", "Create teams, list them and manage their members");
  team->require_subcommand(1);
  team->footer(
      "Examples:\n  inet platform team create nlp-team\n"
      "  inet platform team add-member nlp-team alice --role team-admin\n"
      "  inet platform team show nlp-team");
  CLI::App* create =
      Command(team, shared, "create", "Create a team (platform admins)", [](IdentityState& st) {
        // Every flag is checked before the team is created.
        std::optional<json::object> budget;
        if (!st.monthly_budget.empty()) {
          StatusOr<json::object> body = BudgetBody(st, /*allow_none=*/false);
          if (!body.ok()) {
            *st.context->err << "inet: " << body.status().message() << "\n";
            return kExitError;
          }
          budget = *body;
        } else if (st.allow_overrun) {
          *st.context->err << "inet: --allow-overrun needs --monthly-budget USD\n";
          return kExitError;
        }
        return Run(
            st,
            [&](ApiClient& c) -> StatusOr<json::value> {
              ASSIGN_OR_RETURN(json::value created,
                               c.PostJson("/api/v1/teams", json::object{{"name", st.name}}));
              if (budget) {
                StatusOr<json::value> set =
                    c.PutJson(Path("/api/v1/teams/", st.name) + "/budget", *budget);
                if (!set.ok()) {
                  return Status(set.status().code(),
                                "created team " + st.name +
                                    " but setting its budget failed: " + set.status().message() +
                                    "; retry with `inet platform team "
                                    "set " +
                                    st.name + " --monthly-budget USD`");
                }
                created.as_object()["budget"] = set->at("budget");
              }
              return created;
            },
            [](const json::value& a) {
              const std::string name = Str(a.at("team"), "name");
              std::string out = "Created team " + name + "\n";
              if (const json::value* b = a.as_object().if_contains("budget")) {
                out += FormatBudget(*b);
              }
              return out + "Next: `inet platform team add-member " + name +
                     " USER [--role team-admin]`\n";
            });
      });
  create->add_option("name", s.name, "Team name: a DNS-1123 label, e.g. nlp-team")->required();
  create->add_option("--monthly-budget", s.monthly_budget,
                     "Monthly budget in USD: submissions whose worst case exceeds what is left "
                     "are refused, warnings at 50/80/100% (docs/costs.md)");
  create->add_flag("--allow-overrun", s.allow_overrun,
                   "Accept submissions past the budget (warnings still fire)");
  create->footer(
      "Examples:\n  inet platform team create nlp-team\n"
      "  inet platform team create nlp-team --monthly-budget 500");

  CLI::App* set = Command(
      team, shared, "set", "Change a team's budget (platform admins)", [](IdentityState& st) {
        if (st.monthly_budget.empty()) {
          *st.context->err << "inet: nothing to set; pass --monthly-budget USD (or none)\n";
          return kExitError;
        }
        StatusOr<json::object> body = BudgetBody(st, /*allow_none=*/true);
        if (!body.ok()) {
          *st.context->err << "inet: " << body.status().message() << "\n";
          return kExitError;
        }
        return Run(
            st,
            [&](ApiClient& c) {
              return c.PutJson(Path("/api/v1/teams/", st.name) + "/budget", *body);
            },
            [](const json::value& a) { return FormatBudget(a); });
      });
  set->add_option("name", s.name, "Team name")->required();
  set->add_option("--monthly-budget", s.monthly_budget,
                  "Monthly budget in USD, or none to remove it");
  set->add_flag("--allow-overrun", s.allow_overrun,
                "Accept submissions past the budget (warnings still fire); left out: refuse them");
  set->footer("Example:\n  inet platform team set nlp-team --monthly-budget 750 --allow-overrun");

  Command(team, shared, "list", "List your teams (every team for platform admins)",
          [](IdentityState& st) {
            return Run(
                st, [](ApiClient& c) { return c.GetJson("/api/v1/teams"); },
                [](const json::value& a) {
                  std::vector<std::vector<std::string>> rows{{"NAME", "CREATED"}};
                  for (const json::value& t : Items(a, "teams")) {
                    rows.push_back({Str(t, "name"), When(t, "created_at")});
                  }
                  return Table(rows);
                });
          });

  CLI::App* show =
      Command(team, shared, "show", "Show a team and its members", [](IdentityState& st) {
        return Run(
            st, [&](ApiClient& c) { return c.GetJson(Path("/api/v1/teams/", st.name)); },
            [](const json::value& a) {
              const json::value& t = a.at("team");
              std::vector<std::vector<std::string>> rows{{"MEMBER", "ROLE", "SINCE"}};
              for (const json::value& m : Items(t, "members")) {
                rows.push_back({Str(m, "user"), Str(m, "role"), When(m, "created_at")});
              }
              return "Team " + Str(t, "name") + " (created " + When(t, "created_at") + ")\n" +
                     Table(rows);
            });
      });
  show->add_option("name", s.name, "Team name")->required();

  CLI::App* add =
      Command(team, shared, "add-member",
              "Add a user to a team, or change their role (team admins)", [](IdentityState& st) {
                return Run(
                    st,
                    [&](ApiClient& c) {
                      return c.PostJson(Path("/api/v1/teams/", st.name) + "/members",
                                        json::object{{"user", st.user}, {"role", st.role}});
                    },
                    [](const json::value& a) {
                      const json::value& m = a.at("member");
                      return Str(m, "user") + " is now a " + Str(m, "role") + " of team " +
                             Str(m, "team") + "\n";
                    });
              });
  add->add_option("name", s.name, "Team name")->required();
  add->add_option("user", s.user, "User name")->required();
  add->add_option("--role", s.role, "member or team-admin (manages the team's members)")
      ->capture_default_str()
      ->check(CLI::IsMember({"member", "team-admin"}));
  add->footer("Example:\n  inet platform team add-member nlp-team alice --role team-admin");

  CLI::App* remove = Command(team, shared, "remove-member",
                             "Remove a user from a team (team admins)", [](IdentityState& st) {
                               return Run(
                                   st,
                                   [&](ApiClient& c) {
                                     return c.DeleteJson(Path("/api/v1/teams/", st.name) +
                                                         "/members/" + client::UrlEncode(st.user));
                                   },
                                   [&st](const json::value&) {
                                     return "Removed " + st.user + " from team " + st.name + "\n";
                                   });
                             });
  remove->add_option("name", s.name, "Team name")->required();
  remove->add_option("user", s.user, "User name")->required();
}

void AddTokenCommands(CLI::App* platform, const std::shared_ptr<IdentityState>& shared) {
  IdentityState& s = *shared;
  CLI::App* token = platform->add_subcommand("token", "Create, list and revoke API tokens");
  token->require_subcommand(1);
  token->footer(
      "Examples:\n  inet platform token create --team nlp-team --expires-days 90\n"
      "  inet platform token list\n  inet platform token revoke tok-1a2b3c4d");
  CLI::App* create = Command(
      token, shared, "create",
      "Create an API token (shown once: the last line of the output, or `token` with --json)",
      [](IdentityState& st) {
        return Run(
            st,
            [&](ApiClient& c) {
              json::object body;
              if (!st.user.empty()) body["user"] = st.user;
              if (!st.team.empty()) body["team"] = st.team;
              if (st.expires_days > 0) body["expires_days"] = st.expires_days;
              return c.PostJson("/api/v1/tokens", body);
            },
            [](const json::value& a) {
              const json::value& info = a.at("token_info");
              std::string line =
                  "Created token " + Str(info, "token_id") + " for " + Str(info, "user");
              if (!Str(info, "team").empty()) line += " in team " + Str(info, "team");
              line += When(info, "expires_at") == "-" ? ", no expiry"
                                                      : ", expires " + When(info, "expires_at");
              return line +
                     "\nStore it now: it is not shown again. Use it as INET_TOKEN or "
                     "MLFLOW_TRACKING_TOKEN.\n" +
                     Str(a, "token") + "\n";
            });
      });
  create->add_option("--user", s.user, "For this user (platform admins; default: you)");
  create->add_option("--team", s.team,
                     "The team its requests act in when they name none (one the user is in)");
  create
      ->add_option("--expires-days", s.expires_days, "Expire after this many days (default: never)")
      ->check(CLI::Range(1, 3650));
  create->footer("Example:\n  inet platform token create --team nlp-team --expires-days 90");

  CLI::App* list = Command(
      token, shared, "list", "List your tokens (never their secrets)", [](IdentityState& st) {
        return Run(
            st,
            [&](ApiClient& c) {
              std::string target = "/api/v1/tokens";
              if (!st.user.empty()) {
                target += "?user=" + client::UrlEncode(st.user);
              }
              return c.GetJson(target);
            },
            [](const json::value& a) {
              std::vector<std::vector<std::string>> rows{
                  {"ID", "USER", "TEAM", "CREATED", "EXPIRES", "STATUS"}};
              for (const json::value& t : Items(a, "tokens")) {
                const bool revoked = t.as_object().contains("revoked_at");
                std::string team = Str(t, "team");
                rows.push_back({Str(t, "token_id"), Str(t, "user"), team.empty() ? "-" : team,
                                When(t, "created_at"), When(t, "expires_at"),
                                revoked ? "revoked" : "active"});
              }
              return Table(rows);
            });
      });
  list->add_option("--user", s.user, "This user's tokens (platform admins)");

  CLI::App* revoke = Command(
      token, shared, "revoke", "Revoke a token: refused from the next request on",
      [](IdentityState& st) {
        return Run(
            st, [&](ApiClient& c) { return c.DeleteJson(Path("/api/v1/tokens/", st.token_id)); },
            [&st](const json::value&) { return "Revoked token " + st.token_id + "\n"; });
      });
  revoke->add_option("id", s.token_id, "Token id, as `inet platform token list` shows")->required();
}

}  // namespace

void AddCostCommands(CLI::App* platform, const std::shared_ptr<IdentityState>& shared) {
  IdentityState& s = *shared;
  CLI::App* costs =
      Command(platform, shared, "costs",
              "What teams' jobs cost this month against their budgets (your team; every team for "
              "platform admins)",
              [](IdentityState& st) {
                if (!st.month.empty()) {
                  if (Status valid = jobs::MonthStartMillis(st.month).status(); !valid.ok()) {
                    *st.context->err << "inet: --month: " << valid.message() << "\n";
                    return kExitError;
                  }
                }
                std::string target = "/api/v1/costs";
                std::string sep = "?";
                if (!st.team.empty()) {
                  target += sep + "team=" + client::UrlEncode(st.team);
                  sep = "&";
                }
                if (!st.month.empty()) {
                  target += sep + "month=" + client::UrlEncode(st.month);
                }
                return Run(
                    st, [&](ApiClient& c) { return c.GetJson(target); },
                    [](const json::value& a) { return FormatCostReport(a); });
              });
  costs->add_option("--team", s.team, "This team (default: yours; every team for admins)");
  costs->add_option("--month", s.month, "YYYY-MM, UTC (default: this month)");
  costs->footer(
      "Examples:\n  inet platform costs\n  inet platform costs --team nlp-team --month 2026-11");
}

void AddIdentityCommands(CLI::App* platform, CommandContext& context,
                         std::shared_ptr<const client::ClientFlags> flags) {
  auto shared = std::make_shared<IdentityState>();
  shared->context = &context;
  shared->flags = std::move(flags);
  AddUserCommands(platform, shared);
  AddTeamCommands(platform, shared);
  AddCostCommands(platform, shared);
  AddTokenCommands(platform, shared);
}

}  // namespace inet::cli
