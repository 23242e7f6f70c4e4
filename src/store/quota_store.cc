#include "store/quota_store.h"

#include <string>

namespace inet::store {

std::string_view QuotaRequestStatusName(QuotaRequestStatus status) {
  switch (status) {
    case QuotaRequestStatus::kPending:
      return "pending";
    case QuotaRequestStatus::kApproved:
      return "approved";
    case QuotaRequestStatus::kDenied:
      return "denied";
  }
  return "pending";
}

std::optional<QuotaRequestStatus> ParseQuotaRequestStatus(std::string_view name) {
  for (QuotaRequestStatus status :
       {QuotaRequestStatus::kPending, QuotaRequestStatus::kApproved, QuotaRequestStatus::kDenied}) {
    if (name == QuotaRequestStatusName(status)) return status;
  }
  return std::nullopt;
}

}  // namespace inet::store
