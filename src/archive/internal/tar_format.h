// The ustar / pax / GNU tar header format: encoding the headers our writer emits and decoding
// (with checksum verification) the headers of archives made by us, GNU tar or bsdtar.
// Pure functions over bytes; the streaming and the file system live in archive.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace inet::archive::internal {

inline constexpr size_t kBlockSize = 512;
// Largest size or mtime an 11-digit octal field holds (8 GiB - 1); beyond it we write pax.
inline constexpr int64_t kMaxOctal11 = (int64_t{1} << 33) - 1;

// Entry types (the header's typeflag byte) this code writes or must recognise.
inline constexpr char kTypeFile = '0';
inline constexpr char kTypeFileOld = '\0';    // pre-POSIX regular file
inline constexpr char kTypeContiguous = '7';  // POSIX: treat as a regular file
inline constexpr char kTypeDirectory = '5';
inline constexpr char kTypePaxEntry = 'x';   // pax records for the next entry
inline constexpr char kTypePaxGlobal = 'g';  // pax records for the rest of the archive
inline constexpr char kTypeGnuLongName = 'L';
inline constexpr char kTypeGnuLongLink = 'K';

// One decoded header block.
struct TarHeader {
  std::string name;  // prefix + '/' + name for POSIX ustar headers, else the name field
  char type = kTypeFile;
  int64_t size = 0;
  int64_t mode = 0;
  int64_t mtime = 0;
};

// The header blocks for one entry: a pax 'x' header and its records when `path` is longer than
// 100 bytes or `size`/`mtime` do not fit in octal fields, then the ustar header (uid/gid 0, no
// user names). The result's length is a multiple of kBlockSize. `mtime` below 0 is written as 0.
std::string EncodeHeader(std::string_view path, char type, int64_t size, uint32_t mode,
                         int64_t mtime);

// True when all kBlockSize bytes of `block` are zero (the end-of-archive marker).
bool IsZeroBlock(std::string_view block);

// Decodes one kBlockSize block. kInvalidArgument when the checksum does not match (a corrupt
// or non-tar input) or a numeric field is malformed or negative.
StatusOr<TarHeader> DecodeHeader(std::string_view block);

// The pax records this reader honours; others (atime, uname, ...) are ignored.
struct PaxOverrides {
  std::optional<std::string> path;
  std::optional<int64_t> size;
};

// Parses pax extended-header data ("<len> <key>=<value>\n" records) into `overrides`.
// kInvalidArgument for a malformed record, a non-numeric size, or a path holding a NUL.
Status ParsePaxRecords(std::string_view data, PaxOverrides& overrides);

// Bytes of padding after `size` bytes of entry data to reach a block boundary.
inline int64_t PaddingAfter(int64_t size) { return (kBlockSize - size % kBlockSize) % kBlockSize; }

}  // namespace inet::archive::internal
