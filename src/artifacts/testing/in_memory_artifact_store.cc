#include "artifacts/testing/in_memory_artifact_store.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/ids.h"

namespace inet::artifacts {
namespace {

// Streams a slice of a shared string.
class SharedStringSource : public ByteSource {
 public:
  SharedStringSource(std::shared_ptr<const std::string> data, size_t pos, size_t end)
      : data_(std::move(data)), pos_(pos), end_(end) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t count = std::min(n, end_ - pos_);
    std::memcpy(buf, data_->data() + pos_, count);
    pos_ += count;
    return count;
  }

 private:
  std::shared_ptr<const std::string> data_;
  size_t pos_;
  size_t end_;
};

// Page tokens are the hex of the last key returned (opaque, URL-safe).
StatusOr<std::string> DecodePageToken(std::string_view token) {
  std::optional<std::string> key = HexDecode(token);
  if (!key) return InvalidArgumentError("invalid page token");
  return std::move(*key);
}

}  // namespace

Status InMemoryArtifactStore::Put(std::string_view key_in, ByteSource& body, int64_t) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  ASSIGN_OR_RETURN(std::string data, ReadAll(body, SIZE_MAX));
  Object object{std::make_shared<const std::string>(std::move(data)),
                clock_ ? clock_->NowMillis() : 0, ""};
  object.etag = Sha256Hex(*object.data);
  std::lock_guard lock(mu_);
  // S3 has no directories, but the local adapter cannot hold an object and a "directory" of
  // the same name; keep the fake as strict so tests catch it.
  auto below = objects_.lower_bound(key + "/");
  if (below != objects_.end() && below->first.starts_with(key + "/")) {
    return FailedPreconditionError("a directory already exists at artifact key '" + key + "'");
  }
  for (size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    if (objects_.count(key.substr(0, slash)) != 0) {
      return FailedPreconditionError("'" + key.substr(0, slash) + "' is not a directory");
    }
  }
  objects_[key] = std::move(object);
  return OkStatus();
}

StatusOr<std::unique_ptr<ByteSource>> InMemoryArtifactStore::Get(std::string_view key_in,
                                                                 int64_t offset, int64_t length) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundError("artifact '" + key + "' not found");
  int64_t size = static_cast<int64_t>(it->second.data->size());
  if (offset < 0 || offset > size) {
    return InvalidArgumentError("range start " + std::to_string(offset) + " is outside artifact '" +
                                key + "'");
  }
  int64_t end = length < 0 ? size : std::min(size, offset + length);
  return std::unique_ptr<ByteSource>(std::make_unique<SharedStringSource>(
      it->second.data, static_cast<size_t>(offset), static_cast<size_t>(end)));
}

StatusOr<ObjectInfo> InMemoryArtifactStore::Head(std::string_view key_in) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundError("artifact '" + key + "' not found");
  return ObjectInfo{key, static_cast<int64_t>(it->second.data->size()), it->second.last_modified_ms,
                    it->second.etag};
}

StatusOr<ListResult> InMemoryArtifactStore::List(const ListOptions& options) {
  if (options.max_keys <= 0) return InvalidArgumentError("max_keys must be positive");
  std::string prefix;
  if (!options.prefix.empty()) {
    ASSIGN_OR_RETURN(prefix, ValidateKey(options.prefix));
    if (options.prefix.back() == '/') prefix += '/';
  }
  std::string after;
  if (!options.page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(options.page_token));
  }
  // Build the merged, sorted sequence of objects and common prefixes, then page through it.
  std::map<std::string, const ObjectInfo*> entries;
  std::vector<ObjectInfo> infos;
  std::lock_guard lock(mu_);
  infos.reserve(objects_.size());
  for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(prefix)) break;
    size_t slash = options.delimited ? key.find('/', prefix.size()) : std::string::npos;
    if (slash != std::string::npos) {
      entries.emplace(key.substr(0, slash + 1), nullptr);
    } else {
      infos.push_back({key, static_cast<int64_t>(it->second.data->size()),
                       it->second.last_modified_ms, it->second.etag});
    }
  }
  for (const ObjectInfo& info : infos) entries.emplace(info.key, &info);
  ListResult result;
  auto it = after.empty() ? entries.begin() : entries.upper_bound(after);
  for (int taken = 0; it != entries.end() && taken < options.max_keys; ++it, ++taken) {
    if (it->second == nullptr) {
      result.common_prefixes.push_back(it->first);
    } else {
      result.objects.push_back(*it->second);
    }
  }
  if (it != entries.end()) result.next_page_token = HexEncode(std::prev(it)->first);
  return result;
}

Status InMemoryArtifactStore::Delete(std::string_view key_in) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  std::lock_guard lock(mu_);
  objects_.erase(key);
  return OkStatus();
}

Status InMemoryArtifactStore::DeletePrefix(std::string_view prefix_in) {
  ASSIGN_OR_RETURN(std::string prefix, ValidateKey(prefix_in, /*allow_empty=*/true));
  if (!prefix.empty()) prefix += '/';
  std::lock_guard lock(mu_);
  auto it = objects_.lower_bound(prefix);
  while (it != objects_.end() && it->first.starts_with(prefix)) it = objects_.erase(it);
  return OkStatus();
}

StatusOr<std::string> InMemoryArtifactStore::CreateMultipartUpload(std::string_view key_in) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  std::string id = RandomHex(16);
  std::lock_guard lock(mu_);
  uploads_[id] = Upload{key, {}};
  return id;
}

StatusOr<std::string> InMemoryArtifactStore::UploadPart(std::string_view key_in,
                                                        std::string_view upload_id, int part_number,
                                                        ByteSource& body) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  if (part_number < 1 || part_number > 10000) {
    return InvalidArgumentError("part number must be between 1 and 10000, got " +
                                std::to_string(part_number));
  }
  ASSIGN_OR_RETURN(std::string data, ReadAll(body, SIZE_MAX));
  std::string etag = Sha256Hex(data);
  std::lock_guard lock(mu_);
  auto it = uploads_.find(std::string(upload_id));
  if (it == uploads_.end() || it->second.key != key) {
    return NotFoundError("no multipart upload '" + std::string(upload_id) + "' for artifact '" +
                         key + "'");
  }
  it->second.parts[part_number] =
      Object{std::make_shared<const std::string>(std::move(data)), 0, etag};
  return etag;
}

Status InMemoryArtifactStore::CompleteMultipartUpload(std::string_view key_in,
                                                      std::string_view upload_id,
                                                      const std::vector<CompletedPart>& parts) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  if (parts.empty()) return InvalidArgumentError("a multipart upload needs at least one part");
  std::string data;
  {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(std::string(upload_id));
    if (it == uploads_.end() || it->second.key != key) {
      return NotFoundError("no multipart upload '" + std::string(upload_id) + "' for artifact '" +
                           key + "'");
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      const CompletedPart& p = parts[i];
      if (i > 0 && p.part_number <= parts[i - 1].part_number) {
        return InvalidArgumentError("parts must be listed in ascending part-number order");
      }
      auto part = it->second.parts.find(p.part_number);
      if (part == it->second.parts.end()) {
        return InvalidArgumentError("part " + std::to_string(p.part_number) + " was not uploaded");
      }
      std::string_view etag = p.etag;
      if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        etag = etag.substr(1, etag.size() - 2);
      }
      if (etag != part->second.etag) {
        return InvalidArgumentError("etag of part " + std::to_string(p.part_number) +
                                    " does not match the uploaded part");
      }
      data += *part->second.data;
    }
    uploads_.erase(it);
  }
  StringByteSource source(std::move(data));
  return Put(key, source);
}

Status InMemoryArtifactStore::AbortMultipartUpload(std::string_view key_in,
                                                   std::string_view upload_id) {
  ASSIGN_OR_RETURN(std::string key, ValidateKey(key_in));
  std::lock_guard lock(mu_);
  auto it = uploads_.find(std::string(upload_id));
  if (it == uploads_.end() || it->second.key != key) {
    return NotFoundError("no multipart upload '" + std::string(upload_id) + "' for artifact '" +
                         key + "'");
  }
  uploads_.erase(it);
  return OkStatus();
}

size_t InMemoryArtifactStore::PendingUploads() const {
  std::lock_guard lock(mu_);
  return uploads_.size();
}

}  // namespace inet::artifacts
