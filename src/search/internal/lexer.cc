#include "search/internal/lexer.h"

namespace inet::search::internal {
namespace {

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
// Word bytes: ASCII letters, digits, '_' and every byte of a non-ASCII UTF-8 sequence, which
// is how MLflow's \w treats letters such as 'ñ'.
bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c >= 0x80;
}
bool IsOperatorByte(unsigned char c) {
  return c == '<' || c == '>' || c == '=' || c == '!' || c == '~';
}

class Scanner {
 public:
  explicit Scanner(std::string_view input) : in_(input) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      while (pos_ < in_.size() && IsSpace(At(pos_))) {
        ++pos_;
      }
      if (pos_ >= in_.size()) {
        break;
      }
      const Token* prev = out.empty() ? nullptr : &out.back();
      out.push_back(Next(prev));
    }
    out.push_back(Token{TokenKind::kEnd, in_.substr(in_.size()), in_.size(), false});
    return out;
  }

 private:
  unsigned char At(size_t i) const { return static_cast<unsigned char>(in_[i]); }
  bool Has(size_t i) const { return i < in_.size(); }

  Token Make(TokenKind kind, size_t start, bool integer = false) {
    return Token{kind, in_.substr(start, pos_ - start), start, integer};
  }

  Token Next(const Token* prev) {
    const size_t start = pos_;
    const unsigned char c = At(pos_);
    const bool after_dot = prev != nullptr && prev->kind == TokenKind::kDot && prev->end() == start;
    if (after_dot && IsWordByte(c)) {  // a key part: digits may lead
      while (Has(pos_) && IsWordByte(At(pos_))) {
        ++pos_;
      }
      return Make(TokenKind::kWord, start);
    }
    if (c == '\'' || c == '"') {
      return Quoted(start, c, /*backslash_escapes=*/true);
    }
    if (c == '`') {
      return Quoted(start, c, /*backslash_escapes=*/false);
    }
    if (c == '.') {
      const bool names_before = prev != nullptr && prev->end() == start &&
                                (IsNamePart(*prev) || prev->kind == TokenKind::kSingleQuoted);
      if (!names_before && Has(pos_ + 1) && IsDigit(At(pos_ + 1))) {
        return Number(start);
      }
      ++pos_;
      return Make(TokenKind::kDot, start);
    }
    if (IsDigit(c) || (c == '-' && Has(pos_ + 1) &&
                       (IsDigit(At(pos_ + 1)) ||
                        (At(pos_ + 1) == '.' && Has(pos_ + 2) && IsDigit(At(pos_ + 2)))))) {
      return Number(start);
    }
    if (IsWordByte(c)) {
      while (Has(pos_) && IsWordByte(At(pos_))) {
        ++pos_;
      }
      return Make(TokenKind::kWord, start);
    }
    if (IsOperatorByte(c)) {
      while (Has(pos_) && IsOperatorByte(At(pos_))) {
        ++pos_;
      }
      return Make(TokenKind::kOperator, start);
    }
    ++pos_;
    switch (c) {
      case '(':
        return Make(TokenKind::kLParen, start);
      case ')':
        return Make(TokenKind::kRParen, start);
      case ',':
        return Make(TokenKind::kComma, start);
      case ';':
        return Make(TokenKind::kSemicolon, start);
      default:
        return Make(TokenKind::kOther, start);
    }
  }

  // A quote doubled inside the string does not end it; with `backslash_escapes`, neither does
  // a quote (or any byte) after a backslash.
  Token Quoted(size_t start, unsigned char quote, bool backslash_escapes) {
    ++pos_;
    while (Has(pos_)) {
      const unsigned char c = At(pos_);
      const bool escape = (backslash_escapes && c == '\\') ||
                          (c == quote && Has(pos_ + 1) && At(pos_ + 1) == quote);
      if (escape && Has(pos_ + 1)) {
        pos_ += 2;
      } else if (c == quote) {
        ++pos_;
        const TokenKind kind = quote == '\''  ? TokenKind::kSingleQuoted
                               : quote == '"' ? TokenKind::kDoubleQuoted
                                              : TokenKind::kBackQuoted;
        return Make(kind, start);
      } else {
        ++pos_;
      }
    }
    return Make(TokenKind::kUnterminated, start);
  }

  Token Number(size_t start) {
    bool integer = true;
    if (At(pos_) == '-') {
      ++pos_;
    }
    while (Has(pos_) && IsDigit(At(pos_))) {
      ++pos_;
    }
    if (Has(pos_) && At(pos_) == '.') {
      integer = false;
      ++pos_;
      while (Has(pos_) && IsDigit(At(pos_))) {
        ++pos_;
      }
    }
    if (Has(pos_) && (At(pos_) == 'e' || At(pos_) == 'E')) {
      size_t p = pos_ + 1;
      if (Has(p) && (At(p) == '+' || At(p) == '-')) {
        ++p;
      }
      if (Has(p) && IsDigit(At(p))) {
        integer = false;
        pos_ = p;
        while (Has(pos_) && IsDigit(At(pos_))) {
          ++pos_;
        }
      }
    }
    if (Has(pos_) && (IsWordByte(At(pos_)) || At(pos_) == '.')) {
      // `1AND`, `0x1F`, `1.2.3`: one malformed token, reported whole as MLflow does.
      while (Has(pos_) && (IsWordByte(At(pos_)) || At(pos_) == '.')) {
        ++pos_;
      }
      return Make(TokenKind::kOther, start);
    }
    return Make(TokenKind::kNumber, start, integer);
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view input) { return Scanner(input).Run(); }

std::string_view QuotedContent(const Token& token) {
  switch (token.kind) {
    case TokenKind::kSingleQuoted:
    case TokenKind::kDoubleQuoted:
    case TokenKind::kBackQuoted:
      return token.text.substr(1, token.text.size() - 2);
    default:
      return token.text;
  }
}

bool IsNamePart(const Token& token) {
  return token.kind == TokenKind::kWord || token.kind == TokenKind::kDoubleQuoted ||
         token.kind == TokenKind::kBackQuoted;
}

bool KeywordEquals(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) {
    return false;
  }
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    if (c != keyword[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace inet::search::internal
