#include "http/internal/target.h"

namespace inet::http::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status PercentDecode(std::string_view in, bool plus_is_space, std::string& out) {
  out.reserve(out.size() + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgumentError("malformed percent-escape in request target");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return OkStatus();
}

Status ParseTarget(std::string_view target, std::string& path,
                   std::vector<std::pair<std::string, std::string>>& query) {
  path.clear();
  query.clear();
  if (size_t hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  // Absolute form (sent to proxies, allowed by RFC 9112): drop scheme and authority.
  if (target.starts_with("http://") || target.starts_with("https://")) {
    size_t authority = target.find("//") + 2;
    size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (target.front() == '?') return InvalidArgumentError("request target has no path");
  }
  if (target.empty() || target.front() != '/') {
    return InvalidArgumentError("request target must start with '/'");
  }
  std::string_view raw_path = target;
  std::string_view raw_query;
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    raw_query = target.substr(q + 1);
  }
  // Collapse runs of '/' before decoding, so an encoded "%2F" survives as a real character of
  // a segment: "artifacts/%2Ftmp" must reach the handler as the absolute path "/tmp", not "tmp".
  std::string collapsed;
  collapsed.reserve(raw_path.size());
  for (char c : raw_path) {
    if (c == '/' && !collapsed.empty() && collapsed.back() == '/') continue;
    collapsed.push_back(c);
  }
  RETURN_IF_ERROR(PercentDecode(collapsed, /*plus_is_space=*/false, path));
  if (path.find('\0') != std::string::npos) {
    return InvalidArgumentError("request path contains a NUL byte");
  }
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view piece = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string key;
    std::string value;
    RETURN_IF_ERROR(PercentDecode(piece.substr(0, eq), /*plus_is_space=*/true, key));
    if (eq != std::string_view::npos) {
      RETURN_IF_ERROR(PercentDecode(piece.substr(eq + 1), /*plus_is_space=*/true, value));
    }
    query.emplace_back(std::move(key), std::move(value));
  }
  return OkStatus();
}

}  // namespace inet::http::internal
