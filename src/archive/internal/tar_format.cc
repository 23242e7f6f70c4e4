#include "archive/internal/tar_format.h"

#include <algorithm>
#include <cstring>

namespace inet::archive::internal {
namespace {

// Field offsets and widths of the POSIX ustar header (POSIX.1-1988, pax(1)).
constexpr size_t kNameOff = 0, kNameLen = 100;
constexpr size_t kModeOff = 100, kModeLen = 8;
constexpr size_t kUidOff = 108, kUidLen = 8;
constexpr size_t kGidOff = 116, kGidLen = 8;
constexpr size_t kSizeOff = 124, kSizeLen = 12;
constexpr size_t kMtimeOff = 136, kMtimeLen = 12;
constexpr size_t kChksumOff = 148, kChksumLen = 8;
constexpr size_t kTypeOff = 156;
constexpr size_t kMagicOff = 257;
constexpr size_t kVersionOff = 263;
constexpr size_t kPrefixOff = 345, kPrefixLen = 155;

// Writes `value` as zero-padded octal in width-1 digits followed by a NUL.
void PutOctal(char* field, size_t width, int64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i > 0; --i) {
    field[i - 1] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

void PutString(char* field, size_t width, std::string_view value) {
  std::memcpy(field, value.data(), std::min(width, value.size()));
}

std::string FieldString(std::string_view block, size_t offset, size_t width) {
  const std::string_view field = block.substr(offset, width);
  return std::string(field.substr(0, field.find('\0')));
}

// Parses an octal field (spaces/NULs around the digits allowed) or a GNU base-256 field
// (high bit of the first byte set). Negative values are rejected.
StatusOr<int64_t> ParseNumber(std::string_view field, std::string_view what) {
  const auto first = static_cast<unsigned char>(field.front());
  if (first & 0x80) {
    if (first == 0xff) {
      return InvalidArgumentError("tar header: negative " + std::string(what));
    }
    uint64_t value = first & 0x7f;
    for (size_t i = 1; i < field.size(); ++i) {
      if (value > (static_cast<uint64_t>(INT64_MAX) >> 8)) {
        return InvalidArgumentError("tar header: " + std::string(what) + " too large");
      }
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return static_cast<int64_t>(value);
  }
  size_t i = 0;
  while (i < field.size() && (field[i] == ' ' || field[i] == '\0')) {
    ++i;
  }
  int64_t value = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value > (INT64_MAX >> 3)) {
      return InvalidArgumentError("tar header: " + std::string(what) + " too large");
    }
    value = (value << 3) | (field[i] - '0');
  }
  for (; i < field.size(); ++i) {
    if (field[i] != ' ' && field[i] != '\0') {
      return InvalidArgumentError("tar header: malformed " + std::string(what) + " field");
    }
  }
  return value;
}

// One pax record "<len> <key>=<value>\n"; <len> counts the whole record, its own digits too.
std::string PaxRecord(std::string_view key, std::string_view value) {
  const size_t body = 1 + key.size() + 1 + value.size() + 1;  // ' ' key '=' value '\n'
  size_t length = body + 1;
  while (std::to_string(length).size() + body != length) {
    length = std::to_string(length).size() + body;
  }
  return std::to_string(length) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

std::string UstarBlock(std::string_view name, char type, int64_t size, uint32_t mode,
                       int64_t mtime) {
  std::string block(kBlockSize, '\0');
  char* b = block.data();
  PutString(b + kNameOff, kNameLen, name);
  PutOctal(b + kModeOff, kModeLen, mode & 07777);
  PutOctal(b + kUidOff, kUidLen, 0);
  PutOctal(b + kGidOff, kGidLen, 0);
  PutOctal(b + kSizeOff, kSizeLen, std::clamp<int64_t>(size, 0, kMaxOctal11));
  PutOctal(b + kMtimeOff, kMtimeLen, std::clamp<int64_t>(mtime, 0, kMaxOctal11));
  b[kTypeOff] = type;
  static constexpr char kMagic[] = "ustar";  // 6 bytes with its NUL
  std::memcpy(b + kMagicOff, kMagic, sizeof(kMagic));
  b[kVersionOff] = '0';
  b[kVersionOff + 1] = '0';
  std::memset(b + kChksumOff, ' ', kChksumLen);
  unsigned sum = 0;
  for (const char c : block) {
    sum += static_cast<unsigned char>(c);
  }
  // Six octal digits, NUL, space: the layout GNU tar writes.
  PutOctal(b + kChksumOff, 7, sum);
  b[kChksumOff + 7] = ' ';
  return block;
}

}  // namespace

std::string EncodeHeader(std::string_view path, char type, int64_t size, uint32_t mode,
                         int64_t mtime) {
  std::string records;
  if (path.size() > kNameLen) {
    records += PaxRecord("path", path);
  }
  if (size > kMaxOctal11) {
    records += PaxRecord("size", std::to_string(size));
  }
  if (mtime > kMaxOctal11) {
    records += PaxRecord("mtime", std::to_string(mtime));
  }
  std::string out;
  if (!records.empty()) {
    // The pax header's own name is informational; GNU tar uses "<dir>/PaxHeaders/<base>".
    std::string_view base = path;
    while (!base.empty() && base.back() == '/') {
      base.remove_suffix(1);
    }
    base = base.substr(base.rfind('/') == std::string_view::npos ? 0 : base.rfind('/') + 1);
    std::string pax_name = "PaxHeaders/" + std::string(base.substr(0, kNameLen - 11));
    out += UstarBlock(pax_name, kTypePaxEntry, static_cast<int64_t>(records.size()), 0644, mtime);
    out += records;
    out.append(PaddingAfter(static_cast<int64_t>(records.size())), '\0');
  }
  out += UstarBlock(path.substr(0, kNameLen), type, size, mode, mtime);
  return out;
}

bool IsZeroBlock(std::string_view block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

StatusOr<TarHeader> DecodeHeader(std::string_view block) {
  if (block.size() != kBlockSize) {
    return InvalidArgumentError("tar header: short block");
  }
  ASSIGN_OR_RETURN(const int64_t stored_sum,
                   ParseNumber(block.substr(kChksumOff, kChksumLen), "checksum"));
  // Historic writers summed signed chars; accept either sum.
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (size_t i = 0; i < kBlockSize; ++i) {
    const bool in_chksum = i >= kChksumOff && i < kChksumOff + kChksumLen;
    unsigned_sum += in_chksum ? ' ' : static_cast<unsigned char>(block[i]);
    signed_sum += in_chksum ? ' ' : static_cast<signed char>(block[i]);
  }
  if (stored_sum != unsigned_sum && stored_sum != signed_sum) {
    return InvalidArgumentError("tar header checksum mismatch (corrupt archive or not a tar)");
  }
  TarHeader header;
  header.type = block[kTypeOff];
  header.name = FieldString(block, kNameOff, kNameLen);
  // Only POSIX ustar has a prefix field; GNU's "ustar  " uses those bytes for other things.
  if (block.substr(kMagicOff, 6) == std::string_view("ustar\0", 6)) {
    const std::string prefix = FieldString(block, kPrefixOff, kPrefixLen);
    if (!prefix.empty()) {
      header.name = prefix + "/" + header.name;
    }
  }
  ASSIGN_OR_RETURN(header.mode, ParseNumber(block.substr(kModeOff, kModeLen), "mode"));
  ASSIGN_OR_RETURN(header.size, ParseNumber(block.substr(kSizeOff, kSizeLen), "size"));
  ASSIGN_OR_RETURN(header.mtime, ParseNumber(block.substr(kMtimeOff, kMtimeLen), "mtime"));
  return header;
}

Status ParsePaxRecords(std::string_view data, PaxOverrides& overrides) {
  while (!data.empty()) {
    // Some writers pad the data with NULs.
    if (data.front() == '\0') {
      break;
    }
    const size_t space = data.find(' ');
    if (space == std::string_view::npos || space == 0 || space > 20) {
      return InvalidArgumentError("malformed pax record length");
    }
    size_t length = 0;
    for (size_t i = 0; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9') {
        return InvalidArgumentError("malformed pax record length");
      }
      length = length * 10 + static_cast<size_t>(data[i] - '0');
    }
    if (length <= space + 1 || length > data.size() || data[length - 1] != '\n') {
      return InvalidArgumentError("malformed pax record");
    }
    const std::string_view record = data.substr(space + 1, length - space - 2);
    data.remove_prefix(length);
    const size_t equals = record.find('=');
    if (equals == std::string_view::npos) {
      return InvalidArgumentError("malformed pax record");
    }
    const std::string_view key = record.substr(0, equals);
    const std::string_view value = record.substr(equals + 1);
    if (key == "path") {
      if (value.find('\0') != std::string_view::npos) {
        return InvalidArgumentError("pax path holds a NUL byte");
      }
      overrides.path = std::string(value);
    } else if (key == "size") {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return InvalidArgumentError("malformed pax size");
      }
      overrides.size = std::stoll(std::string(value));
    }
  }
  return OkStatus();
}

}  // namespace inet::archive::internal
