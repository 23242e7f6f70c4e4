// LocalArtifactStore: the embedded artifact-store adapter, a directory on the local disk.
//
// An object with key "a/b/c.txt" is the plain file <root>/a/b/c.txt, so the tree is the same
// one MLflow's own local artifact repository writes and a `file://` client can read it. The
// store keeps its scratch space under <root>/.inet/ (temporary files, multipart parts); the key
// segment ".inet" at the top level is therefore reserved.
//
// Safety: every path is walked component by component from an open descriptor of the root with
// O_NOFOLLOW, so a symlink placed inside the root (by anyone) is never followed out of it;
// symlinks are invisible to Get/Head/List and are removed, not followed, by deletes.
// Durability: Put and CompleteMultipartUpload write a temporary file, fsync it, rename it into
// place and fsync the directory, so an acknowledged write survives a crash and readers never
// see a partial object. Deleting the last object of a directory removes the empty directory
// (S3 semantics: "directories" exist only while they hold objects).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "artifacts/artifact_store.h"

namespace inet::artifacts {

class LocalArtifactStore : public ArtifactStore {
 public:
  struct Options {
    // Create the root directory (and its parents) when missing; otherwise Open fails with
    // kNotFound.
    bool create_root = true;
  };

  // Opens the store rooted at the absolute directory `root`, removing the temporary files that
  // writers which died mid-write left in its scratch space. kInvalidArgument for a relative
  // path or a non-directory, kNotFound (see Options), kPermissionDenied / kInternal for other
  // OS failures.
  static StatusOr<std::unique_ptr<LocalArtifactStore>> Open(std::string_view root, Options options);
  static StatusOr<std::unique_ptr<LocalArtifactStore>> Open(std::string_view root) {
    return Open(root, Options());
  }

  ~LocalArtifactStore() override;
  LocalArtifactStore(const LocalArtifactStore&) = delete;
  LocalArtifactStore& operator=(const LocalArtifactStore&) = delete;

  // The absolute root directory.
  const std::string& root() const { return root_; }

  // ArtifactStore. Etags are derived from (inode, mtime, size): stable while the object is
  // unchanged, different after any rewrite; they are not content hashes.
  Status Put(std::string_view key, ByteSource& body, int64_t size = -1) override;
  StatusOr<std::unique_ptr<ByteSource>> Get(std::string_view key, int64_t offset = 0,
                                            int64_t length = -1) override;
  StatusOr<ObjectInfo> Head(std::string_view key) override;
  StatusOr<ListResult> List(const ListOptions& options) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  StatusOr<std::string> CreateMultipartUpload(std::string_view key) override;
  StatusOr<std::string> UploadPart(std::string_view key, std::string_view upload_id,
                                   int part_number, ByteSource& body) override;
  Status CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                 const std::vector<CompletedPart>& parts) override;
  Status AbortMultipartUpload(std::string_view key, std::string_view upload_id) override;

 private:
  LocalArtifactStore(std::string root, int root_fd) : root_(std::move(root)), root_fd_(root_fd) {}

  std::string root_;
  int root_fd_;  // owned; every path is resolved relative to it
};

// The ArtifactStoreOpener of the "file" scheme (artifacts/artifact_schemes.h), registered by
// the composition root: file:///abs/dir, file://localhost/abs/dir, file:/abs/dir, or a bare
// directory path (relative to the working directory). `create` makes a missing directory;
// otherwise it is kNotFound. kInvalidArgument for a remote file host or a malformed escape.
StatusOr<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStoreUri(std::string_view uri,
                                                                   bool create);

}  // namespace inet::artifacts
