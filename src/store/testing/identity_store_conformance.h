// The IdentityStore conformance suite: one value-parameterised GoogleTest suite that pins the
// IdentityStore contract (store/identity_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include "store/identity_store.h"
#include "store/testing/conformance_target.h"

namespace inet::store::testing {

// Fixture: store() is the identities of a fresh MetadataStore for each test.
class IdentityStoreConformanceTest : public MetadataStoreTest {
 protected:
  IdentityStore& store() { return metadata().identity(); }
};

}  // namespace inet::store::testing
