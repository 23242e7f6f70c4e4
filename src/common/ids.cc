#include "common/ids.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace inet {
namespace {

std::string ToHex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

uint32_t RandomU32() {
  uint32_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

constexpr std::array kAdjectives = {
    "able",   "bold",   "brave", "bright", "calm",  "clever", "crisp",  "eager",  "fair",
    "gentle", "glad",   "grand", "honest", "jolly", "keen",   "kind",   "lively", "lucid",
    "merry",  "nimble", "noble", "polite", "proud", "quick",  "quiet",  "rare",   "serene",
    "sharp",  "sleek",  "smart", "steady", "swift", "tidy",   "upbeat", "vivid",  "wise"};
constexpr std::array kNouns = {
    "ant",   "bass",  "bear", "colt", "crane", "deer",  "dove",  "eagle", "elk",
    "finch", "fox",   "frog", "goat", "hawk",  "heron", "horse", "lark",  "lynx",
    "mole",  "moth",  "newt", "owl",  "panda", "quail", "ram",   "seal",  "shark",
    "snail", "stork", "swan", "tern", "toad",  "trout", "whale", "wolf",  "wren"};

}  // namespace

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
    // The OS CSPRNG failing is not recoverable: ids and tokens would be guessable.
    throw std::runtime_error("RAND_bytes failed");
  }
  return ToHex(buf.data(), bytes);
}

std::string RandomRunName() {
  std::string name = kAdjectives[RandomU32() % kAdjectives.size()];
  name += '-';
  name += kNouns[RandomU32() % kNouns.size()];
  name += '-';
  name += std::to_string(RandomU32() % 1000);
  return name;
}

std::string HexEncode(std::string_view bytes) {
  return ToHex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return ToHex(digest, len);
}

}  // namespace inet
