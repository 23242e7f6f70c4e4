// The CostStore conformance suite: one value-parameterised GoogleTest suite that pins the
// CostStore contract (store/cost_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include "store/cost_store.h"
#include "store/testing/conformance_target.h"

namespace inet::store::testing {

// Fixture: store() is the costs of a fresh MetadataStore for each test.
class CostStoreConformanceTest : public MetadataStoreTest {
 protected:
  CostStore& store() { return metadata().costs(); }
};

}  // namespace inet::store::testing
