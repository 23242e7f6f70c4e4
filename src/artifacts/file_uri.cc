#include "artifacts/file_uri.h"

#include <cctype>

namespace inet::artifacts {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

bool HasFileScheme(std::string_view uri) {
  return uri.size() >= 5 && std::tolower(static_cast<unsigned char>(uri[0])) == 'f' &&
         std::tolower(static_cast<unsigned char>(uri[1])) == 'i' &&
         std::tolower(static_cast<unsigned char>(uri[2])) == 'l' &&
         std::tolower(static_cast<unsigned char>(uri[3])) == 'e' && uri[4] == ':';
}

}  // namespace

StatusOr<std::string> PercentDecodeUriPath(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return InvalidArgumentError("malformed percent-escape in artifact URI");
    }
    out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
    i += 2;
  }
  return out;
}

StatusOr<std::string> FileUriPath(std::string_view uri) {
  if (!HasFileScheme(uri)) return std::string(uri);
  std::string_view rest = uri.substr(5);
  rest = rest.substr(0, rest.find_first_of("?#"));
  if (rest.starts_with("//")) {  // file://[localhost]/abs
    const size_t slash = rest.find('/', 2);
    const std::string_view host =
        rest.substr(2, slash == std::string_view::npos ? rest.npos : slash - 2);
    if (!host.empty() && host != "localhost") {
      return InvalidArgumentError("unsupported artifact URI '" + std::string(uri) +
                                  "': remote file host");
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  return PercentDecodeUriPath(rest);
}

std::string FileUriFor(std::string_view absolute_dir) {
  std::string out = "file://";
  for (char c : absolute_dir) {
    if (c == '%') {
      out += "%25";
    } else if (c == '?') {
      out += "%3F";
    } else if (c == '#') {
      out += "%23";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace inet::artifacts
