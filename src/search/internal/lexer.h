// Tokenizer for MLflow search strings (filter strings and order_by clauses).
//
// A hand-written, single-pass scanner over the raw bytes; it never fails and never allocates
// per character. Token kinds follow what MLflow's sqlparse-based parser distinguishes, so the
// parser in ../filter.cc can reproduce MLflow's acceptance rules and error messages without
// a general SQL lexer. Quoted tokens keep their quotes in `text`; QuotedContent() returns the
// characters between them verbatim (MLflow does not unescape filter values either).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace inet::search::internal {

enum class TokenKind {
  kEnd,           // end of input (always the last token)
  kWord,          // letters, digits, '_' and non-ASCII bytes; starts with a non-digit unless it
                  // directly follows a '.' (so `metrics.2020acc` has the key "2020acc")
  kSingleQuoted,  // '...'  ('' and \' do not end it)
  kDoubleQuoted,  // "..."  ("" and \" do not end it)
  kBackQuoted,    // `...`  (`` does not end it)
  kNumber,        // -?(digits[.digits*] | .digits)([eE][+-]?digits)?
  kOperator,      // a run of the comparison characters < > = ! ~
  kDot,           // '.'
  kLParen,
  kRParen,
  kComma,
  kSemicolon,
  kUnterminated,  // a quote without its closing quote; runs to the end of input
  kOther,         // one unexpected byte, or a malformed number such as `1AND` or `1.2.3`
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // the exact source bytes, quotes included
  size_t offset = 0;      // where `text` starts in the input
  bool integer = false;   // kNumber only: no fraction and no exponent

  size_t end() const { return offset + text.size(); }
};

// Splits `input` into tokens, dropping ASCII whitespace. The result always ends with one
// kEnd token whose offset is input.size(). Views point into `input`.
std::vector<Token> Tokenize(std::string_view input);

// For a kSingleQuoted, kDoubleQuoted or kBackQuoted token: the bytes between the quotes.
// For any other token: its text.
std::string_view QuotedContent(const Token& token);

// True for a token that can name something: a bare word or a quoted name.
bool IsNamePart(const Token& token);

// True when `word` equals `keyword` ignoring ASCII case (`keyword` is upper case).
bool KeywordEquals(std::string_view word, std::string_view keyword);

}  // namespace inet::search::internal
