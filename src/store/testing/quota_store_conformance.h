// The QuotaStore conformance suite: one value-parameterised GoogleTest suite that pins the
// QuotaStore contract (store/quota_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include "store/quota_store.h"
#include "store/testing/conformance_target.h"

namespace inet::store::testing {

// Fixture: store() is the quotas of a fresh MetadataStore for each test.
class QuotaStoreConformanceTest : public MetadataStoreTest {
 protected:
  QuotaStore& store() { return metadata().quotas(); }
};

}  // namespace inet::store::testing
