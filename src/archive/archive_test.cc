#include "archive/archive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "archive/internal/tar_format.h"

namespace inet::archive {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Raw tar entry for hand-made archives.
struct RawEntry {
  std::string name;
  char type = '0';
  std::string data;
  uint32_t mode = 0644;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void WriteGzip(const fs::path& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  if (!content.empty()) {
    ASSERT_EQ(gzwrite(file, content.data(), static_cast<unsigned>(content.size())),
              static_cast<int>(content.size()));
  }
  ASSERT_EQ(gzclose(file), Z_OK);
}

std::string RawTar(const std::vector<RawEntry>& entries, bool end_marker = true) {
  std::string tar;
  for (const RawEntry& entry : entries) {
    tar += internal::EncodeHeader(entry.name, entry.type, static_cast<int64_t>(entry.data.size()),
                                  entry.mode, 1700000000);
    tar += entry.data;
    tar.append(internal::PaddingAfter(static_cast<int64_t>(entry.data.size())), '\0');
  }
  if (end_marker) tar.append(1024, '\0');
  return tar;
}

int Shell(const std::string& command) { return std::system(command.c_str()); }

// A snapshot of a tree for comparisons: path -> "d" for a directory, or
// "f<exec bit><content>" for a file.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> tree;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string relative = fs::relative(entry.path(), root).string();
    if (entry.is_directory()) {
      tree[relative] = "d";
    } else {
      const bool exec = (entry.status().permissions() & fs::perms::owner_exec) != fs::perms::none;
      tree[relative] = std::string("f") + (exec ? "x" : "-") + ReadFile(entry.path());
    }
  }
  return tree;
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("inet-archive-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    src_ = base_ / "src";
    dest_ = base_ / "dest";
    archive_ = base_ / "snapshot.tar.gz";
    fs::create_directories(src_);
  }
  void TearDown() override { fs::remove_all(base_); }

  // A small project: nested dirs, an empty file, an empty dir, an executable, long paths.
  void MakeProject() {
    WriteFile(src_ / "train.py", "print('hi')\n");
    WriteFile(src_ / "run.sh", "#!/bin/sh\necho run\n");
    fs::permissions(src_ / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
    WriteFile(src_ / "pkg/__init__.py", "");
    WriteFile(src_ / "pkg/sub/model.py", std::string(100000, 'm'));
    fs::create_directories(src_ / "empty_dir");
    WriteFile(src_ / LongPath(150), "long 150");
    WriteFile(src_ / LongPath(300), "long 300");
    WriteFile(src_ / "d\xC3\xA9j\xC3\xA0 vu/file with spaces.txt", "utf-8");
  }

  // A relative path of exactly `length` bytes in directories of 40-byte names.
  static std::string LongPath(size_t length) {
    std::string path;
    while (path.size() + 41 < length)
      path += std::string(40, static_cast<char>('a' + path.size() % 26)) + "/";
    path += std::string(length - path.size(), 'f');
    return path;
  }

  Status Extract(const std::vector<RawEntry>& entries) {
    WriteGzip(archive_, RawTar(entries));
    return ExtractArchive(archive_.string(), dest_.string());
  }

  // Everything in base_ other than the archive and dest_ (to prove nothing escaped).
  std::vector<std::string> OutsideDest() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(base_)) {
      const std::string name = entry.path().filename().string();
      if (name != "dest" && name != "src" && name != "snapshot.tar.gz") names.push_back(name);
    }
    return names;
  }

  fs::path base_, src_, dest_, archive_;
};

TEST_F(ArchiveTest, RoundTrip) {
  MakeProject();
  ASSERT_EQ(Shell("touch -d @1700000000 " + (src_ / "train.py").string()), 0);
  StatusOr<PackResult> result = PackDirectory(src_.string(), archive_.string());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->files, 7);
  EXPECT_EQ(result->bytes, 12 + 19 + 0 + 100000 + 8 + 8 + 5);
  EXPECT_EQ(result->compressed_bytes, static_cast<int64_t>(fs::file_size(archive_)));
  EXPECT_TRUE(LooksLikeGzip(ReadFile(archive_).substr(0, 3)));

  ASSERT_TRUE(ExtractArchive(archive_.string(), dest_.string()).ok());
  EXPECT_EQ(Tree(dest_), Tree(src_));
  struct stat info {};
  ASSERT_EQ(stat((dest_ / "train.py").c_str(), &info), 0);
  EXPECT_EQ(info.st_mtim.tv_sec, 1700000000);
  EXPECT_EQ(fs::status(dest_ / "run.sh").permissions() & fs::perms::all, fs::perms(0755));
  EXPECT_EQ(fs::status(dest_ / "train.py").permissions() & fs::perms::all, fs::perms(0644));
}

TEST_F(ArchiveTest, PackIsDeterministic) {
  MakeProject();
  ASSERT_TRUE(PackDirectory(src_.string(), archive_.string()).ok());
  const std::string first = ReadFile(archive_);
  ASSERT_TRUE(PackDirectory(src_.string(), (base_ / "again.tar.gz").string()).ok());
  EXPECT_EQ(first, ReadFile(base_ / "again.tar.gz"));
}

TEST_F(ArchiveTest, PackOrderIsDepthFirstWithSortedSiblings) {
  WriteFile(src_ / "z", "");
  WriteFile(src_ / "a.txt", "");
  WriteFile(src_ / "a/x", "");
  WriteFile(src_ / "a/b/y", "");
  fs::create_directories(src_ / "c");
  ASSERT_TRUE(PackDirectory(src_.string(), archive_.string()).ok());
  const fs::path listing = base_ / "listing.txt";
  ASSERT_EQ(Shell("tar -tzf " + archive_.string() + " > " + listing.string()), 0);
  EXPECT_EQ(ReadFile(listing), "a/\na/b/\na/b/y\na/x\na.txt\nc/\nz\n");
}

TEST_F(ArchiveTest, PackHonoursIgnoreRulesAndSkipsLinksAndGit) {
  WriteFile(src_ / "keep.py", "k");
  WriteFile(src_ / ".gitignore", "*.ckpt\ndata/\n");
  WriteFile(src_ / "model.ckpt", "big");
  WriteFile(src_ / "data/train.csv", "rows");
  WriteFile(src_ / ".git/HEAD", "ref");
  fs::create_symlink("/etc/passwd", src_ / "passwd_link");
  fs::create_directory_symlink("/etc", src_ / "etc_link");
  ASSERT_EQ(mkfifo((src_ / "fifo").c_str(), 0644), 0);
  StatusOr<PackResult> result = PackDirectory(src_.string(), archive_.string());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->files, 2);  // keep.py and .gitignore
  ASSERT_TRUE(ExtractArchive(archive_.string(), dest_.string()).ok());
  EXPECT_EQ(Tree(dest_), (std::map<std::string, std::string>{{".gitignore", "f-*.ckpt\ndata/\n"},
                                                             {"keep.py", "f-k"}}));
}

TEST_F(ArchiveTest, ArchiveWrittenInsideRootIsNotPackedIntoItself) {
  WriteFile(src_ / "a.py", "a");
  const fs::path inside = src_ / "snap.tar.gz";
  WriteFile(inside, "stale previous snapshot");
  ASSERT_TRUE(PackDirectory(src_.string(), inside.string()).ok());
  ASSERT_TRUE(ExtractArchive(inside.string(), dest_.string()).ok());
  EXPECT_EQ(Tree(dest_), (std::map<std::string, std::string>{{"a.py", "f-a"}}));
}

TEST_F(ArchiveTest, ProgressIsReportedPerFile) {
  WriteFile(src_ / "a", "12");
  WriteFile(src_ / "b/c", "345");
  std::vector<std::pair<int64_t, int64_t>> calls;
  PackOptions options;
  options.progress = [&](int64_t files, int64_t bytes) { calls.emplace_back(files, bytes); };
  ASSERT_TRUE(PackDirectory(src_.string(), archive_.string(), options).ok());
  EXPECT_EQ(calls, (std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {2, 5}}));
}

TEST_F(ArchiveTest, SizeLimitNamesTheLargestFiles) {
  WriteFile(src_ / "main.py", "x = 1\n");
  // Sparse files: large sizes without writing the bytes.
  WriteFile(src_ / "data/train.bin", "");
  fs::resize_file(src_ / "data/train.bin", 400LL << 20);
  WriteFile(src_ / "b.bin", "");
  fs::resize_file(src_ / "b.bin", 130LL << 20);
  StatusOr<PackResult> result = PackDirectory(src_.string(), archive_.string());
  ASSERT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(result.status().message(),
            "code snapshot exceeds 512.0 MiB (530.0 MiB in 3 files); the largest files are "
            "data/train.bin (400.0 MiB), b.bin (130.0 MiB), main.py (6 B); add them to "
            ".inetignore or pass --max-snapshot-mb");
  EXPECT_FALSE(fs::exists(archive_));

  WriteFile(src_ / ".inetignore", "*.bin\n");
  EXPECT_TRUE(PackDirectory(src_.string(), archive_.string()).ok());
}

TEST_F(ArchiveTest, PackRejectsMissingRoot) {
  EXPECT_EQ(PackDirectory((base_ / "missing").string(), archive_.string()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ArchiveTest, GnuTarReadsOurArchive) {
  MakeProject();
  ASSERT_TRUE(PackDirectory(src_.string(), archive_.string()).ok());
  const fs::path listing = base_ / "listing.txt";
  ASSERT_EQ(Shell("tar -tzf " + archive_.string() + " > " + listing.string() + " 2>&1"), 0)
      << ReadFile(listing);
  const std::string names = ReadFile(listing);
  EXPECT_THAT(names, HasSubstr("train.py\n"));
  EXPECT_THAT(names, HasSubstr("empty_dir/\n"));
  EXPECT_THAT(names, HasSubstr(LongPath(300) + "\n"));
  EXPECT_THAT(names, ::testing::Not(HasSubstr("PaxHeaders")));

  fs::create_directories(dest_);
  ASSERT_EQ(Shell("tar -xzf " + archive_.string() + " -C " + dest_.string()), 0);
  EXPECT_EQ(Tree(dest_), Tree(src_));
}

TEST_F(ArchiveTest, WeReadGnuTarArchivesInEveryFormat) {
  MakeProject();
  for (const std::string format : {"gnu", "posix", "ustar", "oldgnu"}) {
    SCOPED_TRACE(format);
    fs::remove_all(dest_);
    const fs::path made = base_ / ("gnu-" + format + ".tar.gz");
    // ustar cannot hold the 300-byte path; leave it out there.
    const std::string exclude =
        format == "ustar" || format == "oldgnu" ? " --exclude=" + LongPath(300).substr(0, 40) : "";
    ASSERT_EQ(Shell("tar --format=" + format + exclude + " -czf " + made.string() + " -C " +
                    src_.string() + " ."),
              0);
    Status status = ExtractArchive(made.string(), dest_.string());
    ASSERT_TRUE(status.ok()) << status.ToString();
    std::map<std::string, std::string> expected = Tree(src_);
    if (!exclude.empty()) {
      std::erase_if(expected, [](const auto& item) {
        return item.first.starts_with(LongPath(300).substr(0, 40));
      });
    }
    EXPECT_EQ(Tree(dest_), expected);
  }
}

TEST_F(ArchiveTest, RejectsUnsafeEntries) {
  const std::vector<std::pair<RawEntry, std::string>> cases = {
      {{"/tmp/evil", '0', "x"}, "absolute path"},
      {{"../evil", '0', "x"}, "\"..\""},
      {{"a/../../evil", '0', "x"}, "\"..\""},
      {{"a/..", '5', ""}, "\"..\""},
      {{"", '0', "x"}, "empty name"},
      {{"link", '2', ""}, "symbolic link"},
      {{"hard", '1', ""}, "hard link"},
      {{"tty", '3', ""}, "character device"},
      {{"disk", '4', ""}, "block device"},
      {{"pipe", '6', ""}, "fifo"},
  };
  for (const auto& [entry, reason] : cases) {
    SCOPED_TRACE(entry.name);
    fs::remove_all(dest_);
    Status status = Extract({{"ok.txt", '0', "fine"}, entry});
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(reason));
    EXPECT_THAT(OutsideDest(), ::testing::IsEmpty());
  }
}

TEST_F(ArchiveTest, RejectsUnsafeEntriesMadeByGnuTar) {
  WriteFile(src_ / "f", "x");
  fs::create_symlink("/etc/passwd", src_ / "link");
  ASSERT_EQ(Shell("tar -czf " + archive_.string() + " -C " + src_.string() + " link"), 0);
  Status status = ExtractArchive(archive_.string(), dest_.string());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("link is a symbolic link"));

  ASSERT_EQ(Shell("tar --absolute-names -czf " + archive_.string() + " " + (src_ / "f").string()),
            0);
  status = ExtractArchive(archive_.string(), dest_.string());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("absolute path"));
}

TEST_F(ArchiveTest, SymlinkedDirectoryInDestinationIsNotFollowed) {
  const fs::path outside = base_ / "outside";
  fs::create_directories(outside);
  fs::create_directories(dest_);
  fs::create_directory_symlink(outside, dest_ / "sub");
  Status status = Extract({{"sub/planted.txt", '0', "x"}});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(ArchiveTest, SymlinkedFileInDestinationIsNotFollowed) {
  const fs::path outside = base_ / "outside.txt";
  WriteFile(outside, "original");
  fs::create_directories(dest_);
  fs::create_symlink(outside, dest_ / "file.txt");
  Status status = Extract({{"file.txt", '0', "overwritten"}});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_EQ(ReadFile(outside), "original");
}

TEST_F(ArchiveTest, DuplicateEntryReplacesTheFile) {
  ASSERT_TRUE(Extract({{"a.txt", '0', "first"}, {"a.txt", '0', "second"}}).ok());
  EXPECT_EQ(ReadFile(dest_ / "a.txt"), "second");
}

TEST_F(ArchiveTest, FileWhereADirectoryGoesIsRefused) {
  Status status = Extract({{"a", '0', "file"}, {"a/b", '0', "x"}});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  fs::remove_all(dest_);
  status = Extract({{"a/", '5', ""}, {"a", '0', "x"}});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  WriteFile(base_ / "plain", "");
  EXPECT_EQ(ExtractArchive(archive_.string(), (base_ / "plain").string()).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ArchiveTest, PaxSizeOverridesTheHeaderSize) {
  // The ustar size field says 0; the pax record says 5 (how sizes past 8 GiB are written).
  std::string tar = RawTar({{"PaxHeaders/f", 'x', "10 size=5\n"}, {"f", '0', ""}}, false);
  tar += "hello";
  tar.append(internal::PaddingAfter(5), '\0');
  tar.append(1024, '\0');
  WriteGzip(archive_, tar);
  ASSERT_TRUE(ExtractArchive(archive_.string(), dest_.string()).ok());
  EXPECT_EQ(ReadFile(dest_ / "f"), "hello");
}

TEST_F(ArchiveTest, DotSlashNamesAndParentsCreatedOnDemand) {
  ASSERT_TRUE(Extract({{"./", '5', ""}, {"./x//y/z.txt", '0', "z"}}).ok());
  EXPECT_EQ(ReadFile(dest_ / "x/y/z.txt"), "z");
}

TEST_F(ArchiveTest, GnuLongNamesAndPaxPathsAreHonoured) {
  const std::string long_name = LongPath(180);
  std::string gnu_name = long_name + '\0';
  std::string pax = "30 path=pax/" + std::string(17, 'p') + "\n";
  ASSERT_EQ(pax.size(), 30u);
  ASSERT_TRUE(Extract({{"././@LongLink", 'L', gnu_name},
                       {"truncated", '0', "gnu"},
                       {"PaxHeaders/x", 'x', pax},
                       {"ignored-name", '0', "pax"}})
                  .ok());
  EXPECT_EQ(ReadFile(dest_ / long_name), "gnu");
  EXPECT_EQ(ReadFile(dest_ / ("pax/" + std::string(17, 'p'))), "pax");
  EXPECT_FALSE(fs::exists(dest_ / "truncated"));
}

TEST_F(ArchiveTest, RejectsCorruptAndTruncatedInput) {
  MakeProject();
  ASSERT_TRUE(PackDirectory(src_.string(), archive_.string()).ok());
  const std::string good = ReadFile(archive_);

  WriteFile(archive_, good.substr(0, good.size() / 2));
  EXPECT_EQ(ExtractArchive(archive_.string(), dest_.string()).code(), StatusCode::kInvalidArgument);

  WriteFile(archive_, good.substr(0, good.size() - 4));  // cut inside the gzip trailer
  fs::remove_all(dest_);
  EXPECT_EQ(ExtractArchive(archive_.string(), dest_.string()).code(), StatusCode::kInvalidArgument);

  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x55;
  WriteFile(archive_, flipped);
  fs::remove_all(dest_);
  EXPECT_EQ(ExtractArchive(archive_.string(), dest_.string()).code(), StatusCode::kInvalidArgument);

  WriteFile(archive_, "this is not gzip at all");
  EXPECT_EQ(ExtractArchive(archive_.string(), dest_.string()).code(), StatusCode::kInvalidArgument);

  WriteFile(archive_, "");
  EXPECT_EQ(ExtractArchive(archive_.string(), dest_.string()).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(ExtractArchive((base_ / "missing.tar.gz").string(), dest_.string()).code(),
            StatusCode::kNotFound);
}

TEST_F(ArchiveTest, RejectsBadChecksumAndTarTruncatedInsideAnEntry) {
  std::string tar = RawTar({{"a.txt", '0', "hello"}});
  tar[0] = 'b';  // name changes, stored checksum does not
  WriteGzip(archive_, tar);
  Status status = ExtractArchive(archive_.string(), dest_.string());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("checksum"));

  // A valid gzip stream whose tar stops inside an entry's data.
  const std::string whole = RawTar({{"a.txt", '0', std::string(2000, 'a')}}, false);
  WriteGzip(archive_, whole.substr(0, 1000));
  status = ExtractArchive(archive_.string(), dest_.string());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("truncated"));
}

TEST_F(ArchiveTest, ExtractBoundsStopGzipBombs) {
  WriteGzip(archive_, RawTar({{"zeros", '0', std::string(1 << 20, '\0')}}));
  ExtractOptions options;
  options.max_bytes = 1000;
  Status status = ExtractArchive(archive_.string(), dest_.string(), options);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status.ToString();

  WriteGzip(archive_, RawTar({{"a", '0', ""}, {"b", '0', ""}, {"c", '0', ""}}));
  options = {};
  options.max_entries = 2;
  EXPECT_EQ(ExtractArchive(archive_.string(), dest_.string(), options).code(),
            StatusCode::kResourceExhausted);
}

TEST_F(ArchiveTest, ConcatenatedGzipMembersAreRead) {
  const std::string tar = RawTar({{"a.txt", '0', "one"}, {"b.txt", '0', "two"}});
  const fs::path first = base_ / "1.gz", second = base_ / "2.gz";
  WriteGzip(first, tar.substr(0, 1024));
  WriteGzip(second, tar.substr(1024));
  WriteFile(archive_, ReadFile(first) + ReadFile(second));
  ASSERT_TRUE(ExtractArchive(archive_.string(), dest_.string()).ok());
  EXPECT_EQ(ReadFile(dest_ / "b.txt"), "two");
}

TEST(LooksLikeGzipTest, Detects) {
  EXPECT_TRUE(LooksLikeGzip("\x1f\x8b\x08"));
  EXPECT_TRUE(LooksLikeGzip("\x1f\x8b"));
  EXPECT_FALSE(LooksLikeGzip("\x1f"));
  EXPECT_FALSE(LooksLikeGzip("PK\x03\x04"));
  EXPECT_FALSE(LooksLikeGzip(""));
  EXPECT_FALSE(LooksLikeGzip("\x1f\x8b\x07"));
}

TEST(TarFormatTest, HeaderRoundTripAndPax) {
  const std::string encoded = internal::EncodeHeader("dir/file.txt", '0', 12345, 0755, 1700000000);
  ASSERT_EQ(encoded.size(), internal::kBlockSize);
  StatusOr<internal::TarHeader> header = internal::DecodeHeader(encoded);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->name, "dir/file.txt");
  EXPECT_EQ(header->size, 12345);
  EXPECT_EQ(header->mode, 0755);
  EXPECT_EQ(header->mtime, 1700000000);

  // Past 8 GiB the size goes into a pax record.
  const int64_t huge = int64_t{20} << 30;
  const std::string big = internal::EncodeHeader("big.bin", '0', huge, 0644, 0);
  ASSERT_EQ(big.size(), 3 * internal::kBlockSize);
  StatusOr<internal::TarHeader> pax_header =
      internal::DecodeHeader(std::string_view(big).substr(0, internal::kBlockSize));
  ASSERT_TRUE(pax_header.ok());
  EXPECT_EQ(pax_header->type, 'x');
  internal::PaxOverrides overrides;
  ASSERT_TRUE(
      internal::ParsePaxRecords(
          std::string_view(big).substr(internal::kBlockSize, static_cast<size_t>(pax_header->size)),
          overrides)
          .ok());
  EXPECT_EQ(overrides.size, huge);
  EXPECT_FALSE(overrides.path.has_value());
}

TEST(TarFormatTest, PaxRecordsAreValidated) {
  internal::PaxOverrides overrides;
  EXPECT_TRUE(internal::ParsePaxRecords("18 path=some/file\n", overrides).ok());
  EXPECT_EQ(overrides.path, "some/file");
  EXPECT_FALSE(internal::ParsePaxRecords("99 path=x\n", overrides).ok());
  EXPECT_FALSE(internal::ParsePaxRecords("x path=x\n", overrides).ok());
  EXPECT_FALSE(internal::ParsePaxRecords("12 size=-1\n", overrides).ok());
  EXPECT_FALSE(internal::ParsePaxRecords(std::string("12 path=a\0b\n", 12), overrides).ok());
}

}  // namespace
}  // namespace inet::archive
