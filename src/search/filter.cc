// Filter and order_by parsing for runs, experiments and logged models.
//
// Two phases, as in MLflow: first the whole string is checked against the grammar
// (clause (AND clause)*), so a stray OR is reported before any unknown key; then each clause
// is resolved against the search target's rules in MLflow's order: entity, key, value type,
// comparator.
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "search/internal/lexer.h"
#include "search/search.h"

namespace inet::search {
namespace {

using internal::KeywordEquals;
using internal::QuotedContent;
using internal::Token;
using internal::TokenKind;

// ---- Rules per search target ---------------------------------------------------------------

struct EntityName {
  std::string_view word;
  Entity entity;
};

constexpr EntityName kRunEntities[] = {
    {"metric", Entity::kMetric},
    {"metrics", Entity::kMetric},
    {"parameter", Entity::kParam},
    {"parameters", Entity::kParam},
    {"param", Entity::kParam},
    {"params", Entity::kParam},
    {"tag", Entity::kTag},
    {"tags", Entity::kTag},
    {"attribute", Entity::kAttribute},
    {"attributes", Entity::kAttribute},
    {"attr", Entity::kAttribute},
    {"run", Entity::kAttribute},
    {"dataset", Entity::kDataset},
    {"datasets", Entity::kDataset},
};
constexpr EntityName kExperimentEntities[] = {
    {"attribute", Entity::kAttribute},
    {"attributes", Entity::kAttribute},
    {"attr", Entity::kAttribute},
    {"tag", Entity::kTag},
    {"tags", Entity::kTag},
};
constexpr EntityName kLoggedModelEntities[] = {
    {"metric", Entity::kMetric},
    {"metrics", Entity::kMetric},
    {"parameter", Entity::kParam},
    {"parameters", Entity::kParam},
    {"param", Entity::kParam},
    {"params", Entity::kParam},
    {"tag", Entity::kTag},
    {"tags", Entity::kTag},
    {"attribute", Entity::kAttribute},
    {"attributes", Entity::kAttribute},
    {"attr", Entity::kAttribute},
};

struct Attribute {
  std::string_view name;       // as written in a filter
  std::string_view canonical;  // as handed to adapters
  bool numeric = false;
  bool list = false;  // supports IN / NOT IN
};

constexpr Attribute kRunAttributes[] = {
    {"run_id", "run_id", false, true},
    {"run_name", "run_name"},
    {"run name", "run_name"},
    {"Run name", "run_name"},
    {"Run Name", "run_name"},
    {"status", "status"},
    {"user_id", "user_id"},
    {"artifact_uri", "artifact_uri"},
    {"lifecycle_stage", "lifecycle_stage"},
    {"start_time", "start_time", true},
    {"end_time", "end_time", true},
    {"created", "start_time", true},
    {"Created", "start_time", true},
};
constexpr Attribute kRunOrderAttributes[] = {
    {"run_id", "run_id"},
    {"run_name", "run_name"},
    {"user_id", "user_id"},
    {"status", "status"},
    {"start_time", "start_time"},
    {"end_time", "end_time"},
    {"artifact_uri", "artifact_uri"},
    {"created", "start_time"},
    {"Created", "start_time"},
};
constexpr Attribute kExperimentAttributes[] = {
    {"name", "name"},
    {"creation_time", "creation_time", true},
    {"last_update_time", "last_update_time", true},
};
constexpr Attribute kExperimentOrderAttributes[] = {
    {"name", "name"},
    {"experiment_id", "experiment_id"},
    {"creation_time", "creation_time"},
    {"last_update_time", "last_update_time"},
};
constexpr Attribute kLoggedModelAttributes[] = {
    {"name", "name", false, true},
    {"model_id", "model_id", false, true},
    {"model_type", "model_type", false, true},
    {"status", "status", false, true},
    {"source_run_id", "source_run_id", false, true},
    {"creation_timestamp", "creation_timestamp", true},
    {"creation_time", "creation_timestamp", true},
    {"last_updated_timestamp", "last_updated_timestamp", true},
    {"last_updated_time", "last_updated_timestamp", true},
};

constexpr std::string_view kDatasetKeys[] = {"name", "digest", "context"};

// Comparator sets, in the order their error messages list them.
constexpr Comparator kNumericOps[] = {Comparator::kEq, Comparator::kNe, Comparator::kGt,
                                      Comparator::kGe, Comparator::kLt, Comparator::kLe};
constexpr Comparator kKeyValueOps[] = {Comparator::kEq, Comparator::kNe, Comparator::kLike,
                                       Comparator::kILike};
constexpr Comparator kStringOps[] = {Comparator::kEq,    Comparator::kNe, Comparator::kLike,
                                     Comparator::kILike, Comparator::kIn, Comparator::kNotIn};

struct Target {
  std::span<const EntityName> entities;
  std::string_view valid_entities;  // tail of the invalid-entity message
  std::span<const Attribute> filter_attributes;
  std::span<const Attribute> order_attributes;
  std::string_view list_error;  // for a list compared with an attribute that takes none
};

constexpr Target kRuns{kRunEntities,
                       "Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
                       kRunAttributes, kRunOrderAttributes,
                       "Only ['run_id'] attributes support comparison with a list of quoted "
                       "string values."};
constexpr Target kExperiments{kExperimentEntities,
                              "Valid entity types are ('attribute', 'tag', 'tags')",
                              kExperimentAttributes, kExperimentOrderAttributes,
                              "No experiment attribute supports comparison with a list of "
                              "quoted string values."};
constexpr Target kLoggedModels{kLoggedModelEntities,
                               "Valid values are ['metric', 'parameter', 'tag', 'attribute']",
                               kLoggedModelAttributes, kLoggedModelAttributes,
                               "Only ['name', 'model_id', 'model_type', 'status', "
                               "'source_run_id'] attributes support comparison with a list of "
                               "quoted string values."};

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// "{'a', 'b'}": how MLflow prints its sets of valid keys and comparators.
template <typename T, typename F>
std::string SetText(std::span<const T> items, F&& name) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += Quote(name(items[i]));
  }
  return out + "}";
}

std::string OpsText(std::span<const Comparator> ops) {
  return SetText(ops, [](Comparator c) { return ComparatorSql(c); });
}

std::optional<Comparator> ComparatorFromText(std::string_view op) {
  constexpr Comparator kAll[] = {
      Comparator::kEq, Comparator::kNe,   Comparator::kGt,    Comparator::kGe, Comparator::kLt,
      Comparator::kLe, Comparator::kLike, Comparator::kILike, Comparator::kIn, Comparator::kNotIn};
  for (Comparator c : kAll) {
    if (ComparatorSql(c) == op) {
      return c;
    }
  }
  return std::nullopt;
}

// ---- Syntax --------------------------------------------------------------------------------

struct Identifier {
  std::string_view text;            // the whole identifier as written
  std::vector<const Token*> parts;  // name parts, dots left out
};

enum class ValueKind { kString, kBackQuoted, kNumber, kWord, kList, kOther };

struct RawValue {
  ValueKind kind = ValueKind::kOther;
  std::string_view text;            // as written; a list from '(' to ')'
  const Token* token = nullptr;     // kString, kBackQuoted, kNumber
  std::vector<const Token*> inner;  // kList: the tokens between the parentheses
};

struct RawClause {
  Identifier identifier;
  std::string op;  // upper case: "=", "LIKE", "NOT IN", and also invalid ones such as "<>"
  RawValue value;
};

// Valid UTF-8 without NUL bytes: anything else could not be stored or compared anyway.
bool IsCleanUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) {
      return false;
    }
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) {
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool IsAnd(const Token& t) { return t.kind == TokenKind::kWord && KeywordEquals(t.text, "AND"); }

// Reads `part (. part)*` starting at tokens[i]; dots must touch the parts on both sides.
// The first part must be a word or a double/back-quoted name; later parts may also be
// single-quoted, as MLflow accepts `metrics.'x'`. Returns false when tokens[i] is not a name.
bool ReadIdentifier(std::string_view input, const std::vector<Token>& tokens, size_t& i,
                    Identifier& out) {
  if (!internal::IsNamePart(tokens[i])) {
    return false;
  }
  out.parts = {&tokens[i]};
  size_t j = i + 1;
  while (tokens[j].kind == TokenKind::kDot && tokens[j].offset == tokens[j - 1].end()) {
    const Token& next = tokens[j + 1];
    const bool part = internal::IsNamePart(next) || next.kind == TokenKind::kSingleQuoted;
    if (!part || next.offset != tokens[j].end()) {
      break;
    }
    out.parts.push_back(&next);
    j += 2;
  }
  out.text = input.substr(tokens[i].offset, tokens[j - 1].end() - tokens[i].offset);
  i = j;
  return true;
}

// The comparator at tokens[i]: a run of operator characters, LIKE, ILIKE, IN, or NOT
// followed by IN / LIKE / ILIKE. Upper-cased; empty when there is none.
std::string ReadComparator(const std::vector<Token>& tokens, size_t& i) {
  const Token& t = tokens[i];
  if (t.kind == TokenKind::kOperator) {
    ++i;
    return std::string(t.text);
  }
  if (t.kind != TokenKind::kWord) {
    return "";
  }
  for (std::string_view kw : {"LIKE", "ILIKE", "IN"}) {
    if (KeywordEquals(t.text, kw)) {
      ++i;
      return std::string(kw);
    }
  }
  if (KeywordEquals(t.text, "NOT") && tokens[i + 1].kind == TokenKind::kWord) {
    for (std::string_view kw : {"IN", "LIKE", "ILIKE"}) {
      if (KeywordEquals(tokens[i + 1].text, kw)) {
        i += 2;
        return "NOT " + std::string(kw);
      }
    }
  }
  return "";
}

// The value at tokens[i]; false when there is nothing that could be a value.
bool ReadValue(std::string_view input, const std::vector<Token>& tokens, size_t& i, RawValue& out) {
  const Token& t = tokens[i];
  switch (t.kind) {
    case TokenKind::kSingleQuoted:
    case TokenKind::kDoubleQuoted:
      out = {ValueKind::kString, t.text, &t, {}};
      ++i;
      return true;
    case TokenKind::kNumber:
      out = {ValueKind::kNumber, t.text, &t, {}};
      ++i;
      return true;
    case TokenKind::kOther:
      out = {ValueKind::kOther, t.text, &t, {}};
      ++i;
      return true;
    case TokenKind::kWord:
    case TokenKind::kBackQuoted: {
      Identifier id;
      ReadIdentifier(input, tokens, i, id);
      const bool single_back = id.parts.size() == 1 && t.kind == TokenKind::kBackQuoted;
      out = {single_back ? ValueKind::kBackQuoted : ValueKind::kWord, id.text, &t, {}};
      return true;
    }
    case TokenKind::kLParen: {
      size_t j = i + 1;
      while (tokens[j].kind != TokenKind::kRParen && tokens[j].kind != TokenKind::kEnd) {
        ++j;
      }
      if (tokens[j].kind == TokenKind::kEnd) {
        return false;  // unbalanced
      }
      out.kind = ValueKind::kList;
      out.text = input.substr(t.offset, tokens[j].end() - t.offset);
      out.token = nullptr;
      out.inner.clear();
      for (size_t k = i + 1; k < j; ++k) {
        out.inner.push_back(&tokens[k]);
      }
      i = j + 1;
      return true;
    }
    default:
      return false;
  }
}

// "Invalid clause(s) in filter string: '<text>'" quoting the input from tokens[from] up to
// the next AND (or the end).
Status InvalidClause(std::string_view input, const std::vector<Token>& tokens, size_t from) {
  if (tokens[from].kind == TokenKind::kEnd && from > 0) {
    --from;  // quote a dangling AND
  }
  size_t to = from + 1;
  while (to < tokens.size() && tokens[to].kind != TokenKind::kEnd && !IsAnd(tokens[to])) {
    ++to;
  }
  const size_t begin = tokens[from].offset;
  const size_t end = tokens[to - 1].end();
  return InvalidArgumentError("Invalid clause(s) in filter string: " +
                              Quote(input.substr(begin, end - begin)));
}

// The clauses of `input`, pointing into `tokens` (its Tokenize() result).
StatusOr<std::vector<RawClause>> ParseSyntax(std::string_view input,
                                             const std::vector<Token>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind == TokenKind::kSemicolon && tokens[i + 1].kind != TokenKind::kEnd) {
      return InvalidArgumentError("Search filter contained multiple expression '" +
                                  std::string(input) + "'. Provide AND-ed expression list.");
    }
  }
  std::vector<RawClause> clauses;
  if (tokens.front().kind == TokenKind::kEnd) {
    return clauses;
  }
  size_t i = 0;
  while (true) {
    const size_t start = i;
    const Token& first = tokens[i];
    if (first.kind == TokenKind::kNumber || first.kind == TokenKind::kSingleQuoted) {
      return InvalidArgumentError("Invalid comparison clause. Expected 'Identifier' found " +
                                  Quote(first.text));
    }
    RawClause clause;
    if (IsAnd(first) || !ReadIdentifier(input, tokens, i, clause.identifier)) {
      return InvalidClause(input, tokens, start);
    }
    clause.op = ReadComparator(tokens, i);
    if (clause.op.empty() || !ReadValue(input, tokens, i, clause.value)) {
      return InvalidClause(input, tokens, start);
    }
    // A parenthesised list goes with IN / NOT IN and nothing else.
    const bool in = clause.op == "IN" || clause.op == "NOT IN";
    if (in != (clause.value.kind == ValueKind::kList)) {
      return InvalidClause(input, tokens, start);
    }
    clauses.push_back(std::move(clause));
    if (clauses.size() > kMaxFilterClauses) {
      return InvalidArgumentError(
          "Invalid filter string: it has more than " + std::to_string(kMaxFilterClauses) +
          " clauses; at most " + std::to_string(kMaxFilterClauses) +
          " are allowed. Combine values in an IN list or split the search.");
    }
    if (tokens[i].kind == TokenKind::kEnd) {
      return clauses;
    }
    if (!IsAnd(tokens[i])) {
      return InvalidClause(input, tokens, i);
    }
    ++i;  // past AND; a clause must follow
  }
}

// ---- Semantics -----------------------------------------------------------------------------

struct ResolvedIdentifier {
  Entity entity = Entity::kAttribute;
  std::string key;                       // as written (quotes removed)
  const Attribute* attribute = nullptr;  // for attributes
};

// The key part of an identifier: a single quoted part loses its quotes; otherwise the text
// after the first dot, as MLflow splits `metrics.a.b` into metrics / a.b.
std::string KeyOf(const Identifier& id, size_t first_key_part) {
  if (id.parts.size() == first_key_part + 1) {
    return std::string(QuotedContent(*id.parts.back()));
  }
  const size_t begin = id.parts[first_key_part]->offset - id.parts.front()->offset;
  return std::string(id.text.substr(begin));
}

StatusOr<ResolvedIdentifier> Resolve(const Identifier& id, const Target& target,
                                     std::span<const Attribute> attributes) {
  ResolvedIdentifier out;
  if (id.parts.size() == 1) {
    out.entity = Entity::kAttribute;
    out.key = KeyOf(id, 0);
  } else {
    const Token& entity = *id.parts.front();
    // A back-quoted entity name counts; a double-quoted one does not (as in MLflow).
    const std::string_view word =
        entity.kind == TokenKind::kBackQuoted ? QuotedContent(entity) : entity.text;
    const EntityName* found = nullptr;
    if (entity.kind != TokenKind::kDoubleQuoted) {
      for (const EntityName& e : target.entities) {
        if (e.word == word) {
          found = &e;
        }
      }
    }
    if (found == nullptr) {
      return InvalidArgumentError("Invalid entity type " + Quote(word) + ". " +
                                  std::string(target.valid_entities));
    }
    out.entity = found->entity;
    out.key = KeyOf(id, 1);
  }
  if (out.entity == Entity::kAttribute) {
    for (const Attribute& a : attributes) {
      if (a.name == out.key) {
        out.attribute = &a;
      }
    }
    if (out.attribute == nullptr) {
      return InvalidArgumentError(
          "Invalid attribute key " + Quote(out.key) + " specified. Valid keys are '" +
          SetText(attributes, [](const Attribute& a) { return a.name; }) + "'");
    }
  } else if (out.entity == Entity::kDataset) {
    bool valid = false;
    for (std::string_view k : kDatasetKeys) {
      valid = valid || k == out.key;
    }
    if (!valid) {
      return InvalidArgumentError("Invalid dataset key " + Quote(out.key) +
                                  " specified. Valid keys are '" +
                                  SetText(std::span<const std::string_view>(kDatasetKeys),
                                          [](std::string_view k) { return k; }) +
                                  "'");
    }
  }
  return out;
}

Status NotQuoted(const RawValue& v) {
  return InvalidArgumentError(
      "Parameter value is either not quoted or unidentified quote types used for string value " +
      std::string(v.text) + ". Use either single or double quotes.");
}

double NumberOf(const RawValue& v) {
  // strtod needs a terminated string; the lexer guarantees the syntax, so it consumes it all.
  const std::string text(v.text);
  return std::strtod(text.c_str(), nullptr);
}

// Items of an IN list: quoted strings separated by commas, an optional trailing comma.
StatusOr<std::vector<std::string>> ListOf(const RawValue& v) {
  std::vector<std::string> items;
  bool wrong_type = false;
  const auto& inner = v.inner;
  for (size_t k = 0; k < inner.size(); k += 2) {
    const Token& item = *inner[k];
    const bool separator_ok = k + 1 >= inner.size() || inner[k + 1]->kind == TokenKind::kComma;
    const bool is_string =
        item.kind == TokenKind::kSingleQuoted || item.kind == TokenKind::kDoubleQuoted;
    if (!separator_ok || (!is_string && item.kind != TokenKind::kNumber)) {
      return InvalidArgumentError(
          "While parsing a list in the query, expected a non-empty list of string values, but "
          "got ill-formed list.");
    }
    if (!is_string) {
      wrong_type = true;
      continue;
    }
    // Unescape \\, \' and \" as Python's literal_eval does; other bytes stay as written.
    std::string s;
    const std::string_view content = QuotedContent(item);
    for (size_t c = 0; c < content.size(); ++c) {
      if (content[c] == '\\' && c + 1 < content.size() &&
          (content[c + 1] == '\\' || content[c + 1] == '\'' || content[c + 1] == '"')) {
        ++c;
      }
      s += content[c];
    }
    items.push_back(std::move(s));
  }
  if (items.empty() && !wrong_type) {
    return InvalidArgumentError(
        "While parsing a list in the query, expected a non-empty list of string values, but got "
        "empty list");
  }
  if (wrong_type) {
    return InvalidArgumentError(
        "While parsing a list in the query, expected string value, punctuation, or whitespace, "
        "but got different type in list: " +
        std::string(v.text));
  }
  return items;
}

// The clause's value checked against what the entity and key take.
StatusOr<Value> ValueFor(const ResolvedIdentifier& id, const RawValue& v, const Target& target) {
  switch (id.entity) {
    case Entity::kMetric:
      if (v.kind != ValueKind::kNumber) {
        return InvalidArgumentError("Expected numeric value type for metric. Found " +
                                    std::string(v.text));
      }
      return Value(NumberOf(v));
    case Entity::kParam:
    case Entity::kTag:
      if (v.kind == ValueKind::kString) {
        return Value(std::string(QuotedContent(*v.token)));
      }
      if (v.kind == ValueKind::kWord || v.kind == ValueKind::kBackQuoted) {
        return NotQuoted(v);
      }
      return InvalidArgumentError(std::string("Expected a quoted string value for ") +
                                  (id.entity == Entity::kParam ? "parameter" : "tag") +
                                  " (e.g. 'my-value'). Got value " + std::string(v.text));
    case Entity::kAttribute:
      if (id.attribute->numeric) {
        if (v.kind != ValueKind::kNumber) {
          return InvalidArgumentError("Expected numeric value type for numeric attribute: " +
                                      id.key + ". Found " + std::string(v.text));
        }
        return Value(NumberOf(v));
      }
      if (v.kind == ValueKind::kString) {
        return Value(std::string(QuotedContent(*v.token)));
      }
      if (v.kind == ValueKind::kWord || v.kind == ValueKind::kBackQuoted) {
        return NotQuoted(v);
      }
      if (v.kind == ValueKind::kList) {
        if (!id.attribute->list) {
          return InvalidArgumentError(std::string(target.list_error));
        }
        ASSIGN_OR_RETURN(std::vector<std::string> items, ListOf(v));
        return Value(std::move(items));
      }
      return InvalidArgumentError("Expected a quoted string value for attributes. Got value " +
                                  std::string(v.text));
    case Entity::kDataset:
      if (v.kind == ValueKind::kString) {
        return Value(std::string(QuotedContent(*v.token)));
      }
      if (v.kind == ValueKind::kWord || v.kind == ValueKind::kBackQuoted) {
        return NotQuoted(v);
      }
      if (v.kind == ValueKind::kList) {
        ASSIGN_OR_RETURN(std::vector<std::string> items, ListOf(v));
        return Value(std::move(items));
      }
      return InvalidArgumentError(
          "Expected a quoted string value for dataset attributes. Got value " +
          std::string(v.text));
  }
  return InternalError("unknown entity");
}

std::span<const Comparator> OpsFor(const ResolvedIdentifier& id) {
  switch (id.entity) {
    case Entity::kMetric:
      return kNumericOps;
    case Entity::kParam:
    case Entity::kTag:
      return kKeyValueOps;
    case Entity::kAttribute:
      return id.attribute->numeric ? std::span<const Comparator>(kNumericOps)
                                   : std::span<const Comparator>(kStringOps);
    case Entity::kDataset:
      return kStringOps;
  }
  return {};
}

StatusOr<Filter> ParseFilter(std::string_view input, const Target& target) {
  if (input.size() > kMaxFilterLength) {
    return InvalidArgumentError("Invalid filter string: it is " + std::to_string(input.size()) +
                                " bytes long; at most " + std::to_string(kMaxFilterLength) +
                                " are allowed. Split the search into several requests.");
  }
  if (!IsCleanUtf8(input)) {
    return InvalidArgumentError("Invalid filter string: it must be UTF-8 text without NUL bytes");
  }
  const std::vector<Token> tokens = internal::Tokenize(input);
  ASSIGN_OR_RETURN(std::vector<RawClause> raw, ParseSyntax(input, tokens));
  Filter filter;
  filter.clauses.reserve(raw.size());
  size_t list_items = 0;
  for (const RawClause& clause : raw) {
    ASSIGN_OR_RETURN(ResolvedIdentifier id,
                     Resolve(clause.identifier, target, target.filter_attributes));
    ASSIGN_OR_RETURN(Value value, ValueFor(id, clause.value, target));
    if (const auto* items = std::get_if<std::vector<std::string>>(&value)) {
      list_items += items->size();
      if (list_items > kMaxFilterListItems) {
        return InvalidArgumentError("Invalid filter string: its IN lists hold more than " +
                                    std::to_string(kMaxFilterListItems) + " values; at most " +
                                    std::to_string(kMaxFilterListItems) +
                                    " are allowed. Split the search into several "
                                    "requests.");
      }
    }
    const std::span<const Comparator> ops = OpsFor(id);
    const std::optional<Comparator> op = ComparatorFromText(clause.op);
    bool allowed = false;
    for (Comparator c : ops) {
      allowed = allowed || (op.has_value() && c == *op);
    }
    if (!allowed) {
      return InvalidArgumentError("Invalid comparator " + Quote(clause.op) + " not one of '" +
                                  OpsText(ops) + "'");
    }
    Comparison c;
    c.entity = id.entity;
    c.key = id.attribute != nullptr ? std::string(id.attribute->canonical) : std::move(id.key);
    c.op = *op;
    c.value = std::move(value);
    filter.clauses.push_back(std::move(c));
  }
  return filter;
}

Status CannotParseOrderBy(std::string_view clause) {
  return InvalidArgumentError("Invalid order_by clause '" + std::string(clause) +
                              "'. Could not be parsed.");
}

StatusOr<OrderBy> ParseOrderBy(std::string_view clause, const Target& target) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  // MLflow's parser rejects surrounding whitespace, and its own tests rely on that.
  if (clause.empty() || is_space(clause.front()) || is_space(clause.back()) ||
      !IsCleanUtf8(clause)) {
    return CannotParseOrderBy(clause);
  }
  const std::vector<Token> tokens = internal::Tokenize(clause);
  size_t i = 0;
  Identifier identifier;
  if (!ReadIdentifier(clause, tokens, i, identifier)) {
    return CannotParseOrderBy(clause);
  }
  bool ascending = true;
  if (tokens[i].kind == TokenKind::kWord) {
    if (KeywordEquals(tokens[i].text, "DESC")) {
      ascending = false;
    } else if (!KeywordEquals(tokens[i].text, "ASC")) {
      return InvalidArgumentError("Invalid ordering key in order_by clause '" +
                                  std::string(clause) + "'.");
    }
    ++i;
  }
  if (tokens[i].kind != TokenKind::kEnd) {
    return CannotParseOrderBy(clause);
  }
  ASSIGN_OR_RETURN(ResolvedIdentifier id, Resolve(identifier, target, target.order_attributes));
  OrderBy out;
  out.entity = id.entity;
  out.key = id.attribute != nullptr ? std::string(id.attribute->canonical) : std::move(id.key);
  out.ascending = ascending;
  return out;
}

}  // namespace

std::string_view ComparatorSql(Comparator c) {
  switch (c) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "!=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kLike:
      return "LIKE";
    case Comparator::kILike:
      return "ILIKE";
    case Comparator::kIn:
      return "IN";
    case Comparator::kNotIn:
      return "NOT IN";
  }
  return "=";
}

StatusOr<Filter> ParseRunFilter(std::string_view filter) { return ParseFilter(filter, kRuns); }

StatusOr<OrderBy> ParseRunOrderBy(std::string_view clause) {
  ASSIGN_OR_RETURN(OrderBy order, ParseOrderBy(clause, kRuns));
  if (order.entity == Entity::kDataset) {
    return InvalidArgumentError("Invalid identifier type 'dataset'");
  }
  return order;
}

StatusOr<Filter> ParseExperimentFilter(std::string_view filter) {
  return ParseFilter(filter, kExperiments);
}

StatusOr<OrderBy> ParseExperimentOrderBy(std::string_view clause) {
  ASSIGN_OR_RETURN(OrderBy order, ParseOrderBy(clause, kExperiments));
  if (order.entity != Entity::kAttribute) {
    return InvalidArgumentError("Invalid order_by entity: tag");
  }
  return order;
}

StatusOr<Filter> ParseLoggedModelFilter(std::string_view filter) {
  return ParseFilter(filter, kLoggedModels);
}

StatusOr<std::string> ParseLoggedModelOrderField(std::string_view field_name) {
  if (field_name.empty()) {
    return InvalidArgumentError("`field_name` in the `order_by` clause must be specified.");
  }
  if (!IsCleanUtf8(field_name)) {
    return InvalidArgumentError("Invalid order by field name: it must be UTF-8 text");
  }
  const size_t dot = field_name.find('.');
  if (dot != std::string_view::npos) {
    const std::string_view entity = field_name.substr(0, dot);
    if (entity != "metrics") {
      return InvalidArgumentError("Invalid order by field name: " + std::string(entity) +
                                  ", only `metrics.<name>` is allowed.");
    }
    return std::string(field_name);
  }
  std::string_view name = field_name;
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) {
    name.remove_prefix(1);
  }
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
    name.remove_suffix(1);
  }
  for (const Attribute& a : kLoggedModelAttributes) {
    if (a.name == name) {
      return std::string(a.canonical);
    }
  }
  return InvalidArgumentError("Invalid order by field name: " + std::string(name) + ".");
}

}  // namespace inet::search
