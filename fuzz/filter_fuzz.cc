// Fuzzes the search language: every Parse* function and DecodePageToken get the same bytes.
// Beyond "no crash, no sanitizer report", it checks the contracts adapters rely on: errors
// are kInvalidArgument, IN / NOT IN always carry a non-empty list and nothing else does, and
// any token we encode decodes to the same offset.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "search/search.h"

namespace {

using inet::StatusCode;
using inet::search::Comparator;
using inet::search::Filter;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckFilter(const inet::StatusOr<Filter>& filter) {
  if (!filter.ok()) {
    Check(filter.status().code() == StatusCode::kInvalidArgument);
    Check(!filter.status().message().empty());
    return;
  }
  for (const auto& clause : filter->clauses) {
    const bool in = clause.op == Comparator::kIn || clause.op == Comparator::kNotIn;
    const auto* list = std::get_if<std::vector<std::string>>(&clause.value);
    Check(in == (list != nullptr));
    if (list != nullptr) Check(!list->empty());
    Check(!inet::search::ComparatorSql(clause.op).empty());
  }
}

template <typename T>
void CheckError(const inet::StatusOr<T>& result) {
  if (!result.ok()) Check(result.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckFilter(inet::search::ParseRunFilter(input));
  CheckFilter(inet::search::ParseExperimentFilter(input));
  CheckFilter(inet::search::ParseLoggedModelFilter(input));
  CheckError(inet::search::ParseRunOrderBy(input));
  CheckError(inet::search::ParseExperimentOrderBy(input));
  CheckError(inet::search::ParseLoggedModelOrderField(input));

  const inet::StatusOr<int64_t> offset = inet::search::DecodePageToken(input);
  CheckError(offset);
  if (offset.ok()) {
    Check(*offset >= 0);
    Check(*inet::search::DecodePageToken(inet::search::EncodePageToken(*offset)) == *offset);
  }
  return 0;
}
