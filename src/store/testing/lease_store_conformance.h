// The LeaseStore conformance suite: one value-parameterised GoogleTest suite that pins the
// LeaseStore contract (store/lease_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include "store/lease_store.h"
#include "store/testing/conformance_target.h"

namespace inet::store::testing {

// Fixture: store() is the leases of a fresh MetadataStore for each test.
class LeaseStoreConformanceTest : public MetadataStoreTest {
 protected:
  LeaseStore& store() { return metadata().leases(); }
};

}  // namespace inet::store::testing
